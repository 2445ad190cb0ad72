"""Backends wrapped for observability: cache lookups counted, bus traffic counted and traced.

The bus carries the publisher's trace context in each message's headers (W3C `traceparent`),
so a span on the consuming side, in another process, belongs to the publisher's trace.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping

from opentelemetry import propagate, trace
from prometheus_client import Counter

from veza.core.bus import Bus, BusMessage, Subscription
from veza.core.cache import Cache
from veza.core.observability.tracing import tracer

CACHE_LOOKUPS = Counter(
    "veza_cache_lookups_total",
    "Cache reads, by key namespace (the key's first `:` part) and hit or miss.",
    ["namespace", "result"],
)
BUS_PUBLISHED = Counter(
    "veza_bus_published_total", "Messages published on the bus, by subject family.", ["subject"]
)
BUS_DELIVERED = Counter(
    "veza_bus_delivered_total",
    "Messages handed to a subscriber of this process, by subject family.",
    ["subject"],
)


def subject_family(subject: str) -> str:
    """A bounded label: tokens that hold an id (a digit or a dash) become `*`.

    `veza.room.3f2a-...` -> `veza.room.*`; `veza.event.track.ready` stays as it is.
    """
    tokens = subject.split(".")
    return ".".join(
        "*" if any(c.isdigit() or c == "-" for c in token) else token for token in tokens
    )


def key_namespace(key: str) -> str:
    return key.split(":", 1)[0] if ":" in key else "other"


class CountedCache:
    """The Cache contract, with each `get` counted as a hit or a miss."""

    def __init__(self, inner: Cache) -> None:
        self.inner = inner

    async def get(self, key: str) -> str | None:
        value = await self.inner.get(key)
        result = "miss" if value is None else "hit"
        CACHE_LOOKUPS.labels(namespace=key_namespace(key), result=result).inc()
        return value

    async def get_many(self, *keys: str) -> list[str | None]:
        values = await self.inner.get_many(*keys)
        for key, value in zip(keys, values, strict=True):
            result = "miss" if value is None else "hit"
            CACHE_LOOKUPS.labels(namespace=key_namespace(key), result=result).inc()
        return values

    async def set(self, key: str, value: str, ttl: float | None = None) -> None:
        await self.inner.set(key, value, ttl)

    async def add(self, key: str, value: str, ttl: float | None = None) -> bool:
        return await self.inner.add(key, value, ttl)

    async def delete(self, *keys: str) -> int:
        return await self.inner.delete(*keys)

    async def incr(self, key: str, ttl: float) -> tuple[int, float]:
        return await self.inner.incr(key, ttl)

    async def ping(self) -> None:
        await self.inner.ping()

    async def close(self) -> None:
        await self.inner.close()


class TracedSubscription:
    """Counts each delivered message and records a consumer span in the publisher's trace."""

    def __init__(self, inner: Subscription, system: str) -> None:
        self.inner = inner
        self.system = system

    async def __aiter__(self) -> AsyncIterator[BusMessage]:
        async for message in self.inner:
            family = subject_family(message.subject)
            BUS_DELIVERED.labels(subject=family).inc()
            parent = propagate.extract(dict(message.headers or {}))
            tracer().start_span(
                f"{family} receive",
                context=parent,
                kind=trace.SpanKind.CONSUMER,
                attributes=_attributes(self.system, family, "receive"),
            ).end()
            yield message

    async def unsubscribe(self) -> None:
        await self.inner.unsubscribe()


class TracedBus:
    """The Bus contract, with each publish counted, traced and carrying the trace context."""

    def __init__(self, inner: Bus, system: str) -> None:
        self.inner = inner
        self.system = system

    async def publish(
        self, subject: str, data: bytes, headers: Mapping[str, str] | None = None
    ) -> None:
        family = subject_family(subject)
        with tracer().start_as_current_span(
            f"{family} publish",
            kind=trace.SpanKind.PRODUCER,
            attributes=_attributes(self.system, family, "publish"),
        ):
            carrier = dict(headers or {})
            propagate.inject(carrier)
            await self.inner.publish(subject, data, carrier or None)
        BUS_PUBLISHED.labels(subject=family).inc()

    async def subscribe(self, subject: str) -> TracedSubscription:
        return TracedSubscription(await self.inner.subscribe(subject), self.system)

    async def ping(self) -> None:
        await self.inner.ping()

    async def close(self) -> None:
        await self.inner.close()


def _attributes(system: str, family: str, operation: str) -> dict[str, str]:
    return {
        "messaging.system": system,
        "messaging.destination.name": family,
        "messaging.operation.type": operation,
    }
