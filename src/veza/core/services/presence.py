"""Presence: online / idle / offline, kept in the cache with a TTL that heartbeats renew.

A user is offline when no process has renewed their key within `TTL_SECONDS` (a crashed node's
users fade out on their own). Losing the cache loses nothing that matters: the next
heartbeat writes the key again.
"""

from __future__ import annotations

import uuid
from enum import StrEnum

from veza.core.cache import Cache

TTL_SECONDS = 75


class Status(StrEnum):
    online = "online"
    idle = "idle"
    offline = "offline"


def _key(user_id: uuid.UUID) -> str:
    return f"presence:{user_id}"


async def renew(cache: Cache, user_id: uuid.UUID, status: Status) -> bool:
    """Record a live status; says whether it differs from what others last saw."""
    previous = await cache.get(_key(user_id))
    await cache.set(_key(user_id), status.value, ttl=TTL_SECONDS)
    return previous != status.value


async def leave(cache: Cache, user_id: uuid.UUID) -> None:
    """The user's last connection on this process closed; others renew it if they exist."""
    await cache.delete(_key(user_id))


async def status_of(cache: Cache, user_ids: list[uuid.UUID]) -> dict[uuid.UUID, Status]:
    found: dict[uuid.UUID, Status] = {}
    for user_id in user_ids:
        raw = await cache.get(_key(user_id))
        found[user_id] = Status(raw) if raw else Status.offline
    return found
