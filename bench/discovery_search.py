"""Search, type-ahead and recommendation latency on 100,000 tracks and 10,000 users.

Rows are bulk-inserted straight into a fresh, migrated database (SQLite file and PostgreSQL),
the search index is built with `reindex_all`, and listening history is synthesised so the
co-occurrence table has the shape real use gives it. Each query is then timed through the
service functions the API calls (one database session, no HTTP), for anonymous viewers.

    python -m bench.discovery_search [--tracks N] [--users N] [--queries N] [--skip-postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import statistics
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, update

from bench.server import analyze, postgres_database
from veza.core import migrate
from veza.core.db import Database
from veza.core.models import Track, TrackCooccurrence, TrackListen, TrackTag, User
from veza.core.search import engine
from veza.core.search.documents import reindex_all
from veza.core.services import recommendations

POSTGRES = os.environ.get(
    "VEZA_BENCH_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
)
BATCH = 2000
GENRES = [
    "jazz", "metal", "ambient", "techno", "house", "folk", "hip hop", "classical", "punk",
    "soul", "reggae", "blues", "trance", "drum and bass", "indie", "pop", "rock", "électro",
    "bossa nova", "chanson",
]  # fmt: skip
SYLLABLES = [
    "ka",
    "lo",
    "mi",
    "re",
    "su",
    "na",
    "vo",
    "te",
    "ri",
    "zu",
    "an",
    "el",
    "or",
    "is",
    "um",
    "é",
    "ça",
    "ño",
    "ber",
    "lin",
    "mar",
    "sol",
]


def vocabulary(rng: random.Random, size: int) -> list[str]:
    words: set[str] = set()
    while len(words) < size:
        words.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))))
    return sorted(words)


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def insert_batches(database: Database, model: type[Any], rows: list[dict[str, Any]]) -> None:
    async with database.engine.begin() as connection:
        for start in range(0, len(rows), BATCH):
            await connection.execute(insert(model), rows[start : start + BATCH])


async def populate(
    database: Database, n_tracks: int, n_users: int, rng: random.Random
) -> dict[str, Any]:
    words = vocabulary(rng, 3000)
    now = datetime.now(UTC)
    users = [
        {
            "id": uuid.uuid4(),
            "username": f"user{i}_{rng.choice(words)}"[:32],
            "email": f"user{i}@example.org",
            "email_normalized": f"user{i}@example.org",
            "display_name": f"{rng.choice(words).title()} {rng.choice(words).title()}",
            "bio": " ".join(rng.choices(words, k=8)),
            "links": [],
            "role": "user",
            "status": "active",
            "created_at": now,
            "updated_at": now,
        }
        for i in range(n_users)
    ]
    artists = [f"{rng.choice(words).title()} {rng.choice(words).title()}" for _ in range(5000)]
    tags = rng.sample(words, 200)
    tracks, track_tags = [], []
    for i in range(n_tracks):
        track_id = uuid.uuid4()
        tracks.append(
            {
                "id": track_id,
                "owner_id": users[i % n_users]["id"],
                "title": " ".join(rng.choices(words, k=rng.randint(1, 4))).title(),
                "artist": rng.choice(artists),
                "album": " ".join(rng.choices(words, k=2)).title(),
                "genre": rng.choice(GENRES),
                "metadata_edited": False,
                "visibility": rng.choices(["public", "unlisted", "private"], [8, 1, 1])[0],
                "downloadable": False,
                "status": "ready",
                "progress": 100,
                "original_filename": f"{i}.flac",
                "source_format": "flac",
                "source_codec": "flac",
                "source_lossless": True,
                "sha256": uuid.uuid4().hex * 2,
                "size_bytes": 1,
                "duration": 200.0,
                "sample_rate": 44100,
                "channels": 2,
                "has_cover": False,
                "renditions": {},
                "play_count": 0,
                "listener_count": 0,
                "listening_seconds": 0.0,
                "created_at": now,
                "updated_at": now,
            }
        )
        track_tags += [
            {"track_id": track_id, "tag": t} for t in rng.sample(tags, rng.randint(0, 3))
        ]
    await insert_batches(database, User, users)
    await insert_batches(database, Track, tracks)
    await insert_batches(database, TrackTag, track_tags)
    return {"words": words, "users": users, "tracks": tracks}


async def synthesise_listening(
    database: Database, data: dict[str, Any], listeners: int, per_user: int, rng: random.Random
) -> int:
    """Listens of `listeners` users, each within one genre, and their co-occurrence counts."""
    by_genre: dict[str, list[uuid.UUID]] = {}
    for track in data["tracks"]:
        if track["visibility"] == "public":
            by_genre.setdefault(track["genre"], []).append(track["id"])
    popular = {g: ids[:300] for g, ids in by_genre.items()}  # taste concentrates on a few
    now = datetime.now(UTC)
    listens, pairs, counts = [], Counter[tuple[uuid.UUID, uuid.UUID]](), Counter[uuid.UUID]()
    for user in rng.sample(data["users"], listeners):
        heard = rng.sample(popular[rng.choice(GENRES)], per_user)
        for track_id in heard:
            listens.append(
                {"user_id": user["id"], "track_id": track_id, "plays": 1,
                 "listened_seconds": 100.0, "last_played_at": now, "last_counted_at": now}
            )  # fmt: skip
            counts[track_id] += 1
        pairs.update((a, b) for a in heard for b in heard if a != b)
    await insert_batches(database, TrackListen, listens)
    await insert_batches(
        database,
        TrackCooccurrence,
        [{"track_id": a, "other_id": b, "count": c} for (a, b), c in pairs.items()],
    )
    async with database.engine.begin() as connection:
        for track_id, count in counts.items():
            await connection.execute(
                update(Track)
                .where(Track.id == track_id)
                .values(listener_count=count, play_count=count)
            )
    data["listeners"] = [listen["user_id"] for listen in listens[::per_user]]
    data["listened"] = list(counts)
    return len(pairs)


async def timed(
    database: Database, calls: list[Callable[[Any], Awaitable[Any]]]
) -> tuple[float, float]:
    samples = []
    async with database.session() as db:
        for call in calls[:20]:  # warm the caches first
            await call(db)
        for call in calls:
            start = time.perf_counter()
            await call(db)
            samples.append((time.perf_counter() - start) * 1000)
            await db.rollback()
    return statistics.median(samples), percentile(samples, 0.99)


def search_calls(
    words: list[str], rng: random.Random, n: int
) -> list[Callable[[Any], Awaitable[Any]]]:
    calls = []
    for _ in range(n):
        q = " ".join(rng.sample(words, rng.choice([1, 1, 2])))
        calls.append(lambda db, q=q: engine.search(db, q, viewer=None, limit=20))
    return calls


def suggest_calls(
    words: list[str], rng: random.Random, n: int
) -> list[Callable[[Any], Awaitable[Any]]]:
    calls = []
    for _ in range(n):
        word = rng.choice(words)
        q = word[: rng.randint(2, max(2, len(word)))]
        calls.append(lambda db, q=q: engine.search(db, q, viewer=None, limit=8))
    return calls


async def run(name: str, url: str, args: argparse.Namespace) -> list[str]:
    rng = random.Random(1)
    database = Database(url)
    try:
        await migrate.upgrade(database)
        start = time.perf_counter()
        data = await populate(database, args.tracks, args.users, rng)
        loaded = time.perf_counter() - start
        start = time.perf_counter()
        async with database.engine.begin() as connection:
            await connection.run_sync(reindex_all)
        indexed = time.perf_counter() - start
        pairs = await synthesise_listening(database, data, args.listeners, 15, rng)
        analyze(url)
        words = data["words"]
        rows = [
            ("search", *await timed(database, search_calls(words, rng, args.queries))),
            ("suggest", *await timed(database, suggest_calls(words, rng, args.queries))),
        ]
        similar = [
            lambda db, t=t: similar_to(db, t)
            for t in rng.sample(data["listened"], min(200, len(data["listened"])))
        ]
        rows.append(("similar tracks", *await timed(database, similar)))
        for_you = [
            lambda db, u=u: recommendations.for_you(db, u, limit=20)
            for u in rng.sample(data["listeners"], min(200, len(data["listeners"])))
        ]
        rows.append(("for you", *await timed(database, for_you)))
        print(
            f"{name}: loaded in {loaded:.1f} s, indexed in {indexed:.1f} s, "
            f"{pairs:,} co-occurrence rows"
        )
        return [f"| {what} | {name} | {p50:.1f} | {p99:.1f} |" for what, p50, p99 in rows]
    finally:
        await database.close()


async def similar_to(db: Any, track_id: uuid.UUID) -> Any:
    """What `GET /tracks/{id}/similar` does: load the track, then rank its neighbours."""
    track = await db.get(Track, track_id)
    return await recommendations.similar(db, track, None, limit=20)


@contextlib.contextmanager
def sqlite_database() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="veza-bench-") as tmp:
        yield f"sqlite+aiosqlite:///{tmp}/veza.db"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tracks", type=int, default=100_000)
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--listeners", type=int, default=3_000, help="users with a history")
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    databases = {"SQLite": sqlite_database()}
    if not args.skip_postgres:
        databases["PostgreSQL"] = postgres_database(POSTGRES)
    lines = ["| query | database | p50 ms | p99 ms |", "|---|---|---|---|"]
    for name, context in databases.items():
        with context as url:
            lines += asyncio.run(run(name, url, args))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
