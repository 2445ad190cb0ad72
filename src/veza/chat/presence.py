"""Heartbeats of a connection: renew presence, announce changes, end expired or revoked auth."""

from __future__ import annotations

import asyncio
import time
import uuid

from veza.chat import slots
from veza.chat.connection import CLOSE_UNAUTHORIZED, Connection
from veza.chat.hub import Hub
from veza.core.backends import Backends
from veza.core.db import utcnow
from veza.core.errors import Unauthorized
from veza.core.services import chat_events, credentials, presence, rooms
from veza.core.services.presence import Status


async def announce(backends: Backends, user_id: uuid.UUID, username: str, status: Status) -> None:
    """Tell the rooms a user is in (hence everyone who shares one) about their status."""
    async with backends.db.session() as db:
        room_ids = await rooms.room_ids_of(db, user_id)
    data = {"user": {"id": str(user_id), "username": username}, "status": status.value}
    for room_id in room_ids:
        await chat_events.to_room(backends.bus, room_id, "presence", data)


def current_status(connection: Connection, hub: Hub) -> Status:
    """Online while any of the user's connections here was used lately, else idle."""
    mine = hub.by_user.get(connection.user_id) or {connection}
    quiet_for = time.monotonic() - max(c.last_active for c in mine)
    return Status.idle if quiet_for > connection.limits.idle_after_seconds else Status.online


async def arrive(backends: Backends, connection: Connection) -> None:
    if await presence.renew(backends.cache, connection.user_id, Status.online):
        await announce(backends, connection.user_id, connection.username, Status.online)


async def depart(backends: Backends, connection: Connection) -> None:
    """The user's last connection on this process closed."""
    await presence.leave(backends.cache, connection.user_id)
    await announce(backends, connection.user_id, connection.username, Status.offline)


async def heartbeat(backends: Backends, hub: Hub, connection: Connection) -> None:
    """Runs for the connection's life; returns after asking it to close."""
    while not connection.closing:
        await asyncio.sleep(connection.limits.heartbeat_seconds)
        if connection.token_expires_at <= utcnow():
            connection.close(CLOSE_UNAUTHORIZED, "access token expired; reconnect with a new one")
            return
        try:
            await credentials.authenticate(backends, connection.token)
        except Unauthorized as exc:
            connection.close(CLOSE_UNAUTHORIZED, exc.message)
            return
        if connection.slot is not None:
            await slots.renew(
                backends.cache,
                connection.user_id,
                connection.slot,
                connection.id,
                connection.limits.slot_ttl_seconds,
            )
        status = current_status(connection, hub)
        if await presence.renew(backends.cache, connection.user_id, status):
            await announce(backends, connection.user_id, connection.username, status)
