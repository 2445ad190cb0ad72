"""Dashboard query latency over the rollups of 10 million play events (and chat messages).

Synthetic plays (and messages, a tenth as many) are drawn day by day with numpy: popular tracks
and heavy listeners (Zipf-like), listening times from skips to full plays, six sources. Each
day is aggregated exactly as `veza.core.analytics.rollups` would leave it (the same counters,
hour/day/week buckets and distinct-count set rows) and bulk-loaded (sqlite3 `executemany`,
asyncpg `COPY`). Raw events are not loaded: no dashboard query reads them. Then every dashboard
query is timed through the service functions the API calls (one session, no HTTP).

    python -m bench.analytics_queries [--plays N] [--days N] [--tracks N] [--artists N]
        [--listeners N] [--rooms N] [--queries N] [--skip-postgres] [--skip-sqlite]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sqlite3
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import asyncpg
import numpy as np
import numpy.typing as npt
from sqlalchemy import bindparam, update

from bench.discovery_search import populate, sqlite_database, timed
from bench.server import postgres_database
from veza.core import migrate
from veza.core.analytics import queries
from veza.core.analytics.rollups import COUNTERS, PLATFORM, bucket_of
from veza.core.db import Database
from veza.core.models import Track

POSTGRES = os.environ.get(
    "VEZA_BENCH_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)
Ints = npt.NDArray[np.int64]
Row = tuple[Any, ...]
# A distinct count: (set name, counter it feeds, member per event, which events count).
Distinct = tuple[str, str, Ints, npt.NDArray[np.bool_]]
SOURCES = ("profile", "playlist", "search", "share", "feed", "other")


class Writer(Protocol):
    async def write(self, table: str, rows: list[Row]) -> None: ...

    async def close(self) -> None: ...


class SqliteWriter:
    """sqlite3 in bulk; ids and times in the text forms SQLAlchemy stores on SQLite."""

    def __init__(self, path: str) -> None:
        self.connection = sqlite3.connect(path)
        self.connection.execute("PRAGMA synchronous=OFF")
        self.connection.execute("PRAGMA cache_size=-1000000")

    async def write(self, table: str, rows: list[Row]) -> None:
        def text(value: Any) -> Any:
            if isinstance(value, uuid.UUID):
                return value.hex
            if isinstance(value, datetime):
                return value.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
            return value

        converted = [tuple(text(value) for value in row) for row in rows]
        marks = ",".join("?" * len(rows[0]))
        statement = f"INSERT INTO {table} VALUES ({marks})"  # noqa: S608  (our own table names)
        self.connection.executemany(statement, converted)
        self.connection.commit()

    async def close(self) -> None:
        self.connection.execute("ANALYZE")
        self.connection.close()


class PostgresWriter:
    def __init__(self, connection: asyncpg.Connection) -> None:
        self.connection = connection

    async def write(self, table: str, rows: list[Row]) -> None:
        await self.connection.copy_records_to_table(table, records=rows)

    async def close(self) -> None:
        await self.connection.execute("ANALYZE")
        await self.connection.close()


class Load:
    """Turns one day of events into rollup and set rows, as the consumer would."""

    def __init__(self, writer: Writer, ids: dict[str, list[uuid.UUID]], members: int) -> None:
        self.writer = writer
        self.ids = ids
        self.members = members
        self.rollup_rows = 0
        self.unique_rows = 0

    async def scope(
        self,
        kind: str,
        scopes: Ints,
        day: datetime,
        hours: Ints,
        counters: dict[str, Ints],
        distinct: list[Distinct],
        granularities: tuple[str, ...] = ("hour", "day"),
    ) -> None:
        """Rows of one scope kind for one day (by hour and day) or one week (`day` its start)."""
        size = len(self.ids[kind])
        for granularity in granularities:
            per_hour = granularity == "hour"
            keys = scopes * 24 + hours if per_hour else scopes
            width = size * 24 if per_hour else size
            sums = {
                name: np.bincount(keys, weights=values, minlength=width).astype(np.int64)
                for name, values in counters.items()
            }
            present = np.nonzero(np.bincount(keys, minlength=width))[0]
            uniques: list[Row] = []
            for set_name, counter, who, mask in distinct:
                pairs = np.unique(keys[mask] * self.members + who[mask])
                sums[counter] = np.bincount(pairs // self.members, minlength=width)
                uniques += [
                    (
                        set_name,
                        self.ids[kind][key // 24 if per_hour else key],
                        granularity,
                        day + timedelta(hours=int(key % 24)) if per_hour else day,
                        self.ids["member"][member],
                    )
                    for key, member in zip(
                        (pairs // self.members).tolist(),
                        (pairs % self.members).tolist(),
                        strict=True,
                    )
                ]
            columns = [sums.get(name) for name in COUNTERS]
            rows = [
                (
                    kind,
                    self.ids[kind][key // 24 if per_hour else key],
                    granularity,
                    day + timedelta(hours=key % 24) if per_hour else day,
                    *(0 if column is None else int(column[key]) for column in columns),
                )
                for key in present.tolist()
            ]
            await self.flush(rows, uniques)

    async def flush(self, rows: list[Row], uniques: list[Row]) -> None:
        if rows:
            await self.writer.write("analytics_rollups", rows)
            self.rollup_rows += len(rows)
        for start in range(0, len(uniques), 200_000):
            await self.writer.write("analytics_uniques", uniques[start : start + 200_000])
        self.unique_rows += len(uniques)


def zipf(rng: np.random.Generator, n: int, size: int, power: float) -> Ints:
    weights = 1.0 / np.arange(1, n + 1) ** power
    return rng.choice(n, size=size, p=weights / weights.sum()).astype(np.int64)


Batch = tuple[str, Ints, Ints, dict[str, Any], list[Distinct]]


def day_of_plays(
    rng: np.random.Generator, args: argparse.Namespace, owners: Ints, durations: Any
) -> tuple[list[Batch], Ints, npt.NDArray[np.bool_]]:
    """One day's plays and messages as (kind, scopes, hours, counters, distinct) batches."""
    n = args.plays // args.days
    track = zipf(rng, args.tracks, n, 0.9)
    who = zipf(rng, args.listeners, n, 0.6)
    hour = rng.integers(0, 24, n)
    listened = np.minimum(rng.exponential(0.5, n), 1.0) * durations[track]
    counted = listened >= np.minimum(30.0, durations[track] / 2)
    completed = listened >= 0.9 * durations[track]
    source = rng.integers(0, len(SOURCES), n)
    plays = {
        "reports": np.ones(n),
        "plays": counted.astype(np.float64),
        "listening_ms": np.round(listened * 1000),
        "completed": completed.astype(np.float64),
        "skipped": (~completed & (listened < 30)).astype(np.float64),
        **{f"src_{s}": (counted & (source == i)).astype(np.float64) for i, s in enumerate(SOURCES)},
    }
    m = n // 10
    room = zipf(rng, args.rooms, m, 0.8)
    author = zipf(rng, args.listeners, m, 0.8)
    message_hour = rng.integers(0, 24, m)
    # Platform-wide: plays and messages together; active = anyone who did either.
    everyone = np.concatenate([who, author])
    platform = {name: np.concatenate([values, np.zeros(m)]) for name, values in plays.items()}
    platform["messages"] = np.concatenate([np.zeros(n), np.ones(m)])
    is_play = np.concatenate([counted, np.zeros(m, dtype=bool)])
    batches: list[Batch] = [
        ("track", track, hour, plays, [("track_listener", "listeners", who, counted)]),
        ("artist", owners[track], hour, plays, [("artist_listener", "listeners", who, counted)]),
        ("room", room, message_hour, {"messages": np.ones(m)},
         [("room_member", "active_members", author, np.ones(m, dtype=bool))]),
        ("platform", np.zeros(n + m, dtype=np.int64), np.concatenate([hour, message_hour]),
         platform, [("platform_active", "active_users", everyone, np.ones(n + m, dtype=bool)),
                    ("platform_listen", "listeners", everyone, is_play)]),
    ]  # fmt: skip
    return batches, track, counted


def merged(days: list[list[Batch]]) -> list[Batch]:
    """A week's batches: each kind's arrays of every day, end to end."""
    out: list[Batch] = []
    for parts in zip(*days, strict=True):
        kind = parts[0][0]
        counters = {name: np.concatenate([p[3][name] for p in parts]) for name in parts[0][3]}
        distinct = [
            (d[0], d[1], np.concatenate([p[4][i][2] for p in parts]),
             np.concatenate([p[4][i][3] for p in parts]))
            for i, d in enumerate(parts[0][4])
        ]  # fmt: skip
        scopes = np.concatenate([p[1] for p in parts])
        out.append((kind, scopes, np.concatenate([p[2] for p in parts]), counters, distinct))
    return out


async def load(load_: Load, args: argparse.Namespace, owners: Ints, durations: Any) -> Ints:
    """Every day's plays and messages; returns counted plays per (day, track) to check with."""
    rng = np.random.default_rng(1)
    first = bucket_of(datetime.now(UTC), "day") - timedelta(days=args.days - 1)
    checks = np.zeros((args.days, args.tracks), dtype=np.int64)
    week: list[list[Batch]] = []
    for index in range(args.days):
        day = first + timedelta(days=index)
        batches, track, counted = day_of_plays(rng, args, owners, durations)
        checks[index] = np.bincount(track[counted], minlength=args.tracks)
        for kind, scopes, hours, counters, distinct in batches:
            await load_.scope(kind, scopes, day, hours, counters, distinct)
        week.append(batches)
        if day.weekday() == 6 or index == args.days - 1:
            for kind, scopes, hours, counters, distinct in merged(week):
                await load_.scope(
                    kind, scopes, bucket_of(day, "week"), hours, counters, distinct, ("week",)
                )
            week = []
    return checks


PK = {
    "analytics_rollups": "scope_kind, scope_id, granularity, bucket",
    "analytics_uniques": "set_name, scope_id, granularity, bucket, member_id",
}


async def open_writer(url: str) -> Writer:
    if url.startswith("sqlite"):
        return SqliteWriter(url.split(":///", 1)[1])
    connection = await asyncpg.connect(url.replace("+asyncpg", ""))
    for table in PK:  # built once at the end, sorted: much faster than row by row
        await connection.execute(f"ALTER TABLE {table} DROP CONSTRAINT pk_{table}")
    return PostgresWriter(connection)


async def finish_writer(writer: Writer) -> None:
    if isinstance(writer, PostgresWriter):
        for table, columns in PK.items():
            await writer.connection.execute(
                f"ALTER TABLE {table} ADD CONSTRAINT pk_{table} PRIMARY KEY ({columns})"
            )
    await writer.close()


async def prepare(
    database: Database, args: argparse.Namespace
) -> tuple[dict[str, list[uuid.UUID]], Ints]:
    """Users and tracks (for names and top tracks); artists own `tracks / artists` each."""
    data = await populate(database, args.tracks, args.listeners, random.Random(1))
    owners = np.arange(args.tracks, dtype=np.int64) % args.artists
    artists = [user["id"] for user in data["users"][: args.artists]]
    owned = zip(data["tracks"], owners.tolist(), strict=True)
    async with database.engine.begin() as connection:
        await connection.execute(
            update(Track).where(Track.id == bindparam("track")).values(owner_id=bindparam("owner")),
            [{"track": track["id"], "owner": artists[owner]} for track, owner in owned],
        )
    ids = {
        "track": [track["id"] for track in data["tracks"]],
        "artist": artists,
        "member": [user["id"] for user in data["users"]],
        "room": [uuid.uuid4() for _ in range(args.rooms)],
        "platform": [PLATFORM],
    }
    return ids, owners


def calls(
    ids: dict[str, list[uuid.UUID]], n: int
) -> Iterator[tuple[str, list[Callable[[Any], Awaitable[Any]]]]]:
    """Every dashboard query, on popular and ordinary tracks, artists and rooms alike."""
    today = datetime.now(UTC).date()
    spans = {
        "30 days by day": queries.period(None, None, "day", today),
        "366 days by day": queries.period(today - timedelta(days=365), today, "day", today),
        "today by hour": queries.period(None, None, "hour", today),
        "14 days by hour": queries.period(today - timedelta(days=13), today, "hour", today),
    }
    rng = random.Random(2)

    def some(kind: str) -> list[uuid.UUID]:
        pool = ids[kind]
        head = pool[: max(1, len(pool) // 100)]  # the most popular percent, then anyone
        return [rng.choice(head) if i % 2 else rng.choice(pool) for i in range(n)]

    for label, span in spans.items():
        yield (
            f"track, {label}",
            [lambda db, t=t, s=span: queries.plays(db, "track", t, s) for t in some("track")],
        )
        yield (
            f"artist, {label}",
            [lambda db, a=a, s=span: queries.artist(db, a, s) for a in some("artist")],
        )
        yield (
            f"room, {label}",
            [lambda db, r=r, s=span: queries.room(db, r, s) for r in some("room")],
        )
        yield f"platform, {label}", [lambda db, s=span: queries.platform(db, s) for _ in range(n)]


async def run(name: str, url: str, args: argparse.Namespace) -> list[str]:
    database = Database(url)
    try:
        await migrate.upgrade(database)
        ids, owners = await prepare(database, args)
        durations = np.random.default_rng(3).uniform(60, 400, args.tracks)
        started = time.perf_counter()
        writer = await open_writer(url)
        load_ = Load(writer, ids, args.listeners)
        checks = await load(load_, args, owners, durations)
        await finish_writer(writer)
        loaded = time.perf_counter() - started
        print(
            f"{name}: {args.plays:,} plays -> {load_.rollup_rows:,} rollup rows and "
            f"{load_.unique_rows:,} set rows in {loaded:.0f} s",
            flush=True,
        )
        await check(database, ids, checks)
        rows = []
        for label, work in calls(ids, args.queries):
            p50, p99 = await timed(database, work)
            rows.append(f"| {label} | {name} | {p50:.1f} | {p99:.1f} |")
            print(rows[-1], flush=True)
        return rows
    finally:
        await database.close()


async def check(database: Database, ids: dict[str, list[uuid.UUID]], checks: Ints) -> None:
    """The loaded rollups answer what the generator drew (the most played track, 30 days)."""
    today = datetime.now(UTC).date()
    span = queries.period(None, None, "day", today)
    top = int(checks[-30:].sum(axis=0).argmax())
    async with database.session() as db:
        found = await queries.plays(db, "track", ids["track"][top], span)
    expected = int(checks[-30:, top].sum())
    assert found["totals"]["plays"] == expected, (found["totals"], expected)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--plays", type=int, default=10_000_000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--tracks", type=int, default=5_000)
    parser.add_argument("--artists", type=int, default=500)
    parser.add_argument("--listeners", type=int, default=20_000)
    parser.add_argument("--rooms", type=int, default=200)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--skip-sqlite", action="store_true")
    args = parser.parse_args()
    lines = ["| query | database | p50 ms | p99 ms |", "|---|---|---|---|"]
    if not args.skip_sqlite:
        with sqlite_database() as url:
            lines += asyncio.run(run("SQLite", url, args))
    if not args.skip_postgres:
        with postgres_database(POSTGRES) as url:
            lines += asyncio.run(run("PostgreSQL", url, args))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
