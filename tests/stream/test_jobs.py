"""The database job queue: exclusive claims, leases, backoff, and recovery after a crash."""

from __future__ import annotations

import asyncio
import uuid
from datetime import timedelta

import httpx
from fastapi import FastAPI
from sqlalchemy import select, update
from stream_helpers import PROCESSING_GUARD_SECONDS, Sample, sample, upload, wait_processed

from conftest import Account, AppFactory, client_for, register
from veza.core.db import utcnow
from veza.core.media import jobs, layout
from veza.core.media.runner import MediaWorkers
from veza.core.models import JobStatus, MediaJob, Track, TrackStatus

__all__ = ["sample"]
# Two apps in one test stand for one deployment restarted: they share the secret.
SECRET = "one deployment, restarted: the same secret key"


async def queued_track(client: httpx.AsyncClient, account: Account, sample: Sample) -> uuid.UUID:
    response = await upload(client, account, sample("mp3"))
    assert response.status_code == 202, response.text
    return uuid.UUID(response.json()["id"])


async def job_of(app: FastAPI, track_id: uuid.UUID) -> MediaJob:
    async with app.state.backends.db.session() as db:
        job = await db.scalar(select(MediaJob).where(MediaJob.track_id == track_id))
        assert job is not None
        return job


async def job_settled(app: FastAPI, track_id: uuid.UUID) -> MediaJob:
    """The job once it is no longer running (its worker has recorded the outcome)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + PROCESSING_GUARD_SECONDS
    while (job := await job_of(app, track_id)).status == JobStatus.running:
        assert loop.time() < deadline, "the job is still running after the guard time"
        await asyncio.sleep(0.05)
    return job


async def set_job(app: FastAPI, track_id: uuid.UUID, **values: object) -> None:
    async with app.state.backends.db.session() as db:
        await db.execute(update(MediaJob).where(MediaJob.track_id == track_id).values(**values))
        await db.commit()


async def test_claims_are_exclusive_and_lapsed_leases_are_reclaimed(
    app_factory: AppFactory, sample: Sample
) -> None:
    app = await app_factory(embedded_workers=False)
    async with client_for(app) as client:
        track_id = await queued_track(client, await register(client, "hamlet"), sample)
    database = app.state.backends.db
    async with database.session() as db:
        first = await jobs.claim(db, "worker-a", lease_seconds=60)
    async with database.session() as db:
        assert await jobs.claim(db, "worker-b", lease_seconds=60) is None
    assert first is not None
    assert (first.track_id, first.status, first.attempts) == (track_id, JobStatus.running, 1)
    async with database.session() as db:
        assert await jobs.renew(db, first.id, "worker-a", 60)
        assert not await jobs.renew(db, first.id, "worker-b", 60)
    await set_job(app, track_id, lease_expires_at=utcnow() - timedelta(seconds=1))
    async with database.session() as db:
        second = await jobs.claim(db, "worker-b", lease_seconds=60)
    assert second is not None
    assert (second.worker_id, second.attempts) == ("worker-b", 2)
    async with database.session() as db:
        assert not await jobs.renew(db, first.id, "worker-a", 60)  # worker-a lost it


async def test_failures_back_off_then_give_up_after_three_attempts(
    app_factory: AppFactory, sample: Sample
) -> None:
    app = await app_factory(embedded_workers=False)
    async with client_for(app) as client:
        track_id = await queued_track(client, await register(client, "hamlet"), sample)
    database = app.state.backends.db
    for attempt, delay in ((1, 5), (2, 30), (3, None)):
        async with database.session() as db:
            job = await jobs.claim(db, "worker", lease_seconds=60)
            assert job is not None
            assert job.attempts == attempt
            again = await jobs.finish(db, job, error="OSError: disk full", retry=True)
            await db.commit()
        job = await job_of(app, track_id)
        assert again is (delay is not None)
        if delay is None:
            assert job.status == JobStatus.failed
            break
        assert job.status == JobStatus.queued
        wait = job.available_at - utcnow()
        assert timedelta(seconds=delay - 2) < wait <= timedelta(seconds=delay)
        async with database.session() as db:
            assert await jobs.claim(db, "worker", lease_seconds=60) is None  # not due yet
        await set_job(app, track_id, available_at=utcnow())
    assert job.last_error == "OSError: disk full"


async def test_job_left_running_by_a_crashed_worker_is_finished_after_restart(
    app_factory: AppFactory, sample: Sample
) -> None:
    crashed = await app_factory(embedded_workers=False, secret_key=SECRET)
    async with client_for(crashed) as client:
        hamlet = await register(client, "hamlet")
        track_id = await queued_track(client, hamlet, sample)
    # What a worker killed mid-job leaves: a running job whose lease has run out.
    await set_job(
        crashed,
        track_id,
        status=JobStatus.running,
        worker_id="dead-host:1:abc",
        attempts=1,
        lease_expires_at=utcnow() - timedelta(seconds=5),
    )
    async with crashed.state.backends.db.session() as db:
        await db.execute(
            update(Track).where(Track.id == track_id).values(status=TrackStatus.processing)
        )
        await db.commit()
    restarted = await app_factory(secret_key=SECRET)
    async with client_for(restarted) as client:
        track = await wait_processed(client, hamlet, str(track_id))
    assert track["status"] == "ready"
    # The track is marked ready a moment before its job is marked done: wait for that too.
    job = await job_settled(restarted, track_id)
    assert (job.status, job.attempts, job.worker_id) == (JobStatus.done, 2, None)


async def test_unprocessable_file_fails_at_once_with_a_reason(
    app_factory: AppFactory, sample: Sample
) -> None:
    stopped = await app_factory(embedded_workers=False, secret_key=SECRET)
    async with client_for(stopped) as client:
        hamlet = await register(client, "hamlet")
        track_id = await queued_track(client, hamlet, sample)
    await stopped.state.backends.storage.delete(layout.source_key(track_id))
    running = await app_factory(secret_key=SECRET)
    subscription = await running.state.backends.bus.subscribe(f"veza.user.{hamlet.id}")
    async with client_for(running) as client:
        track = await wait_processed(client, hamlet, str(track_id))
    assert track["status"] == "failed"
    assert track["failure_reason"] == "the uploaded file is missing from storage"
    job = await job_of(running, track_id)
    assert (job.status, job.attempts) == (JobStatus.failed, 1)  # never retried
    async for message in subscription:
        if message.json()["status"] == "failed":
            assert message.json()["failure_reason"] == track["failure_reason"]
            break
    await subscription.unsubscribe()


async def test_a_stop_after_the_track_got_ready_finishes_the_job_instead_of_requeueing(
    app_factory: AppFactory, sample: Sample
) -> None:
    """A worker stopped between marking its track ready and recording the job leaves both done;
    a stop mid-work still hands the job back."""
    app = await app_factory(embedded_workers=False)
    async with client_for(app) as client:
        hamlet = await register(client, "hamlet")
        ready_id = await queued_track(client, hamlet, sample)
        response = await upload(client, hamlet, sample("flac"))
        waiting_id = uuid.UUID(response.json()["id"])
    async with app.state.backends.db.session() as db:
        await db.execute(update(Track).where(Track.id == ready_id).values(status=TrackStatus.ready))
        await db.commit()
    workers = MediaWorkers(app.state.backends, concurrency=1)
    try:
        for _ in range(2):
            claimed = await app.state.backends.jobs.claim(workers.worker_id, 60)
            assert claimed is not None
            await workers._hand_back(claimed)
    finally:
        await workers.pool.close()
    assert (await job_of(app, ready_id)).status == JobStatus.done
    assert (await job_of(app, waiting_id)).status == JobStatus.queued
    async with app.state.backends.db.session() as db:
        statuses = dict((await db.execute(select(Track.id, Track.status))).all())
    assert statuses == {ready_id: TrackStatus.ready, waiting_id: TrackStatus.uploaded}
