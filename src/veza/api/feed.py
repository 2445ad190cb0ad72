"""The feed of followed users' new tracks and playlists."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel

from veza.api.deps import BackendsDep, CurrentPrincipal, SessionDep
from veza.api.playlists import PlaylistOut, render
from veza.api.schemas import Paged
from veza.api.tracks import TrackOut
from veza.core.pagination import DEFAULT_LIMIT, MAX_LIMIT
from veza.core.services import feed as service

router = APIRouter(prefix="/api/v1/feed", tags=["feed"])


class FeedItemOut(BaseModel):
    kind: Literal["track", "playlist"]
    created_at: datetime
    track: TrackOut | None = None
    playlist: PlaylistOut | None = None


class FeedPage(Paged):
    items: list[FeedItemOut]


@router.get("")
async def get_feed(
    principal: CurrentPrincipal,
    backends: BackendsDep,
    db: SessionDep,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> FeedPage:
    """New public tracks and playlists of the users you follow, newest first."""
    page = await service.feed(db, principal, limit=limit, cursor=cursor)
    shown = [item.playlist for item in page.items if item.playlist is not None]
    rendered = {p.id: p for p in await render(backends, db, shown, principal)}
    items = [
        FeedItemOut(
            kind="track", created_at=item.created_at, track=TrackOut.model_validate(item.track)
        )
        if item.track is not None
        else FeedItemOut(kind="playlist", created_at=item.created_at, playlist=rendered[item.id])
        for item in page.items
    ]
    return FeedPage(items=items, next_cursor=page.next_cursor)
