"""Live numbers: the last minutes of activity, for the dashboard's real-time panel.

The only analytics reads of raw events, and only of the last five minutes of them, through
the `occurred_at` (platform) or `(room_id, occurred_at)` (room) index.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from veza.core.analytics.events import Kind
from veza.core.db import utcnow
from veza.core.models import AnalyticsEvent

WINDOW = timedelta(minutes=5)
MINUTE = timedelta(minutes=1)


async def _count(db: AsyncSession, *where: ColumnElement[bool], distinct_users: bool) -> int:
    counted = func.count(func.distinct(AnalyticsEvent.user_id)) if distinct_users else func.count()
    value = await db.scalar(select(counted).select_from(AnalyticsEvent).where(*where))
    return int(value or 0)


async def snapshot(db: AsyncSession, room_id: uuid.UUID | None) -> dict[str, Any]:
    """Per room (`room_id`) or platform-wide: messages in the last minute, people active now."""
    now = utcnow()
    last_minute = AnalyticsEvent.occurred_at >= now - MINUTE
    recent = AnalyticsEvent.occurred_at >= now - WINDOW
    message = AnalyticsEvent.kind == Kind.message.value
    if room_id is not None:
        here = AnalyticsEvent.room_id == room_id
        return {
            "room_id": room_id,
            "at": now,
            "messages_last_minute": await _count(
                db, here, message, last_minute, distinct_users=False
            ),
            "active_members_5m": await _count(db, here, message, recent, distinct_users=True),
        }
    play = AnalyticsEvent.kind == Kind.play.value
    return {
        "room_id": None,
        "at": now,
        "listeners_5m": await _count(db, play, recent, distinct_users=True),
        "plays_last_minute": await _count(db, play, last_minute, distinct_users=False),
        "messages_last_minute": await _count(db, message, last_minute, distinct_users=False),
        "active_chatters_5m": await _count(db, message, recent, distinct_users=True),
    }
