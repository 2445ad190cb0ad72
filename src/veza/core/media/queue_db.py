"""The job queue on the database alone: workers poll `media_jobs`, woken early by a bus message.

Used embedded (SQLite, in-process bus) and scaled without JetStream. Also the row keeping
half of `JetStreamQueue`, which delivers through NATS but records everything here.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid

from veza.core.bus import Bus, Subscription
from veza.core.db import Database
from veza.core.media import jobs
from veza.core.media.progress import JOBS_SUBJECT, wake_workers
from veza.core.media.queue import Claimed
from veza.core.models import JobStatus, MediaJob
from veza.core.observability.logging import get_logger

log = get_logger("veza.media")


class DatabaseQueue:
    """The JobQueue contract on the `media_jobs` table (claims are guarded UPDATEs)."""

    def __init__(self, db: Database, bus: Bus, lease_seconds: int) -> None:
        self.db = db
        self.bus = bus
        self.lease_seconds = lease_seconds
        self._wake = asyncio.Event()
        self._subscription: Subscription | None = None
        self._listener: asyncio.Task[None] | None = None

    async def submit(self, job_id: uuid.UUID) -> None:
        """Wake idle workers in any process; a lost wake-up only costs a poll interval."""
        try:
            await wake_workers(self.bus)
        except Exception as exc:  # the row is committed: polling finds it
            log.warning("job_wake_failed", job_id=str(job_id), error=str(exc))

    async def claim(self, worker_id: str, wait: float) -> Claimed | None:
        await self._listen()
        self._wake.clear()
        job = await self._claim_due(worker_id)
        if job is None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), wait)
            job = await self._claim_due(worker_id)
        return None if job is None else Claimed(job, worker_id)

    async def _claim_due(self, worker_id: str) -> MediaJob | None:
        async with self.db.session() as db:
            return await jobs.claim(db, worker_id, self.lease_seconds)

    async def claim_job(self, job_id: uuid.UUID, worker_id: str) -> MediaJob | None:
        async with self.db.session() as db:
            return await jobs.claim_job(db, job_id, worker_id, self.lease_seconds)

    async def load(self, job_id: uuid.UUID) -> MediaJob | None:
        async with self.db.session() as db:
            return await db.get(MediaJob, job_id)

    async def _listen(self) -> None:
        """Listen for wake-ups once; with the bus down, polling alone still finds every job."""
        if self._listener is not None:
            return
        try:
            self._subscription = await self.bus.subscribe(JOBS_SUBJECT)
        except Exception as exc:
            log.warning("job_wake_unavailable", error=str(exc))
            return
        self._listener = asyncio.create_task(self._wake_on(self._subscription))

    async def _wake_on(self, subscription: Subscription) -> None:
        async for _ in subscription:
            self._wake.set()

    async def renew(self, claimed: Claimed) -> bool:
        async with self.db.session() as db:
            return await jobs.renew(db, claimed.job.id, claimed.worker_id, self.lease_seconds)

    async def finish(self, claimed: Claimed, *, error: str | None, retry: bool) -> bool:
        job = await self.finish_row(claimed, error=error, retry=retry)
        return job is not None and job.status == JobStatus.queued

    async def finish_row(
        self, claimed: Claimed, *, error: str | None, retry: bool
    ) -> MediaJob | None:
        """Record the outcome on the row; None if the job is no longer ours."""
        async with self.db.session() as db:
            current = await db.get(MediaJob, claimed.job.id)
            if current is None or current.worker_id != claimed.worker_id:
                return None
            await jobs.finish(db, current, error=error, retry=retry)
            await db.commit()
            return current

    async def release(self, claimed: Claimed) -> None:
        await self.release_row(claimed)

    async def release_row(self, claimed: Claimed) -> bool:
        """Hand the row back without counting the attempt; False if it was no longer ours."""
        async with self.db.session() as db:
            current = await db.get(MediaJob, claimed.job.id)
            if current is None or current.worker_id != claimed.worker_id:
                return False
            await jobs.release(db, current)
            await db.commit()
            return True

    async def drop(self, claimed: Claimed) -> None:
        """Nothing to do: whoever took the job owns its row now."""

    async def queued(self) -> int:
        async with self.db.session() as db:
            return await jobs.queued_count(db)

    async def close(self) -> None:
        if self._listener is not None:
            self._listener.cancel()
            await asyncio.gather(self._listener, return_exceptions=True)
            self._listener = None
        if self._subscription is not None:
            await self._subscription.unsubscribe()
            self._subscription = None
