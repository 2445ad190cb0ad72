"""Shared fixtures: each test runs on every available stack against a migrated database.

The embedded stack (SQLite, in-process cache and bus) always runs. The scaled stack
(PostgreSQL, Redis, NATS) runs when VEZA_TEST_DATABASE_URL, VEZA_TEST_REDIS_URL and
VEZA_TEST_NATS_URL are set, and is skipped, saying why, when they are not.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from veza.app import create_app
from veza.config import Settings, load_settings
from veza.core import migrate
from veza.core.db import Database
from veza.core.models import Base

SCALED_ENV = ("VEZA_TEST_DATABASE_URL", "VEZA_TEST_REDIS_URL", "VEZA_TEST_NATS_URL")
# Cheap hashing in tests; bench/ measures the production parameters.
FAST_ARGON2 = {"argon2_time_cost": 1, "argon2_memory_kib": 64, "argon2_parallelism": 1}
PASSWORD = "correct horse battery staple"


@dataclass(frozen=True)
class Stack:
    name: str
    database_url: str
    redis_url: str | None = None
    nats_url: str | None = None


def _postgres_test_url(base: str) -> str:
    """A throwaway database beside the one VEZA_TEST_DATABASE_URL names."""
    url = make_url(base)
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+asyncpg")
    return url.set(database=f"veza_test_{uuid.uuid4().hex[:10]}").render_as_string(
        hide_password=False
    )


async def _admin_sql(url: str, statement: str) -> None:
    admin = Database(make_url(url).set(database="postgres").render_as_string(hide_password=False))
    try:
        async with admin.engine.connect() as connection:
            connection = await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text(statement))
    finally:
        await admin.close()


async def _migrate(url: str) -> None:
    database = Database(url)
    try:
        await migrate.upgrade(database)
    finally:
        await database.close()


@pytest.fixture(scope="session")
def embedded_stack(tmp_path_factory: pytest.TempPathFactory) -> Stack:
    path = tmp_path_factory.mktemp("db") / "veza.db"
    url = f"sqlite+aiosqlite:///{path}"
    asyncio.run(_migrate(url))
    return Stack("embedded", url)


@pytest.fixture(scope="session")
def scaled_stack() -> Iterator[Stack]:
    missing = [name for name in SCALED_ENV if not os.environ.get(name)]
    if missing:
        pytest.skip(f"scaled stack needs {', '.join(missing)}")
    url = _postgres_test_url(os.environ["VEZA_TEST_DATABASE_URL"])
    name = make_url(url).database
    asyncio.run(_admin_sql(url, f'CREATE DATABASE "{name}"'))
    asyncio.run(_migrate(url))
    yield Stack("scaled", url, os.environ["VEZA_TEST_REDIS_URL"], os.environ["VEZA_TEST_NATS_URL"])
    asyncio.run(_admin_sql(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["embedded", "scaled"])
def stack(request: pytest.FixtureRequest) -> Stack:
    fixture: Stack = request.getfixturevalue(f"{request.param}_stack")
    return fixture


def make_settings(stack: Stack, media_dir: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "env": "test",
        "database_url": stack.database_url,
        "redis_url": stack.redis_url,
        "redis_prefix": f"veza-test-{uuid.uuid4().hex[:12]}:",
        "nats_url": stack.nats_url,
        "jobs_stream": f"VEZA_TEST_JOBS_{uuid.uuid4().hex[:12]}",  # one job queue per test
        "storage_url": f"file://{media_dir}",
        "data_dir": media_dir.parent,
        "auto_migrate": False,
        "rate_limit_per_ip_per_minute": 100_000,
        "registrations_per_10min": 10_000,
        "log_format": "json",
        **FAST_ARGON2,
        **overrides,
    }
    return load_settings(**values)


def settings_env(settings: Settings, **extra: str) -> dict[str, str]:
    """The environment of a `veza` child process that runs with these settings."""
    values = {
        f"VEZA_{name.upper()}": str(value)
        for name, value in settings.model_dump(mode="json").items()
        if value is not None and not isinstance(value, list)
    }
    secret = settings.secret_key.get_secret_value() if settings.secret_key else ""
    base = {k: v for k, v in os.environ.items() if not k.startswith("VEZA_")}
    return {**base, **values, "VEZA_SECRET_KEY": secret, **extra}


async def _empty_tables(database: Database) -> None:
    """Empty every table. A media worker still writing its last rows (a job's outcome, the
    owner's notification) can deadlock with TRUNCATE on PostgreSQL: then try again."""
    for attempt in range(3):
        try:
            async with database.engine.begin() as connection:
                if connection.dialect.name == "postgresql":
                    names = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
                    await connection.execute(text(f"TRUNCATE {names} CASCADE"))
                else:
                    for table in reversed(Base.metadata.sorted_tables):
                        await connection.execute(table.delete())
            return
        except DBAPIError as exc:
            if "deadlock" not in str(exc) or attempt == 2:
                raise


AppFactory = Callable[..., Awaitable[FastAPI]]


@pytest.fixture
async def app_factory(stack: Stack, tmp_path: Path) -> AsyncIterator[AppFactory]:
    """Start apps with test settings (plus overrides); all are stopped and the tables emptied."""
    started: list[tuple[FastAPI, LifespanManager]] = []

    async def start(**overrides: Any) -> FastAPI:
        app = create_app(make_settings(stack, tmp_path / "media", **overrides))
        manager = LifespanManager(app, startup_timeout=30)
        await manager.__aenter__()
        started.append((app, manager))
        return app

    yield start
    for app, manager in reversed(started):
        try:
            await _empty_tables(app.state.backends.db)
        finally:
            await drop_job_stream(app.state.settings)
            await manager.__aexit__(None, None, None)


async def drop_job_stream(settings: Settings) -> None:
    """Drop the test's JetStream stream (scaled stack), so the shared NATS keeps no leftovers."""
    if settings.nats_url is None:
        return
    from veza.core.bus_nats import NatsBus

    bus = await NatsBus.connect(settings.nats_url)
    try:
        with contextlib.suppress(Exception):  # never created: nothing was uploaded
            await bus.client.jetstream().delete_stream(settings.jobs_stream)
    finally:
        await bus.close()


@pytest.fixture
async def app(app_factory: AppFactory) -> FastAPI:
    return await app_factory()


def client_for(app: FastAPI, ip: str = "127.0.0.1") -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(ip, 50000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with client_for(app) as http:
        yield http


@dataclass
class Account:
    """A registered user and the tokens of one session."""

    username: str
    email: str
    password: str
    access_token: str
    refresh_token: str
    id: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.access_token}"}


async def register(client: httpx.AsyncClient, username: str, **extra: str) -> Account:
    email = extra.get("email", f"{username}@example.org")
    password = extra.get("password", PASSWORD)
    response = await client.post(
        "/api/v1/auth/register", json={"username": username, "email": email, "password": password}
    )
    assert response.status_code == 201, response.text
    body = response.json()
    return Account(
        username, email, password, body["access_token"], body["refresh_token"], body["user"]["id"]
    )


async def make_admin(app: FastAPI, username: str) -> None:
    """Promote directly in the database, as `veza user set-role` does."""
    async with app.state.backends.db.session() as db:
        await db.execute(
            text("UPDATE users SET role = 'admin' WHERE username = :u"), {"u": username}
        )
        await db.commit()


@pytest.fixture
async def hamlet(client: httpx.AsyncClient) -> Account:
    """An ordinary user."""
    return await register(client, "hamlet")


@pytest.fixture
async def othello(client: httpx.AsyncClient) -> Account:
    """A second ordinary user, for checks that one user cannot touch another's things."""
    return await register(client, "othello")


@pytest.fixture
async def iago(client: httpx.AsyncClient, app: FastAPI) -> Account:
    """An administrator (promoted after sign-up; the token's role is re-read per request)."""
    account = await register(client, "iago")
    await make_admin(app, "iago")
    return account


def assert_error(response: httpx.Response, status: int, code: str | None = None) -> dict[str, Any]:
    """The standard error body, with the expected status (and code)."""
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    assert set(error) == {"code", "message", "details"}
    assert error["message"]
    if code is not None:
        assert error["code"] == code, error
    assert response.headers.get("x-request-id")
    return error
