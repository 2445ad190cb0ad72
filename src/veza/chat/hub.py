"""Fan-out: one bus subscription per subject this process's clients watch, delivered locally.

An event is parsed once (for its room and seq) and its original text goes to every local
watcher, so a room with N local clients costs one bus message and N queue pushes.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from veza.chat.connection import CLOSE_BANNED, Connection
from veza.chat.metrics import CONNECTIONS, DELIVERY_SECONDS
from veza.core.bus import Bus, BusMessage, Subscription
from veza.core.observability.logging import get_logger
from veza.core.services.chat_events import room_subject

log = get_logger("veza.chat.hub")


_ROOM_PREFIX = "veza.room."  # subjects of `room_subject`
# Sanctions that end a user's right to watch a room.
_SHUT_OUT = frozenset({"kicked", "banned"})


@dataclass(frozen=True, slots=True)
class Envelope:
    """What the hub reads of an event: parsed once, whatever the number of watchers."""

    room: uuid.UUID | None
    seq: int | None  # of a new message
    stored_at: float | None  # of a new message
    shut_out: bool  # a sanction that removes its user from the room
    banned: bool  # a chat-wide ban: its user's connections close

    @classmethod
    def of(cls, text: str) -> Envelope:
        frame = json.loads(text)
        room = uuid.UUID(frame["room"]) if isinstance(frame.get("room"), str) else None
        data = frame.get("data") or {}
        created = frame.get("type") == "message.created"
        moderation = frame.get("type") == "moderation"
        return cls(
            room=room,
            seq=data.get("seq") if created else None,
            stored_at=datetime.fromisoformat(data["created_at"]).timestamp() if created else None,
            shut_out=moderation and data.get("action") in _SHUT_OUT,
            banned=moderation and data.get("scope") == "global" and data.get("action") == "banned",
        )


class Hub:
    """Local registry of connections and the bus subscriptions they need."""

    def __init__(self, bus: Bus) -> None:
        self.bus = bus
        self._watchers: dict[str, set[Connection]] = defaultdict(set)
        self._pumps: dict[str, tuple[Subscription, asyncio.Task[None]]] = {}
        self._lock = asyncio.Lock()
        self._chores: set[asyncio.Task[None]] = set()
        self.by_user: dict[uuid.UUID, set[Connection]] = defaultdict(set)
        self.by_ip: dict[str, int] = defaultdict(int)

    def admit(self, connection: Connection, ip: str) -> str | None:
        """Register a connection, or say that its address has too many here.

        The per-user limit holds across processes and is kept by `veza.chat.slots`.
        """
        limits = connection.limits
        if self.by_ip[ip] >= limits.connections_per_ip:
            return f"at most {limits.connections_per_ip} connections per address"
        self.by_user[connection.user_id].add(connection)
        self.by_ip[ip] += 1
        CONNECTIONS.inc()
        return None

    async def release(self, connection: Connection, ip: str) -> bool:
        """Forget a connection everywhere; says whether it was its user's last one here."""
        for subject in [s for s, watchers in self._watchers.items() if connection in watchers]:
            await self.unwatch(subject, connection)
        self.by_ip[ip] -= 1
        if self.by_ip[ip] <= 0:
            del self.by_ip[ip]
        mine = self.by_user[connection.user_id]
        mine.discard(connection)
        CONNECTIONS.dec()
        if not mine:
            del self.by_user[connection.user_id]
            return True
        return False

    def counts(self) -> tuple[int, dict[str, int]]:
        """Open connections here, and how many of them watch each room (by room id)."""
        rooms = {
            subject.removeprefix(_ROOM_PREFIX): len(watchers)
            for subject, watchers in self._watchers.items()
            if subject.startswith(_ROOM_PREFIX)
        }
        return sum(len(mine) for mine in self.by_user.values()), rooms

    async def watch(self, subject: str, connection: Connection) -> None:
        async with self._lock:
            self._watchers[subject].add(connection)
            if subject not in self._pumps:
                subscription = await self.bus.subscribe(subject)
                task = asyncio.create_task(self._pump(subject, subscription))
                self._pumps[subject] = (subscription, task)

    async def unwatch(self, subject: str, connection: Connection) -> None:
        async with self._lock:
            watchers = self._watchers.get(subject)
            if watchers is None:
                return
            watchers.discard(connection)
            if watchers:
                return
            del self._watchers[subject]
            subscription, task = self._pumps.pop(subject)
        await subscription.unsubscribe()
        task.cancel()

    async def _pump(self, subject: str, subscription: Subscription) -> None:
        async for message in subscription:
            try:
                self._deliver(subject, message)
            except Exception:  # one bad event must not stop a room's delivery
                log.exception("chat_event_undeliverable", subject=subject)

    def _deliver(self, subject: str, message: BusMessage) -> None:
        text = message.data.decode()
        envelope = Envelope.of(text)
        # Room events go only to connections still watching that room; user events always.
        watched = envelope.room if subject.startswith(_ROOM_PREFIX) else None
        for connection in list(self._watchers.get(subject, ())):
            connection.deliver(watched, text, envelope.seq)
            if envelope.shut_out and envelope.room is not None:
                self._stop_watching(connection, envelope.room)
            if envelope.banned:
                connection.close(CLOSE_BANNED, "banned from chat")
        if envelope.stored_at is not None:
            DELIVERY_SECONDS.observe(max(0.0, time.time() - envelope.stored_at))

    def _stop_watching(self, connection: Connection, room_id: uuid.UUID) -> None:
        connection.stop_watching(room_id)
        chore = asyncio.create_task(self.unwatch(room_subject(room_id), connection))
        self._chores.add(chore)
        chore.add_done_callback(self._chores.discard)
