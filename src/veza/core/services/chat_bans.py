"""Chat-wide bans by administrators: no chat connection and no message anywhere until lifted.

A ban closes the user's open connections on every chat process (through a `moderation` event
on their channel, which each process's hub acts on) and is written to the audit log.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from veza.core.backends import Backends
from veza.core.db import utcnow
from veza.core.errors import BadRequest, Forbidden, NotFound
from veza.core.models import ChatBan, User
from veza.core.observability import business
from veza.core.services import audit, chat_events, rooms
from veza.core.services.audit import ClientInfo
from veza.core.services.moderation import PERMANENT_MINUTES
from veza.core.services.rooms import clean_text

MAX_LISTED = 500


async def active_ban(db: AsyncSession, user_id: uuid.UUID) -> ChatBan | None:
    ban = await db.get(ChatBan, user_id)
    return ban if ban is not None and ban.active(utcnow()) else None


def banned_error(ban: ChatBan) -> Forbidden:
    return Forbidden(
        "you are banned from chat",
        code="chat_banned",
        details={"until": ban.until.isoformat(), "reason": ban.reason},
    )


async def ensure_not_banned(db: AsyncSession, user_id: uuid.UUID) -> None:
    ban = await active_ban(db, user_id)
    if ban is not None:
        raise banned_error(ban)


async def _record(
    backends: Backends,
    db: AsyncSession,
    *,
    action: str,
    actor_id: uuid.UUID,
    target: User,
    data: dict[str, Any],
    client: ClientInfo,
) -> None:
    """Audit, commit, count and tell the user (their connections close on a ban)."""
    audit.record(
        db,
        f"moderation.global_{action}",
        client,
        actor_id=actor_id,
        target_user_id=target.id,
        **data,
    )
    await db.commit()
    business.count_moderation(f"global_{action}")
    event = {"action": action, "scope": "global", **data}
    await chat_events.to_user(backends.bus, target.id, "moderation", event)


async def ban(
    backends: Backends,
    db: AsyncSession,
    *,
    actor_id: uuid.UUID,
    username: str,
    minutes: int | None,
    reason: str,
    client: ClientInfo,
) -> ChatBan:
    """Ban (or re-ban with a new end) a user from all of chat; for good without `minutes`."""
    target = await rooms.user_by_username(db, username)
    if target.id == actor_id:
        raise BadRequest("you cannot ban yourself", code="ban_self")
    until = utcnow() + timedelta(minutes=minutes or PERMANENT_MINUTES)
    cleaned = clean_text(reason, "reason", max_length=500, allow_empty=True)
    row = await db.get(ChatBan, target.id)
    if row is None:
        row = ChatBan(user_id=target.id, until=until, reason=cleaned, banned_by=actor_id)
        db.add(row)
    else:
        row.until, row.reason, row.banned_by, row.created_at = until, cleaned, actor_id, utcnow()
    data = {"reason": cleaned, "until": until.isoformat()}
    await _record(
        backends, db, action="banned", actor_id=actor_id, target=target, data=data, client=client
    )
    return row


async def unban(
    backends: Backends, db: AsyncSession, *, actor_id: uuid.UUID, username: str, client: ClientInfo
) -> None:
    target = await rooms.user_by_username(db, username)
    row = await db.get(ChatBan, target.id)
    if row is None:
        raise NotFound("that user is not banned from chat", code="ban_not_found")
    await db.delete(row)
    data: dict[str, Any] = {"reason": "", "until": None}
    await _record(
        backends, db, action="unbanned", actor_id=actor_id, target=target, data=data, client=client
    )


async def active_bans(db: AsyncSession) -> list[tuple[ChatBan, str]]:
    """Bans in force with the banned username, latest first."""
    rows = await db.execute(
        select(ChatBan, User.username)
        .join(User, User.id == ChatBan.user_id)
        .where(ChatBan.until > utcnow())
        .order_by(ChatBan.created_at.desc())
        .limit(MAX_LISTED)
    )
    return [(found, name) for found, name in rows]
