"""Share links: create, list, revoke; and open one without an account."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, status
from pydantic import BaseModel, ConfigDict, Field

from veza.api.deps import BackendsDep, CurrentPrincipal, SessionDep
from veza.api.playlists import ItemPage, PlaylistOut, items_out, render
from veza.api.schemas import Paged
from veza.api.tracks import PlaybackOut, TrackOut
from veza.core.errors import NotFound
from veza.core.models import ShareLink
from veza.core.pagination import DEFAULT_LIMIT, MAX_LIMIT
from veza.core.services import playlists, tracks
from veza.core.services import shares as service

router = APIRouter(prefix="/api/v1", tags=["shares"])
Token = Annotated[str, Path(min_length=16, max_length=128, pattern=r"^[A-Za-z0-9_-]+$")]


class ShareIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    track_id: uuid.UUID | None = None
    playlist_id: uuid.UUID | None = None
    expires_in_seconds: int | None = Field(
        None, description=f"60 s to {service.MAX_EXPIRY_DAYS} days; omit for no expiry."
    )


class ShareOut(BaseModel):
    id: uuid.UUID
    kind: Literal["track", "playlist"]
    target_id: uuid.UUID
    expires_at: datetime | None
    revoked: bool
    created_at: datetime

    @classmethod
    def of(cls, link: ShareLink) -> ShareOut:
        target = link.track_id or link.playlist_id
        assert target is not None
        return cls(
            id=link.id,
            kind="track" if link.track_id else "playlist",
            target_id=target,
            expires_at=link.expires_at,
            revoked=link.revoked_at is not None,
            created_at=link.created_at,
        )


class ShareCreated(ShareOut):
    token: str = Field(description="The secret; shown only now.")
    path: str = Field(description="Where the link opens: `/api/v1/shared/{token}`.")


class SharePage(Paged):
    items: list[ShareOut]


class SharedOut(BaseModel):
    kind: Literal["track", "playlist"]
    expires_at: datetime | None
    track: TrackOut | None = None
    playback: PlaybackOut | None = Field(None, description="For a ready track.")
    playlist: PlaylistOut | None = None


@router.post("/shares", status_code=status.HTTP_201_CREATED)
async def create_share(body: ShareIn, principal: CurrentPrincipal, db: SessionDep) -> ShareCreated:
    """A secret link to one of your tracks or playlists (any visibility)."""
    created = await service.create(
        db,
        principal,
        track_id=body.track_id,
        playlist_id=body.playlist_id,
        expires_in_seconds=body.expires_in_seconds,
    )
    base = ShareOut.of(created.link)
    return ShareCreated(
        **base.model_dump(), token=created.token, path=f"/api/v1/shared/{created.token}"
    )


@router.get("/shares")
async def list_shares(
    principal: CurrentPrincipal,
    db: SessionDep,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> SharePage:
    """Your share links, newest first (their tokens are not kept, so not shown)."""
    page = await service.list_mine(db, principal, limit=limit, cursor=cursor)
    return SharePage(items=[ShareOut.of(s) for s in page.items], next_cursor=page.next_cursor)


@router.delete("/shares/{share_id}", status_code=status.HTTP_204_NO_CONTENT)
async def revoke_share(share_id: uuid.UUID, principal: CurrentPrincipal, db: SessionDep) -> None:
    """Revoke a link: it stops working at once."""
    await service.revoke(db, principal, share_id)


@router.get("/shared/{token}")
async def open_share(token: Token, backends: BackendsDep, db: SessionDep) -> SharedOut:
    """Open a share link (no account needed); 404 once revoked or expired."""
    shared = await service.open_link(db, token)
    expires_at = shared.link.expires_at
    if shared.track is not None:
        track = shared.track
        playback = None
        if track.playable:
            found = tracks.playback(backends, track)
            playback = PlaybackOut.model_validate(found, from_attributes=True)
        return SharedOut(
            kind="track",
            expires_at=expires_at,
            track=TrackOut.model_validate(track),
            playback=playback,
        )
    assert shared.playlist is not None
    rendered = await render(backends, db, [shared.playlist], shared.viewer)
    return SharedOut(kind="playlist", expires_at=expires_at, playlist=rendered[0])


@router.get("/shared/{token}/items")
async def open_share_items(
    token: Token,
    db: SessionDep,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> ItemPage:
    """The tracks of a shared playlist, as its owner sees them."""
    shared = await service.open_link(db, token)
    if shared.playlist is None:
        raise NotFound("this link is to a track, not a playlist", code="not_a_playlist")
    page = await playlists.list_items(
        db, shared.playlist.id, shared.viewer, limit=limit, cursor=cursor
    )
    return ItemPage(items=items_out(page.items), next_cursor=page.next_cursor)
