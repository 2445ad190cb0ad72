"""One file's answer, decided once for both stream paths: validators, cache policy, the
RFC 9110 plan (`ranges.decide`), metrics, and Starlette's file sending for big files."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import formatdate
from pathlib import Path

from fastapi import Response
from fastapi.responses import FileResponse, JSONResponse
from starlette.types import Message, Receive, Scope, Send

from veza.core.errors import NotFound
from veza.core.media.signing import StreamGrant
from veza.core.web.errors import error_body
from veza.stream.metrics import STREAM_ACTIVE, STREAM_BYTES, STREAM_REQUESTS
from veza.stream.ranges import Plan, decide

# Playlists are revalidated (cheap 304s); other files are cached until the token expires.
PLAYLIST_CACHE = "no-cache"


def _cache_control(kind: str, remaining: int) -> str:
    """An original is for the one who asked for it: never kept in a shared cache."""
    if kind == "playlist":
        return PLAYLIST_CACHE
    return f"{'private' if kind == 'original' else 'public'}, max-age={remaining}"


class PlannedFileResponse(FileResponse):
    """Starlette's file sending for a plan decided by `decide`.

    Starlette's own Range handling is not RFC 9110's (it answers 400 to a malformed Range and
    416 when any one of several ranges is unsatisfiable, and knows no If-None-Match), so the
    client's Range and If-Range are swapped for the plan's one canonical range, which
    Starlette serves exactly. Bytes actually sent are counted.
    """

    def __init__(self, path: Path, plan: Plan, stat: os.stat_result, kind: str, **kw: object):
        super().__init__(path, stat_result=stat, **kw)  # type: ignore[arg-type]
        self.plan = plan
        self.kind = kind

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        headers = [(k, v) for k, v in scope["headers"] if k not in (b"range", b"if-range")]
        if self.plan.status == 206:
            headers.append((b"range", f"bytes={self.plan.start}-{self.plan.end}".encode()))

        async def counting_send(message: Message) -> None:
            if message["type"] == "http.response.body":
                STREAM_BYTES.labels(kind=self.kind).inc(len(message.get("body", b"")))
            await send(message)

        STREAM_ACTIVE.inc()
        try:
            await super().__call__({**scope, "headers": headers}, receive, counting_send)
        finally:
            STREAM_ACTIVE.dec()


def _validators(stat: os.stat_result) -> tuple[str, str]:
    etag = f'"{stat.st_size:x}-{stat.st_mtime_ns:x}"'
    return etag, formatdate(stat.st_mtime, usegmt=True)


@dataclass(frozen=True, slots=True)
class Answer:
    """What `prepare` decided for one file: the plan, its headers, and the file's facts."""

    path: Path
    stat: os.stat_result
    plan: Plan
    media_type: str
    kind: str
    headers: dict[str, str]


def prepare(
    method: str,
    request_headers: Mapping[str, str],
    path: Path | None,
    grant: StreamGrant,
    served: tuple[str, str] | None,
) -> Answer:
    """Decides one file's answer and counts it; NotFound if it is missing."""
    try:
        stat = path.stat() if path else None
    except (FileNotFoundError, NotADirectoryError):
        stat = None
    if served is None or path is None or stat is None:
        STREAM_REQUESTS.labels(kind="unknown", status="404").inc()
        raise NotFound("no such file", code="file_not_found")
    media_type, kind = served
    etag, last_modified = _validators(stat)
    plan = decide(method, request_headers, stat.st_size, etag, last_modified)
    STREAM_REQUESTS.labels(kind=kind, status=str(plan.status)).inc()
    remaining = int((grant.expires_at - datetime.now(UTC)).total_seconds())
    headers = {
        "ETag": etag,
        "Last-Modified": last_modified,
        "Accept-Ranges": "bytes",
        "Cache-Control": _cache_control(kind, remaining),
    }
    return Answer(path, stat, plan, media_type, kind, headers)


def respond(answer: Answer) -> Response:
    """304, 416, or the file (or its range) streamed by Starlette."""
    headers = dict(answer.headers)
    if answer.plan.status == 304:
        return Response(status_code=304, headers=headers)
    if answer.plan.status == 416:
        body = error_body("range_not_satisfiable", "the requested range is outside the file")
        headers["Content-Range"] = f"bytes */{answer.stat.st_size}"
        return JSONResponse(body, status_code=416, headers=headers)
    return PlannedFileResponse(
        answer.path,
        answer.plan,
        answer.stat,
        answer.kind,
        headers=headers,
        media_type=answer.media_type,
    )
