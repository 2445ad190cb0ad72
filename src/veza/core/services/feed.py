"""The feed: new public tracks and playlists of the users one follows, newest first.

Computed on read (fan-out on read): one keyset page of tracks and one of playlists, each
ordered by (created_at, id) and limited, merged; the cursor is the last item's key, so the
next page continues both lists after it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from veza.core.models import Follow, Playlist, Track, TrackStatus, Visibility
from veza.core.pagination import Page, encode_cursor, keyset_page
from veza.core.services.sessions import Principal


@dataclass(frozen=True, slots=True)
class FeedItem:
    created_at: datetime
    id: uuid.UUID
    track: Track | None = None
    playlist: Playlist | None = None


async def feed(
    db: AsyncSession, viewer: Principal, *, limit: int, cursor: str | None
) -> Page[FeedItem]:
    followed = select(Follow.followee_id).where(Follow.follower_id == viewer.user_id)
    new_tracks = select(Track).where(
        Track.owner_id.in_(followed),
        Track.visibility == Visibility.public,
        Track.status == TrackStatus.ready,
    )
    new_playlists = select(Playlist).where(
        Playlist.owner_id.in_(followed), Playlist.visibility == Visibility.public
    )
    track_page = await keyset_page(
        db, new_tracks, [Track.created_at, Track.id], limit=limit, cursor=cursor
    )
    playlist_page = await keyset_page(
        db, new_playlists, [Playlist.created_at, Playlist.id], limit=limit, cursor=cursor
    )
    merged = [FeedItem(t.created_at, t.id, track=t) for t in track_page.items] + [
        FeedItem(p.created_at, p.id, playlist=p) for p in playlist_page.items
    ]
    merged.sort(key=lambda item: (item.created_at, item.id), reverse=True)
    more = len(merged) > limit or track_page.next_cursor or playlist_page.next_cursor
    shown = merged[:limit]
    next_cursor = encode_cursor([shown[-1].created_at, shown[-1].id]) if more and shown else None
    return Page(items=shown, next_cursor=next_cursor)
