"""Dashboard queries: every number comes from rollups and distinct-count sets, never raw events.

A period is a range of whole UTC days, read hour by hour or day by day. Distinct counts over a
whole period (unique listeners, active members, active users) count the members of the week
sets of its whole weeks and the day sets of its other days; every other total is a sum of
bucket rows.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, func, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession

from veza.core.analytics.events import Source
from veza.core.analytics.rollups import PLATFORM, bucket_of
from veza.core.errors import InvalidInput
from veza.core.models import AnalyticsRollup, AnalyticsUnique, Track, User

DEFAULT_DAYS = {"day": 30, "hour": 1}
MAX_DAYS = {"day": 366, "hour": 14}
TOP_TRACKS = 10
PLAY_COLUMNS = (
    "reports",
    "plays",
    "listeners",
    "listening_ms",
    "completed",
    "skipped",
    *(f"src_{source.value}" for source in Source),
)
ROOM_COLUMNS = ("messages", "active_members", "moderation_actions")
PLATFORM_COLUMNS = (
    "reports",
    "plays",
    "listeners",
    "listening_ms",
    "messages",
    "moderation_actions",
    "registrations",
    "sign_ins",
    "active_users",
    "uploads",
    "upload_bytes",
    "errors",
)
# Per-bucket distinct counts: summing them over buckets would count people twice.
DISTINCT = frozenset({"listeners", "active_members", "active_users"})


@dataclass(frozen=True, slots=True)
class Period:
    start: datetime
    end: datetime  # exclusive
    granularity: str

    def buckets(self) -> list[datetime]:
        step = timedelta(hours=1) if self.granularity == "hour" else timedelta(days=1)
        count = int((self.end - self.start) / step)
        return [self.start + step * index for index in range(count)]

    def describe(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "granularity": self.granularity}


def period(start: date | None, end: date | None, granularity: str, today: date) -> Period:
    """Whole UTC days from `start` to `end` inclusive (default: 30 days by day, today by hour)."""
    if granularity not in MAX_DAYS:
        raise InvalidInput(
            "granularity must be hour or day",
            code="invalid_granularity",
            details={"allowed": sorted(MAX_DAYS)},
        )
    end = end or today
    start = start or (end - timedelta(days=DEFAULT_DAYS[granularity] - 1))
    if start > end:
        raise InvalidInput("start is after end", code="invalid_range")
    days = (end - start).days + 1
    if days > MAX_DAYS[granularity]:
        raise InvalidInput(
            f"at most {MAX_DAYS[granularity]} days by {granularity}",
            code="range_too_large",
            details={"max_days": MAX_DAYS[granularity], "days": days},
        )

    def midnight(day: date) -> datetime:
        return datetime(day.year, day.month, day.day, tzinfo=UTC)

    return Period(midnight(start), midnight(end + timedelta(days=1)), granularity)


async def _rows(
    db: AsyncSession,
    kind: str,
    scope_id: uuid.UUID,
    granularity: str,
    start: datetime,
    end: datetime,
    columns: tuple[str, ...],
) -> dict[datetime, dict[str, int]]:
    table = AnalyticsRollup.__table__
    result = await db.execute(
        select(table.c.bucket, *(table.c[name] for name in columns)).where(
            table.c.scope_kind == kind,
            table.c.scope_id == scope_id,
            table.c.granularity == granularity,
            table.c.bucket >= start,
            table.c.bucket < end,
        )
    )
    return {row[0]: dict(zip(columns, row[1:], strict=True)) for row in result}


def _cover(span: Period) -> list[tuple[str, datetime, datetime]]:
    """Set buckets whose union is exactly the period's members: whole weeks, then loose days."""
    first_week = bucket_of(span.start + timedelta(days=6), "week")
    last_week_end = bucket_of(span.end, "week")
    if first_week >= last_week_end:
        return [("day", span.start, span.end)]
    parts = [("week", first_week, last_week_end)]
    parts += [
        ("day", start, end)
        for start, end in ((span.start, first_week), (last_week_end, span.end))
        if start < end
    ]
    return parts


async def _distinct(db: AsyncSession, set_name: str, scope_id: uuid.UUID, span: Period) -> int:
    # One index range per part (an OR of ranges would scan every bucket of the scope).
    parts = [
        select(AnalyticsUnique.member_id).where(
            AnalyticsUnique.set_name == set_name,
            AnalyticsUnique.scope_id == scope_id,
            AnalyticsUnique.granularity == granularity,
            AnalyticsUnique.bucket >= start,
            AnalyticsUnique.bucket < end,
        )
        for granularity, start, end in _cover(span)
    ]
    members = union_all(*parts).subquery()
    count = await db.scalar(select(func.count(func.distinct(members.c.member_id))))
    return int(count or 0)


def _series(
    span: Period, rows: dict[datetime, dict[str, int]], columns: tuple[str, ...]
) -> list[dict[str, Any]]:
    empty = dict.fromkeys(columns, 0)
    return [{"bucket": bucket, **rows.get(bucket, empty)} for bucket in span.buckets()]


def _sums(rows: dict[datetime, dict[str, int]], columns: tuple[str, ...]) -> dict[str, int]:
    return {
        name: sum(row[name] for row in rows.values()) for name in columns if name not in DISTINCT
    }


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _play_totals(sums: dict[str, int], listeners: int) -> dict[str, Any]:
    return {
        "reports": sums["reports"],
        "plays": sums["plays"],
        "unique_listeners": listeners,
        "listening_seconds": sums["listening_ms"] / 1000,
        "completion_rate": _rate(sums["completed"], sums["reports"]),
        "skip_rate": _rate(sums["skipped"], sums["reports"]),
        "sources": {source.value: sums[f"src_{source.value}"] for source in Source},
    }


async def plays(db: AsyncSession, kind: str, scope_id: uuid.UUID, span: Period) -> dict[str, Any]:
    """Plays of one track (`kind="track"`) or of all of one artist's tracks (`"artist"`)."""
    rows = await _rows(db, kind, scope_id, span.granularity, span.start, span.end, PLAY_COLUMNS)
    listeners = await _distinct(db, f"{kind}_listener", scope_id, span)
    series = [
        {
            "bucket": item["bucket"],
            "reports": item["reports"],
            "plays": item["plays"],
            "listeners": item["listeners"],
            "listening_seconds": item["listening_ms"] / 1000,
            "completed": item["completed"],
            "skipped": item["skipped"],
        }
        for item in _series(span, rows, PLAY_COLUMNS)
    ]
    return {
        "period": span.describe(),
        "totals": _play_totals(_sums(rows, PLAY_COLUMNS), listeners),
        "series": series,
    }


def _top_query(owner_id: uuid.UUID, span: Period) -> Select[uuid.UUID, str, int]:
    total = func.sum(AnalyticsRollup.plays).label("total")
    return (
        select(Track.id, Track.title, total)
        .join(AnalyticsRollup, AnalyticsRollup.scope_id == Track.id)
        .where(
            Track.owner_id == owner_id,
            AnalyticsRollup.scope_kind == "track",
            AnalyticsRollup.granularity == span.granularity,
            AnalyticsRollup.bucket >= span.start,
            AnalyticsRollup.bucket < span.end,
        )
        .group_by(Track.id, Track.title)
        .having(total > 0)
        .order_by(total.desc(), Track.id)
        .limit(TOP_TRACKS)
    )


async def artist(db: AsyncSession, owner_id: uuid.UUID, span: Period) -> dict[str, Any]:
    """An artist's plays, plus their most played tracks in the period."""
    found = await plays(db, "artist", owner_id, span)
    top = await db.execute(_top_query(owner_id, span))
    found["top_tracks"] = [
        {"track_id": track_id, "title": title, "plays": int(total)}
        for track_id, title, total in top
    ]
    return found


async def room(db: AsyncSession, room_id: uuid.UUID, span: Period) -> dict[str, Any]:
    """Messages, active members (who posted) and moderation actions of one room."""
    rows = await _rows(db, "room", room_id, span.granularity, span.start, span.end, ROOM_COLUMNS)
    totals: dict[str, Any] = _sums(rows, ROOM_COLUMNS)
    totals["active_members"] = await _distinct(db, "room_member", room_id, span)
    return {
        "period": span.describe(),
        "totals": totals,
        "series": _series(span, rows, ROOM_COLUMNS),
    }


async def platform(db: AsyncSession, span: Period) -> dict[str, Any]:
    """Everything, platform-wide: users, daily and weekly active users, uploads, storage..."""
    rows = await _rows(
        db, "platform", PLATFORM, span.granularity, span.start, span.end, PLATFORM_COLUMNS
    )
    sums = _sums(rows, PLATFORM_COLUMNS)
    weeks = await _rows(
        db,
        "platform",
        PLATFORM,
        "week",
        bucket_of(span.start, "week"),
        span.end,
        ("active_users",),
    )
    totals: dict[str, Any] = {
        **{name: value for name, value in sums.items() if name != "listening_ms"},
        "listening_seconds": sums["listening_ms"] / 1000,
        # Daily and weekly active users are the series' and the weeks' counters: a distinct
        # count over a whole period would read every active user of every week in it.
        "users": int(await db.scalar(select(func.count()).select_from(User)) or 0),
        "storage_bytes": int(await db.scalar(select(func.sum(Track.size_bytes))) or 0),
    }
    return {
        "period": span.describe(),
        "totals": totals,
        "series": _series(span, rows, PLATFORM_COLUMNS),
        "weekly_active_users": [
            {"week": week, "active_users": values["active_users"]}
            for week, values in sorted(weeks.items())
        ],
    }
