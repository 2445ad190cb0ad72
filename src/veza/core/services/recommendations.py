"""Recommendations: similar tracks and a "for you" mix, from co-listening and shared metadata.

Co-listening is kept incrementally: when someone's listen of a track first counts, the track's
co-occurrence count with each of their recent tracks goes up by one (both ways). Reading is
then a few indexed lookups, never a scan of all plays. Similarity of two tracks is the cosine
of their listener sets: shared listeners / sqrt(listeners of one * listeners of the other).
When co-listening says too little, tracks sharing tags, genre or artist fill in. Only public,
ready tracks are recommended, never one the listener disliked (nor, in "for you", one they
already heard or their own).
"""

from __future__ import annotations

import math
import uuid
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, delete, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from veza.core.models import (
    Track,
    TrackCooccurrence,
    TrackDislike,
    TrackListen,
    TrackStatus,
    TrackTag,
    Visibility,
)
from veza.core.services.upsert import add_counts

# How many of a listener's latest tracks a new listen is paired with.
PAIR_WITH_RECENT = 50
# How many of a listener's latest tracks seed their mix.
SEEDS = 30
# Upper bound on co-occurrence rows read per request.
NEIGHBOURS = 2000
MAX_LIMIT = 50


@dataclass(frozen=True, slots=True)
class Scored:
    track: Track
    score: float
    reason: str  # "co_listening" | "similar_metadata" | "popular"


async def record_new_listener(db: AsyncSession, user_id: uuid.UUID, track_id: uuid.UUID) -> None:
    """Pair the track with the listener's recent tracks (called once per listener and track)."""
    recent = list(
        await db.scalars(
            select(TrackListen.track_id)
            .where(
                TrackListen.user_id == user_id,
                TrackListen.plays > 0,
                TrackListen.track_id != track_id,
            )
            .order_by(TrackListen.last_counted_at.desc())
            .limit(PAIR_WITH_RECENT)
        )
    )
    rows = [
        pair
        for other in recent
        for pair in (
            {"track_id": track_id, "other_id": other, "count": 1},
            {"track_id": other, "other_id": track_id, "count": 1},
        )
    ]
    await add_counts(db, TrackCooccurrence, ("track_id", "other_id"), "count", rows)


def _recommendable(viewer: uuid.UUID | None) -> ColumnElement[bool]:
    condition = and_(Track.visibility == Visibility.public, Track.status == TrackStatus.ready)
    if viewer is None:
        return condition
    disliked = select(TrackDislike.track_id).where(TrackDislike.user_id == viewer)
    return and_(condition, Track.id.not_in(disliked))


def _cosine(shared: int, first: int, second: int) -> float:
    return shared / math.sqrt(max(first, 1) * max(second, 1))


async def _by_metadata(
    db: AsyncSession,
    seeds: list[Track],
    viewer: uuid.UUID | None,
    exclude: Collection[uuid.UUID],
    limit: int,
) -> list[Scored]:
    """Tracks sharing tags, genre or artist with the seeds, most overlap then most played."""
    genres = {t.genre.casefold() for t in seeds if t.genre}
    artists = {t.artist.casefold() for t in seeds if t.artist}
    tags = {tag for t in seeds for tag in t.tags}
    if not (genres or artists or tags):
        return []
    tagged = select(TrackTag.track_id).where(TrackTag.tag.in_(tags))
    candidates = await db.scalars(
        select(Track)
        .where(
            _recommendable(viewer),
            Track.id.not_in(list(exclude)) if exclude else true(),
            or_(
                Track.genre.in_([t.genre for t in seeds if t.genre]),
                Track.artist.in_([t.artist for t in seeds if t.artist]),
                Track.id.in_(tagged),
            ),
        )
        .order_by(Track.play_count.desc(), Track.id)
        .limit(limit * 5)
    )
    scored = []
    for track in candidates:
        overlap = len(tags & set(track.tags))
        overlap += 2 * int((track.genre or "").casefold() in genres)
        overlap += 2 * int((track.artist or "").casefold() in artists)
        scored.append(Scored(track, overlap / (overlap + 10), "similar_metadata"))
    scored.sort(key=lambda s: (-s.score, -s.track.play_count))
    return scored[:limit]


async def _co_listened(
    db: AsyncSession,
    seeds: list[Track],
    viewer: uuid.UUID | None,
    exclude: Collection[uuid.UUID],
    limit: int,
) -> list[Scored]:
    """The `limit` tracks co-listened most with the seeds, by summed cosine similarity.

    Scores come from ids and counts alone; only the winners are loaded as tracks.
    """
    listeners = {t.id: t.listener_count for t in seeds}
    rows = await db.execute(
        select(
            TrackCooccurrence.track_id,
            TrackCooccurrence.other_id,
            TrackCooccurrence.count,
            Track.listener_count,
        )
        .join(Track, Track.id == TrackCooccurrence.other_id)
        .where(TrackCooccurrence.track_id.in_(list(listeners)), _recommendable(viewer))
        .order_by(TrackCooccurrence.count.desc())
        .limit(NEIGHBOURS)
    )
    scores: dict[uuid.UUID, float] = defaultdict(float)
    for seed_id, other_id, count, other_listeners in rows:
        if other_id not in exclude:
            scores[other_id] += _cosine(count, listeners[seed_id], other_listeners)
    best = sorted(scores, key=lambda tid: (-scores[tid], tid))[:limit]
    tracks = {t.id: t for t in await db.scalars(select(Track).where(Track.id.in_(best)))}
    return [Scored(tracks[tid], scores[tid], "co_listening") for tid in best if tid in tracks]


async def similar(
    db: AsyncSession, track: Track, viewer: uuid.UUID | None, *, limit: int
) -> list[Scored]:
    """Tracks like `track`: co-listened first, then ones sharing tags, genre or artist."""
    found = await _co_listened(db, [track], viewer, {track.id}, limit)
    if len(found) < limit:
        seen = {track.id, *(s.track.id for s in found)}
        found += await _by_metadata(db, [track], viewer, seen, limit - len(found))
    return found


async def for_you(db: AsyncSession, user_id: uuid.UUID, *, limit: int) -> list[Scored]:
    """A mix of tracks the user has not heard, from what people with their taste play.

    Someone who has heard nothing yet gets the most played public tracks.
    """
    heard = set(
        await db.scalars(select(TrackListen.track_id).where(TrackListen.user_id == user_id))
    )
    seeds = list(
        await db.scalars(
            select(Track)
            .join(TrackListen, TrackListen.track_id == Track.id)
            .where(TrackListen.user_id == user_id, TrackListen.plays > 0)
            .order_by(TrackListen.last_played_at.desc())
            .limit(SEEDS)
        )
    )
    own = select(Track.id).where(Track.owner_id == user_id)
    exclude = heard | set(await db.scalars(own))
    if not seeds:
        popular = await db.scalars(
            select(Track)
            .where(_recommendable(user_id), Track.owner_id != user_id)
            .order_by(Track.play_count.desc(), Track.id)
            .limit(limit)
        )
        return [Scored(t, float(t.play_count), "popular") for t in popular]
    found = await _co_listened(db, seeds, user_id, exclude, limit)
    if len(found) < limit:
        seen = exclude | {s.track.id for s in found}
        found += await _by_metadata(db, seeds, user_id, seen, limit - len(found))
    return found


async def dislike(db: AsyncSession, user_id: uuid.UUID, track_id: uuid.UUID) -> None:
    if await db.get(TrackDislike, (user_id, track_id)) is None:
        db.add(TrackDislike(user_id=user_id, track_id=track_id))
        await db.commit()


async def undo_dislike(db: AsyncSession, user_id: uuid.UUID, track_id: uuid.UUID) -> None:
    await db.execute(
        delete(TrackDislike).where(
            TrackDislike.user_id == user_id, TrackDislike.track_id == track_id
        )
    )
    await db.commit()
