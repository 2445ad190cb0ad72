"""The JobQueue contract, run against every implementation: the database queue (both stacks)
and the JetStream work queue (scaled stack, a real NATS server).

A "worker" here is one queue with its own connections; it dies by dropping them without a
word (no ack, no lease renewal), as a killed process does.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest
from fastapi import FastAPI
from sqlalchemy import select
from stream_helpers import Sample, sample, upload

from conftest import AppFactory, Stack, client_for, register
from veza.core.bus_nats import NatsBus
from veza.core.media import jobs
from veza.core.media.queue import Claimed, JobQueue
from veza.core.media.queue_db import DatabaseQueue
from veza.core.media.queue_jetstream import JetStreamQueue
from veza.core.models import JobStatus, MediaJob

__all__ = ["sample"]
LEASE_SECONDS = 5  # the shortest lease settings allow: redelivery tests wait for it
# A guard against a hung queue, not a speed requirement.
CLAIM_GUARD_SECONDS = 60


@dataclass
class Workers:
    """Starts workers of one queue kind on the test's deployment."""

    kind: str
    app: FastAPI
    alive: dict[int, tuple[JobQueue, NatsBus | None]] = field(default_factory=dict)

    async def start(self) -> JobQueue:
        backends = self.app.state.backends
        queue: JobQueue
        bus = None
        if self.kind == "database":
            queue = DatabaseQueue(backends.db, backends.bus, LEASE_SECONDS)
        else:
            bus = await NatsBus.connect(backends.settings.nats_url)
            rows = DatabaseQueue(backends.db, bus, LEASE_SECONDS)
            stream = backends.settings.jobs_stream
            queue = JetStreamQueue(bus.client, rows, stream=stream, sweep_seconds=1)
        self.alive[id(queue)] = (queue, bus)
        return queue

    async def kill(self, queue: JobQueue) -> None:
        """Die holding the job: nothing is acked, released or renewed, connections drop."""
        _, bus = self.alive.pop(id(queue))
        if bus is not None:
            await bus.close()
        await queue.close()

    async def close(self) -> None:
        for queue in list(self.alive.values()):
            await self.kill(queue[0])

    def client(self, queue: JobQueue) -> NatsBus:
        bus = self.alive[id(queue)][1]
        assert bus is not None
        return bus


@pytest.fixture(params=["database", "jetstream"])
async def workers(
    request: pytest.FixtureRequest, stack: Stack, app_factory: AppFactory
) -> AsyncIterator[Workers]:
    if request.param == "jetstream" and stack.nats_url is None:
        pytest.skip("JetStream needs the scaled stack (VEZA_TEST_NATS_URL)")
    app = await app_factory(embedded_workers=False)
    started = Workers(request.param, app)
    yield started
    await started.close()


async def queue_tracks(app: FastAPI, sample: Sample, count: int = 1) -> list[uuid.UUID]:
    """Upload `count` tracks (each committed, then submitted); returns their job ids."""
    async with client_for(app) as client:
        hamlet = await register(client, "hamlet")
        tracks = []
        for n in range(count):
            response = await upload(client, hamlet, sample("mp3", seconds=1.0 + n))
            assert response.status_code == 202, response.text
            tracks.append(uuid.UUID(response.json()["id"]))
    async with app.state.backends.db.session() as db:
        rows = await db.scalars(select(MediaJob).where(MediaJob.track_id.in_(tracks)))
        return [job.id for job in rows.all()]


async def claim(queue: JobQueue, worker_id: str) -> Claimed:
    """The next job this worker gets, waiting as long as a redelivery can take."""
    async with asyncio.timeout(CLAIM_GUARD_SECONDS):
        while (claimed := await queue.claim(worker_id, wait=1.0)) is None:
            pass
    return claimed


async def row(app: FastAPI, job_id: uuid.UUID) -> MediaJob:
    async with app.state.backends.db.session() as db:
        job = await db.get(MediaJob, job_id)
        assert job is not None
        return job


async def test_a_job_is_claimed_by_one_worker_and_done_once(
    workers: Workers, sample: Sample
) -> None:
    (job_id,) = await queue_tracks(workers.app, sample)
    first, second = await workers.start(), await workers.start()
    claimed = await claim(first, "worker-a")
    assert (claimed.job.id, claimed.job.attempts, claimed.worker_id) == (job_id, 1, "worker-a")
    assert await second.claim("worker-b", wait=1.0) is None
    assert await first.renew(claimed)
    assert not await first.finish(claimed, error=None, retry=False)
    job = await row(workers.app, job_id)
    assert (job.status, job.attempts, job.worker_id, job.last_error) == (
        JobStatus.done,
        1,
        None,
        None,
    )
    assert await second.claim("worker-b", wait=1.0) is None
    assert await first.claim("worker-a", wait=1.0) is None


async def test_a_job_whose_worker_died_is_claimed_again(workers: Workers, sample: Sample) -> None:
    (job_id,) = await queue_tracks(workers.app, sample)
    doomed = await workers.start()
    taken = await claim(doomed, "doomed")
    await workers.kill(doomed)
    survivor = await workers.start()
    again = await claim(survivor, "survivor")
    assert (again.job.id, again.job.attempts) == (job_id, 2)
    assert not await survivor.renew(taken)  # the dead worker's lease is not its own any more
    await survivor.finish(again, error=None, retry=False)
    assert (await row(workers.app, job_id)).status == JobStatus.done


async def test_failures_are_retried_with_backoff_then_fail_with_the_reason(
    workers: Workers, sample: Sample, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(jobs, "BACKOFF_SECONDS", (1, 1))
    (job_id,) = await queue_tracks(workers.app, sample)
    queue = await workers.start()
    outcomes = []
    for attempt in range(1, jobs.MAX_ATTEMPTS + 1):
        claimed = await claim(queue, "worker")
        assert claimed.job.attempts == attempt
        outcomes.append(await queue.finish(claimed, error="OSError: disk full", retry=True))
    assert outcomes == [True, True, False]
    job = await row(workers.app, job_id)
    assert (job.status, job.attempts, job.last_error) == (
        JobStatus.failed,
        jobs.MAX_ATTEMPTS,
        "OSError: disk full",
    )
    assert await queue.claim("worker", wait=2.0) is None


async def test_a_job_whose_worker_dies_on_every_attempt_comes_back_past_the_limit(
    workers: Workers, sample: Sample
) -> None:
    """The fourth claim is how the runner learns to give up (`attempts > MAX_ATTEMPTS`)."""
    (job_id,) = await queue_tracks(workers.app, sample)
    for attempt in range(1, jobs.MAX_ATTEMPTS + 1):
        queue = await workers.start()
        assert (await claim(queue, f"worker-{attempt}")).job.attempts == attempt
        await workers.kill(queue)
    last = await workers.start()
    claimed = await claim(last, "last")
    assert (claimed.job.id, claimed.job.attempts) == (job_id, jobs.MAX_ATTEMPTS + 1)


async def test_two_workers_never_take_the_same_job(workers: Workers, sample: Sample) -> None:
    job_ids = await queue_tracks(workers.app, sample, count=4)
    queues = [await workers.start(), await workers.start()]
    taken: list[tuple[str, uuid.UUID]] = []

    async def take(queue: JobQueue, name: str) -> None:
        while len(taken) < len(job_ids):
            claimed = await queue.claim(name, wait=0.5)
            if claimed is not None:
                taken.append((name, claimed.job.id))

    async with asyncio.timeout(CLAIM_GUARD_SECONDS):
        await asyncio.gather(take(queues[0], "a"), take(queues[1], "b"))
    assert sorted(job for _, job in taken) == sorted(job_ids)
    for name, queue in zip("ab", queues, strict=True):
        assert await queue.claim(name, wait=1.0) is None


JETSTREAM_ONLY = pytest.mark.parametrize("workers", ["jetstream"], indirect=True)


@JETSTREAM_ONLY
async def test_a_committed_job_whose_message_was_lost_is_republished(
    workers: Workers, sample: Sample
) -> None:
    """Commit done, publish lost: the sweep republishes what the stream does not hold."""
    (job_id,) = await queue_tracks(workers.app, sample)
    queue = await workers.start()
    assert isinstance(queue, JetStreamQueue)
    js = workers.client(queue).client.jetstream()
    await js.purge_stream(queue.stream, subject=queue.subject(job_id))
    assert (await js.stream_info(queue.stream)).state.messages == 0
    claimed = await claim(queue, "worker")
    assert (claimed.job.id, claimed.job.attempts) == (job_id, 1)


@JETSTREAM_ONLY
async def test_with_nats_gone_workers_claim_from_the_database(
    workers: Workers, sample: Sample
) -> None:
    """JetStream unreachable: the rows, the source of truth, still hand out the job."""
    (job_id,) = await queue_tracks(workers.app, sample)
    queue = await workers.start()
    await workers.client(queue).close()
    claimed = await claim(queue, "worker")
    assert (claimed.job.id, claimed.job.attempts, claimed.delivery) == (job_id, 1, None)
    assert not await queue.finish(claimed, error=None, retry=False)
    assert (await row(workers.app, job_id)).status == JobStatus.done


@JETSTREAM_ONLY
async def test_the_message_of_a_deleted_track_is_acked_away(
    workers: Workers, sample: Sample
) -> None:
    """A delivery is only an offer: with no row behind it, nothing runs and it is gone."""
    async with client_for(workers.app) as client:
        hamlet = await register(client, "hamlet")
        response = await upload(client, hamlet, sample("mp3"))
        assert response.status_code == 202, response.text
        deleted = await client.delete(
            f"/api/v1/tracks/{response.json()['id']}", headers=hamlet.auth
        )
        assert deleted.status_code == 204, deleted.text
    queue = await workers.start()
    assert isinstance(queue, JetStreamQueue)
    js = workers.client(queue).client.jetstream()
    assert (await js.stream_info(queue.stream)).state.messages == 1
    assert await queue.claim("worker", wait=2.0) is None
    for _ in range(100):  # the server removes an acked message a moment later
        if not (await js.stream_info(queue.stream)).state.messages:
            break
        await asyncio.sleep(0.1)
    assert (await js.stream_info(queue.stream)).state.messages == 0
