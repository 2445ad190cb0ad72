"""Fixed-window rate limits counted in the shared cache (Redis when scaled)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from veza.core.cache import Cache
from veza.core.errors import RateLimited


@dataclass(frozen=True, slots=True)
class Limit:
    name: str
    limit: int
    window_seconds: int


@dataclass(frozen=True, slots=True)
class LimitState:
    limit: int
    remaining: int
    reset_after: int

    def headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset_after),
        }


class RateLimiter:
    """Counts hits per (limit, key); over the limit raises `RateLimited` with Retry-After."""

    def __init__(self, cache: Cache, *, enabled: bool = True) -> None:
        self._cache = cache
        self.enabled = enabled

    @staticmethod
    def _key(limit: Limit, key: str) -> str:
        return f"rl:{limit.name}:{key}"

    def _refuse(self, limit: Limit, reset_after: float) -> RateLimited:
        return RateLimited(
            f"too many requests; try again in {math.ceil(reset_after)} s",
            retry_after=math.ceil(reset_after),
            limit=limit.limit,
        )

    async def hit(self, limit: Limit, key: str) -> LimitState:
        """Count one hit; raise when it goes over the limit."""
        if not self.enabled:
            return LimitState(limit.limit, limit.limit, limit.window_seconds)
        count, reset_after = await self._cache.incr(self._key(limit, key), limit.window_seconds)
        if count > limit.limit:
            raise self._refuse(limit, reset_after)
        return LimitState(limit.limit, limit.limit - count, math.ceil(reset_after))

    async def ensure_below(self, limit: Limit, key: str) -> None:
        """Raise if the limit is already used up, without counting (e.g. failed logins)."""
        if not self.enabled:
            return
        raw = await self._cache.get(self._key(limit, key))
        if raw is not None and int(raw) >= limit.limit:
            # The window's remaining time is unknown without a hit; the whole window is safe.
            raise self._refuse(limit, limit.window_seconds)

    async def reset(self, limit: Limit, key: str) -> None:
        await self._cache.delete(self._key(limit, key))
