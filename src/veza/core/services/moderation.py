"""Automatic moderation of each message: links, profanity, flood and repeats, with sanctions.

Offences escalate per user and room (warn -> mute 5 min -> mute 1 h -> ban 24 h); strikes are
counted in the cache for a day. Every sanction is stored on the membership, written to the
audit log and told to the user with a `moderation` event on their own channel.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from veza.core.analytics import events as analytics
from veza.core.backends import Backends
from veza.core.db import utcnow
from veza.core.errors import Forbidden, InvalidInput, NotFound, RateLimited, VezaError
from veza.core.models import ProfanityMode, RoomMember, RoomRole
from veza.core.observability import business
from veza.core.services import audit, chat_events, rooms
from veza.core.services.audit import ClientInfo
from veza.core.services.profanity import word_filter
from veza.core.services.rooms import Access, clean_text

LINK = re.compile(r"(?i)\b(?:https?://|www\.)\S+|\b[a-z0-9-]+\.(?:com|net|org|io|ly|gg)\b")


@dataclass(frozen=True, slots=True)
class Sanction:
    action: str  # warned | muted | banned
    seconds: int = 0


@dataclass(frozen=True, slots=True)
class Policy:
    flood_messages: int = 5
    flood_window_seconds: int = 5
    repeats_allowed: int = 2  # the same text this many times in a row; the next is refused
    repeat_window_seconds: int = 60
    strikes_kept_seconds: int = 24 * 3600
    ladder: tuple[Sanction, ...] = (
        Sanction("warned"),
        Sanction("muted", 5 * 60),
        Sanction("muted", 60 * 60),
        Sanction("banned", 24 * 3600),
    )


POLICY = Policy()
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86_400}
_ACTION = {"warn": "warned", "mute": "muted", "ban": "banned"}


@cache
def parse_ladder(text: str) -> tuple[Sanction, ...]:
    """`warn,mute:5m,ban:24h` (VEZA_CHAT_SANCTION_LADDER, validated by Settings) as sanctions."""
    steps = []
    for step in text.split(","):
        verb, _, length = step.strip().partition(":")
        seconds = int(length[:-1]) * _UNIT_SECONDS[length[-1]] if length else 0
        steps.append(Sanction(_ACTION[verb], seconds))
    return tuple(steps)


def ladder_of(backends: Backends) -> tuple[Sanction, ...]:
    return parse_ladder(backends.settings.chat_sanction_ladder)


# What a moderator may do, and the event's name for it; a ban without a duration is for good.
MANUAL = {
    "mute": "muted",
    "unmute": "unmuted",
    "ban": "banned",
    "unban": "unbanned",
    "kick": "kicked",
}
PERMANENT_MINUTES = 100 * 365 * 24 * 60


async def screen(
    backends: Backends, db: AsyncSession, found: Access, text: str, *, new: bool = True
) -> str:
    """The text to store (masked when the room asks), or an error; offences are sanctioned.

    Edits (`new=False`) are checked for links and language but do not count as messages.
    """
    room = found.room
    if not room.links_allowed and not found.moderates and LINK.search(text):
        raise Forbidden("links are not allowed in this room", code="links_not_allowed")
    words = word_filter(backends.settings.chat_profanity_words_file)
    if room.profanity_mode != ProfanityMode.off and words.contains(text):
        if room.profanity_mode == ProfanityMode.reject:
            raise await offend(
                backends, db, found, InvalidInput("watch your language", code="profanity")
            )
        text = words.mask(text)
    if new and backends.limiter.enabled and not found.moderates:
        await _check_pace(backends, db, found, text)
    return text


async def _check_pace(backends: Backends, db: AsyncSession, found: Access, text: str) -> None:
    key = f"mod:{found.room.id}:{found.member.user_id if found.member else ''}"
    count, left = await backends.cache.incr(f"{key}:flood", POLICY.flood_window_seconds)
    if count > POLICY.flood_messages:
        flood = RateLimited(
            "you are sending too fast", retry_after=int(left), limit=1, code="flood"
        )
        raise await offend(backends, db, found, flood)
    digest = hashlib.sha256(" ".join(text.lower().split()).encode()).hexdigest()[:16]
    previous = await backends.cache.get(f"{key}:last")
    same, _, times = (previous or "").partition(":")
    repeats = int(times) + 1 if same == digest else 1
    await backends.cache.set(f"{key}:last", f"{digest}:{repeats}", ttl=POLICY.repeat_window_seconds)
    if repeats > POLICY.repeats_allowed:
        refused = InvalidInput("you already said that", code="repeated_message")
        raise await offend(backends, db, found, refused)


async def offend(
    backends: Backends, db: AsyncSession, found: Access, offence: VezaError
) -> VezaError:
    """Apply the next sanction of the ladder and return the offence (with it) to raise."""
    member = found.member
    assert member is not None  # only members post
    strikes, _ = await backends.cache.incr(
        f"mod:{found.room.id}:{member.user_id}:strikes", POLICY.strikes_kept_seconds
    )
    ladder = ladder_of(backends)
    sanction = ladder[min(strikes, len(ladder)) - 1]
    until = utcnow() + timedelta(seconds=sanction.seconds) if sanction.seconds else None
    data = await _apply(
        backends, db, member, sanction.action, until=until, reason=offence.code, actor_id=None
    )
    offence.details["sanction"] = {**data, "strike": strikes}
    return offence


async def act(
    backends: Backends,
    db: AsyncSession,
    *,
    room_id: uuid.UUID,
    moderator_id: uuid.UUID,
    username: str,
    action: str,
    minutes: int | None,
    reason: str,
) -> dict[str, Any]:
    """A room moderator mutes, bans (for `minutes`, or for good), kicks or lifts a sanction."""
    found = await rooms.moderator_access(db, room_id, moderator_id)
    target = await rooms.user_by_username(db, username)
    member = await db.get(RoomMember, (room_id, target.id))
    if member is None:
        raise NotFound("that user is not in this room", code="member_not_found")
    if member.role == RoomRole.owner or (
        member.moderates and found.member is not None and found.member.role != RoomRole.owner
    ):
        raise Forbidden("only the owner may act on moderators", code="not_owner")
    until = utcnow() + timedelta(minutes=minutes or PERMANENT_MINUTES)
    return await _apply(
        backends,
        db,
        member,
        MANUAL[action],
        until=None if action in ("unmute", "unban", "kick") else until,
        reason=clean_text(reason, "reason", max_length=500, allow_empty=True),
        actor_id=moderator_id,
    )


async def _apply(
    backends: Backends,
    db: AsyncSession,
    member: RoomMember,
    action: str,
    *,
    until: datetime | None,
    reason: str,
    actor_id: uuid.UUID | None,
) -> dict[str, Any]:
    """Store a sanction, audit it, count it and tell the user (and, when they go, the room)."""
    room_id, user_id = member.room_id, member.user_id
    if action in ("muted", "unmuted"):
        member.muted_until = until
    elif action in ("banned", "unbanned"):
        member.banned_until = until
    elif action == "kicked":
        await db.delete(member)
    audit.record(
        db,
        f"moderation.{action}",
        ClientInfo(),
        actor_id=actor_id,
        target_user_id=user_id,
        room_id=str(room_id),
        reason=reason,
        until=until.isoformat() if until else None,
        automatic=actor_id is None,
    )
    event = analytics.record(
        db, analytics.Kind.moderation, user_id=actor_id, room_id=room_id, source=action[:16]
    )
    await db.commit()
    await analytics.announce(backends.bus, event, room_id=room_id)
    business.count_moderation(action)
    data = {"action": action, "reason": reason, "until": until.isoformat() if until else None}
    await chat_events.to_user(backends.bus, user_id, "moderation", data, room_id)
    if action in ("kicked", "banned"):
        await chat_events.to_room(
            backends.bus, room_id, "member.left", {"user": {"id": str(user_id)}}
        )
    return data
