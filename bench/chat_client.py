"""A lean WebSocket client for chat load: `websockets`' sans-I/O protocol on an asyncio transport.

The asyncio client of `websockets` costs a future and a task switch per frame, which on a shared
2-core machine would make the load client, not the server, the bottleneck. This one parses frames
inside `data_received` and only looks at what the benchmark needs: the sender's timestamp in a
message body (`bench <unix time> <n>`), acks, errors and the close code.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from typing import Any, cast

from websockets.client import ClientProtocol
from websockets.frames import Frame, Opcode
from websockets.http11 import Response
from websockets.protocol import State
from websockets.uri import parse_uri

BODY_MARK = '"body":"bench '
BUCKETS_PER_MS = 10  # latency histogram resolution: 0.1 ms
MAX_BUCKET = 30_000 * BUCKETS_PER_MS  # 30 s


class Stats:
    """What the connections of one process saw since the last reset."""

    def __init__(self) -> None:
        self.reset()
        self.closes: Counter[int] = Counter()

    def reset(self) -> None:
        self.received = 0
        self.histogram: Counter[int] = Counter()
        self.acks = 0
        self.errors: Counter[str] = Counter()

    def observe(self, text: str) -> None:
        """Record a message's delay; count acks and errors."""
        at = text.find(BODY_MARK)
        if at >= 0 and text.startswith('{"type":"message.created"'):
            start = at + len(BODY_MARK)
            sent = float(text[start : text.index(" ", start)])
            delay_ms = (time.time() - sent) * 1000
            self.received += 1
            self.histogram[min(MAX_BUCKET, max(0, int(delay_ms * BUCKETS_PER_MS)))] += 1
        elif text.startswith('{"type":"ack"'):
            self.acks += 1
        elif text.startswith('{"type":"error"'):
            self.errors[str(json.loads(text).get("code"))] += 1


class Client(asyncio.Protocol):
    """One WebSocket connection; `ready` resolves on the server's first frame (`ready`)."""

    def __init__(self, url: str, stats: Stats) -> None:
        self.protocol = ClientProtocol(parse_uri(url), max_size=2**20)
        self.stats = stats
        self.transport: asyncio.Transport | None = None
        self.ready: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self.closed: asyncio.Future[int | None] = asyncio.get_running_loop().create_future()
        self.waiting: dict[str, asyncio.Future[str]] = {}

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass
        self.protocol.send_request(self.protocol.connect())
        self._flush()

    def data_received(self, data: bytes) -> None:
        self.protocol.receive_data(data)
        for event in self.protocol.events_received():
            if isinstance(event, Response):
                if self.protocol.handshake_exc is not None and not self.ready.done():
                    self.ready.set_exception(self.protocol.handshake_exc)
                continue
            if not isinstance(event, Frame) or event.opcode is not Opcode.TEXT:
                continue
            text = bytes(event.data).decode()
            if not self.ready.done():
                self.ready.set_result(text)
            elif self.waiting and text.startswith('{"type":"'):
                self._answer(text)
            self.stats.observe(text)
        self._flush()
        if self.protocol.state is State.CLOSED and self.transport is not None:
            self.transport.close()

    def _answer(self, text: str) -> None:
        """Resolve a request waiting for this ack or error (by its id)."""
        if not (text.startswith('{"type":"ack"') or text.startswith('{"type":"error"')):
            return
        request_id = json.loads(text).get("id")
        future = self.waiting.pop(request_id, None) if isinstance(request_id, str) else None
        if future is not None and not future.done():
            future.set_result(text)

    def eof_received(self) -> bool | None:
        self.protocol.receive_eof()
        self._flush()
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        code = self.protocol.close_code
        if self.ready.done():  # a handshake that failed is retried, not counted as a close
            self.stats.closes[code or 1006] += 1
        else:
            self.ready.set_exception(ConnectionError(f"closed before ready ({code})"))
            self.ready.exception()  # retrieved here; `connect` raises its own error
        if not self.closed.done():
            self.closed.set_result(code)
        for waiting in self.waiting.values():
            if not waiting.done():
                waiting.set_exception(ConnectionError(f"closed ({code})"))

    def _flush(self) -> None:
        chunks = self.protocol.data_to_send()
        if chunks and self.transport is not None and not self.transport.is_closing():
            self.transport.write(b"".join(chunks))

    def send(self, frame: dict[str, Any]) -> None:
        if self.protocol.state is State.OPEN:
            self.protocol.send_text(json.dumps(frame).encode())
            self._flush()

    async def request(self, frame: dict[str, Any]) -> str:
        """Send a frame with an `id` and wait for its ack or error."""
        future: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self.waiting[frame["id"]] = future
        self.send(frame)
        return await future

    async def close(self) -> None:
        if self.protocol.state is State.OPEN:
            self.protocol.send_close(1000)
            self._flush()
        if self.transport is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self.closed), 5)
            except TimeoutError:
                self.transport.abort()


async def connect(url: str, stats: Stats, *, wait: float = 60) -> Client:
    """Open a connection and wait for the server's first frame."""
    uri = parse_uri(url)
    loop = asyncio.get_running_loop()
    _, client = await loop.create_connection(lambda: Client(url, stats), uri.host, uri.port)
    await asyncio.wait_for(asyncio.shield(client.ready), wait)
    return client


async def connect_all(urls: list[str], stats: Stats, *, at_once: int = 50) -> list[Client]:
    """Open every connection, at most `at_once` handshakes in flight, retrying a refused one."""
    gate = asyncio.Semaphore(at_once)

    async def one(url: str) -> Client:
        async with gate:
            for attempt in range(5):
                try:
                    return await connect(url, stats)
                except (OSError, TimeoutError):  # ConnectionError is an OSError
                    await asyncio.sleep(1 + attempt)
            return await connect(url, stats)

    return list(await asyncio.gather(*(one(url) for url in urls)))


def summary(stats: Stats) -> dict[str, Any]:
    """The stats as JSON (histogram buckets as strings: JSON object keys)."""
    return {
        "received": stats.received,
        "histogram": {str(k): v for k, v in stats.histogram.items()},
        "acks": stats.acks,
        "errors": dict(stats.errors),
        "closes": {str(k): v for k, v in stats.closes.items()},
    }
