"""Rooms: creation, visibility, membership, settings and the one DM room of a pair of users."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, SQLColumnExpression, delete, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from veza.core.db import utcnow
from veza.core.errors import BadRequest, Conflict, Forbidden, InvalidInput, NotFound
from veza.core.models import Room, RoomKind, RoomMember, RoomRole, User, UserBlock
from veza.core.pagination import Page, keyset_page
from veza.core.text import check_plain_text

# Settings a room's owner or moderators may change, beside name and topic.
SETTING_FIELDS = ("slow_mode_seconds", "profanity_mode", "links_allowed")


@dataclass(frozen=True, slots=True)
class Access:
    """A room as one user may use it: their membership (None when they are not a member)."""

    room: Room
    member: RoomMember | None

    @property
    def moderates(self) -> bool:
        return self.member is not None and self.member.moderates


def not_found() -> NotFound:
    # The same answer for "absent" and "private and not yours": existence never leaks.
    return NotFound("no such room", code="room_not_found")


def clean_text(value: str, field: str, *, max_length: int, allow_empty: bool) -> str:
    """Trimmed single-line text, or InvalidInput naming the field."""
    try:
        cleaned = check_plain_text(value)
    except ValueError as exc:
        raise InvalidInput(f"{field} {exc}", code="forbidden_character") from None
    if not cleaned and not allow_empty:
        raise InvalidInput(f"{field} must not be empty", details={"field": field})
    if len(cleaned) > max_length:
        raise InvalidInput(f"{field} is longer than {max_length} characters")
    return cleaned


async def access(db: AsyncSession, room_id: uuid.UUID, user_id: uuid.UUID) -> Access:
    """The room if this user may see it: public rooms to all, others to members; bans hide."""
    row = (
        await db.execute(
            select(Room, RoomMember)
            .outerjoin(
                RoomMember, (RoomMember.room_id == Room.id) & (RoomMember.user_id == user_id)
            )
            .where(Room.id == room_id)
        )
    ).one_or_none()
    if row is None:
        raise not_found()
    room, member = row
    if member is not None and member.is_banned(utcnow()):
        if room.kind != RoomKind.public:
            raise not_found()
        raise Forbidden("you are banned from this room", code="banned")
    if member is None and room.kind != RoomKind.public:
        raise not_found()
    return Access(room, member)


async def member_access(db: AsyncSession, room_id: uuid.UUID, user_id: uuid.UUID) -> Access:
    """Like `access`, but only for members (posting, reading receipts)."""
    found = await access(db, room_id, user_id)
    if found.member is None:
        raise Forbidden("join the room first", code="not_a_member")
    return found


async def moderator_access(db: AsyncSession, room_id: uuid.UUID, user_id: uuid.UUID) -> Access:
    found = await member_access(db, room_id, user_id)
    if not found.moderates:
        raise Forbidden("only the room's owner and moderators may do this", code="not_moderator")
    return found


async def create_room(
    db: AsyncSession, owner_id: uuid.UUID, *, name: str, topic: str, kind: RoomKind
) -> Room:
    if kind == RoomKind.dm:
        raise BadRequest("direct-message rooms are opened with POST /api/v1/dms")
    room = Room(
        id=uuid.uuid4(),
        kind=kind,
        name=clean_text(name, "name", max_length=64, allow_empty=False),
        topic=clean_text(topic, "topic", max_length=300, allow_empty=True),
        created_by=owner_id,
    )
    db.add(room)
    await db.flush()
    db.add(RoomMember(room_id=room.id, user_id=owner_id, role=RoomRole.owner))
    await db.commit()
    return room


async def update_room(
    db: AsyncSession, room_id: uuid.UUID, user_id: uuid.UUID, changes: dict[str, Any]
) -> Room:
    """Change name, topic or settings; the caller has validated the values' types."""
    room = (await moderator_access(db, room_id, user_id)).room
    if room.kind == RoomKind.dm and ("name" in changes or "topic" in changes):
        raise BadRequest("direct-message rooms have no name or topic")
    if "name" in changes:
        room.name = clean_text(changes["name"], "name", max_length=64, allow_empty=False)
    if "topic" in changes:
        room.topic = clean_text(changes["topic"], "topic", max_length=300, allow_empty=True)
    for field in SETTING_FIELDS:
        if field in changes:
            setattr(room, field, changes[field])
    room.updated_at = utcnow()
    await db.commit()
    return room


async def delete_room(db: AsyncSession, room_id: uuid.UUID, user_id: uuid.UUID) -> None:
    found = await member_access(db, room_id, user_id)
    if found.member is None or found.member.role != RoomRole.owner:
        raise Forbidden("only the room's owner may delete it", code="not_owner")
    await db.delete(found.room)
    await db.commit()


async def join(db: AsyncSession, room_id: uuid.UUID, user_id: uuid.UUID) -> tuple[Room, bool]:
    """Join a public room; says whether the user is new there. Private rooms need an invite."""
    found = await access(db, room_id, user_id)
    if found.member is not None:
        return found.room, False
    db.add(RoomMember(room_id=room_id, user_id=user_id, role=RoomRole.member))
    try:
        await db.commit()
    except IntegrityError:  # a concurrent join of the same user won
        await db.rollback()
        return found.room, False
    return found.room, True


async def leave(db: AsyncSession, room_id: uuid.UUID, user_id: uuid.UUID) -> Room:
    found = await member_access(db, room_id, user_id)
    if found.room.kind == RoomKind.dm:
        raise BadRequest("a direct-message room cannot be left; block the user instead")
    if found.member is not None and found.member.role == RoomRole.owner:
        raise Conflict("the owner cannot leave; delete the room instead", code="owner_cannot_leave")
    await db.delete(found.member)
    await db.commit()
    return found.room


async def list_public(
    db: AsyncSession, *, query: str | None, limit: int, cursor: str | None
) -> Page[Room]:
    """Public rooms by name (a directory), optionally those whose name contains `query`."""
    select_rooms = select(Room).where(Room.kind == RoomKind.public)
    if query:
        select_rooms = select_rooms.where(containing(Room.name, query))
    return await keyset_page(
        db, select_rooms, (Room.name, Room.id), limit=limit, cursor=cursor, descending=False
    )


def containing(column: SQLColumnExpression[str], text: str) -> ColumnElement[bool]:
    """`column` contains `text`, ignoring case, with LIKE's wildcards taken literally."""
    pattern = text.lower().replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_")
    return func.lower(column).like(f"%{pattern}%", escape="\\")


def _not_banned() -> ColumnElement[bool]:
    return or_(RoomMember.banned_until.is_(None), RoomMember.banned_until <= utcnow())


async def member_counts(db: AsyncSession, room_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    rows = await db.execute(
        select(RoomMember.room_id, func.count())
        .where(RoomMember.room_id.in_(room_ids), _not_banned())
        .group_by(RoomMember.room_id)
    )
    return dict(rows.all())


async def joined(db: AsyncSession, user_id: uuid.UUID) -> list[tuple[Room, RoomMember]]:
    """The rooms a user is in, most recently active first (for unread counts)."""
    rows = await db.execute(
        select(Room, RoomMember)
        .join(RoomMember, RoomMember.room_id == Room.id)
        .where(RoomMember.user_id == user_id, _not_banned())
        .order_by(func.coalesce(Room.last_message_at, Room.created_at).desc(), Room.id)
        .limit(500)
    )
    return [(first, second) for first, second in rows]


async def room_ids_of(db: AsyncSession, user_id: uuid.UUID) -> list[uuid.UUID]:
    rows = await db.scalars(
        select(RoomMember.room_id).where(RoomMember.user_id == user_id, _not_banned())
    )
    return list(rows.all())


async def is_blocked_between(db: AsyncSession, first: uuid.UUID, second: uuid.UUID) -> bool:
    """Whether either user blocks the other."""
    found = await db.scalar(
        select(func.count()).where(
            ((UserBlock.blocker_id == first) & (UserBlock.blocked_id == second))
            | ((UserBlock.blocker_id == second) & (UserBlock.blocked_id == first))
        )
    )
    return bool(found)


async def user_by_username(db: AsyncSession, username: str) -> User:
    user = await db.scalar(select(User).where(User.username == username.strip().lower()))
    if user is None:
        raise NotFound("no such user", code="user_not_found")
    return user


async def user_by_id(db: AsyncSession, user_id: uuid.UUID) -> User:
    user = await db.get(User, user_id)
    if user is None:
        raise NotFound("no such user", code="user_not_found")
    return user


async def open_dm(db: AsyncSession, user_id: uuid.UUID, username: str) -> tuple[Room, bool]:
    """The DM room of a pair, created on first use; says whether it was created now."""
    other = await user_by_username(db, username)
    if other.id == user_id:
        raise BadRequest("you cannot message yourself", code="dm_self")
    if await is_blocked_between(db, user_id, other.id):
        raise Forbidden("one of you has blocked the other", code="blocked")
    key = ":".join(sorted((str(user_id), str(other.id))))
    existing = await db.scalar(select(Room).where(Room.dm_key == key))
    if existing is not None:
        return existing, False
    room = Room(id=uuid.uuid4(), kind=RoomKind.dm, name="", dm_key=key, created_by=user_id)
    db.add(room)
    try:
        await db.flush()
        for member_id in (user_id, other.id):
            db.add(RoomMember(room_id=room.id, user_id=member_id, role=RoomRole.member))
        await db.commit()
    except IntegrityError:  # the other user opened it at the same moment
        await db.rollback()
        found = await db.scalar(select(Room).where(Room.dm_key == key))
        if found is None:
            raise
        return found, False
    return room, True


def dm_peer(room: Room, user_id: uuid.UUID) -> uuid.UUID | None:
    """The other member of a DM room (None for other rooms)."""
    if room.kind != RoomKind.dm or room.dm_key is None:
        return None
    first, second = (uuid.UUID(part) for part in room.dm_key.split(":"))
    return second if first == user_id else first


async def block(db: AsyncSession, user_id: uuid.UUID, username: str) -> User:
    other = await user_by_username(db, username)
    if other.id == user_id:
        raise BadRequest("you cannot block yourself")
    if await db.get(UserBlock, (user_id, other.id)) is None:
        db.add(UserBlock(blocker_id=user_id, blocked_id=other.id))
        try:
            await db.commit()
        except IntegrityError:  # blocked twice at once: the outcome is the same
            await db.rollback()
    return other


async def unblock(db: AsyncSession, user_id: uuid.UUID, username: str) -> None:
    other = await user_by_username(db, username)
    await db.execute(
        delete(UserBlock).where(UserBlock.blocker_id == user_id, UserBlock.blocked_id == other.id)
    )
    await db.commit()


async def blocked_users(db: AsyncSession, user_id: uuid.UUID) -> list[tuple[User, datetime]]:
    rows = await db.execute(
        select(User, UserBlock.created_at)
        .join(UserBlock, UserBlock.blocked_id == User.id)
        .where(UserBlock.blocker_id == user_id)
        .order_by(UserBlock.created_at.desc())
        .limit(1000)
    )
    return [(first, second) for first, second in rows]
