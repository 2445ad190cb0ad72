"""The pub/sub contract: live delivery between processes (chat fan-out, user events)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class BusMessage:
    subject: str
    data: bytes
    # Metadata beside the payload (the trace context); empty when the publisher sent none.
    headers: Mapping[str, str] | None = None

    def json(self) -> Any:
        return json.loads(self.data)


class Subscription(Protocol):
    """Messages for one subscription, in publish order, until `unsubscribe`."""

    def __aiter__(self) -> AsyncIterator[BusMessage]: ...

    async def unsubscribe(self) -> None: ...


class Bus(Protocol):
    """Fire-and-forget fan-out. The database, not the bus, is the source of truth.

    Contract (checked by tests/core/test_bus_contract.py for every implementation):
    - subjects are dot-separated tokens; subscriptions may use `*` (one token) and `>` (the rest);
    - every live subscription whose pattern matches receives each message once, and messages
      from one publisher on one subject arrive in publish order;
    - delivery is at most once: nothing is kept for subscribers that are not there, and a
      subscriber that falls more than its buffer behind loses the overflow (it recovers from
      the database, e.g. chat's `since_seq`).
    - `headers`, when given, reach every subscriber with the message, unchanged.
    """

    async def publish(
        self, subject: str, data: bytes, headers: Mapping[str, str] | None = None
    ) -> None: ...

    async def subscribe(self, subject: str) -> Subscription: ...

    async def ping(self) -> None: ...

    async def close(self) -> None: ...


async def publish_json(bus: Bus, subject: str, payload: Any) -> None:
    """Publish a JSON document; the helper every producer uses."""
    await bus.publish(subject, json.dumps(payload, separators=(",", ":"), default=str).encode())


def subject_matches(pattern: str, subject: str) -> bool:
    """NATS wildcard matching: `*` is one token, a final `>` is one or more tokens."""
    pattern_parts = pattern.split(".")
    subject_parts = subject.split(".")
    for index, part in enumerate(pattern_parts):
        if part == ">":
            return len(subject_parts) > index
        if index >= len(subject_parts):
            return False
        if part not in ("*", subject_parts[index]):
            return False
    return len(pattern_parts) == len(subject_parts)
