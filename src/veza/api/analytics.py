"""Analytics for dashboards: tracks, artists, rooms, the platform, and a live stream (SSE)."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import StreamingResponse
from sqlalchemy.ext.asyncio import AsyncSession

from veza.api.deps import AdminPrincipal, BackendsDep, CurrentPrincipal, SessionDep
from veza.core.analytics import access, gauges, live, queries
from veza.core.backends import Backends
from veza.core.db import utcnow
from veza.core.services.sessions import Principal

router = APIRouter(prefix="/api/v1/analytics", tags=["analytics"])
Start = Annotated[
    date | None, Query(description="First UTC day (default: 30 days by day, one by hour, to end).")
]
End = Annotated[date | None, Query(description="Last UTC day, included (default: today).")]
Granularity = Annotated[
    str, Query(max_length=16, description="`day` (up to 366 days) or `hour` (up to 14 days).")
]
LIVE_INTERVAL_SECONDS = 1.0
MAX_LIVE_EVENTS = 3600


def _period(start: date | None, end: date | None, granularity: str) -> queries.Period:
    return queries.period(start, end, granularity, utcnow().date())


@router.get("/tracks/{track_id}")
async def track_analytics(
    track_id: uuid.UUID,
    principal: CurrentPrincipal,
    db: SessionDep,
    start: Start = None,
    end: End = None,
    granularity: Granularity = "day",
) -> dict[str, Any]:
    """Plays, unique listeners, listening time, completion and skip rates, sources (owner)."""
    span = _period(start, end, granularity)
    found = await access.track(db, track_id, principal)
    return {"track_id": found.id, **await queries.plays(db, "track", found.id, span)}


@router.get("/artists/{username}")
async def artist_analytics(
    username: Annotated[str, Path(max_length=64)],
    principal: CurrentPrincipal,
    db: SessionDep,
    start: Start = None,
    end: End = None,
    granularity: Granularity = "day",
) -> dict[str, Any]:
    """The same over all of an artist's tracks, with their top tracks (the artist, admins)."""
    span = _period(start, end, granularity)
    user = await access.artist(db, username, principal)
    return {"artist": user.username, **await queries.artist(db, user.id, span)}


@router.get("/rooms/{room_id}")
async def room_analytics(
    room_id: uuid.UUID,
    principal: CurrentPrincipal,
    db: SessionDep,
    start: Start = None,
    end: End = None,
    granularity: Granularity = "day",
) -> dict[str, Any]:
    """Messages, active members and moderation actions (room owner, moderators, admins)."""
    span = _period(start, end, granularity)
    found = await access.room(db, room_id, principal)
    return {"room_id": found.id, **await queries.room(db, found.id, span)}


@router.get("/platform")
async def platform_analytics(
    _admin: AdminPrincipal,
    db: SessionDep,
    start: Start = None,
    end: End = None,
    granularity: Granularity = "day",
) -> dict[str, Any]:
    """Users, daily and weekly active users, uploads, storage, plays, messages, errors."""
    return await queries.platform(db, _period(start, end, granularity))


async def _live_events(
    backends: Backends, room_id: uuid.UUID | None, count: int
) -> AsyncIterator[str]:
    for index in range(count):
        if index:
            await asyncio.sleep(LIVE_INTERVAL_SECONDS)
        async with backends.db.session() as db:
            data = await live.snapshot(db, room_id)
        data |= await gauges.read(backends.cache, room_id)
        yield f"event: analytics.live\ndata: {json.dumps(data, default=str)}\n\n"


@router.get(
    "/live",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "One event a second."}},
)
async def live_analytics(
    principal: CurrentPrincipal,
    backends: BackendsDep,
    db: SessionDep,
    room: uuid.UUID | None = None,
    events: Annotated[int, Query(ge=1, le=MAX_LIVE_EVENTS)] = MAX_LIVE_EVENTS,
) -> StreamingResponse:
    """Server-sent events, one a second: a room's (moderators) or the platform's (admins).

    The stream ends after `events` snapshots (an hour by default); EventSource reconnects.
    """
    await _authorize_live(db, room, principal)
    await db.close()  # the stream opens its own short sessions
    return StreamingResponse(
        _live_events(backends, room, events),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


async def _authorize_live(
    db: AsyncSession, room_id: uuid.UUID | None, principal: Principal
) -> None:
    if room_id is None:
        access.platform(principal)
    else:
        await access.room(db, room_id, principal)
