"""Reports: members flag messages; each room's moderators work through the open ones."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from veza.core.db import utcnow
from veza.core.errors import Conflict, NotFound
from veza.core.models import Message, MessageReport
from veza.core.services import audit, messages, rooms
from veza.core.services.audit import ClientInfo
from veza.core.services.rooms import clean_text


async def report(
    db: AsyncSession, *, message_id: uuid.UUID, reporter_id: uuid.UUID, reason: str
) -> MessageReport:
    """File a report (once per member and message)."""
    message, _ = await messages.visible_message(db, message_id, reporter_id)
    row = MessageReport(
        message_id=message.id,
        room_id=message.room_id,
        reporter_id=reporter_id,
        reason=clean_text(reason, "reason", max_length=500, allow_empty=False),
    )
    db.add(row)
    try:
        await db.commit()
    except IntegrityError:
        await db.rollback()
        raise Conflict("you have already reported this message", code="already_reported") from None
    return row


async def open_reports(
    db: AsyncSession, room_id: uuid.UUID, moderator_id: uuid.UUID, *, limit: int
) -> list[tuple[MessageReport, Message]]:
    """The room's unresolved reports, oldest first (for its owner and moderators)."""
    await rooms.moderator_access(db, room_id, moderator_id)
    rows = await db.execute(
        select(MessageReport, Message)
        .join(Message, Message.id == MessageReport.message_id)
        .where(MessageReport.room_id == room_id, MessageReport.resolved_at.is_(None))
        .order_by(MessageReport.created_at, MessageReport.id)
        .limit(limit)
    )
    return [(found, message) for found, message in rows]


async def resolve(
    db: AsyncSession, room_id: uuid.UUID, report_id: uuid.UUID, moderator_id: uuid.UUID
) -> MessageReport:
    await rooms.moderator_access(db, room_id, moderator_id)
    row = await db.get(MessageReport, report_id)
    if row is None or row.room_id != room_id:
        raise NotFound("no such report", code="report_not_found")
    if row.resolved_at is None:
        row.resolved_at = utcnow()
        row.resolved_by = moderator_id
        audit.record(
            db,
            "moderation.report_resolved",
            ClientInfo(),
            actor_id=moderator_id,
            room_id=str(room_id),
            report_id=str(report_id),
        )
        await db.commit()
    return row
