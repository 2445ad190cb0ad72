"""Messages: send with a per-room sequence and idempotent nonces, edit, delete, react, read."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from veza.core.analytics import events as analytics
from veza.core.backends import Backends
from veza.core.db import utcnow
from veza.core.errors import BadRequest, Forbidden, InvalidInput, NotFound, RateLimited
from veza.core.models import (
    Message,
    MessageEdit,
    MessagePin,
    Reaction,
    Room,
    RoomMember,
    User,
    UserBlock,
)
from veza.core.observability import business
from veza.core.ratelimit import Limit
from veza.core.services import chat_bans, moderation, rooms
from veza.core.services.rooms import Access
from veza.core.text import check_plain_text

MAX_BODY = 4000
MAX_PAGE = 100
MENTION = re.compile(r"(?<![\w@])@([A-Za-z0-9_]{3,32})\b")
MAX_MENTIONS = 20
MAX_EDITS_SHOWN = 100


@dataclass(frozen=True, slots=True)
class Sent:
    message: Message
    created: bool  # False when the nonce matched an earlier message


def clean_body(body: str) -> str:
    """1-4000 characters after trimming; no control, zero-width or bidi-override characters."""
    try:
        cleaned = check_plain_text(body, multiline=True)
    except ValueError as exc:
        raise InvalidInput(f"message {exc}", code="forbidden_character") from None
    if not cleaned:
        raise InvalidInput("message is empty", code="empty_message")
    if len(cleaned) > MAX_BODY:
        raise InvalidInput(
            f"message is longer than {MAX_BODY} characters",
            code="message_too_long",
            details={"max_length": MAX_BODY, "length": len(cleaned)},
        )
    return cleaned


async def _by_nonce(
    db: AsyncSession, room_id: uuid.UUID, author_id: uuid.UUID, nonce: str
) -> Message | None:
    return await db.scalar(
        select(Message).where(
            Message.room_id == room_id, Message.author_id == author_id, Message.nonce == nonce
        )
    )


async def _check_may_post(backends: Backends, db: AsyncSession, found: Access) -> None:
    member = found.member
    assert member is not None  # member_access guarantees it
    now = utcnow()
    if member.is_muted(now):
        raise Forbidden(
            "you are muted in this room",
            code="muted",
            details={"until": member.muted_until.isoformat() if member.muted_until else None},
        )
    await chat_bans.ensure_not_banned(db, member.user_id)
    peer = rooms.dm_peer(found.room, member.user_id)
    if peer is not None and await rooms.is_blocked_between(db, member.user_id, peer):
        raise Forbidden("one of you has blocked the other", code="blocked")
    per_minute = Limit("chat_send", backends.settings.chat_messages_per_minute, 60)
    await backends.limiter.hit(per_minute, str(member.user_id))
    slow = found.room.slow_mode_seconds
    if slow > 0 and not found.moderates and backends.limiter.enabled:
        key = f"chat:slow:{found.room.id}:{member.user_id}"
        if not await backends.cache.add(key, "1", ttl=slow):
            raise RateLimited(
                f"slow mode: one message every {slow} s",
                retry_after=slow,
                limit=1,
                code="slow_mode",
            )


async def send(
    backends: Backends,
    db: AsyncSession,
    *,
    room_id: uuid.UUID,
    author_id: uuid.UUID,
    body: str,
    nonce: str,
    reply_to: uuid.UUID | None = None,
) -> Sent:
    """Store a message with the room's next `seq`. The same nonce returns the first message."""
    found = await rooms.member_access(db, room_id, author_id)
    earlier = await _by_nonce(db, room_id, author_id, nonce)
    if earlier is not None:
        return Sent(earlier, created=False)
    text = clean_body(body)
    if reply_to is not None:
        parent = await db.scalar(select(Message.room_id).where(Message.id == reply_to))
        if parent != room_id:
            raise NotFound("the message replied to is not in this room", code="message_not_found")
    await _check_may_post(backends, db, found)
    text = await moderation.screen(backends, db, found, text)
    now = utcnow()
    # The row lock taken here (PostgreSQL) or the write lock (SQLite) serializes concurrent
    # senders until commit, so seqs are unique and become visible in order.
    seq = await db.scalar(
        update(Room)
        .where(Room.id == room_id)
        .values(last_seq=Room.last_seq + 1, last_message_at=now)
        .returning(Room.last_seq)
    )
    if seq is None:
        raise rooms.not_found()
    message = Message(
        id=uuid.uuid4(),
        room_id=room_id,
        seq=seq,
        author_id=author_id,
        body=text,
        reply_to=reply_to,
        nonce=nonce,
        created_at=now,
    )
    db.add(message)
    event = analytics.record(
        db, analytics.Kind.message, occurred_at=now, user_id=author_id, room_id=room_id
    )
    try:
        await db.commit()
    except IntegrityError:  # the same nonce, sent twice at once: the other one was stored
        await db.rollback()
        earlier = await _by_nonce(db, room_id, author_id, nonce)
        if earlier is None:
            raise
        return Sent(earlier, created=False)
    await analytics.announce(backends.bus, event, room_id=room_id)
    business.count_message()
    return Sent(await _reload(db, message.id), created=True)


async def _reload(db: AsyncSession, message_id: uuid.UUID) -> Message:
    message = await db.scalar(
        select(Message).where(Message.id == message_id).execution_options(populate_existing=True)
    )
    if message is None:
        raise NotFound("no such message", code="message_not_found")
    return message


async def visible_message(
    db: AsyncSession, message_id: uuid.UUID, user_id: uuid.UUID, *, members_only: bool = True
) -> tuple[Message, Access]:
    """A message in a room the user is a member of (or may read); otherwise not found."""
    message = await db.get(Message, message_id)
    if message is None:
        raise NotFound("no such message", code="message_not_found")
    check = rooms.member_access if members_only else rooms.access
    try:
        found = await check(db, message.room_id, user_id)
    except (NotFound, Forbidden):
        raise NotFound("no such message", code="message_not_found") from None
    return message, found


async def edit(
    backends: Backends, db: AsyncSession, *, message_id: uuid.UUID, user_id: uuid.UUID, body: str
) -> Message:
    """Change one's own message; the earlier text goes to the edit history."""
    message, found = await visible_message(db, message_id, user_id)
    if message.author_id != user_id:
        raise Forbidden("you can only edit your own messages", code="not_author")
    if message.deleted_at is not None:
        raise BadRequest("a deleted message cannot be edited", code="message_deleted")
    text = await moderation.screen(backends, db, found, clean_body(body), new=False)
    if text != message.body:
        db.add(MessageEdit(message_id=message.id, previous_body=message.body))
        message.body = text
        message.edited_at = utcnow()
        await db.commit()
    return message


async def remove(db: AsyncSession, *, message_id: uuid.UUID, user_id: uuid.UUID) -> Message:
    """Delete one's own message, or any as a room moderator; a tombstone keeps its seq."""
    message, found = await visible_message(db, message_id, user_id)
    if message.author_id != user_id and not found.moderates:
        raise Forbidden("you can only delete your own messages", code="not_author")
    if message.deleted_at is None:
        message.deleted_at = utcnow()
        message.body = ""
        await db.execute(delete(MessageEdit).where(MessageEdit.message_id == message.id))
        await db.execute(delete(Reaction).where(Reaction.message_id == message.id))
        await db.execute(delete(MessagePin).where(MessagePin.message_id == message.id))
        await db.commit()
    return message


def clean_emoji(emoji: str) -> str:
    try:
        cleaned = check_plain_text(emoji)
    except ValueError as exc:
        raise InvalidInput(f"emoji {exc}", code="invalid_emoji") from None
    if not cleaned or len(cleaned) > 16 or any(char.isspace() for char in cleaned):
        raise InvalidInput("emoji must be 1-16 characters without spaces", code="invalid_emoji")
    return cleaned


async def react(
    db: AsyncSession, *, message_id: uuid.UUID, user_id: uuid.UUID, emoji: str, add: bool
) -> tuple[Message, str, bool]:
    """Add or remove one reaction; says whether anything changed (a repeat changes nothing)."""
    emoji = clean_emoji(emoji)
    message, _ = await visible_message(db, message_id, user_id)
    if message.deleted_at is not None:
        raise BadRequest("a deleted message cannot take reactions", code="message_deleted")
    existing = await db.get(Reaction, (message.id, user_id, emoji))
    if add == (existing is not None):
        return message, emoji, False
    if add:
        db.add(Reaction(message_id=message.id, user_id=user_id, emoji=emoji))
    else:
        await db.delete(existing)
    try:
        await db.commit()
    except IntegrityError:  # the same reaction twice at once
        await db.rollback()
        return message, emoji, False
    return message, emoji, True


async def reaction_counts(
    db: AsyncSession, message_ids: list[uuid.UUID]
) -> dict[uuid.UUID, dict[str, int]]:
    counts: dict[uuid.UUID, dict[str, int]] = {}
    if not message_ids:
        return counts
    rows = await db.execute(
        select(Reaction.message_id, Reaction.emoji, func.count())
        .where(Reaction.message_id.in_(message_ids))
        .group_by(Reaction.message_id, Reaction.emoji)
    )
    for message_id, emoji, count in rows:
        counts.setdefault(message_id, {})[emoji] = count
    return counts


async def history(
    db: AsyncSession, room_id: uuid.UUID, *, before_seq: int | None, limit: int
) -> list[Message]:
    """Up to `limit` messages before `before_seq` (the newest when None), oldest first."""
    query = select(Message).where(Message.room_id == room_id)
    if before_seq is not None:
        query = query.where(Message.seq < before_seq)
    rows = await db.scalars(query.order_by(Message.seq.desc()).limit(min(limit, MAX_PAGE)))
    return list(reversed(rows.all()))


async def since(
    db: AsyncSession, room_id: uuid.UUID, since_seq: int, limit: int
) -> tuple[list[Message], bool]:
    """The newest `limit` messages after `since_seq`, oldest first, and whether more were missed."""
    query = select(Message).where(Message.room_id == room_id, Message.seq > since_seq)
    rows = list((await db.scalars(query.order_by(Message.seq.desc()).limit(limit + 1))).all())
    return list(reversed(rows[:limit])), len(rows) > limit


async def edits(db: AsyncSession, message_id: uuid.UUID, user_id: uuid.UUID) -> list[MessageEdit]:
    """A message's earlier texts, oldest first, for whoever may read its room."""
    message, _ = await visible_message(db, message_id, user_id, members_only=False)
    rows = await db.scalars(
        select(MessageEdit)
        .where(MessageEdit.message_id == message.id)
        .order_by(MessageEdit.edited_at, MessageEdit.id)
        .limit(MAX_EDITS_SHOWN)
    )
    return list(rows.all())


async def search(
    db: AsyncSession, room_id: uuid.UUID, text: str, *, before_seq: int | None, limit: int
) -> list[Message]:
    """Messages of one room containing `text` (any case), newest first; page with before_seq."""
    needle = text.strip()
    if not needle:
        raise InvalidInput("search text must not be blank", code="empty_query")
    query = select(Message).where(
        Message.room_id == room_id,
        Message.deleted_at.is_(None),
        rooms.containing(Message.body, needle),
    )
    if before_seq is not None:
        query = query.where(Message.seq < before_seq)
    rows = await db.scalars(query.order_by(Message.seq.desc()).limit(min(limit, MAX_PAGE)))
    return list(rows.all())


async def mark_read(
    db: AsyncSession, *, room_id: uuid.UUID, user_id: uuid.UUID, seq: int
) -> tuple[int, bool]:
    """Move the read marker forward (never back, never past the room's last seq)."""
    found = await rooms.member_access(db, room_id, user_id)
    assert found.member is not None
    target = min(seq, found.room.last_seq)
    if target > found.member.last_read_seq:
        await db.execute(
            update(RoomMember)
            .where(
                RoomMember.room_id == room_id,
                RoomMember.user_id == user_id,
                RoomMember.last_read_seq < target,
            )
            .values(last_read_seq=target)
        )
        await db.commit()
        return target, True
    return found.member.last_read_seq, False


async def mentioned(db: AsyncSession, message: Message) -> list[uuid.UUID]:
    """Members of the room named as `@username`, except the author and who blocks them."""
    names = {name.lower() for name in MENTION.findall(message.body)}
    if not names:
        return []
    blocking_author = select(UserBlock.blocker_id).where(UserBlock.blocked_id == message.author_id)
    rows = await db.scalars(
        select(User.id)
        .join(RoomMember, RoomMember.user_id == User.id)
        .where(
            RoomMember.room_id == message.room_id,
            User.username.in_(sorted(names)[:MAX_MENTIONS]),
            User.id != message.author_id,
            User.id.not_in(blocking_author),
        )
    )
    return list(rows.all())
