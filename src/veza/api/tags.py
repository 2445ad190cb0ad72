"""Tags on tracks, and the trending ones."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from veza.api.deps import BackendsDep, CurrentPrincipal, SessionDep
from veza.api.tracks import TrackOut
from veza.core.services import tags as service
from veza.core.services import tracks

router = APIRouter(prefix="/api/v1", tags=["tags"])


class TagsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tags: list[Annotated[str, Field(max_length=64)]] = Field(
        max_length=50, description=f"Replaces the track's tags (at most {service.MAX_TAGS})."
    )


class TrendingTag(BaseModel):
    tag: str
    plays: int = Field(description="Counted plays of public tracks with this tag in the period.")


class TrendingTags(BaseModel):
    items: list[TrendingTag]


@router.put("/tracks/{track_id}/tags", response_model=TrackOut)
async def set_tags(
    track_id: uuid.UUID, body: TagsIn, principal: CurrentPrincipal, db: SessionDep
) -> Any:
    """Set the track's tags (owner or admin); they are case-folded and de-duplicated."""
    track = await tracks.get_editable(db, track_id, principal)
    return await service.set_tags(db, track, body.tags)


@router.get("/tags/trending", response_model=TrendingTags)
async def trending(
    backends: BackendsDep,
    db: SessionDep,
    days: Annotated[int, Query(ge=1, le=90)] = 7,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> Any:
    """Tags ranked by plays in the last `days` (browse one with `GET /tracks?tag=`)."""
    found = await service.trending(backends.cache, db, days=days, limit=limit)
    return TrendingTags(items=[TrendingTag(tag=t.tag, plays=t.plays) for t in found])
