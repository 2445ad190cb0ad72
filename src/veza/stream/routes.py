"""`/stream/<token>/<file>`: a track's playlists, segments and files, for whoever holds a
valid token. No database access: the token alone says which track, and until when."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from email.utils import formatdate
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.responses import FileResponse, JSONResponse
from starlette.types import Message, Receive, Scope, Send

from veza.core.analytics.gauges import RecentStreams
from veza.core.backends import Backends
from veza.core.errors import NotFound
from veza.core.media import layout
from veza.core.media.download import content_disposition
from veza.core.media.signing import DOWNLOAD_PURPOSE, StreamGrant, StreamSigner
from veza.core.web.errors import error_body
from veza.core.web.middleware import client_ip
from veza.stream.files import classify
from veza.stream.metrics import STREAM_ACTIVE, STREAM_BYTES, STREAM_REQUESTS
from veza.stream.ranges import Plan, decide

router = APIRouter(prefix="/stream", tags=["stream"])
# Playlists are revalidated (cheap 304s); other files are cached until the token expires.
PLAYLIST_CACHE = "no-cache"


def _cache_control(kind: str, remaining: int) -> str:
    """An original is for the one who asked for it: never kept in a shared cache."""
    if kind == "playlist":
        return PLAYLIST_CACHE
    return f"{'private' if kind == 'original' else 'public'}, max-age={remaining}"


async def _signer(request: Request) -> StreamSigner:
    state = request.app.state
    if not hasattr(state, "stream_signer"):
        state.stream_signer = StreamSigner(state.settings.signing_keys())
    signer: StreamSigner = state.stream_signer
    return signer


async def _grant(token: str, signer: Annotated[StreamSigner, Depends(_signer)]) -> StreamGrant:
    return signer.verify(token)


async def _download_grant(token: str, request: Request) -> StreamGrant:
    state = request.app.state
    if not hasattr(state, "download_signer"):
        keys = state.settings.signing_keys()
        state.download_signer = StreamSigner(keys, purpose=DOWNLOAD_PURPOSE)
    signer: StreamSigner = state.download_signer
    return signer.verify(token)


class _PlannedFileResponse(FileResponse):
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


def _send(
    request: Request, path: Path | None, grant: StreamGrant, served: tuple[str, str] | None
) -> Response:
    """One file's answer: 404 if it is missing, else 304, 416, or the file (or its range)."""
    try:
        stat = path.stat() if path else None
    except (FileNotFoundError, NotADirectoryError):
        stat = None
    if served is None or path is None or stat is None:
        STREAM_REQUESTS.labels(kind="unknown", status="404").inc()
        raise NotFound("no such file", code="file_not_found")
    media_type, kind = served
    etag, last_modified = _validators(stat)
    plan = decide(request.method, request.headers, stat.st_size, etag, last_modified)
    STREAM_REQUESTS.labels(kind=kind, status=str(plan.status)).inc()
    remaining = int((grant.expires_at - datetime.now(UTC)).total_seconds())
    headers = {
        "ETag": etag,
        "Last-Modified": last_modified,
        "Accept-Ranges": "bytes",
        "Cache-Control": _cache_control(kind, remaining),
    }
    if plan.status == 304:
        return Response(status_code=304, headers=headers)
    if plan.status == 416:
        body = error_body("range_not_satisfiable", "the requested range is outside the file")
        headers["Content-Range"] = f"bytes */{stat.st_size}"
        return JSONResponse(body, status_code=416, headers=headers)
    return _PlannedFileResponse(path, plan, stat, kind, headers=headers, media_type=media_type)


@router.api_route("/original/{token}/{filename}", methods=["GET", "HEAD"], include_in_schema=False)
async def download_original(
    filename: str, request: Request, grant: Annotated[StreamGrant, Depends(_download_grant)]
) -> Response:
    """The original upload, as an attachment named `filename` (sanitised; it is not signed,
    and only names the file on the holder's own disk)."""
    backends: Backends = request.app.state.backends
    path = backends.storage.local_path(layout.source_key(grant.track_id))
    response = _send(request, path, grant, ("application/octet-stream", "original"))
    response.headers["Content-Disposition"] = content_disposition(filename)
    return response


@router.api_route("/{token}/{name:path}", methods=["GET", "HEAD"], include_in_schema=False)
async def serve_file(
    name: str, request: Request, grant: Annotated[StreamGrant, Depends(_grant)]
) -> Response:
    """One file of the token's track, honouring Range, If-Range and If-None-Match."""
    backends: Backends = request.app.state.backends
    served = classify(name)
    path = backends.storage.local_path(layout.served_key(grant.track_id, name)) if served else None
    response = _send(request, path, grant, served)
    recent: RecentStreams = request.app.state.recent_streams
    recent.seen(grant.track_id, client_ip(request.scope))  # an active stream (live analytics)
    return response
