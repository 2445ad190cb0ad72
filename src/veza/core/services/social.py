"""Likes (tracks, playlists) and follows: idempotent toggles, counts and lists.

Liking or following twice is one like or follow; undoing what was never done is a no-op.
Lists show only what the viewer could list anyway (public things, and their own).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import contains_eager

from veza.core.backends import Backends
from veza.core.db import Base
from veza.core.errors import InvalidInput
from veza.core.models import Comment, Follow, Playlist, PlaylistLike, Track, TrackLike, User
from veza.core.models.track import Visibility
from veza.core.pagination import Page, keyset_page
from veza.core.services import notifications, playlists, tracks
from veza.core.services.sessions import Principal


async def _count(db: AsyncSession, *where: Any) -> int:
    return int(await db.scalar(select(func.count()).where(*where)) or 0)


async def _insert_once(db: AsyncSession, row: Base) -> bool:
    """Add the row; False if it was already there (also when two requests race)."""
    db.add(row)
    try:
        await db.commit()
    except IntegrityError:
        await db.rollback()
        return False
    return True


async def _actor(db: AsyncSession, principal: Principal) -> User | None:
    return await db.get(User, principal.user_id)


@dataclass(frozen=True, slots=True)
class TrackStats:
    likes: int
    comments: int
    liked: bool


async def track_stats(db: AsyncSession, track: Track, viewer: Principal | None) -> TrackStats:
    liked = viewer is not None and (await db.get(TrackLike, (viewer.user_id, track.id)) is not None)
    return TrackStats(
        likes=await _count(db, TrackLike.track_id == track.id),
        comments=await _count(db, Comment.track_id == track.id),
        liked=liked,
    )


async def like_track(
    backends: Backends, db: AsyncSession, principal: Principal, track_id: uuid.UUID, like: bool
) -> Track:
    """Like or unlike a track the caller can see; the owner hears about a new like."""
    track = await tracks.get_visible(db, track_id, principal)
    if not like:
        await db.execute(
            delete(TrackLike).where(
                TrackLike.user_id == principal.user_id, TrackLike.track_id == track.id
            )
        )
        await db.commit()
        return track
    if await db.get(TrackLike, (principal.user_id, track.id)) is None and await _insert_once(
        db, TrackLike(user_id=principal.user_id, track_id=track.id)
    ):
        data = {"track_id": str(track.id), "title": track.title}
        await notifications.notify(
            backends, track.owner_id, "like", data, actor=await _actor(db, principal)
        )
    return track


async def like_playlist(
    backends: Backends, db: AsyncSession, principal: Principal, playlist_id: uuid.UUID, like: bool
) -> Playlist:
    playlist = (await playlists.access(db, playlist_id, principal)).playlist
    if not like:
        await db.execute(
            delete(PlaylistLike).where(
                PlaylistLike.user_id == principal.user_id,
                PlaylistLike.playlist_id == playlist.id,
            )
        )
        await db.commit()
        return playlist
    row = PlaylistLike(user_id=principal.user_id, playlist_id=playlist.id)
    if await db.get(PlaylistLike, (principal.user_id, playlist.id)) is None and await _insert_once(
        db, row
    ):
        data = {"playlist_id": str(playlist.id), "title": playlist.title}
        await notifications.notify(
            backends, playlist.owner_id, "like", data, actor=await _actor(db, principal)
        )
    return playlist


async def follow(
    backends: Backends, db: AsyncSession, principal: Principal, user: User, on: bool
) -> None:
    if user.id == principal.user_id:
        raise InvalidInput("you cannot follow yourself", code="cannot_follow_self")
    if not on:
        await db.execute(
            delete(Follow).where(
                Follow.follower_id == principal.user_id, Follow.followee_id == user.id
            )
        )
        await db.commit()
        return
    if await db.get(Follow, (principal.user_id, user.id)) is None and await _insert_once(
        db, Follow(follower_id=principal.user_id, followee_id=user.id)
    ):
        await notifications.notify(
            backends, user.id, "follow", {}, actor=await _actor(db, principal)
        )


@dataclass(frozen=True, slots=True)
class ProfileStats:
    followers: int
    following: int
    liked_tracks: int
    playlists: int
    followed: bool = False


async def profile_stats(db: AsyncSession, user: User, viewer: Principal | None) -> ProfileStats:
    """Counts shown on a profile; playlists counts what the viewer could list."""
    own = viewer is not None and (viewer.is_admin or viewer.user_id == user.id)
    shown = [Playlist.owner_id == user.id]
    if not own:
        shown.append(Playlist.visibility == Visibility.public)
    followed = viewer is not None and await db.get(Follow, (viewer.user_id, user.id)) is not None
    return ProfileStats(
        followers=await _count(db, Follow.followee_id == user.id),
        following=await _count(db, Follow.follower_id == user.id),
        liked_tracks=await _count(db, TrackLike.user_id == user.id),
        playlists=await _count(db, *shown),
        followed=followed,
    )


async def followers(
    db: AsyncSession, user: User, *, limit: int, cursor: str | None
) -> Page[Follow]:
    """Who follows `user`, newest first (each row's `follower` loaded)."""
    query = (
        select(Follow)
        .join(Follow.follower)
        .options(contains_eager(Follow.follower))
        .where(Follow.followee_id == user.id)
    )
    columns = [Follow.created_at, Follow.follower_id]
    return await keyset_page(db, query, columns, limit=limit, cursor=cursor)


async def following(
    db: AsyncSession, user: User, *, limit: int, cursor: str | None
) -> Page[Follow]:
    query = (
        select(Follow)
        .join(Follow.followee)
        .options(contains_eager(Follow.followee))
        .where(Follow.follower_id == user.id)
    )
    columns = [Follow.created_at, Follow.followee_id]
    return await keyset_page(db, query, columns, limit=limit, cursor=cursor)


async def liked_tracks(
    db: AsyncSession,
    user_id: uuid.UUID,
    viewer: Principal | None,
    *,
    limit: int,
    cursor: str | None,
) -> Page[TrackLike]:
    """A user's liked tracks, newest like first, as far as the viewer may list them."""
    query = (
        select(TrackLike)
        .join(TrackLike.track)
        .options(contains_eager(TrackLike.track))
        .where(TrackLike.user_id == user_id, tracks.listed_clause(viewer))
    )
    columns = [TrackLike.created_at, TrackLike.track_id]
    return await keyset_page(db, query, columns, limit=limit, cursor=cursor)


async def liked_playlists(
    db: AsyncSession,
    user_id: uuid.UUID,
    viewer: Principal | None,
    *,
    limit: int,
    cursor: str | None,
) -> Page[PlaylistLike]:
    listed = playlists.listed_clause(viewer)
    query = (
        select(PlaylistLike)
        .join(PlaylistLike.playlist)
        .options(contains_eager(PlaylistLike.playlist))
        .where(PlaylistLike.user_id == user_id, listed)
    )
    columns = [PlaylistLike.created_at, PlaylistLike.playlist_id]
    return await keyset_page(db, query, columns, limit=limit, cursor=cursor)


@dataclass(frozen=True, slots=True)
class LikedSummary:
    """The built-in “Liked tracks” playlist of a user, as the viewer sees it."""

    track_count: int
    duration: float
    cover_tracks: list[Track]


async def liked_summary(
    db: AsyncSession, user_id: uuid.UUID, viewer: Principal | None
) -> LikedSummary:
    listed = tracks.listed_clause(viewer)
    joined = select(TrackLike).join(TrackLike.track).where(TrackLike.user_id == user_id, listed)
    totals = (
        await db.execute(
            joined.with_only_columns(func.count(), func.coalesce(func.sum(Track.duration), 0))
        )
    ).one()
    cover = await db.scalars(
        select(Track)
        .join(TrackLike, TrackLike.track_id == Track.id)
        .where(TrackLike.user_id == user_id, listed, Track.has_cover)
        .order_by(TrackLike.created_at.desc())
        .limit(playlists.COVER_TRACKS)
    )
    return LikedSummary(int(totals[0]), float(totals[1]), list(cover.all()))
