"""Pins: a room's owner and moderators keep a short list of messages on top of the room."""

from __future__ import annotations

import uuid

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from veza.core.errors import BadRequest, Conflict, Forbidden
from veza.core.models import Message, MessagePin
from veza.core.services import messages, rooms

MAX_PINS = 50


async def _moderated_message(
    db: AsyncSession, message_id: uuid.UUID, user_id: uuid.UUID
) -> Message:
    message, found = await messages.visible_message(db, message_id, user_id)
    if not found.moderates:
        raise Forbidden("only the room's owner and moderators may pin", code="not_moderator")
    return message


async def pin(db: AsyncSession, message_id: uuid.UUID, user_id: uuid.UUID) -> tuple[Message, bool]:
    """Pin a message; says whether it was newly pinned (pinning twice changes nothing)."""
    message = await _moderated_message(db, message_id, user_id)
    if message.deleted_at is not None:
        raise BadRequest("a deleted message cannot be pinned", code="message_deleted")
    if await db.get(MessagePin, message.id) is not None:
        return message, False
    count = await db.scalar(
        select(func.count()).select_from(MessagePin).where(MessagePin.room_id == message.room_id)
    )
    if (count or 0) >= MAX_PINS:
        raise Conflict(
            f"a room holds at most {MAX_PINS} pins; unpin one first",
            code="too_many_pins",
            details={"max_pins": MAX_PINS},
        )
    db.add(MessagePin(message_id=message.id, room_id=message.room_id, pinned_by=user_id))
    try:
        await db.commit()
    except IntegrityError:  # pinned twice at once
        await db.rollback()
        return message, False
    return message, True


async def unpin(
    db: AsyncSession, message_id: uuid.UUID, user_id: uuid.UUID
) -> tuple[Message, bool]:
    """Unpin a message; says whether it was pinned."""
    message = await _moderated_message(db, message_id, user_id)
    removed = await db.execute(delete(MessagePin).where(MessagePin.message_id == message.id))
    await db.commit()
    return message, bool(removed.rowcount)  # type: ignore[attr-defined]


async def pinned(db: AsyncSession, room_id: uuid.UUID, user_id: uuid.UUID) -> list[Message]:
    """A room's pinned messages, most recently pinned first, for whoever may read it."""
    await rooms.access(db, room_id, user_id)
    rows = await db.scalars(
        select(Message)
        .join(MessagePin, MessagePin.message_id == Message.id)
        .where(MessagePin.room_id == room_id)
        .order_by(MessagePin.pinned_at.desc(), Message.seq.desc())
        .limit(MAX_PINS)
    )
    return list(rows.all())
