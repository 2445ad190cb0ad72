"""Notifications: list, mark read, per-kind preferences (live delivery is on `/ws`)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from veza.api.deps import CurrentPrincipal, SessionDep
from veza.api.schemas import Paged
from veza.core.pagination import DEFAULT_LIMIT, MAX_LIMIT
from veza.core.services import notifications as service

router = APIRouter(prefix="/api/v1/notifications", tags=["notifications"])


class NotificationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    kind: str = Field(description=f"One of: {', '.join(service.KINDS)}.")
    actor_id: uuid.UUID | None
    data: dict[str, Any] = Field(description="What it is about: track_id, playlist_id, actor...")
    read: bool
    created_at: datetime


class NotificationPage(Paged):
    items: list[NotificationOut]
    unread: int = Field(description="Unread notifications in all.")


class MarkRead(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ids: list[uuid.UUID] | None = Field(
        None, description=f"Up to {service.MAX_MARK}; omit to mark every notification read."
    )


class Marked(BaseModel):
    marked: int


@router.get("")
async def list_notifications(
    principal: CurrentPrincipal,
    db: SessionDep,
    unread: bool = False,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> NotificationPage:
    """Your notifications, newest first."""
    page = await service.list_for(db, principal, unread_only=unread, limit=limit, cursor=cursor)
    items = [NotificationOut(**service.data_of(n)) for n in page.items]
    count = await service.unread_count(db, principal.user_id)
    return NotificationPage(items=items, next_cursor=page.next_cursor, unread=count)


@router.post("/read")
async def mark_read(body: MarkRead, principal: CurrentPrincipal, db: SessionDep) -> Marked:
    """Mark some (or all) of your notifications read; others' ids are ignored."""
    return Marked(marked=await service.mark_read(db, principal.user_id, body.ids))


@router.get("/preferences")
async def get_preferences(principal: CurrentPrincipal, db: SessionDep) -> dict[str, bool]:
    """Which kinds you receive (all, until turned off)."""
    return await service.preferences(db, principal.user_id)


@router.patch("/preferences")
async def set_preferences(
    body: dict[str, bool], principal: CurrentPrincipal, db: SessionDep
) -> dict[str, bool]:
    """Turn kinds on or off: `{"like": false}`; returns every kind's setting."""
    return await service.set_preferences(db, principal.user_id, body)
