"""Real chat servers (uvicorn, in the test's loop) and real WebSocket clients (`websockets`)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
import sys
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from chat.support import WAIT_SECONDS, ChatClient, open_socket
from conftest import Account, Stack, _empty_tables, make_settings, register
from veza.app import create_app
from veza.chat.connection import ChatLimits
from veza.core.db import Database


@dataclass
class Server:
    app: FastAPI
    base_url: str
    server: uvicorn.Server
    task: asyncio.Task[None]

    @property
    def ws_url(self) -> str:
        return self.base_url.replace("http://", "ws://") + "/ws"

    def http(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.base_url, timeout=WAIT_SECONDS)


ServerFactory = Callable[..., Awaitable[Server]]


@pytest.fixture(autouse=True)
def no_server_errors(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """A test fails when the server logged an error (a crash the client may not see)."""
    yield
    errors = [
        record
        for record in caplog.get_records("setup") + caplog.get_records("call")
        if record.levelno >= logging.ERROR
    ]
    assert not errors, [record.getMessage() for record in errors]


async def _serve(app: FastAPI) -> Server:
    config = uvicorn.Config(
        app, host="127.0.0.1", port=0, lifespan="on", log_config=None, timeout_graceful_shutdown=5
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    async with asyncio.timeout(WAIT_SECONDS):
        while not server.started:
            if task.done():
                task.result()
                raise RuntimeError("server stopped while starting")
            await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    return Server(app, f"http://127.0.0.1:{port}", server, task)


@pytest.fixture
async def start_server(stack: Stack, tmp_path: Path) -> AsyncIterator[ServerFactory]:
    """Start servers (nodes of one deployment: same database, cache prefix and bus)."""
    started: list[Server] = []
    shared = {
        "redis_prefix": f"veza-test-{uuid.uuid4().hex[:12]}:",
        "secret_key": secrets.token_urlsafe(48),  # tokens from one node work on all
    }

    async def start(limits: ChatLimits | None = None, **overrides: Any) -> Server:
        app = create_app(make_settings(stack, tmp_path / "media", **{**shared, **overrides}))
        if limits is not None:
            app.state.chat_limits = limits
        node = await _serve(app)
        started.append(node)
        return node

    yield start
    try:
        running = [node for node in started if not node.task.done()]
        if running:
            await _empty_tables(running[0].app.state.backends.db)
    finally:
        for node in reversed(started):
            await stop(node)


async def stop(node: Server) -> None:
    node.server.should_exit = True
    await node.task


@dataclass
class Process:
    """A `veza serve` running as its own OS process (a node that can really crash)."""

    process: asyncio.subprocess.Process
    base_url: str

    @property
    def ws_url(self) -> str:
        return self.base_url.replace("http://", "ws://") + "/ws"

    def http(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.base_url, timeout=WAIT_SECONDS)

    def kill(self) -> None:
        """SIGKILL: no close frames, no cleanup, as when a machine dies."""
        self.process.kill()


ProcessFactory = Callable[[], Awaitable[Process]]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.fixture
async def start_process(stack: Stack, tmp_path: Path) -> AsyncIterator[ProcessFactory]:
    """Start `python -m veza serve` processes that share the stack (scaled stack only)."""
    if stack.name == "embedded":
        pytest.skip("the embedded stack keeps its bus in one process; nodes cannot share it")
    started: list[Process] = []
    settings = make_settings(stack, tmp_path / "media", embedded_workers=False)
    env = {
        **os.environ,
        **{
            f"VEZA_{name.upper()}": str(value)
            for name, value in settings.model_dump(mode="json").items()
            if value is not None and not isinstance(value, list)
        },
        "VEZA_SECRET_KEY": settings.secret_key.get_secret_value() if settings.secret_key else "",
        "VEZA_LOG_LEVEL": "WARNING",
    }

    async def start() -> Process:
        port = _free_port()
        child = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "veza", "serve", "--port", str(port), env=env
        )
        node = Process(child, f"http://127.0.0.1:{port}")
        started.append(node)
        async with asyncio.timeout(WAIT_SECONDS * 2), node.http() as http:
            while True:
                if child.returncode is not None:
                    raise RuntimeError(f"veza serve exited with {child.returncode}")
                with contextlib.suppress(httpx.TransportError):
                    if (await http.get("/health")).status_code == 200:
                        return node
                await asyncio.sleep(0.1)

    yield start
    for node in started:
        if node.process.returncode is None:
            node.process.terminate()
        await node.process.wait()
    database = Database(stack.database_url)
    try:
        await _empty_tables(database)
    finally:
        await database.close()


@pytest.fixture
async def server(start_server: ServerFactory) -> Server:
    return await start_server()


@pytest.fixture
async def http(server: Server) -> AsyncIterator[httpx.AsyncClient]:
    async with server.http() as client:
        yield client


@pytest.fixture
async def sockets() -> AsyncIterator[Callable[..., Awaitable[ChatClient]]]:
    """Open sockets (closed after the test)."""
    opened: list[ChatClient] = []

    async def open_(server: Server, account: Account | None = None) -> ChatClient:
        client = await open_socket(server.ws_url, account.access_token if account else None)
        opened.append(client)
        return client

    yield open_
    for client in opened:
        await client.close()


@pytest.fixture
async def hamlet(http: httpx.AsyncClient) -> Account:
    return await register(http, "hamlet")


@pytest.fixture
async def othello(http: httpx.AsyncClient) -> Account:
    return await register(http, "othello")


@pytest.fixture
async def iago(http: httpx.AsyncClient) -> Account:
    return await register(http, "iago")
