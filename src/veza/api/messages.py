"""Messages over REST: search inside a room, edit history, and pins."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel, Field

from veza.api.deps import BackendsDep, CurrentPrincipal, SessionDep
from veza.core.models import Message
from veza.core.services import chat_events, messages, pins, rooms

router = APIRouter(prefix="/api/v1", tags=["chat"])


class SearchOut(BaseModel):
    items: list[dict[str, object]] = Field(description="Newest first; see docs/chat-protocol.md.")
    next_before_seq: int | None = Field(
        description="Pass as `before_seq` for older matches; null when there are none."
    )


class EditOut(BaseModel):
    previous_body: str = Field(description="The text before this edit.")
    edited_at: datetime


class PinsOut(BaseModel):
    items: list[dict[str, object]] = Field(description="Most recently pinned first.")


@router.get("/rooms/{room_id}/messages/search")
async def search_messages(
    room_id: uuid.UUID,
    principal: CurrentPrincipal,
    db: SessionDep,
    q: Annotated[str, Query(min_length=1, max_length=100, description="Text to find.")],
    before_seq: Annotated[int | None, Query(ge=1)] = None,
    limit: Annotated[int, Query(ge=1, le=messages.MAX_PAGE)] = 20,
) -> SearchOut:
    """Messages of a room you may read that contain `q` (any case), newest first."""
    await rooms.access(db, room_id, principal.user_id)
    found = await messages.search(db, room_id, q, before_seq=before_seq, limit=limit)
    counts = await messages.reaction_counts(db, [m.id for m in found])
    return SearchOut(
        items=[chat_events.message_data(m, counts.get(m.id)) for m in found],
        next_before_seq=found[-1].seq if len(found) == limit else None,
    )


@router.get("/messages/{message_id}/edits")
async def message_edits(
    message_id: uuid.UUID, principal: CurrentPrincipal, db: SessionDep
) -> list[EditOut]:
    """A message's earlier texts, oldest first (emptied when the message is deleted)."""
    found = await messages.edits(db, message_id, principal.user_id)
    return [EditOut.model_validate(edit, from_attributes=True) for edit in found]


@router.get("/rooms/{room_id}/pins")
async def room_pins(room_id: uuid.UUID, principal: CurrentPrincipal, db: SessionDep) -> PinsOut:
    """The room's pinned messages (at most 50)."""
    found = await pins.pinned(db, room_id, principal.user_id)
    counts = await messages.reaction_counts(db, [m.id for m in found])
    return PinsOut(items=[chat_events.message_data(m, counts.get(m.id)) for m in found])


async def _announce_pin(
    backends: BackendsDep, db: SessionDep, message: Message, kind: str, user_id: uuid.UUID
) -> dict[str, Any]:
    user = await rooms.user_by_id(db, user_id)
    data = {
        "message": chat_events.message_data(message),
        "by": {"id": str(user.id), "username": user.username},
    }
    await chat_events.to_room(backends.bus, message.room_id, kind, data)
    return data


@router.put("/messages/{message_id}/pin")
async def pin_message(
    message_id: uuid.UUID, principal: CurrentPrincipal, db: SessionDep, backends: BackendsDep
) -> dict[str, object]:
    """Pin a message (owner and moderators); the room gets `message.pinned`."""
    message, changed = await pins.pin(db, message_id, principal.user_id)
    if changed:
        await _announce_pin(backends, db, message, "message.pinned", principal.user_id)
    return chat_events.message_data(message)


@router.delete("/messages/{message_id}/pin", status_code=status.HTTP_204_NO_CONTENT)
async def unpin_message(
    message_id: uuid.UUID, principal: CurrentPrincipal, db: SessionDep, backends: BackendsDep
) -> Response:
    """Unpin a message (owner and moderators); the room gets `message.unpinned`."""
    message, changed = await pins.unpin(db, message_id, principal.user_id)
    if changed:
        await _announce_pin(backends, db, message, "message.unpinned", principal.user_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
