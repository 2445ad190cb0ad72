"""The hot path of `/stream/<token>/<file>` as a bare ASGI app (bench/README.md, HLS serving).

A segment request used to cost 3-5 ms of CPU: FastAPI's request object and dependency
solving, then Starlette's `FileResponse` (a dozen thread hops per file). Here the route hands
the raw scope to `StreamFiles`, which checks the token against a per-app memo (the signature is
verified once per token string; the expiry on every use), decides the answer with the same
`answer.prepare` as the download route, and sends a small file (segments, playlists) from one
read in a thread, or from a bounded memory cache keyed by the file's identity. Big files and
304/416 go through `answer.respond` as before. The middlewares still wrap this route, so
request ids, security headers, the access log and HTTP metrics are unchanged.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import Any, Generic, TypeVar

import anyio.to_thread
from starlette.datastructures import Headers
from starlette.types import Receive, Scope, Send

from veza.core.analytics.gauges import RecentStreams
from veza.core.errors import VezaError
from veza.core.media import layout
from veza.core.media.signing import StreamGrant, StreamSigner, ensure_current
from veza.core.web.errors import error_headers
from veza.core.web.middleware import client_ip, send_json_error
from veza.stream.answer import Answer, prepare, respond
from veza.stream.files import classify
from veza.stream.metrics import STREAM_ACTIVE, STREAM_BYTES

# Files up to this size are read whole (every HLS segment and playlist, covers, waveforms).
SMALL_FILE_BYTES = 1024 * 1024
# Memory for small files' bytes, and tokens remembered, per app.
FILE_CACHE_BYTES = 64 * 1024 * 1024
GRANT_CACHE_ENTRIES = 4096

K = TypeVar("K")
V = TypeVar("V")
FileKey = tuple[str, int, int, int]  # path, inode, size, mtime_ns: a rewritten file misses


class LRU(Generic[K, V]):
    """Least recently used entries dropped first once their total weight passes `capacity`."""

    def __init__(self, capacity: int, weigh: Callable[[V], int] = lambda _: 1) -> None:
        self.capacity = capacity
        self._weigh = weigh
        self._items: OrderedDict[K, V] = OrderedDict()
        self.weight = 0

    def __len__(self) -> int:
        return len(self._items)

    def get(self, key: K) -> V | None:
        value = self._items.get(key)
        if value is not None:
            self._items.move_to_end(key)
        return value

    def put(self, key: K, value: V) -> None:
        weight = self._weigh(value)
        if weight > self.capacity:
            return
        old = self._items.pop(key, None)
        if old is not None:
            self.weight -= self._weigh(old)
        self._items[key] = value
        self.weight += weight
        while self.weight > self.capacity:
            _, dropped = self._items.popitem(last=False)
            self.weight -= self._weigh(dropped)


class StreamCaches:
    """One app's memo of verified tokens and small files' bytes (its own keys, its own files)."""

    def __init__(self, secrets: list[str]) -> None:
        self.signer = StreamSigner(secrets)
        self.grants: LRU[str, StreamGrant] = LRU(GRANT_CACHE_ENTRIES)
        self.files: LRU[FileKey, bytes] = LRU(FILE_CACHE_BYTES, weigh=len)

    def grant(self, token: str) -> StreamGrant:
        """The token's grant; only valid tokens are remembered, and expiry is always checked."""
        grant = self.grants.get(token)
        if grant is None:
            grant = self.signer.verify(token)
            self.grants.put(token, grant)
            return grant
        return ensure_current(grant)


def _file_key(path: Path, stat: os.stat_result) -> FileKey:
    return (str(path), stat.st_ino, stat.st_size, stat.st_mtime_ns)


def _read_whole(path: Path, key: FileKey) -> bytes | None:
    """The file's bytes if it is still the file that was planned for, else None."""
    with path.open("rb") as file:
        if _file_key(path, os.fstat(file.fileno())) != key:
            return None
        return file.read()


def _caches(scope: Scope) -> StreamCaches:
    state = scope["app"].state
    caches: StreamCaches | None = getattr(state, "stream_caches", None)
    if caches is None:
        caches = state.stream_caches = StreamCaches(state.settings.signing_keys())
    return caches


class StreamFiles:
    """ASGI endpoint of the route `path` (GET and HEAD).

    It stands as the scope's `route`, as FastAPI's routes do, so the access log, HTTP metrics
    and spans label its requests by the template, never by the token."""

    def __init__(self, path: str) -> None:
        self.path = path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope["route"] = self
        params: dict[str, Any] = scope["path_params"]
        caches = _caches(scope)
        try:
            grant = caches.grant(params["token"])
            name: str = params["name"]
            served = classify(name)
            storage = scope["app"].state.backends.storage
            path = storage.local_path(layout.served_key(grant.track_id, name)) if served else None
            answer = prepare(scope["method"], Headers(scope=scope), path, grant, served)
        except VezaError as exc:
            await send_json_error(send, exc.status, exc.to_body(), error_headers(exc))
            return
        recent: RecentStreams = scope["app"].state.recent_streams
        recent.seen(grant.track_id, client_ip(scope))  # an active stream (live analytics)
        body = None
        if answer.plan.status in (200, 206) and answer.stat.st_size <= SMALL_FILE_BYTES:
            body = await self._small_file(caches, answer)
        if body is None:
            await respond(answer)(scope, receive, send)
            return
        await self._send_bytes(scope, send, answer, body)

    async def _small_file(self, caches: StreamCaches, answer: Answer) -> bytes | None:
        key = _file_key(answer.path, answer.stat)
        body = caches.files.get(key)
        if body is None:
            try:
                body = await anyio.to_thread.run_sync(_read_whole, answer.path, key)
            except (FileNotFoundError, NotADirectoryError):
                return None  # gone since the plan: Starlette's path answers as before
            if body is not None:
                caches.files.put(key, body)
        return body

    async def _send_bytes(self, scope: Scope, send: Send, answer: Answer, whole: bytes) -> None:
        plan = answer.plan
        body = whole[plan.start : plan.end + 1] if plan.status == 206 else whole
        headers = [(k.lower().encode(), v.encode()) for k, v in answer.headers.items()]
        headers += [
            (b"content-type", answer.media_type.encode()),
            (b"content-length", str(len(body)).encode()),
        ]
        if plan.status == 206:
            content_range = f"bytes {plan.start}-{plan.end}/{len(whole)}"
            headers.append((b"content-range", content_range.encode()))
        if scope["method"] == "HEAD":
            body = b""
        STREAM_ACTIVE.inc()
        try:
            await send({"type": "http.response.start", "status": plan.status, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            STREAM_BYTES.labels(kind=answer.kind).inc(len(body))
        finally:
            STREAM_ACTIVE.dec()
