"""One client connection: its limits, what it watches, and a bounded queue of frames to send."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime

from starlette.websockets import WebSocket

from veza.config import Settings

# Close codes (RFC 6455 and the 4000-4999 private range) the server uses.
CLOSE_POLICY = 1008
CLOSE_TOO_BIG = 1009
CLOSE_TRY_LATER = 1013
CLOSE_UNAUTHORIZED = 4401
CLOSE_BANNED = 4403
CLOSE_TOO_MANY = 4429


@dataclass(frozen=True, slots=True)
class ChatLimits:
    """Per-process chat limits; `app.state.chat_limits` holds the ones in force."""

    auth_timeout_seconds: float = 5.0
    send_queue_frames: int = 256
    connections_per_user: int = 10
    connections_per_ip: int = 200
    frames_per_second: float = 20.0
    frame_burst: int = 60
    # Frames refused in a row before the connection is closed as a flood.
    flood_close_after: int = 100
    heartbeat_seconds: float = 25.0
    idle_after_seconds: float = 300.0
    replay_limit: int = 200
    typing_every_seconds: float = 3.0
    presence_room_members: int = 200
    # How long a closing connection may take to flush its queue before it is cut.
    close_grace_seconds: float = 5.0

    @property
    def slot_ttl_seconds(self) -> float:
        """A connection slot outlives a few missed heartbeats, not more."""
        return self.heartbeat_seconds * 3

    @classmethod
    def of(cls, settings: Settings) -> ChatLimits:
        """The limits an operator sets (VEZA_CHAT_*); the rest keep their defaults."""
        return cls(
            connections_per_user=settings.chat_connections_per_user,
            connections_per_ip=settings.chat_connections_per_ip,
        )


@dataclass(slots=True)
class FrameBudget:
    """A token bucket over incoming frames; counts refusals in a row to spot a flood."""

    rate: float
    burst: int
    tokens: float = 0.0
    stamp: float = field(default_factory=time.monotonic)
    refused_in_a_row: int = 0

    def __post_init__(self) -> None:
        self.tokens = float(self.burst)

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1:
            self.tokens -= 1
            self.refused_in_a_row = 0
            return True
        self.refused_in_a_row += 1
        return False


class Connection:
    """Frames leave through one bounded queue; a client that cannot keep up is closed (1013)."""

    def __init__(
        self,
        websocket: WebSocket,
        *,
        user_id: uuid.UUID,
        username: str,
        token: str,
        token_expires_at: datetime,
        limits: ChatLimits,
    ) -> None:
        self.id = uuid.uuid4()
        self.websocket = websocket
        self.user_id = user_id
        self.username = username
        self.token = token
        self.token_expires_at = token_expires_at
        self.limits = limits
        self.budget = FrameBudget(limits.frames_per_second, limits.frame_burst)
        self.last_active = time.monotonic()
        # Rooms being watched -> the seq up to which messages came in the subscribe answer;
        # live copies of those are dropped so each message reaches the client once.
        self.floors: dict[uuid.UUID, int] = {}
        # Live events that arrive while a subscribe is being answered wait here.
        self.pending: dict[uuid.UUID, list[tuple[str, int | None]]] = {}
        # Frames waiting for the writer; never longer than `limits.send_queue_frames`.
        self._queue: deque[str] = deque()
        self._writer_idle: asyncio.Future[None] | None = None  # set while the writer waits
        self.close_code: int | None = None
        self.close_reason = ""
        self.close_requested = asyncio.Event()
        self.slot: int | None = None  # of the user's connection slots (`veza.chat.slots`)

    @property
    def closing(self) -> bool:
        return self.close_code is not None

    def push(self, text: str) -> None:
        """Queue a frame without waiting; a full queue closes the connection."""
        if self.closing:
            return
        if len(self._queue) >= self.limits.send_queue_frames:
            self.close(CLOSE_TRY_LATER, "client too slow: send queue full")
            return
        self._queue.append(text)
        self._wake_writer()

    def _wake_writer(self) -> None:
        idle = self._writer_idle
        if idle is not None and not idle.done():
            idle.set_result(None)

    def deliver(self, room_id: uuid.UUID | None, text: str, seq: int | None) -> None:
        """A live event from the hub, unless the client already has it or left the room."""
        if room_id is not None:
            if room_id in self.pending:
                self.pending[room_id].append((text, seq))
                return
            floor = self.floors.get(room_id)
            if floor is None or (seq is not None and seq <= floor):
                return
        self.push(text)

    def start_watching(self, room_id: uuid.UUID) -> None:
        self.pending.setdefault(room_id, [])

    def ready(self, room_id: uuid.UUID, floor: int, answer: str) -> None:
        """Send the subscribe answer, then what arrived meanwhile and is newer than it."""
        self.floors[room_id] = floor
        waiting = self.pending.pop(room_id, [])
        self.push(answer)
        for text, seq in waiting:
            if seq is None or seq > floor:
                self.push(text)

    def stop_watching(self, room_id: uuid.UUID) -> None:
        self.floors.pop(room_id, None)
        self.pending.pop(room_id, None)

    def close(self, code: int, reason: str) -> None:
        """Ask the writer to close after the frames already queued (later ones are dropped)."""
        if self.closing:
            return
        self.close_code, self.close_reason = code, reason
        self.close_requested.set()
        self._wake_writer()

    async def write(self) -> None:
        """Send queued frames until asked to close, then close the socket with the reason.

        A send waits while the peer does not read (TCP flow control); the queue then fills,
        and the connection is closed rather than buffered without bound. The writer sleeps
        only when the queue is empty and drains it in one go when woken: a room event costs
        each connection an append, not a queue round trip.
        """
        queue = self._queue
        loop = asyncio.get_running_loop()
        while True:
            while queue:
                await self.websocket.send_text(queue.popleft())
            if self.closing:
                break
            self._writer_idle = loop.create_future()
            try:
                await self._writer_idle
            finally:
                self._writer_idle = None
        await self.websocket.close(self.close_code or 1000, self.close_reason)
