"""Connections per user across every chat process: numbered slots in the shared cache.

A connection holds slot `i` of its user as the cache key `chat:slot:<user>:<i>` (taken with the
cache's atomic `add`), renewed by its heartbeats and freed when it closes. A user with every slot
taken is refused, whichever process the new connection reaches. A crashed process's slots expire
after a few missed heartbeats.
"""

from __future__ import annotations

import uuid

from veza.core.cache import Cache


def _key(user_id: uuid.UUID, index: int) -> str:
    return f"chat:slot:{user_id}:{index}"


async def take(
    cache: Cache, user_id: uuid.UUID, owner: uuid.UUID, *, limit: int, ttl: float
) -> int | None:
    """The index of a free slot, now held by `owner`; None when all `limit` are taken."""
    for index in range(limit):
        if await cache.add(_key(user_id, index), str(owner), ttl=ttl):
            return index
    return None


async def renew(cache: Cache, user_id: uuid.UUID, index: int, owner: uuid.UUID, ttl: float) -> None:
    """Keep holding a slot (taking it back if it expired and nobody else took it)."""
    key = _key(user_id, index)
    if await cache.get(key) == str(owner) or await cache.add(key, str(owner), ttl=ttl):
        await cache.set(key, str(owner), ttl=ttl)


async def free(cache: Cache, user_id: uuid.UUID, index: int, owner: uuid.UUID) -> None:
    key = _key(user_id, index)
    if await cache.get(key) == str(owner):
        await cache.delete(key)
