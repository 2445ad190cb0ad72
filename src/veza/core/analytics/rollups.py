"""Applying events to rollups exactly once, in any order.

An event is claimed by setting its `applied_at` in the same transaction that adds its counts,
so a redelivered or concurrent apply of the same id finds nothing to claim and changes
nothing. Every counter is a sum over events bucketed by when they happened (not when they
arrived), and every distinct count goes up only when a set row is new, so order is irrelevant.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from veza.core.analytics.events import Kind, Source
from veza.core.db import utcnow
from veza.core.models import AnalyticsEvent, AnalyticsRollup, AnalyticsUnique

PLATFORM = uuid.UUID(int=0)
BATCH = 200
COUNTERS = tuple(
    column.name
    for column in AnalyticsRollup.__table__.columns
    if column.name not in ("scope_kind", "scope_id", "granularity", "bucket")
)
# Every scope keeps hour, day and week buckets: weeks let a long period's distinct count read
# one set row per member and week instead of one per member and day.
GRANULARITIES = ("hour", "day", "week")
# Distinct-count sets: name -> (scope kind, counter it feeds).
SETS = {
    "track_listener": ("track", "listeners"),
    "artist_listener": ("artist", "listeners"),
    "platform_listen": ("platform", "listeners"),
    "room_member": ("room", "active_members"),
    "platform_active": ("platform", "active_users"),
}


def bucket_of(moment: datetime, granularity: str) -> datetime:
    """The start of the UTC hour, day or ISO week (Monday) holding `moment`."""
    hour = moment.replace(minute=0, second=0, microsecond=0)
    if granularity == "hour":
        return hour
    day = hour.replace(hour=0)
    if granularity == "day":
        return day
    return day - timedelta(days=day.weekday())


@dataclass(frozen=True, slots=True)
class Effect:
    """What one event does: counters added to scopes, and members added to sets."""

    counts: list[tuple[str, uuid.UUID, dict[str, int]]]
    members: list[tuple[str, uuid.UUID, uuid.UUID]]  # (set name, scope id, member)


def _play(event: AnalyticsEvent) -> Effect:
    counts = {
        "reports": 1,
        "plays": int(event.counted),
        "listening_ms": event.listened_ms,
        "completed": int(event.completed),
        "skipped": int(event.skipped),
    }
    members: list[tuple[str, uuid.UUID, uuid.UUID]] = []
    if event.counted:
        counts[f"src_{Source(event.source or 'other').value}"] = 1
        assert event.user_id is not None
        assert event.track_id is not None
        members = [
            ("track_listener", event.track_id, event.user_id),
            ("platform_listen", PLATFORM, event.user_id),
        ]
        if event.owner_id is not None:
            members.append(("artist_listener", event.owner_id, event.user_id))
    scopes = [("platform", PLATFORM)]
    if event.track_id is not None:
        scopes.append(("track", event.track_id))
    if event.owner_id is not None:
        scopes.append(("artist", event.owner_id))
    return Effect([(kind, scope_id, counts) for kind, scope_id in scopes], members)


_PLATFORM_COUNTER = {
    Kind.registration: "registrations",
    Kind.sign_in: "sign_ins",
    Kind.upload: "uploads",
    Kind.error: "errors",
}


def effect_of(event: AnalyticsEvent) -> Effect:
    """The counters and set members one event adds (pure: tests and the bench reuse it)."""
    kind = Kind(event.kind)
    if kind == Kind.play:
        effect = _play(event)
    elif kind in (Kind.message, Kind.moderation):
        counter = "messages" if kind == Kind.message else "moderation_actions"
        counts = [("platform", PLATFORM, {counter: 1})]
        members = []
        if event.room_id is not None:
            counts.append(("room", event.room_id, {counter: 1}))
            if kind == Kind.message and event.user_id is not None:
                members.append(("room_member", event.room_id, event.user_id))
        effect = Effect(counts, members)
    else:
        platform = {_PLATFORM_COUNTER[kind]: 1}
        if kind == Kind.upload:
            platform["upload_bytes"] = event.size_bytes
        effect = Effect([("platform", PLATFORM, platform)], [])
    if event.user_id is not None and kind != Kind.error:
        effect.members.append(("platform_active", PLATFORM, event.user_id))
    return effect


Key = tuple[str, uuid.UUID, str, datetime]
Member = tuple[str, uuid.UUID, str, datetime, uuid.UUID]


def _accumulate(events: Iterable[AnalyticsEvent]) -> tuple[dict[Key, dict[str, int]], set[Member]]:
    counts: dict[Key, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COUNTERS, 0))
    members: set[Member] = set()
    for event in events:
        effect = effect_of(event)
        for kind, scope_id, deltas in effect.counts:
            for granularity in GRANULARITIES:
                row = counts[
                    (kind, scope_id, granularity, bucket_of(event.occurred_at, granularity))
                ]
                for name, value in deltas.items():
                    row[name] += value
        for set_name, scope_id, member in effect.members:
            for granularity in GRANULARITIES:
                bucket = bucket_of(event.occurred_at, granularity)
                members.add((set_name, scope_id, granularity, bucket, member))
    return counts, members


def _insert(db: AsyncSession, table: Table) -> Any:
    """INSERT with ON CONFLICT, in the session's dialect (both speak it)."""
    dialect = sqlite if db.get_bind().dialect.name == "sqlite" else postgresql
    return dialect.insert(table)


async def _add_members(
    db: AsyncSession, members: set[Member], counts: dict[Key, dict[str, int]]
) -> None:
    """Insert set rows; each one that was not there yet adds one to its distinct counter."""
    rows = [
        dict(zip(("set_name", "scope_id", "granularity", "bucket", "member_id"), m, strict=True))
        for m in sorted(members, key=str)
    ]
    table = cast(Table, AnalyticsUnique.__table__)
    for start in range(0, len(rows), 1000):
        statement = _insert(db, table).values(rows[start : start + 1000])
        inserted = await db.execute(
            statement.on_conflict_do_nothing().returning(
                table.c.set_name, table.c.scope_id, table.c.granularity, table.c.bucket
            )
        )
        for set_name, scope_id, granularity, bucket in inserted:
            kind, counter = SETS[set_name]
            counts[(kind, scope_id, granularity, bucket)][counter] += 1


async def add_rollups(db: AsyncSession, counts: dict[Key, dict[str, int]]) -> None:
    """Insert-or-add every counter of every bucket, in key order (no lock-order deadlocks)."""
    keys = ("scope_kind", "scope_id", "granularity", "bucket")
    rows = [
        {**dict(zip(keys, key, strict=True)), **values}
        for key, values in sorted(counts.items(), key=lambda item: str(item[0]))
    ]
    table = cast(Table, AnalyticsRollup.__table__)
    for start in range(0, len(rows), 500):
        statement = _insert(db, table).values(rows[start : start + 500])
        await db.execute(
            statement.on_conflict_do_update(
                index_elements=list(keys),
                set_={name: table.c[name] + statement.excluded[name] for name in COUNTERS},
            )
        )


async def apply(db: AsyncSession, event_ids: Sequence[uuid.UUID]) -> int:
    """Apply the events with these ids that are not applied yet; commits; says how many."""
    if not event_ids:
        return 0
    claimed = list(
        await db.scalars(
            update(AnalyticsEvent)
            .where(
                AnalyticsEvent.id.in_(sorted(set(event_ids))), AnalyticsEvent.applied_at.is_(None)
            )
            .values(applied_at=utcnow())
            .returning(AnalyticsEvent)
            .execution_options(synchronize_session=False)
        )
    )
    if claimed:
        counts, members = _accumulate(claimed)
        await _add_members(db, members, counts)
        await add_rollups(db, counts)
    await db.commit()
    return len(claimed)


async def apply_pending(db: AsyncSession) -> int:
    """Apply every event not applied yet (oldest first, in batches); says how many."""
    total = 0
    while True:
        ids = list(
            await db.scalars(
                select(AnalyticsEvent.id)
                .where(AnalyticsEvent.applied_at.is_(None))
                .order_by(AnalyticsEvent.occurred_at)
                .limit(BATCH)
            )
        )
        if not ids:
            return total
        total += await apply(db, ids)
