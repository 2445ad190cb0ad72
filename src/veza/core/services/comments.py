"""Timed comments: a remark at a moment of a track, with one level of replies.

The text goes through the chat's profanity filter (masked, as in a default room) and a
per-user rate limit. The author, the track's owner and moderators may delete a comment;
its replies go with it.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from veza.core.backends import Backends
from veza.core.errors import Forbidden, InvalidInput, NotFound
from veza.core.models import Comment, Track, User
from veza.core.pagination import Page, keyset_page
from veza.core.ratelimit import Limit
from veza.core.services import notifications, tracks
from veza.core.services.profanity import default_filter
from veza.core.services.sessions import Principal

MAX_LENGTH = 1000
COMMENT_RATE = Limit("comments", limit=10, window_seconds=60)
PREVIEW_CHARS = notifications.PREVIEW_CHARS


def _not_found() -> NotFound:
    return NotFound("no such comment", code="comment_not_found")


async def visible_comment(
    db: AsyncSession, comment_id: uuid.UUID, principal: Principal | None
) -> tuple[Comment, Track]:
    """The comment and its track, if the caller may see the track (else 404)."""
    comment = await db.get(Comment, comment_id, options=[joinedload(Comment.author)])
    track = await db.get(Track, comment.track_id) if comment else None
    if comment is None or track is None or not tracks.can_see(track, principal):
        raise _not_found()
    return comment, track


def _check_position(track: Track, position_ms: int) -> None:
    last = int(track.duration * 1000)
    if not 0 <= position_ms <= last:
        raise InvalidInput(
            f"position_ms must be between 0 and {last} (the track's length)",
            code="position_out_of_range",
            details={"position_ms": position_ms, "max": last},
        )


async def _notify(
    backends: Backends, track: Track, comment: Comment, parent: Comment | None
) -> None:
    data: dict[str, Any] = {
        "track_id": str(track.id),
        "comment_id": str(comment.id),
        "position_ms": comment.position_ms,
        "preview": comment.body[:PREVIEW_CHARS],
    }
    if parent is not None:
        await notifications.notify(backends, parent.author_id, "reply", data, actor=comment.author)
        if parent.author_id == track.owner_id:
            return
    await notifications.notify(backends, track.owner_id, "comment", data, actor=comment.author)


async def post(
    backends: Backends,
    db: AsyncSession,
    principal: Principal,
    track_id: uuid.UUID,
    *,
    body: str,
    position_ms: int | None,
    reply_to: uuid.UUID | None,
) -> Comment:
    """Comment at `position_ms`, or reply to a top-level comment (at its position)."""
    track = await tracks.get_visible(db, track_id, principal)
    parent = None
    if reply_to is not None:
        parent = await db.get(Comment, reply_to)
        if parent is None or parent.track_id != track.id:
            raise NotFound("no such comment on this track", code="comment_not_found")
        if parent.parent_id is not None:
            raise InvalidInput(
                "replies go one level deep: reply to the comment itself",
                code="nested_reply",
                details={"reply_to": str(parent.parent_id)},
            )
        position_ms = parent.position_ms if position_ms is None else position_ms
    if position_ms is None:
        raise InvalidInput("position_ms is required", code="position_required")
    _check_position(track, position_ms)
    if not body:
        raise InvalidInput("the comment is empty", code="empty_comment")
    if not principal.is_moderator:
        await backends.limiter.hit(COMMENT_RATE, str(principal.user_id))
    comment = Comment(
        track_id=track.id,
        author_id=principal.user_id,
        parent_id=parent.id if parent else None,
        position_ms=position_ms,
        body=default_filter().mask(body),
    )
    db.add(comment)
    await db.commit()
    comment.author = await db.get_one(User, principal.user_id)
    await _notify(backends, track, comment, parent)
    return comment


async def reply_counts(db: AsyncSession, comment_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    if not comment_ids:
        return {}
    rows = await db.execute(
        select(Comment.parent_id, func.count())
        .where(Comment.parent_id.in_(comment_ids))
        .group_by(Comment.parent_id)
    )
    return {pid: int(count) for pid, count in rows.all() if pid is not None}


async def list_comments(
    db: AsyncSession, track: Track, *, limit: int, cursor: str | None
) -> Page[Comment]:
    """Top-level comments along the track (by position, for the waveform)."""
    query = (
        select(Comment)
        .options(joinedload(Comment.author))
        .where(Comment.track_id == track.id, Comment.parent_id.is_(None))
    )
    columns = [Comment.position_ms, Comment.id]
    return await keyset_page(db, query, columns, limit=limit, cursor=cursor, descending=False)


async def list_replies(
    db: AsyncSession, parent: Comment, *, limit: int, cursor: str | None
) -> Page[Comment]:
    """Replies to one comment, oldest first."""
    query = (
        select(Comment).options(joinedload(Comment.author)).where(Comment.parent_id == parent.id)
    )
    columns = [Comment.created_at, Comment.id]
    return await keyset_page(db, query, columns, limit=limit, cursor=cursor, descending=False)


async def delete(db: AsyncSession, principal: Principal, comment_id: uuid.UUID) -> None:
    """The author, the track's owner or a moderator removes a comment (and its replies)."""
    comment, track = await visible_comment(db, comment_id, principal)
    if principal.user_id not in (comment.author_id, track.owner_id) and not principal.is_moderator:
        raise Forbidden(
            "only the author, the track's owner or a moderator can delete a comment",
            code="not_comment_owner",
        )
    await db.delete(comment)
    await db.commit()
