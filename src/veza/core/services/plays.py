"""Plays: what players report, when a listen counts, per-track totals and listening history.

A play counts once the listener heard 30 s or half the track, whichever is shorter, and at most
once per that many seconds per listener and track (nobody hears 30 s twice in 10 s). Owners'
own listens go to their history but never to their track's counters or the recommendations.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from veza.core.analytics import events as analytics
from veza.core.backends import Backends
from veza.core.bus import publish_json
from veza.core.db import utcnow
from veza.core.errors import Conflict, InvalidInput
from veza.core.models import AnalyticsEvent, Play, Track, TrackListen, Visibility
from veza.core.observability import business
from veza.core.pagination import Page, keyset_page
from veza.core.ratelimit import Limit
from veza.core.services import recommendations
from veza.core.services.sessions import Principal
from veza.core.services.tracks import get_visible

COUNT_AFTER_SECONDS = 30.0
# Players round and report late; a little slack past the end is not a lie.
SLACK_SECONDS = 5.0
PLAYS_PER_MINUTE = Limit("plays", 120, 60)
PLAY_EVENT = "veza.event.play.recorded"


@dataclass(frozen=True, slots=True)
class PlayReport:
    position: float
    listened_seconds: float
    completed: bool
    source: analytics.Source | None = None


@dataclass(frozen=True, slots=True)
class PlayResult:
    play: Play
    track: Track
    reason: str | None  # why it did not count, if it did not


def threshold(duration: float) -> float:
    """Seconds of listening after which a play counts."""
    return min(COUNT_AFTER_SECONDS, duration / 2)


def _check(report: PlayReport, track: Track) -> None:
    limit = track.duration + SLACK_SECONDS
    for name in ("position", "listened_seconds"):
        if getattr(report, name) > limit:
            raise InvalidInput(
                f"{name} is past the end of the track ({track.duration:.1f} s)",
                code="invalid_play",
                details={"field": name, "max": round(limit, 3)},
            )


def _why_not_counted(
    report: PlayReport, track: Track, listen: TrackListen | None, own: bool, now: datetime
) -> str | None:
    needed = threshold(track.duration)
    if own:
        return "own_track"
    if report.listened_seconds < needed:
        return "too_short"
    last = listen.last_counted_at if listen is not None else None
    if last is not None and (now - last).total_seconds() < needed:
        return "too_soon"
    return None


async def record(
    backends: Backends,
    db: AsyncSession,
    principal: Principal,
    track_id: uuid.UUID,
    report: PlayReport,
) -> PlayResult:
    """Store one listening session and update every total it moves, in one transaction."""
    track = await get_visible(db, track_id, principal)
    if not track.playable:  # a play can start once the first rendition is stored
        raise Conflict(f"the track is {track.status.value}, not playable", code="track_not_ready")
    _check(report, track)
    await backends.limiter.hit(PLAYS_PER_MINUTE, str(principal.user_id))
    now = utcnow()
    own = track.owner_id == principal.user_id
    listen = await db.get(TrackListen, (principal.user_id, track.id))
    reason = _why_not_counted(report, track, listen, own, now)
    counted = reason is None
    first_listen = counted and (listen is None or listen.plays == 0)
    if listen is None:
        listen = TrackListen(user_id=principal.user_id, track_id=track.id, plays=0)
        listen.listened_seconds = 0.0
        db.add(listen)
    listen.listened_seconds += report.listened_seconds
    listen.last_played_at = now
    if counted:
        listen.plays += 1
        listen.last_counted_at = now
    play = Play(
        track_id=track.id,
        user_id=principal.user_id,
        position=report.position,
        listened_seconds=report.listened_seconds,
        completed=report.completed,
        counted=counted,
        created_at=now,
    )
    db.add(play)
    event = None if own else _analytics_event(db, report, track, principal, counted, now)
    if not own:
        await db.execute(
            update(Track)
            .where(Track.id == track.id)
            .values(
                play_count=Track.play_count + int(counted),
                listener_count=Track.listener_count + int(first_listen),
                listening_seconds=Track.listening_seconds + report.listened_seconds,
            )
            .execution_options(synchronize_session=False)
        )
    if first_listen:
        await recommendations.record_new_listener(db, principal.user_id, track.id)
    await db.commit()
    business.count_play(counted=counted)
    await db.refresh(track)
    payload = {"track_id": track.id, "user_id": principal.user_id, "counted": counted}
    if event is None:
        await publish_json(backends.bus, PLAY_EVENT, payload)
    else:
        await analytics.announce(backends.bus, event, **payload)
    return PlayResult(play, track, reason)


def _analytics_event(
    db: AsyncSession,
    report: PlayReport,
    track: Track,
    principal: Principal,
    counted: bool,
    now: datetime,
) -> AnalyticsEvent:
    """The play as analytics sees it (others' plays only: an artist's audience)."""
    completed, skipped = analytics.play_flags(
        report.listened_seconds, track.duration, report.completed
    )
    return analytics.record(
        db,
        analytics.Kind.play,
        occurred_at=now,
        user_id=principal.user_id,
        track_id=track.id,
        owner_id=track.owner_id,
        source=(report.source or analytics.Source.other).value,
        listened_ms=round(report.listened_seconds * 1000),
        counted=counted,
        completed=completed,
        skipped=skipped,
    )


async def recently_played(
    db: AsyncSession, principal: Principal, *, limit: int, cursor: str | None
) -> Page[tuple[TrackListen, Track]]:
    """The caller's tracks, latest listen first, one entry per track; hidden ones drop out."""
    query = (
        select(TrackListen)
        .join(Track, Track.id == TrackListen.track_id)
        .where(
            TrackListen.user_id == principal.user_id,
            or_(Track.visibility != Visibility.private, Track.owner_id == principal.user_id),
        )
    )
    page = await keyset_page(
        db,
        query,
        [TrackListen.last_played_at, TrackListen.track_id],
        limit=limit,
        cursor=cursor,
    )
    ids = [listen.track_id for listen in page.items]
    tracks = {t.id: t for t in await db.scalars(select(Track).where(Track.id.in_(ids)))}
    return Page([(listen, tracks[listen.track_id]) for listen in page.items], page.next_cursor)
