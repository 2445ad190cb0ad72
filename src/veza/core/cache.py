"""The cache contract: short-lived shared state that may be lost (sessions cache, limits)."""

from __future__ import annotations

from typing import Protocol


class Cache(Protocol):
    """A key-value store with expiry, shared by every process of a deployment.

    Contract (checked by tests/core/test_cache_contract.py for every implementation):
    - values are strings; a key past its TTL reads as absent;
    - `get_many` reads several keys at once (one round trip), `None` for each absent one;
    - `add` sets only when the key is absent and says whether it did (atomic);
    - `incr` is atomic: it counts within a window that starts at the first hit and lasts `ttl`
      seconds, and returns the count and the seconds left in the window;
    - anything may vanish at any time (restart, eviction): callers fall back to the database.
    """

    async def get(self, key: str) -> str | None: ...

    async def get_many(self, *keys: str) -> list[str | None]: ...

    async def set(self, key: str, value: str, ttl: float | None = None) -> None: ...

    async def add(self, key: str, value: str, ttl: float | None = None) -> bool: ...

    async def delete(self, *keys: str) -> int: ...

    async def incr(self, key: str, ttl: float) -> tuple[int, float]: ...

    async def ping(self) -> None: ...

    async def close(self) -> None: ...
