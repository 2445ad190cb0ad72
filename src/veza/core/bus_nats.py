"""Pub/sub on NATS core subjects for the scaled deployment: fan-out between processes."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Mapping
from urllib.parse import urlsplit

from nats.aio.client import Client
from nats.aio.subscription import Subscription as ClientSubscription
from nats.errors import (
    BadSubscriptionError,
    ConnectionClosedError,
    ConnectionDrainingError,
    SlowConsumerError,
)

from veza.core.bus import BusMessage
from veza.core.observability.logging import get_logger

log = get_logger("veza.core.bus")

_BUFFER = 10_000  # messages per subscription, as MemoryBus
_ATTEMPT_TIMEOUT_SECONDS = 2  # one TCP connect + handshake
_RECONNECT_WAIT_SECONDS = 2
_PING_TIMEOUT_SECONDS = 2


def _safe_url(url: str) -> str:
    """The URL without credentials, fit for logs and error messages."""
    parts = urlsplit(url)
    return parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()


class NatsSubscription:
    """One NATS subscription; the client drops what overflows its bounded pending queue."""

    def __init__(self, bus: NatsBus, subscription: ClientSubscription) -> None:
        self._bus = bus
        self._subscription = subscription
        self.dropped = 0

    def note_dropped(self) -> None:
        if self.dropped == 0:  # once per subscription: a log line per message would add to the load
            log.warning("bus subscriber too slow, dropping messages", subject=self.subject)
        self.dropped += 1

    @property
    def subject(self) -> str:
        return self._subscription.subject

    async def __aiter__(self) -> AsyncIterator[BusMessage]:
        async for message in self._subscription.messages:
            yield BusMessage(message.subject, message.data, message.headers or None)

    async def unsubscribe(self) -> None:
        """Stop delivery and end iteration; safe to repeat and after the bus is closed."""
        self._bus.forget(self._subscription)
        # Those errors mean the subscription is already gone, with its iterator ended.
        with contextlib.suppress(
            BadSubscriptionError, ConnectionClosedError, ConnectionDrainingError
        ):
            await self._subscription.unsubscribe()


class NatsBus:
    """The Bus contract on core NATS (at most once, no JetStream), reconnecting for ever."""

    def __init__(self, client: Client, *, buffer: int = _BUFFER) -> None:
        self._client = client
        self._buffer = buffer
        self._subscriptions: dict[ClientSubscription, NatsSubscription] = {}

    @classmethod
    async def connect(
        cls, url: str, *, name: str = "veza", connect_timeout: float = 5.0, buffer: int = _BUFFER
    ) -> NatsBus:
        """Connect, or raise `ConnectionError` within `connect_timeout` seconds.

        Reconnects are unlimited once connected; the client would also retry a first connect
        for minutes, so an overall timeout makes a down server fail fast at start-up.
        """
        bus = cls(Client(), buffer=buffer)
        try:
            async with asyncio.timeout(connect_timeout):
                await bus._client.connect(
                    url,
                    name=name,
                    connect_timeout=_ATTEMPT_TIMEOUT_SECONDS,
                    reconnect_time_wait=_RECONNECT_WAIT_SECONDS,
                    max_reconnect_attempts=-1,
                    flush_timeout=_PING_TIMEOUT_SECONDS,
                    error_cb=bus._on_error,
                    reconnected_cb=bus._on_reconnected,
                )
        except TimeoutError:
            error = bus._client.last_error
            await bus._client.close()
            raise ConnectionError(
                f"cannot reach NATS at {_safe_url(url)} within {connect_timeout:g} s: {error}"
            ) from error
        return bus

    @property
    def client(self) -> Client:
        """The connection, shared with the JetStream job queue (one connection per process)."""
        return self._client

    async def _on_error(self, error: Exception) -> None:
        if isinstance(error, SlowConsumerError):
            subscription = self._subscriptions.get(error.sub)
            if subscription is not None:
                subscription.note_dropped()
            return
        log.warning("bus connection error", error=str(error) or type(error).__name__)

    async def _on_reconnected(self) -> None:
        log.info("bus reconnected")

    async def publish(
        self, subject: str, data: bytes, headers: Mapping[str, str] | None = None
    ) -> None:
        await self._client.publish(subject, data, headers=dict(headers) if headers else None)

    async def subscribe(self, subject: str) -> NatsSubscription:
        """Subscribe; when connected, return once the server has it, so nothing later is missed."""
        client_subscription = await self._client.subscribe(subject, pending_msgs_limit=self._buffer)
        subscription = NatsSubscription(self, client_subscription)
        self._subscriptions[client_subscription] = subscription
        if self._client.is_connected:
            await self._round_trip()
        return subscription

    def forget(self, subscription: ClientSubscription) -> None:
        self._subscriptions.pop(subscription, None)

    async def ping(self) -> None:
        if not self._client.is_connected:
            raise ConnectionError("NATS is not connected")
        await self._round_trip()

    async def _round_trip(self) -> None:
        """Return once the server has processed everything this connection sent before.

        nats-py 2.16 writes flush()'s PING straight to the socket, ahead of the commands still
        in its pending buffer, so the PONG alone proves nothing: write that buffer out first
        (a private call; nats-py is pinned exactly).
        """
        await self._client._flush_pending(force_flush=True)
        await self._client.flush(_PING_TIMEOUT_SECONDS)

    async def close(self) -> None:
        """Send what is buffered, then close; every subscription's iteration ends.

        Not `drain()`: that waits for subscribers to empty their buffers, and one that stopped
        reading would hold shutdown for the whole drain timeout.
        """
        await self._client.close()
        self._subscriptions.clear()
