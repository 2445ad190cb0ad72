"""Redis cache for the scaled deployment: every process shares one view of the keys."""

from __future__ import annotations

from typing import cast

from redis.asyncio import BlockingConnectionPool, Redis

_TIMEOUT_SECONDS = 5.0  # a cache that does not answer must fail the request, not hang it


def _milliseconds(ttl: float) -> int:
    """Redis expiry in ms; at least 1, since PX 0 is an error and PEXPIRE 0 deletes the key."""
    return max(1, round(ttl * 1000))


class RedisCache:
    """The Cache contract on Redis 7; keys live under `prefix` so deployments can share a server."""

    def __init__(self, url: str, *, prefix: str = "veza:", max_connections: int = 50) -> None:
        # Blocking pool: a burst beyond `max_connections` waits for a connection instead of
        # failing with "Too many connections", as the default pool does.
        pool = BlockingConnectionPool.from_url(
            url,
            max_connections=max_connections,
            timeout=_TIMEOUT_SECONDS,
            decode_responses=True,
            socket_connect_timeout=_TIMEOUT_SECONDS,
            socket_timeout=_TIMEOUT_SECONDS,
        )
        self._redis = Redis.from_pool(pool)
        self._prefix = prefix

    def _key(self, key: str) -> str:
        return self._prefix + key

    async def get(self, key: str) -> str | None:
        # decode_responses=True: the client hands back str, though its types allow bytes.
        return cast("str | None", await self._redis.get(self._key(key)))

    async def get_many(self, *keys: str) -> list[str | None]:
        if not keys:  # MGET with no key is a syntax error
            return []
        return cast("list[str | None]", await self._redis.mget([self._key(key) for key in keys]))

    async def set(self, key: str, value: str, ttl: float | None = None) -> None:
        expiry = None if ttl is None else _milliseconds(ttl)
        await self._redis.set(self._key(key), value, px=expiry)

    async def add(self, key: str, value: str, ttl: float | None = None) -> bool:
        expiry = None if ttl is None else _milliseconds(ttl)
        return bool(await self._redis.set(self._key(key), value, px=expiry, nx=True))

    async def delete(self, *keys: str) -> int:
        if not keys:  # DEL with no key is a syntax error
            return 0
        deleted: int = await self._redis.delete(*(self._key(key) for key in keys))
        return deleted

    async def incr(self, key: str, ttl: float) -> tuple[int, float]:
        """INCR, then start the window if the key has none yet, in one MULTI so hits never race.

        PEXPIRE NX also heals a counter that lost its expiry, which would otherwise never reset.
        """
        name = self._key(key)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incr(name)
            pipe.pexpire(name, _milliseconds(ttl), nx=True)
            pipe.pttl(name)
            count, _, left_ms = await pipe.execute()
        return int(count), max(0, int(left_ms)) / 1000

    async def ping(self) -> None:
        await self._redis.ping()

    async def close(self) -> None:
        await self._redis.aclose()
