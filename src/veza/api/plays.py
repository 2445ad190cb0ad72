"""Plays reported by players, and each listener's recently played tracks."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, ConfigDict, Field

from veza.api.deps import BackendsDep, CurrentPrincipal, SessionDep
from veza.api.tracks import TrackOut
from veza.core.analytics.events import Source
from veza.core.pagination import DEFAULT_LIMIT, MAX_LIMIT
from veza.core.services import plays as service

router = APIRouter(prefix="/api/v1", tags=["plays"])
# A day: longer than any track the service accepts; anything above is nonsense.
MAX_SECONDS = 86_400.0


class PlayIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    position: float = Field(ge=0, le=MAX_SECONDS, description="Where playback stopped (s).")
    listened_seconds: float = Field(
        ge=0, le=MAX_SECONDS, description="Seconds actually heard in this session."
    )
    completed: bool = Field(False, description="The track played to its end.")
    source: Source | None = Field(
        None, description="Where the play came from (analytics); omitted means `other`."
    )


class PlayOut(BaseModel):
    id: uuid.UUID
    track_id: uuid.UUID
    counted: bool
    not_counted_reason: Literal["own_track", "too_short", "too_soon"] | None = Field(
        description="Why it did not count: your own track, under the threshold, or a repeat."
    )
    play_count: int
    listener_count: int
    listening_seconds: float
    created_at: datetime


class HistoryItem(BaseModel):
    track: TrackOut
    last_played_at: datetime
    plays: int = Field(description="Your plays of it that counted.")
    listened_seconds: float


class HistoryPage(BaseModel):
    items: list[HistoryItem]
    next_cursor: str | None


@router.post(
    "/tracks/{track_id}/plays", status_code=status.HTTP_201_CREATED, response_model=PlayOut
)
async def record_play(
    track_id: uuid.UUID,
    body: PlayIn,
    principal: CurrentPrincipal,
    backends: BackendsDep,
    db: SessionDep,
) -> Any:
    """Report a listening session; it counts after 30 s or half the track (at most 120/min)."""
    report = service.PlayReport(body.position, body.listened_seconds, body.completed, body.source)
    result = await service.record(backends, db, principal, track_id, report)
    return PlayOut(
        id=result.play.id,
        track_id=result.track.id,
        counted=result.play.counted,
        not_counted_reason=result.reason,
        play_count=result.track.play_count,
        listener_count=result.track.listener_count,
        listening_seconds=result.track.listening_seconds,
        created_at=result.play.created_at,
    )


@router.get("/me/recently-played", response_model=HistoryPage)
async def recently_played(
    principal: CurrentPrincipal,
    db: SessionDep,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> Any:
    """Your tracks, latest listen first, each once."""
    page = await service.recently_played(db, principal, limit=limit, cursor=cursor)
    return HistoryPage(
        items=[
            HistoryItem(
                track=TrackOut.model_validate(track),
                last_played_at=listen.last_played_at,
                plays=listen.plays,
                listened_seconds=listen.listened_seconds,
            )
            for listen, track in page.items
        ],
        next_cursor=page.next_cursor,
    )
