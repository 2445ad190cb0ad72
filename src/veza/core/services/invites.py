"""Invites: the way into a private room, as links that expire and run out; and room roles."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from veza.core.db import utcnow
from veza.core.errors import BadRequest, Forbidden, NotFound
from veza.core.models import Room, RoomInvite, RoomKind, RoomMember, RoomRole
from veza.core.security.tokens import hash_token, new_opaque_token
from veza.core.services import rooms


def _invalid() -> NotFound:
    return NotFound("this invite is invalid, used up or expired", code="invite_invalid")


async def create(
    db: AsyncSession, room_id: uuid.UUID, user_id: uuid.UUID, *, hours: int, max_uses: int
) -> tuple[RoomInvite, str]:
    """A new invite (owner and moderators); the token is shown once and stored hashed."""
    found = await rooms.moderator_access(db, room_id, user_id)
    if found.room.kind == RoomKind.dm:
        raise BadRequest("direct-message rooms take no invites")
    token = new_opaque_token()
    invite = RoomInvite(
        room_id=room_id,
        token_hash=hash_token(token),
        created_by=user_id,
        expires_at=utcnow() + timedelta(hours=hours),
        max_uses=max_uses,
    )
    db.add(invite)
    await db.commit()
    return invite, token


async def accept(db: AsyncSession, token: str, user_id: uuid.UUID) -> tuple[Room, bool]:
    """Join through an invite; says whether the user is new there. A ban still applies."""
    invite = await db.scalar(select(RoomInvite).where(RoomInvite.token_hash == hash_token(token)))
    now = utcnow()
    if invite is None or invite.expires_at <= now:
        raise _invalid()
    room = await db.get(Room, invite.room_id)
    member = await db.get(RoomMember, (invite.room_id, user_id))
    if room is None:
        raise _invalid()
    if member is not None:
        if member.is_banned(now):
            raise Forbidden("you are banned from this room", code="banned")
        return room, False
    spent = await db.execute(
        update(RoomInvite)
        .where(RoomInvite.id == invite.id, RoomInvite.uses < RoomInvite.max_uses)
        .values(uses=RoomInvite.uses + 1)
    )
    if spent.rowcount != 1:  # type: ignore[attr-defined]
        await db.rollback()
        raise _invalid()
    db.add(RoomMember(room_id=room.id, user_id=user_id, role=RoomRole.member))
    try:
        await db.commit()
    except IntegrityError:  # joined twice at once; the use is given back with the rollback
        await db.rollback()
        return room, False
    return room, True


async def set_role(
    db: AsyncSession, room_id: uuid.UUID, owner_id: uuid.UUID, username: str, role: RoomRole
) -> RoomMember:
    """The owner makes a member a moderator, or a moderator a member again."""
    found = await rooms.member_access(db, room_id, owner_id)
    if found.member is None or found.member.role != RoomRole.owner:
        raise Forbidden("only the room's owner may change roles", code="not_owner")
    if role == RoomRole.owner:
        raise BadRequest("a room has one owner")
    target = await rooms.user_by_username(db, username)
    member = await db.get(RoomMember, (room_id, target.id))
    if member is None or member.role == RoomRole.owner:
        raise NotFound("that user is not a member here", code="member_not_found")
    member.role = role
    await db.commit()
    return member
