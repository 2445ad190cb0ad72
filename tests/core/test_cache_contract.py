"""The Cache contract, and rate limits counted in the cache, for every implementation."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from uuid import uuid4

import pytest
from redis.asyncio import Redis
from redis.exceptions import ConnectionError as RedisConnectionError

from veza.core.cache import Cache
from veza.core.cache_memory import MemoryCache
from veza.core.cache_redis import RedisCache
from veza.core.errors import RateLimited
from veza.core.ratelimit import Limit, RateLimiter

TTL = 0.2
PAST_TTL = 0.6  # sleep this long to see a TTL expire; how soon it expires is not asserted
WINDOW = 30.0  # for counts that must not straddle a window, however slow the machine
LIMIT = Limit("contract", limit=3, window_seconds=60)


async def _delete_under(redis_url: str, prefix: str) -> None:
    raw = Redis.from_url(redis_url)
    try:
        keys = [key async for key in raw.scan_iter(match=f"{prefix}*")]
        if keys:
            await raw.delete(*keys)
    finally:
        await raw.aclose()


def _unique_prefix() -> str:
    return f"veza-test-{uuid4().hex}:"


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The server RedisCache's cases run against; they skip, saying why, without one."""
    url = os.environ.get("VEZA_TEST_REDIS_URL")
    if not url:
        pytest.skip("RedisCache needs VEZA_TEST_REDIS_URL (the URL of a running server)")
    return url


@pytest.fixture(params=["memory", "redis"])
def cache_url(request: pytest.FixtureRequest) -> str | None:
    """None for MemoryCache; the server's URL for RedisCache (skipped without one)."""
    url: str | None = None if request.param == "memory" else request.getfixturevalue("redis_url")
    return url


@pytest.fixture
async def cache(cache_url: str | None) -> AsyncIterator[Cache]:
    prefix = _unique_prefix()
    opened: Cache = MemoryCache() if cache_url is None else RedisCache(cache_url, prefix=prefix)
    yield opened
    await opened.close()
    if cache_url is not None:
        await _delete_under(cache_url, prefix)


@pytest.fixture
async def redis_prefix(redis_url: str) -> AsyncIterator[str]:
    """A prefix of this test's own; its keys are deleted afterwards."""
    prefix = _unique_prefix()
    yield prefix
    await _delete_under(redis_url, prefix)


async def test_get_returns_what_set_stored(cache: Cache) -> None:
    assert await cache.get("k") is None
    await cache.set("k", "one")
    assert await cache.get("k") == "one"
    await cache.set("k", "two")
    assert await cache.get("k") == "two"
    assert await cache.get("other") is None


async def test_keys_past_their_ttl_read_as_absent(cache: Cache) -> None:
    await cache.set("expiring", "v", ttl=TTL)
    await cache.set("lasting", "v")
    await cache.set("made_lasting", "v", ttl=TTL)
    await cache.set("made_lasting", "w")  # a set without ttl clears the earlier one
    assert await cache.get("expiring") == "v"
    await asyncio.sleep(PAST_TTL)
    assert await cache.get("expiring") is None
    assert await cache.get("lasting") == "v"
    assert await cache.get("made_lasting") == "w"


async def test_get_many_reads_each_key_in_order(cache: Cache) -> None:
    await cache.set("a", "1")
    await cache.set("c", "3")
    await cache.set("expired", "4", ttl=TTL)
    await asyncio.sleep(PAST_TTL)
    assert await cache.get_many("c", "b", "a", "expired") == ["3", None, "1", None]
    assert await cache.get_many() == []


async def test_add_sets_only_an_absent_key(cache: Cache) -> None:
    assert await cache.add("k", "first") is True
    assert await cache.add("k", "second") is False
    assert await cache.get("k") == "first"
    await cache.delete("k")
    assert await cache.add("k", "third", ttl=TTL) is True
    await asyncio.sleep(PAST_TTL)
    assert await cache.add("k", "fourth") is True
    assert await cache.get("k") == "fourth"


async def test_delete_counts_the_keys_it_removed(cache: Cache) -> None:
    await cache.set("a", "1")
    await cache.set("b", "2")
    await cache.set("expired", "3", ttl=TTL)
    await asyncio.sleep(PAST_TTL)
    assert await cache.delete("a", "b", "missing", "expired") == 2
    assert await cache.get("a") is None
    assert await cache.get("b") is None
    assert await cache.delete("a") == 0
    assert await cache.delete() == 0


async def test_incr_counts_and_reports_the_window_left(cache: Cache) -> None:
    for expected in (1, 2, 3):
        count, left = await cache.incr("hits", WINDOW)
        assert count == expected
        assert 0 < left <= WINDOW
    assert await cache.get("hits") == "3"
    assert (await cache.incr("elsewhere", WINDOW))[0] == 1


async def test_incr_starts_a_new_window_after_ttl(cache: Cache) -> None:
    await cache.incr("hits", TTL)
    assert (await cache.incr("hits", TTL))[0] == 2
    await asyncio.sleep(PAST_TTL)
    count, left = await cache.incr("hits", TTL)
    assert count == 1
    assert 0 < left <= TTL


async def test_incr_is_atomic_under_concurrent_hits(cache: Cache) -> None:
    results = await asyncio.gather(*(cache.incr("hits", WINDOW) for _ in range(200)))
    assert sorted(count for count, _ in results) == list(range(1, 201))
    assert await cache.get("hits") == "200"


async def test_limiter_refuses_the_hit_past_the_limit(cache: Cache) -> None:
    limiter = RateLimiter(cache)
    remaining = [(await limiter.hit(LIMIT, "alice")).remaining for _ in range(LIMIT.limit)]
    assert remaining == [2, 1, 0]
    with pytest.raises(RateLimited) as refused:
        await limiter.hit(LIMIT, "alice")
    assert 1 <= refused.value.retry_after <= LIMIT.window_seconds
    assert (await limiter.hit(LIMIT, "bob")).remaining == 2  # limits are per key


async def test_limiter_ensure_below_checks_without_counting(cache: Cache) -> None:
    limiter = RateLimiter(cache)
    for _ in range(LIMIT.limit - 1):
        await limiter.ensure_below(LIMIT, "alice")
        await limiter.hit(LIMIT, "alice")
    await limiter.ensure_below(LIMIT, "alice")
    await limiter.hit(LIMIT, "alice")
    with pytest.raises(RateLimited) as refused:
        await limiter.ensure_below(LIMIT, "alice")
    assert refused.value.retry_after >= 1


async def test_limiter_reset_forgets_the_hits(cache: Cache) -> None:
    limiter = RateLimiter(cache)
    for _ in range(LIMIT.limit):
        await limiter.hit(LIMIT, "alice")
    await limiter.reset(LIMIT, "alice")
    await limiter.ensure_below(LIMIT, "alice")
    assert (await limiter.hit(LIMIT, "alice")).remaining == LIMIT.limit - 1


async def test_disabled_limiter_never_refuses(cache: Cache) -> None:
    limiter = RateLimiter(cache, enabled=False)
    for _ in range(LIMIT.limit * 3):
        await limiter.hit(LIMIT, "alice")
        await limiter.ensure_below(LIMIT, "alice")


async def test_redis_keys_live_under_the_prefix(redis_url: str, redis_prefix: str) -> None:
    cache = RedisCache(redis_url, prefix=redis_prefix)
    neighbour = RedisCache(redis_url, prefix=f"{redis_prefix}neighbour:")
    raw = Redis.from_url(redis_url, decode_responses=True)
    try:
        await cache.set("k", "v")
        assert await raw.get(f"{redis_prefix}k") == "v"
        assert await neighbour.get("k") is None
    finally:
        await raw.aclose()
        await cache.close()
        await neighbour.close()


async def test_redis_ping_raises_when_the_server_is_down() -> None:
    cache = RedisCache("redis://127.0.0.1:1/0")
    try:
        with pytest.raises(RedisConnectionError):
            await cache.ping()
    finally:
        await cache.close()
