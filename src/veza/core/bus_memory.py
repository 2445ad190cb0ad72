"""In-process bus for the one-process embedded deployment."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping

from veza.core.bus import BusMessage, subject_matches


class MemorySubscription:
    """A bounded buffer; when it is full, new messages for it are dropped (at most once)."""

    def __init__(self, bus: MemoryBus, pattern: str, buffer: int) -> None:
        self._bus = bus
        self.pattern = pattern
        self._queue: asyncio.Queue[BusMessage | None] = asyncio.Queue(maxsize=buffer)
        self.dropped = 0

    def deliver(self, message: BusMessage) -> None:
        try:
            self._queue.put_nowait(message)
        except asyncio.QueueFull:
            self.dropped += 1

    async def __aiter__(self) -> AsyncIterator[BusMessage]:
        while True:
            message = await self._queue.get()
            if message is None:
                return
            yield message

    async def unsubscribe(self) -> None:
        self._bus.remove(self)
        # Wake an iterator that waits, even when the buffer is full.
        while True:
            try:
                self._queue.put_nowait(None)
                return
            except asyncio.QueueFull:
                self._queue.get_nowait()


class MemoryBus:
    """Delivers synchronously into each matching subscription's buffer."""

    def __init__(self, buffer: int = 10_000) -> None:
        self._subscriptions: list[MemorySubscription] = []
        self._buffer = buffer

    async def publish(
        self, subject: str, data: bytes, headers: Mapping[str, str] | None = None
    ) -> None:
        message = BusMessage(subject, data, dict(headers) if headers else None)
        for subscription in self._subscriptions:
            if subject_matches(subscription.pattern, subject):
                subscription.deliver(message)

    async def subscribe(self, subject: str) -> MemorySubscription:
        subscription = MemorySubscription(self, subject, self._buffer)
        self._subscriptions.append(subscription)
        return subscription

    def remove(self, subscription: MemorySubscription) -> None:
        if subscription in self._subscriptions:
            self._subscriptions.remove(subscription)

    async def ping(self) -> None:
        return None

    async def close(self) -> None:
        for subscription in list(self._subscriptions):
            await subscription.unsubscribe()
