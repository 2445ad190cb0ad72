"""What the media job queue itself costs: the database queue and the JetStream work queue.

No media is processed: each job is claimed and at once marked done, so the numbers are the
queue's own overhead (claim, lease, finish, acks), the floor under every media job.

- drain: N committed jobs, two workers (each with its own connections) take them all;
- pickup: one job at a time submitted to idle workers; time from submit to claim.

    python -m bench.job_queue [--jobs N] [--skip-postgres] [--nats URL]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

from bench.run import POSTGRES, machine
from bench.server import postgres_database
from bench.social_feed import _track, _user
from veza.core import migrate
from veza.core.bus import Bus
from veza.core.bus_memory import MemoryBus
from veza.core.bus_nats import NatsBus
from veza.core.db import Database
from veza.core.media import jobs
from veza.core.media.queue import JobQueue
from veza.core.media.queue_db import DatabaseQueue
from veza.core.media.queue_jetstream import JetStreamQueue
from veza.core.models import TrackStatus

LEASE = 60
PICKUPS = 30
WORKERS = 2

Opener = Callable[[Database], Awaitable[tuple[JobQueue, Bus]]]


async def seed(database: Database, count: int) -> list[uuid.UUID]:
    """`count` uploaded tracks of one user, each with its committed job row."""
    async with database.session() as db:
        owner = _user(f"bench{uuid.uuid4().hex[:6]}")
        owner.id = uuid.uuid4()
        db.add(owner)
        await db.flush()
        job_ids = []
        for _ in range(count):
            track = _track(owner.id, datetime.now(UTC))
            track.status = TrackStatus.uploaded
            db.add(track)
            await db.flush()
            job_ids.append(await jobs.enqueue(db, track.id))
        await db.commit()
    return job_ids


def database_queue(shared_bus: Bus) -> Opener:
    async def open_(database: Database) -> tuple[JobQueue, Bus]:
        return DatabaseQueue(database, shared_bus, LEASE), shared_bus

    return open_


def jetstream_queue(url: str, stream: str) -> Opener:
    async def open_(database: Database) -> tuple[JobQueue, Bus]:
        bus = await NatsBus.connect(url)
        rows = DatabaseQueue(database, bus, LEASE)
        return JetStreamQueue(bus.client, rows, stream=stream, sweep_seconds=LEASE), bus

    return open_


async def _take_all(queue: JobQueue, name: str, remaining: list[int]) -> None:
    while remaining[0] > 0:
        claimed = await queue.claim(name, wait=0.5)
        if claimed is not None:
            remaining[0] -= 1
            await queue.finish(claimed, error=None, retry=False)


async def measure(database: Database, opener: Opener, count: int) -> tuple[float, list[float]]:
    """(jobs/s draining `count` jobs with two workers, submit-to-claim pickup times in ms)."""
    opened = [await opener(database) for _ in range(WORKERS)]
    queues = [queue for queue, _ in opened]
    try:
        for job_id in await seed(database, count):
            await queues[0].submit(job_id)
        remaining = [count]
        began = time.perf_counter()
        await asyncio.gather(*(_take_all(q, f"w{n}", remaining) for n, q in enumerate(queues)))
        rate = count / (time.perf_counter() - began)
        pickups = []
        for _ in range(PICKUPS):
            waiting = [
                asyncio.ensure_future(q.claim(f"w{n}", wait=5.0)) for n, q in enumerate(queues)
            ]
            await asyncio.sleep(0.2)  # the workers found nothing and wait
            (job_id,) = await seed(database, 1)
            submitted = time.perf_counter()
            await queues[1].submit(job_id)
            for next_done in asyncio.as_completed(waiting):
                claimed = await next_done
                if claimed is not None:
                    pickups.append((time.perf_counter() - submitted) * 1000)
                    await queues[0].finish(claimed, error=None, retry=False)
            await asyncio.gather(*waiting)
        return rate, pickups
    finally:
        for queue, bus in opened:
            await queue.close()
            if isinstance(bus, NatsBus):
                with contextlib.suppress(Exception):
                    await bus.client.jetstream().delete_stream(queue.stream)  # type: ignore[attr-defined]
                await bus.close()


@contextlib.asynccontextmanager
async def migrated(url: str) -> AsyncIterator[Database]:
    database = Database(url)
    try:
        await migrate.upgrade(database)
        yield database
    finally:
        await database.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=500)
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument(
        "--nats", default=os.environ.get("VEZA_BENCH_NATS_URL", "nats://127.0.0.1:4222")
    )
    args = parser.parse_args()
    print(
        f"{machine()}, load average {os.getloadavg()[0]:.2f}, {args.jobs} jobs, {WORKERS} workers"
    )
    print("| queue | database | drain jobs/s | pickup p50 ms | pickup max ms |")
    print("|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        runs: list[tuple[str, str, contextlib.AbstractContextManager[str], Opener]] = [
            (
                "database",
                "SQLite",
                contextlib.nullcontext(f"sqlite+aiosqlite:///{Path(tmp) / 'b.db'}"),
                database_queue(MemoryBus()),
            ),
        ]
        if not args.skip_postgres:
            runs.append(
                ("database", "PostgreSQL", postgres_database(POSTGRES), database_queue(MemoryBus()))
            )
            stream = f"VEZA_BENCH_{uuid.uuid4().hex[:8]}"
            runs.append(
                (
                    "JetStream",
                    "PostgreSQL",
                    postgres_database(POSTGRES),
                    jetstream_queue(args.nats, stream),
                )
            )
        for queue_name, label, where, opener in runs:
            with where as url:
                async with migrated(url) as database:
                    rate, pickups = await measure(database, opener, args.jobs)
            print(
                f"| {queue_name} | {label} | {rate:,.0f} | "
                f"{statistics.median(pickups):.1f} | {max(pickups):.1f} |"
            )


if __name__ == "__main__":
    asyncio.run(main())
