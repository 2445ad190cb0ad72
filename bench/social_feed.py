"""Feed latency for a user who follows 500 others, on SQLite and PostgreSQL.

A real `veza serve api` process; the community is written straight into its database
(500 followed users with 20 tracks and 2 playlists each, 1,500 other users with 5 tracks
each), then one client asks for the feed one request at a time: the first page, and the
fifth page reached by following the cursors.

    python -m bench.social_feed [--requests N] [--skip-postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from bench.run import POSTGRES, machine
from bench.server import analyze, postgres_database, veza_server
from veza.core.db import Database
from veza.core.models import Follow, Playlist, Track, TrackStatus, User, Visibility

FOLLOWED = 500
TRACKS_EACH = 20
PLAYLISTS_EACH = 2
OTHERS = 1500
OTHER_TRACKS_EACH = 5
PAGE = 20


def _user(name: str) -> User:
    return User(username=name, email=f"{name}@example.org", email_normalized=f"{name}@example.org")


def _track(owner: uuid.UUID, when: datetime) -> Track:
    track_id = uuid.uuid4()
    return Track(
        id=track_id,
        owner_id=owner,
        title=f"t{track_id.hex[:6]}",
        visibility=Visibility.public,
        status=TrackStatus.ready,
        progress=100,
        original_filename="t.flac",
        source_format="flac",
        source_codec="flac",
        sha256=track_id.hex * 2,
        size_bytes=1,
        duration=180.0,
        sample_rate=44100,
        channels=2,
        renditions={},
        created_at=when,
        ready_at=when,
    )


async def seed(database_url: str, reader_id: uuid.UUID) -> None:
    """The community: what the reader follows, and a crowd they do not."""
    database = Database(database_url)
    start = datetime.now(UTC) - timedelta(days=30)
    try:
        for group, (count, tracks_each, playlists_each) in enumerate(
            [(FOLLOWED, TRACKS_EACH, PLAYLISTS_EACH), (OTHERS, OTHER_TRACKS_EACH, 0)]
        ):
            for batch in range(0, count, 100):
                async with database.session() as db:
                    users = [_user(f"u{group}_{n}") for n in range(batch, min(count, batch + 100))]
                    for user in users:
                        user.id = uuid.uuid4()
                    db.add_all(users)
                    await db.flush()
                    for n, user in enumerate(users):
                        moment = start + timedelta(minutes=batch + n)
                        db.add_all(
                            _track(user.id, moment + timedelta(hours=k)) for k in range(tracks_each)
                        )
                        db.add_all(
                            Playlist(owner_id=user.id, title=f"p{k}", created_at=moment)
                            for k in range(playlists_each)
                        )
                        if group == 0:
                            db.add(Follow(follower_id=reader_id, followee_id=user.id))
                    await db.commit()
    finally:
        await database.close()


def _percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def measure(base_url: str, token: str, requests: int) -> dict[str, list[float]]:
    headers = {"Authorization": f"Bearer {token}"}
    timings: dict[str, list[float]] = {"first page": [], "fifth page": []}
    with httpx.Client(base_url=base_url, headers=headers, timeout=30) as client:
        cursors = [None]
        for _ in range(4):
            page = client.get(
                f"/api/v1/feed?limit={PAGE}",
                params={"cursor": cursors[-1]} if cursors[-1] else None,
            ).json()
            cursors.append(page["next_cursor"])
        for _ in range(requests):
            for name, cursor in (("first page", None), ("fifth page", cursors[4])):
                params = {"limit": PAGE, **({"cursor": cursor} if cursor else {})}
                began = time.perf_counter()
                response = client.get("/api/v1/feed", params=params)
                timings[name].append((time.perf_counter() - began) * 1000)
                assert response.status_code == 200, response.text
                assert len(response.json()["items"]) == PAGE
    return timings


def run(label: str, database_url: str, requests: int) -> list[str]:
    with veza_server("api", VEZA_DATABASE_URL=database_url) as server:
        http = httpx.Client(base_url=server.url, timeout=30)
        body = {"username": "reader", "email": "reader@example.org", "password": "bench-password-1"}
        answer = http.post("/api/v1/auth/register", json=body).json()
        asyncio.run(seed(database_url, uuid.UUID(answer["user"]["id"])))
        analyze(database_url)
        timings = measure(server.url, answer["access_token"], requests)
    return [
        f"| {name} | {label} | {len(samples)} | {statistics.median(samples):.1f} | "
        f"{_percentile(samples, 0.99):.1f} |"
        for name, samples in timings.items()
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=200, help="requests per page kind")
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()
    print(f"# Feed latency, {datetime.now(UTC):%Y-%m-%d}, {machine()}\n")
    print(f"Reader follows {FOLLOWED} users ({FOLLOWED * TRACKS_EACH:,} tracks, ", end="")
    print(f"{FOLLOWED * PLAYLISTS_EACH:,} playlists); {OTHERS:,} others with ", end="")
    print(f"{OTHERS * OTHER_TRACKS_EACH:,} tracks. Pages of {PAGE}, one request at a time.\n")
    print("| feed request | database | requests | p50 ms | p99 ms |")
    print("|---|---|---|---|---|")
    with tempfile.TemporaryDirectory(prefix="veza-bench-feed-") as tmp:
        sqlite = f"sqlite+aiosqlite:///{Path(tmp) / 'veza.db'}"
        for line in run("SQLite", sqlite, args.requests):
            print(line, flush=True)
    if not args.skip_postgres:
        with postgres_database(POSTGRES) as url:
            for line in run("PostgreSQL", url, args.requests):
                print(line, flush=True)


if __name__ == "__main__":
    main()
