"""Playlists: who may see and change them, ordered items, summaries (count, duration, cover).

Positions are dense, 0..n-1: every change loads the playlist's item rows (at most
`MAX_ITEMS`), applies the change in order and rewrites the positions that moved. A deleted
track's rows leave with it; the next change closes the gap.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Select, func, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import contains_eager

from veza.core.backends import Backends
from veza.core.db import utcnow
from veza.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from veza.core.models import (
    Playlist,
    PlaylistEditor,
    PlaylistItem,
    PlaylistLike,
    Track,
    User,
    Visibility,
)
from veza.core.pagination import Page, keyset_page
from veza.core.services import tracks
from veza.core.services.sessions import Principal

MAX_ITEMS = 5000
MAX_BATCH = 100
MAX_EDITORS = 50
COVER_TRACKS = 4


def _not_found() -> NotFound:
    return NotFound("no such playlist", code="playlist_not_found")


async def _is_editor(db: AsyncSession, playlist_id: uuid.UUID, user_id: uuid.UUID) -> bool:
    return await db.get(PlaylistEditor, (playlist_id, user_id)) is not None


@dataclass(frozen=True, slots=True)
class Access:
    """A playlist and what the caller may do with it."""

    playlist: Playlist
    owns: bool
    edits: bool


async def access(
    db: AsyncSession, playlist_id: uuid.UUID, principal: Principal | None, *, lock: bool = False
) -> Access:
    """The playlist if the caller may see it: private ones exist for owner, editors, admins."""
    query = select(Playlist).where(Playlist.id == playlist_id)
    playlist = await db.scalar(query.with_for_update() if lock else query)
    if playlist is None:
        raise _not_found()
    owns = principal is not None and (principal.is_admin or principal.user_id == playlist.owner_id)
    edits = owns or (principal is not None and await _is_editor(db, playlist.id, principal.user_id))
    if playlist.visibility == Visibility.private and not edits:
        raise _not_found()
    return Access(playlist, owns, edits)


async def get_owned(db: AsyncSession, playlist_id: uuid.UUID, principal: Principal) -> Playlist:
    found = await access(db, playlist_id, principal)
    if not found.owns:
        raise Forbidden("only the playlist's owner can do this", code="not_playlist_owner")
    return found.playlist


async def get_editable(db: AsyncSession, playlist_id: uuid.UUID, principal: Principal) -> Playlist:
    """The playlist, locked for the change, if the caller owns it or was invited to edit it."""
    found = await access(db, playlist_id, principal, lock=True)
    if not found.edits:
        raise Forbidden(
            "only the owner and invited editors can change the tracks",
            code="not_playlist_editor",
        )
    return found.playlist


async def create(
    db: AsyncSession, owner_id: uuid.UUID, title: str, description: str, visibility: Visibility
) -> Playlist:
    playlist = Playlist(
        owner_id=owner_id, title=title, description=description, visibility=visibility
    )
    db.add(playlist)
    await db.commit()
    return playlist


async def update(db: AsyncSession, playlist: Playlist, changes: dict[str, Any]) -> Playlist:
    for name, value in changes.items():
        setattr(playlist, name, value)
    await db.commit()
    return playlist


async def delete(db: AsyncSession, playlist: Playlist) -> None:
    await db.delete(playlist)
    await db.commit()


# Items ------------------------------------------------------------------------------------


async def _items(db: AsyncSession, playlist_id: uuid.UUID) -> list[PlaylistItem]:
    rows = await db.scalars(
        select(PlaylistItem)
        .where(PlaylistItem.playlist_id == playlist_id)
        .order_by(PlaylistItem.position, PlaylistItem.added_at, PlaylistItem.id)
    )
    return list(rows.all())


def _check_position(position: int, last: int) -> None:
    if not 0 <= position <= last:
        raise InvalidInput(
            f"position must be between 0 and {last}",
            code="position_out_of_range",
            details={"position": position, "max": last},
        )


async def _commit_order(db: AsyncSession, playlist: Playlist, items: list[PlaylistItem]) -> None:
    for index, item in enumerate(items):
        if item.position != index:
            item.position = index
    playlist.updated_at = utcnow()
    await db.commit()


async def add_tracks(
    db: AsyncSession,
    playlist: Playlist,
    principal: Principal,
    track_ids: Sequence[uuid.UUID],
    position: int | None,
) -> list[PlaylistItem]:
    """Insert tracks (in the given order) at `position` (default: the end); all or nothing."""
    if not track_ids:
        raise InvalidInput("give at least one track", code="no_tracks")
    if len(track_ids) > MAX_BATCH:
        raise InvalidInput(
            f"at most {MAX_BATCH} tracks at a time",
            code="batch_too_large",
            details={"limit": MAX_BATCH, "given": len(track_ids)},
        )
    repeated = sorted({str(t) for t in track_ids if track_ids.count(t) > 1})
    if repeated:
        raise InvalidInput(
            "a track is given twice", code="duplicate_in_batch", details={"track_ids": repeated}
        )
    found = {
        t.id: t
        for t in await db.scalars(
            select(Track).where(Track.id.in_(track_ids), tracks.visible_clause(principal))
        )
    }
    missing = [str(t) for t in track_ids if t not in found]
    if missing:
        raise NotFound("no such track", code="track_not_found", details={"track_ids": missing})
    items = await _items(db, playlist.id)
    present = {item.track_id for item in items} & set(track_ids)
    if present:
        raise Conflict(
            "already in the playlist",
            code="already_in_playlist",
            details={"track_ids": sorted(str(t) for t in present)},
        )
    if len(items) + len(track_ids) > MAX_ITEMS:
        raise Conflict(
            f"a playlist holds at most {MAX_ITEMS} tracks",
            code="playlist_full",
            details={"limit": MAX_ITEMS, "count": len(items)},
        )
    at = len(items) if position is None else position
    _check_position(at, len(items))
    added = [
        PlaylistItem(playlist_id=playlist.id, track_id=t, added_by=principal.user_id, position=-1)
        for t in track_ids
    ]
    db.add_all(added)
    await _commit_order(db, playlist, items[:at] + added + items[at:])
    return added


def _item_index(items: list[PlaylistItem], item_id: uuid.UUID) -> int:
    for index, item in enumerate(items):
        if item.id == item_id:
            return index
    raise NotFound("no such item in this playlist", code="item_not_found")


async def remove_item(db: AsyncSession, playlist: Playlist, item_id: uuid.UUID) -> None:
    items = await _items(db, playlist.id)
    gone = items.pop(_item_index(items, item_id))
    await db.delete(gone)
    await _commit_order(db, playlist, items)


async def move_item(
    db: AsyncSession, playlist: Playlist, item_id: uuid.UUID, to_position: int
) -> PlaylistItem:
    items = await _items(db, playlist.id)
    moving = items.pop(_item_index(items, item_id))
    _check_position(to_position, len(items))
    items.insert(to_position, moving)
    await _commit_order(db, playlist, items)
    return moving


async def list_items(
    db: AsyncSession,
    playlist_id: uuid.UUID,
    viewer: Principal | None,
    *,
    limit: int,
    cursor: str | None,
    only: Sequence[PlaylistItem] | None = None,
) -> Page[PlaylistItem]:
    """Items in order, with their tracks; a track the viewer may not see is left out."""
    query = (
        select(PlaylistItem)
        .join(PlaylistItem.track)
        .options(contains_eager(PlaylistItem.track))
        .where(PlaylistItem.playlist_id == playlist_id, tracks.visible_clause(viewer))
    )
    if only is not None:
        query = query.where(PlaylistItem.id.in_([item.id for item in only]))
    columns = [PlaylistItem.position, PlaylistItem.id]
    return await keyset_page(db, query, columns, limit=limit, cursor=cursor, descending=False)


# Editors ----------------------------------------------------------------------------------


async def list_editors(db: AsyncSession, playlist_id: uuid.UUID) -> list[User]:
    rows = await db.scalars(
        select(User)
        .join(PlaylistEditor, PlaylistEditor.user_id == User.id)
        .where(PlaylistEditor.playlist_id == playlist_id)
        .order_by(PlaylistEditor.created_at)
    )
    return list(rows.all())


async def invite_editor(db: AsyncSession, playlist: Playlist, user: User) -> None:
    """Let `user` change the tracks (idempotent); the owner is always an editor."""
    if user.id == playlist.owner_id:
        raise InvalidInput("the owner already edits the playlist", code="owner_is_editor")
    if await _is_editor(db, playlist.id, user.id):
        return
    count = await db.scalar(select(func.count()).where(PlaylistEditor.playlist_id == playlist.id))
    if (count or 0) >= MAX_EDITORS:
        raise Conflict(f"at most {MAX_EDITORS} editors", code="too_many_editors")
    db.add(PlaylistEditor(playlist_id=playlist.id, user_id=user.id))
    await db.commit()


async def remove_editor(db: AsyncSession, playlist: Playlist, user: User) -> None:
    editor = await db.get(PlaylistEditor, (playlist.id, user.id))
    if editor is None:
        raise NotFound("that user is not an editor", code="editor_not_found")
    await db.delete(editor)
    await db.commit()


# Listing and summaries --------------------------------------------------------------------


def visible_clause(viewer: Principal | None) -> ColumnElement[bool]:
    """`access` as SQL: not private, or the viewer owns or edits it (admins see all)."""
    if viewer is not None and viewer.is_admin:
        return true()
    rule = Playlist.visibility != Visibility.private
    return rule if viewer is None else or_(rule, _editable_by(viewer.user_id))


def listed_clause(viewer: Principal | None) -> ColumnElement[bool]:
    """What may appear in lists: public playlists, and those the viewer owns or edits."""
    if viewer is not None and viewer.is_admin:
        return true()
    rule = Playlist.visibility == Visibility.public
    return rule if viewer is None else or_(rule, _editable_by(viewer.user_id))


def _editable_by(user_id: uuid.UUID) -> ColumnElement[bool]:
    invited = select(PlaylistEditor.playlist_id).where(PlaylistEditor.user_id == user_id)
    return or_(Playlist.owner_id == user_id, Playlist.id.in_(invited))


def public_playlists() -> Select[Playlist]:
    """Every playlist anyone may find (public ones): what search and feeds index."""
    return select(Playlist).where(Playlist.visibility == Visibility.public)


async def list_public(db: AsyncSession, *, limit: int, cursor: str | None) -> Page[Playlist]:
    """Public playlists, newest first (the source for search indexing and browsing)."""
    columns = [Playlist.created_at, Playlist.id]
    return await keyset_page(db, public_playlists(), columns, limit=limit, cursor=cursor)


async def list_playlists(
    db: AsyncSession,
    viewer: Principal | None,
    *,
    owner_id: uuid.UUID | None,
    editable: bool,
    limit: int,
    cursor: str | None,
) -> Page[Playlist]:
    """Public playlists (of `owner_id`); all of your own; with `editable`, those you may change."""
    if editable:
        if viewer is None:
            raise InvalidInput("sign in to list the playlists you edit", code="sign_in_required")
        query = select(Playlist).where(_editable_by(viewer.user_id))
    elif viewer is not None and (viewer.is_admin or viewer.user_id == owner_id):
        query = select(Playlist)
    else:
        query = public_playlists()
    if owner_id is not None:
        query = query.where(Playlist.owner_id == owner_id)
    columns = [Playlist.created_at, Playlist.id]
    return await keyset_page(db, query, columns, limit=limit, cursor=cursor)


@dataclass(slots=True)
class Summary:
    """What a viewer sees of a playlist's contents: only tracks they may see count."""

    track_count: int = 0
    duration: float = 0.0
    cover: list[dict[str, str]] = field(default_factory=list)
    likes: int = 0
    liked: bool = False


async def summaries(
    backends: Backends,
    db: AsyncSession,
    playlist_ids: Sequence[uuid.UUID],
    viewer: Principal | None,
) -> dict[uuid.UUID, Summary]:
    """Counts, total duration, cover (art of the first tracks) and likes, in four queries."""
    result = {pid: Summary() for pid in playlist_ids}
    if not playlist_ids:
        return result
    visible = tracks.visible_clause(viewer)
    totals = await db.execute(
        select(PlaylistItem.playlist_id, func.count(), func.coalesce(func.sum(Track.duration), 0))
        .join(Track, Track.id == PlaylistItem.track_id)
        .where(PlaylistItem.playlist_id.in_(playlist_ids), visible)
        .group_by(PlaylistItem.playlist_id)
    )
    for pid, count, duration in totals.all():
        result[pid].track_count, result[pid].duration = int(count), float(duration)
    rank = (
        func.row_number()
        .over(partition_by=PlaylistItem.playlist_id, order_by=PlaylistItem.position)
        .label("rank")
    )
    art = (
        select(PlaylistItem.playlist_id, Track.id.label("track_id"), rank)
        .join(Track, Track.id == PlaylistItem.track_id)
        .where(PlaylistItem.playlist_id.in_(playlist_ids), visible, Track.has_cover)
        .subquery()
    )
    firsts = await db.execute(
        select(art.c.playlist_id, Track)
        .join(Track, Track.id == art.c.track_id)
        .where(art.c.rank <= COVER_TRACKS)
        .order_by(art.c.playlist_id, art.c.rank)
    )
    for pid, track in firsts.all():
        result[pid].cover.append(tracks.cover_urls(backends, track))
    likes = await db.execute(
        select(PlaylistLike.playlist_id, func.count())
        .where(PlaylistLike.playlist_id.in_(playlist_ids))
        .group_by(PlaylistLike.playlist_id)
    )
    for pid, count in likes.all():
        result[pid].likes = int(count)
    if viewer is not None:
        mine = await db.scalars(
            select(PlaylistLike.playlist_id).where(
                PlaylistLike.playlist_id.in_(playlist_ids), PlaylistLike.user_id == viewer.user_id
            )
        )
        for pid in mine:
            result[pid].liked = True
    return result
