"""Likes and follows: toggles, counts on tracks, playlists and profiles, and the lists."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, status
from pydantic import BaseModel

from veza.api.deps import BackendsDep, CurrentPrincipal, SessionDep
from veza.api.playlists import PlaylistOut, PlaylistPage, render
from veza.api.schemas import Paged, UserPublic
from veza.api.tracks import MaybePrincipal, TrackOut
from veza.core.models import Track, Visibility
from veza.core.pagination import DEFAULT_LIMIT, MAX_LIMIT
from veza.core.services import social, tracks, users
from veza.core.services.sessions import Principal

router = APIRouter(prefix="/api/v1", tags=["social"])

Cursor = Annotated[str | None, Query(max_length=512)]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]


class TrackStatsOut(BaseModel):
    likes: int
    comments: int
    liked: bool


class ProfileStatsOut(BaseModel):
    followers: int
    following: int
    liked_tracks: int
    playlists: int
    followed: bool


class FollowOut(BaseModel):
    user: UserPublic
    since: datetime


class FollowPage(Paged):
    items: list[FollowOut]


class LikedTrackOut(BaseModel):
    track: TrackOut
    liked_at: datetime


class LikedTrackPage(Paged):
    items: list[LikedTrackOut]


async def _track_stats(db: SessionDep, track: Track, viewer: Principal | None) -> TrackStatsOut:
    found = await social.track_stats(db, track, viewer)
    return TrackStatsOut(likes=found.likes, comments=found.comments, liked=found.liked)


@router.get("/tracks/{track_id}/social")
async def track_stats(
    track_id: uuid.UUID, principal: MaybePrincipal, db: SessionDep
) -> TrackStatsOut:
    """Likes and comments on a track, and whether you like it."""
    return await _track_stats(db, await tracks.get_visible(db, track_id, principal), principal)


@router.put("/tracks/{track_id}/like")
async def like_track(
    track_id: uuid.UUID, principal: CurrentPrincipal, backends: BackendsDep, db: SessionDep
) -> TrackStatsOut:
    """Like a track (idempotent); it joins your “Liked tracks”."""
    track = await social.like_track(backends, db, principal, track_id, like=True)
    return await _track_stats(db, track, principal)


@router.delete("/tracks/{track_id}/like")
async def unlike_track(
    track_id: uuid.UUID, principal: CurrentPrincipal, backends: BackendsDep, db: SessionDep
) -> TrackStatsOut:
    track = await social.like_track(backends, db, principal, track_id, like=False)
    return await _track_stats(db, track, principal)


@router.put("/playlists/{playlist_id}/like")
async def like_playlist(
    playlist_id: uuid.UUID, principal: CurrentPrincipal, backends: BackendsDep, db: SessionDep
) -> PlaylistOut:
    """Like a playlist (idempotent); the answer carries the new count."""
    playlist = await social.like_playlist(backends, db, principal, playlist_id, like=True)
    return (await render(backends, db, [playlist], principal))[0]


@router.delete("/playlists/{playlist_id}/like")
async def unlike_playlist(
    playlist_id: uuid.UUID, principal: CurrentPrincipal, backends: BackendsDep, db: SessionDep
) -> PlaylistOut:
    playlist = await social.like_playlist(backends, db, principal, playlist_id, like=False)
    return (await render(backends, db, [playlist], principal))[0]


@router.put("/users/{username}/follow", status_code=status.HTTP_204_NO_CONTENT)
async def follow(
    username: str, principal: CurrentPrincipal, backends: BackendsDep, db: SessionDep
) -> None:
    """Follow a user (idempotent): their new tracks and playlists reach your feed."""
    user = await users.get_by_username(db, username)
    await social.follow(backends, db, principal, user, on=True)


@router.delete("/users/{username}/follow", status_code=status.HTTP_204_NO_CONTENT)
async def unfollow(
    username: str, principal: CurrentPrincipal, backends: BackendsDep, db: SessionDep
) -> None:
    user = await users.get_by_username(db, username)
    await social.follow(backends, db, principal, user, on=False)


@router.get("/users/{username}/social")
async def profile_stats(
    username: str, principal: MaybePrincipal, db: SessionDep
) -> ProfileStatsOut:
    """Followers, following, liked tracks and playlists counts; whether you follow them."""
    found = await social.profile_stats(db, await users.get_by_username(db, username), principal)
    return ProfileStatsOut(
        followers=found.followers,
        following=found.following,
        liked_tracks=found.liked_tracks,
        playlists=found.playlists,
        followed=found.followed,
    )


@router.get("/users/{username}/followers")
async def followers(
    username: str, db: SessionDep, cursor: Cursor = None, limit: Limit = DEFAULT_LIMIT
) -> FollowPage:
    """Who follows this user, newest first."""
    user = await users.get_by_username(db, username)
    page = await social.followers(db, user, limit=limit, cursor=cursor)
    items = [FollowOut(user=UserPublic.of(f.follower), since=f.created_at) for f in page.items]
    return FollowPage(items=items, next_cursor=page.next_cursor)


@router.get("/users/{username}/following")
async def following(
    username: str, db: SessionDep, cursor: Cursor = None, limit: Limit = DEFAULT_LIMIT
) -> FollowPage:
    """Whom this user follows, newest first."""
    user = await users.get_by_username(db, username)
    page = await social.following(db, user, limit=limit, cursor=cursor)
    items = [FollowOut(user=UserPublic.of(f.followee), since=f.created_at) for f in page.items]
    return FollowPage(items=items, next_cursor=page.next_cursor)


@router.get("/users/{username}/likes/tracks")
async def liked_tracks(
    username: str,
    principal: MaybePrincipal,
    db: SessionDep,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> LikedTrackPage:
    """The tracks of a user's “Liked tracks”, newest like first (those you may list)."""
    user = await users.get_by_username(db, username)
    page = await social.liked_tracks(db, user.id, principal, limit=limit, cursor=cursor)
    items = [
        LikedTrackOut(track=TrackOut.model_validate(like.track), liked_at=like.created_at)
        for like in page.items
    ]
    return LikedTrackPage(items=items, next_cursor=page.next_cursor)


@router.get("/users/{username}/likes/playlists")
async def liked_playlists(
    username: str,
    principal: MaybePrincipal,
    backends: BackendsDep,
    db: SessionDep,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> PlaylistPage:
    """Playlists a user liked, newest like first (those you may list)."""
    user = await users.get_by_username(db, username)
    page = await social.liked_playlists(db, user.id, principal, limit=limit, cursor=cursor)
    items = await render(backends, db, [like.playlist for like in page.items], principal)
    return PlaylistPage(items=items, next_cursor=page.next_cursor)


@router.get("/users/{username}/liked")
async def liked_playlist(
    username: str, principal: MaybePrincipal, backends: BackendsDep, db: SessionDep
) -> PlaylistOut:
    """The built-in “Liked tracks” playlist; its tracks are `/users/{username}/likes/tracks`."""
    user = await users.get_by_username(db, username)
    found = await social.liked_summary(db, user.id, principal)
    return PlaylistOut(
        id=None,
        kind="liked",
        owner_id=user.id,
        title="Liked tracks",
        description="",
        visibility=Visibility.public,
        track_count=found.track_count,
        duration=found.duration,
        cover=[tracks.cover_urls(backends, t) for t in found.cover_tracks],
        likes=0,
        liked=False,
        created_at=None,
        updated_at=None,
    )
