"""`/ws`: the thin adapter between a WebSocket and the chat protocol, hub and handlers."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI
from sqlalchemy import select
from starlette.websockets import WebSocket, WebSocketDisconnect

from veza.chat import protocol as p
from veza.chat import slots
from veza.chat.connection import (
    CLOSE_BANNED,
    CLOSE_POLICY,
    CLOSE_TOO_BIG,
    CLOSE_TOO_MANY,
    CLOSE_UNAUTHORIZED,
    ChatLimits,
    Connection,
)
from veza.chat.handlers import Handlers
from veza.chat.hub import Hub
from veza.chat.metrics import MESSAGES
from veza.chat.presence import arrive, depart, heartbeat
from veza.core.backends import Backends
from veza.core.errors import Forbidden, RateLimited, Unauthorized, VezaError
from veza.core.models import User
from veza.core.observability.logging import get_logger
from veza.core.services import chat_bans, credentials
from veza.core.services.audit import ClientInfo
from veza.core.services.chat_events import user_subject
from veza.core.web.middleware import client_ip

log = get_logger("veza.chat")


def install(app: FastAPI, limits: ChatLimits | None = None) -> None:
    """Mount `/ws`; tests may replace `app.state.chat_limits` before the app starts."""
    app.state.chat_limits = limits or ChatLimits.of(app.state.settings)
    app.add_api_websocket_route("/ws", chat_socket)


def hub_of(app: FastAPI, backends: Backends) -> Hub:
    """One hub per process, bound to the bus of the running app."""
    hub: Hub | None = getattr(app.state, "chat_hub", None)
    if hub is None or hub.bus is not backends.bus:
        hub = app.state.chat_hub = Hub(backends.bus)
    return hub


async def _first_token(websocket: WebSocket, limits: ChatLimits) -> tuple[str, str | None]:
    """The token from `?token=`, or from an `auth` frame sent first (and its request id)."""
    token = websocket.query_params.get("token")
    if token:
        return token, None
    try:
        message = await asyncio.wait_for(websocket.receive(), limits.auth_timeout_seconds)
    except TimeoutError:
        raise Unauthorized("no auth frame in time", code="auth_timeout") from None
    if message["type"] == "websocket.disconnect":
        raise WebSocketDisconnect(message.get("code", 1000))
    text = message.get("text")
    try:
        frame = p.parse(text) if isinstance(text, str) else None
    except p.ProtocolError:
        frame = None
    if not isinstance(frame, p.Auth):
        raise Unauthorized("first frame must be auth", code="auth_required")
    return frame.token, frame.id


async def _open(websocket: WebSocket, backends: Backends, limits: ChatLimits) -> Connection:
    token, request_id = await _first_token(websocket, limits)
    client = ClientInfo(
        ip=client_ip(websocket.scope), user_agent=websocket.headers.get("user-agent")
    )
    principal, expires_at = await credentials.authenticate(backends, token, client)
    if principal.scopes is not None and "write" not in principal.scopes:
        raise Unauthorized("chat needs a token with the write scope", code="insufficient_scope")
    async with backends.db.session() as db:
        await chat_bans.ensure_not_banned(db, principal.user_id)
        username = await db.scalar(select(User.username).where(User.id == principal.user_id))
    connection = Connection(
        websocket,
        user_id=principal.user_id,
        username=username or "",
        token=token,
        token_expires_at=expires_at,
        limits=limits,
    )
    ready = {
        "user": {"id": str(principal.user_id), "username": connection.username},
        "connection_id": str(connection.id),
        "expires_at": expires_at.isoformat(),
    }
    if request_id is not None:
        connection.push(p.ack(request_id, ready))
    connection.push(p.dumps({"type": "ready", "data": ready}))
    return connection


async def chat_socket(websocket: WebSocket) -> None:
    """Authenticate, then read requests and write answers and events until either side ends."""
    backends: Backends = websocket.app.state.backends
    limits: ChatLimits = websocket.app.state.chat_limits
    await websocket.accept()
    try:
        connection = await _open(websocket, backends, limits)
    except WebSocketDisconnect:
        return
    except Unauthorized as exc:
        await websocket.close(CLOSE_UNAUTHORIZED, exc.message[:120])
        return
    except Forbidden as exc:  # banned from chat
        await websocket.close(CLOSE_BANNED, exc.message[:120])
        return
    connection.slot = await slots.take(
        backends.cache,
        connection.user_id,
        connection.id,
        limit=limits.connections_per_user,
        ttl=limits.slot_ttl_seconds,
    )
    if connection.slot is None:
        await websocket.close(
            CLOSE_TOO_MANY, f"at most {limits.connections_per_user} connections per user"
        )
        return
    try:
        await _serve(websocket, backends, connection)
    finally:
        with contextlib.suppress(Exception):  # an unfreed slot expires on its own
            await slots.free(backends.cache, connection.user_id, connection.slot, connection.id)


async def _serve(websocket: WebSocket, backends: Backends, connection: Connection) -> None:
    """Run an admitted connection until either side ends it."""
    limits = connection.limits
    hub = hub_of(websocket.app, backends)
    ip = client_ip(websocket.scope)
    refused = hub.admit(connection, ip)
    if refused is not None:
        await websocket.close(CLOSE_TOO_MANY, refused)
        return
    tasks: list[asyncio.Task[object]] = []
    try:
        await hub.watch(user_subject(connection.user_id), connection)
        await arrive(backends, connection)
        handlers = Handlers(backends, hub, connection)
        writer = asyncio.create_task(connection.write())
        reader = asyncio.create_task(_read(websocket, connection, handlers))
        closing = asyncio.create_task(connection.close_requested.wait())
        beats = asyncio.create_task(heartbeat(backends, hub, connection))
        tasks = [writer, reader, closing, beats]
        await asyncio.wait({writer, reader, closing}, return_when=asyncio.FIRST_COMPLETED)
        if connection.closing and not writer.done():
            # A peer that does not read keeps the writer waiting: it gets a grace period.
            await asyncio.wait({writer}, timeout=limits.close_grace_seconds)
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if await hub.release(connection, ip):
            with contextlib.suppress(Exception):  # the user simply fades out after the TTL
                await depart(backends, connection)


async def _read(websocket: WebSocket, connection: Connection, handlers: Handlers) -> None:
    """Handle frames one at a time; a slow request slows only its own connection."""
    while not connection.closing:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return
        connection.last_active = time.monotonic()
        await _handle(message, connection, handlers)


def _to_frame(message: Mapping[str, Any]) -> p.ClientFrame:
    text = message.get("text")
    if isinstance(text, str):
        return p.parse(text)
    raw = message.get("bytes")
    if isinstance(raw, bytes) and len(raw) > p.MAX_FRAME_BYTES:
        raise p.ProtocolError("frame is too large", code="frame_too_large")
    raise p.ProtocolError("only text frames carrying JSON are accepted", code="binary_frame")


def _within_budget(connection: Connection, request_id: str | None) -> bool:
    """Count a frame against the connection's rate; a long flood closes the connection."""
    if connection.budget.take():
        return True
    limits = connection.limits
    if connection.budget.refused_in_a_row > limits.flood_close_after:
        connection.close(CLOSE_POLICY, "flooding: too many frames")
    else:
        too_fast = RateLimited(
            "too many frames; slow down", retry_after=1, limit=limits.frame_burst
        )
        connection.push(p.error(request_id, too_fast))
    return False


async def _handle(message: Mapping[str, Any], connection: Connection, handlers: Handlers) -> None:
    try:
        frame = _to_frame(message)
    except p.ProtocolError as exc:
        if exc.code == "frame_too_large":
            connection.push(p.error(exc.request_id, exc))
            connection.close(CLOSE_TOO_BIG, "frame too large")
        elif _within_budget(connection, exc.request_id):
            connection.push(p.error(exc.request_id, exc))
        return
    if not _within_budget(connection, frame.id):
        return
    MESSAGES.labels(type=frame.type).inc()
    try:
        await handlers.handle(frame)
    except VezaError as exc:
        connection.push(p.error(frame.id, exc))
    except Exception:
        log.exception("chat_request_failed", type=frame.type)
        connection.push(p.internal_error(frame.id))
