"""Recommendations: tracks similar to a track, a personal mix, and dislikes that shape them."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, Field

from veza.api.deps import CurrentPrincipal, SessionDep
from veza.api.tracks import MaybePrincipal, TrackOut
from veza.core.services import recommendations as service
from veza.core.services import tracks
from veza.core.services.recommendations import Scored

router = APIRouter(prefix="/api/v1", tags=["recommendations"])
Limit = Annotated[int, Query(ge=1, le=service.MAX_LIMIT)]


class Recommendation(BaseModel):
    track: TrackOut
    score: float
    reason: Literal["co_listening", "similar_metadata", "popular"] = Field(
        description="Listeners in common, shared tags/genre/artist, or popular (no history yet)."
    )


class Recommendations(BaseModel):
    items: list[Recommendation]


def _answer(found: list[Scored]) -> Recommendations:
    return Recommendations(
        items=[
            Recommendation(track=TrackOut.model_validate(s.track), score=s.score, reason=s.reason)
            for s in found
        ]
    )


@router.get("/tracks/{track_id}/similar", response_model=Recommendations)
async def similar(
    track_id: uuid.UUID, principal: MaybePrincipal, db: SessionDep, limit: Limit = 20
) -> Any:
    """Public tracks that the same people listen to, then ones with the same tags or genre."""
    track = await tracks.get_visible(db, track_id, principal)
    viewer = principal.user_id if principal is not None else None
    return _answer(await service.similar(db, track, viewer, limit=limit))


@router.get("/me/for-you", response_model=Recommendations)
async def for_you(principal: CurrentPrincipal, db: SessionDep, limit: Limit = 20) -> Any:
    """Tracks you have not heard, from listeners with your taste; never ones you disliked."""
    return _answer(await service.for_you(db, principal.user_id, limit=limit))


@router.put("/tracks/{track_id}/dislike", status_code=status.HTTP_204_NO_CONTENT)
async def dislike(track_id: uuid.UUID, principal: CurrentPrincipal, db: SessionDep) -> None:
    """Never recommend this track to you again."""
    await tracks.get_visible(db, track_id, principal)
    await service.dislike(db, principal.user_id, track_id)


@router.delete("/tracks/{track_id}/dislike", status_code=status.HTTP_204_NO_CONTENT)
async def undo_dislike(track_id: uuid.UUID, principal: CurrentPrincipal, db: SessionDep) -> None:
    """Take the dislike back."""
    await tracks.get_visible(db, track_id, principal)
    await service.undo_dislike(db, principal.user_id, track_id)
