"""`/stream/...`: a track's playlists, segments and files (`stream/lean.py`) and its original
(below), for whoever holds a valid token. No database access: the token alone says which
track, and until when."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from starlette.routing import Route

from veza.core.backends import Backends
from veza.core.media import layout
from veza.core.media.download import content_disposition
from veza.core.media.signing import DOWNLOAD_PURPOSE, StreamGrant, StreamSigner
from veza.stream.answer import prepare, respond
from veza.stream.lean import StreamFiles

router = APIRouter(prefix="/stream", tags=["stream"])


async def _download_grant(token: str, request: Request) -> StreamGrant:
    state = request.app.state
    if not hasattr(state, "download_signer"):
        keys = state.settings.signing_keys()
        state.download_signer = StreamSigner(keys, purpose=DOWNLOAD_PURPOSE)
    signer: StreamSigner = state.download_signer
    return signer.verify(token)


@router.api_route("/original/{token}/{filename}", methods=["GET", "HEAD"], include_in_schema=False)
async def download_original(
    filename: str, request: Request, grant: Annotated[StreamGrant, Depends(_download_grant)]
) -> Response:
    """The original upload, as an attachment named `filename` (sanitised; it is not signed,
    and only names the file on the holder's own disk)."""
    backends: Backends = request.app.state.backends
    path = backends.storage.local_path(layout.source_key(grant.track_id))
    served = ("application/octet-stream", "original")
    response = respond(prepare(request.method, request.headers, path, grant, served))
    response.headers["Content-Disposition"] = content_disposition(filename)
    return response


FILES_PATH = "/stream/{token}/{name:path}"
# Playlists, segments and files skip FastAPI's routing work: see `stream/lean.py`.
router.routes.append(
    Route(
        FILES_PATH,
        StreamFiles(FILES_PATH),
        methods=["GET", "HEAD"],
        include_in_schema=False,
    )
)
