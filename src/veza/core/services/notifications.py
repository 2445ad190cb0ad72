"""Notifications: stored per user, delivered live on the user's channel, per-kind preferences.

Hooks call `notify` after their own change is committed: the notification is stored first,
then published as a `notification` event on `veza.user.<id>` (every chat connection of the
user receives it). A notification never goes to the user who caused it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from veza.core.backends import Backends
from veza.core.db import utcnow
from veza.core.errors import InvalidInput
from veza.core.models import (
    Message,
    Notification,
    NotificationPreference,
    Playlist,
    Room,
    RoomKind,
    RoomMember,
    Track,
    User,
)
from veza.core.pagination import Page, keyset_page
from veza.core.services import chat_events, tracks
from veza.core.services.playlists import visible_clause as playlist_visible
from veza.core.services.sessions import Principal

KINDS = ("follow", "like", "comment", "reply", "mention", "dm", "track_ready", "track_failed")
MAX_MARK = 100
PREVIEW_CHARS = 140


def data_of(notification: Notification) -> dict[str, Any]:
    return {
        "id": str(notification.id),
        "kind": notification.kind,
        "actor_id": str(notification.actor_id) if notification.actor_id else None,
        "data": notification.data,
        "read": notification.read_at is not None,
        "created_at": notification.created_at.isoformat(),
    }


async def notify(
    backends: Backends,
    user_id: uuid.UUID,
    kind: str,
    data: dict[str, Any],
    *,
    actor: User | None = None,
) -> Notification | None:
    """Store and deliver one notification, unless it is the user's own act or turned off."""
    assert kind in KINDS, kind
    if actor is not None and actor.id == user_id:
        return None
    async with backends.db.session() as db:
        preference = await db.get(NotificationPreference, (user_id, kind))
        if preference is not None and not preference.enabled:
            return None
        if actor is not None:
            data = {**data, "actor": {"id": str(actor.id), "username": actor.username}}
        notification = Notification(
            user_id=user_id, kind=kind, actor_id=actor.id if actor else None, data=data
        )
        db.add(notification)
        await db.commit()
    await chat_events.to_user(backends.bus, user_id, "notification", data_of(notification))
    return notification


async def track_done(backends: Backends, track: Track) -> None:
    """Tell the owner their upload is ready to play, or why it failed."""
    kind = "track_ready" if track.failure_reason is None else "track_failed"
    data: dict[str, Any] = {"track_id": str(track.id), "title": track.title}
    if track.failure_reason is not None:
        data["reason"] = track.failure_reason
    await notify(backends, track.owner_id, kind, data)


async def chat_message(
    backends: Backends, db: AsyncSession, message: Message, mentioned: Iterable[uuid.UUID]
) -> None:
    """A direct message notifies the other member; an `@name` notifies who is named."""
    room = await db.get(Room, message.room_id)
    if room is None or message.author is None:
        return
    data = {
        "room_id": str(room.id),
        "message_id": str(message.id),
        "seq": message.seq,
        "preview": message.body[:PREVIEW_CHARS],
    }
    named = set(mentioned)
    if room.kind == RoomKind.dm:
        others = await db.scalars(
            select(RoomMember.user_id).where(
                RoomMember.room_id == room.id, RoomMember.user_id != message.author_id
            )
        )
        for user_id in others:
            named.discard(user_id)  # one notification per message is enough
            await notify(backends, user_id, "dm", data, actor=message.author)
    for user_id in named:
        await notify(backends, user_id, "mention", data, actor=message.author)


async def _hidden(db: AsyncSession, items: Iterable[Notification], viewer: Principal) -> set[str]:
    """Ids of tracks and playlists named by these notifications that the viewer cannot see."""
    track_ids = {n.data["track_id"] for n in items if "track_id" in n.data}
    playlist_ids = {n.data["playlist_id"] for n in items if "playlist_id" in n.data}
    hidden: set[str] = set()
    if track_ids:
        wanted = [uuid.UUID(t) for t in track_ids]
        seen = await db.scalars(
            select(Track.id).where(Track.id.in_(wanted), tracks.visible_clause(viewer))
        )
        hidden |= track_ids - {str(t) for t in seen}
    if playlist_ids:
        wanted = [uuid.UUID(p) for p in playlist_ids]
        seen = await db.scalars(
            select(Playlist.id).where(Playlist.id.in_(wanted), playlist_visible(viewer))
        )
        hidden |= playlist_ids - {str(p) for p in seen}
    return hidden


async def list_for(
    db: AsyncSession,
    viewer: Principal,
    *,
    unread_only: bool,
    limit: int,
    cursor: str | None,
) -> Page[Notification]:
    """Newest first; ones about a track or playlist the user can no longer see are left out."""
    query = select(Notification).where(Notification.user_id == viewer.user_id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    columns = [Notification.created_at, Notification.id]
    page = await keyset_page(db, query, columns, limit=limit, cursor=cursor)
    hidden = await _hidden(db, page.items, viewer)
    shown = [
        n
        for n in page.items
        if n.data.get("track_id") not in hidden and n.data.get("playlist_id") not in hidden
    ]
    return Page(items=shown, next_cursor=page.next_cursor)


async def unread_count(db: AsyncSession, user_id: uuid.UUID) -> int:
    count = await db.scalar(
        select(func.count()).where(Notification.user_id == user_id, Notification.read_at.is_(None))
    )
    return int(count or 0)


async def mark_read(db: AsyncSession, user_id: uuid.UUID, ids: list[uuid.UUID] | None) -> int:
    """Mark these (or, with None, all) of the user's notifications read; returns how many."""
    if ids is not None and len(ids) > MAX_MARK:
        raise InvalidInput(f"at most {MAX_MARK} ids at a time", code="batch_too_large")
    statement = update(Notification).where(
        Notification.user_id == user_id, Notification.read_at.is_(None)
    )
    if ids is not None:
        statement = statement.where(Notification.id.in_(ids))
    result = await db.execute(statement.values(read_at=utcnow()))
    await db.commit()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def preferences(db: AsyncSession, user_id: uuid.UUID) -> dict[str, bool]:
    rows = await db.scalars(
        select(NotificationPreference).where(NotificationPreference.user_id == user_id)
    )
    stored = {row.kind: row.enabled for row in rows}
    return {kind: stored.get(kind, True) for kind in KINDS}


async def set_preferences(
    db: AsyncSession, user_id: uuid.UUID, changes: dict[str, bool]
) -> dict[str, bool]:
    unknown = sorted(set(changes) - set(KINDS))
    if unknown:
        raise InvalidInput(
            "unknown notification kind",
            code="unknown_kind",
            details={"unknown": unknown, "kinds": list(KINDS)},
        )
    for kind, enabled in changes.items():
        row = await db.get(NotificationPreference, (user_id, kind))
        if row is None:
            db.add(NotificationPreference(user_id=user_id, kind=kind, enabled=enabled))
        else:
            row.enabled = enabled
    await db.commit()
    return await preferences(db, user_id)
