"""In-process cache for the one-process embedded deployment."""

from __future__ import annotations

import math
import time


class MemoryCache:
    """A TTL dict. Expired keys are dropped when read and swept when the dict grows."""

    def __init__(self, max_entries: int = 100_000) -> None:
        self._data: dict[str, tuple[str, float]] = {}
        self._max_entries = max_entries

    def _live(self, key: str) -> tuple[str, float] | None:
        entry = self._data.get(key)
        if entry is None:
            return None
        if entry[1] <= time.monotonic():
            del self._data[key]
            return None
        return entry

    def _store(self, key: str, value: str, ttl: float | None) -> None:
        if len(self._data) >= self._max_entries and key not in self._data:
            self._sweep()
        expires = time.monotonic() + ttl if ttl is not None else math.inf
        self._data[key] = (value, expires)

    def _sweep(self) -> None:
        now = time.monotonic()
        for key in [k for k, (_, exp) in self._data.items() if exp <= now]:
            del self._data[key]
        while len(self._data) >= self._max_entries:  # still full: drop the oldest entries
            del self._data[next(iter(self._data))]

    async def get(self, key: str) -> str | None:
        entry = self._live(key)
        return entry[0] if entry else None

    async def get_many(self, *keys: str) -> list[str | None]:
        return [await self.get(key) for key in keys]

    async def set(self, key: str, value: str, ttl: float | None = None) -> None:
        self._store(key, value, ttl)

    async def add(self, key: str, value: str, ttl: float | None = None) -> bool:
        if self._live(key) is not None:
            return False
        self._store(key, value, ttl)
        return True

    async def delete(self, *keys: str) -> int:
        live = {key for key in keys if self._live(key) is not None}  # expired keys are absent
        for key in live:
            del self._data[key]
        return len(live)

    async def incr(self, key: str, ttl: float) -> tuple[int, float]:
        entry = self._live(key)
        if entry is None:
            self._store(key, "1", ttl)
            return 1, ttl
        count = int(entry[0]) + 1
        self._data[key] = (str(count), entry[1])
        return count, max(0.0, entry[1] - time.monotonic())

    async def ping(self) -> None:
        return None

    async def close(self) -> None:
        self._data.clear()
