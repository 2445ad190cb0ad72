"""Live gauges summed over every process: chat connections (per room too) and active streams.

Each chat or stream process holds one numbered node slot, the cache key `live:node:<i>`
(taken with the cache's atomic `add`, as `veza.chat.slots` does for connections), and rewrites
its own counts there every `REFRESH_SECONDS` with a `TTL_SECONDS` expiry. A reader sums the
slots that are live (one `get_many`): a process that stops cleanly frees its slot, one that
dies stops counting when its key expires.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from veza.core.cache import Cache
from veza.core.observability.logging import get_logger

log = get_logger("veza.analytics.gauges")

MAX_NODES = 64
REFRESH_SECONDS = 1.0
TTL_SECONDS = 5.0
STREAM_WINDOW_SECONDS = 30.0
_MAX_RECENT_STREAMS = 100_000


def _key(index: int) -> str:
    return f"live:node:{index}"


@dataclass(frozen=True, slots=True)
class NodeCounts:
    """One process's numbers: open chat connections, and how many of them watch each room."""

    connections: int = 0
    rooms: dict[str, int] = field(default_factory=dict)
    streams: int = 0


class RecentStreams:
    """Distinct (track, client address) pairs that fetched a stream file lately, here.

    Recording is a dict assignment (no I/O on the stream's hot path); the reporter reads the
    count once a refresh. Past `max_entries` the oldest pairs are forgotten.
    """

    def __init__(
        self, window: float = STREAM_WINDOW_SECONDS, max_entries: int = _MAX_RECENT_STREAMS
    ) -> None:
        self._seen: dict[tuple[uuid.UUID, str], float] = {}
        self._window = window
        self._max_entries = max_entries

    def seen(self, track_id: uuid.UUID, client: str) -> None:
        pair = (track_id, client)
        self._seen.pop(pair, None)  # re-inserted last: the dict stays oldest first
        self._seen[pair] = time.monotonic()
        while len(self._seen) > self._max_entries:
            del self._seen[next(iter(self._seen))]

    def count(self) -> int:
        horizon = time.monotonic() - self._window
        while self._seen and next(iter(self._seen.values())) < horizon:
            del self._seen[next(iter(self._seen))]
        return len(self._seen)


class NodeReporter:
    """Publishes this process's `counts()` into its node slot until stopped."""

    def __init__(self, cache: Cache, counts: Callable[[], NodeCounts]) -> None:
        self.cache = cache
        self.counts = counts
        self.owner = uuid.uuid4().hex
        self.slot: int | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        if self.slot is not None:
            with contextlib.suppress(Exception):  # else it expires on its own
                if _owner(await self.cache.get(_key(self.slot))) == self.owner:
                    await self.cache.delete(_key(self.slot))

    async def _run(self) -> None:
        while True:
            try:
                await self.publish()
            except Exception:  # a cache outage must not end the reporting
                log.exception("live_gauges_not_published")
            await asyncio.sleep(REFRESH_SECONDS)

    async def publish(self) -> None:
        counts = self.counts()
        value = json.dumps(
            {
                "owner": self.owner,
                "connections": counts.connections,
                "rooms": counts.rooms,
                "streams": counts.streams,
            }
        )
        if self.slot is not None and _owner(await self.cache.get(_key(self.slot))) == self.owner:
            await self.cache.set(_key(self.slot), value, ttl=TTL_SECONDS)
            return
        self.slot = None  # expired, and maybe taken by another process since
        for index in range(MAX_NODES):
            if await self.cache.add(_key(index), value, ttl=TTL_SECONDS):
                self.slot = index
                return
        log.warning("live_gauges_no_free_slot", max_nodes=MAX_NODES)


def _owner(value: str | None) -> str | None:
    return None if value is None else str(json.loads(value).get("owner"))


async def read(cache: Cache, room_id: uuid.UUID | None) -> dict[str, Any]:
    """Summed over live processes: a room's watching connections, or the platform's numbers."""
    nodes = [json.loads(v) for v in await cache.get_many(*map(_key, range(MAX_NODES))) if v]
    if room_id is not None:
        return {"chat_connections": sum(int(n["rooms"].get(str(room_id), 0)) for n in nodes)}
    return {
        "chat_connections": sum(int(n["connections"]) for n in nodes),
        "active_streams": sum(int(n["streams"]) for n in nodes),
    }
