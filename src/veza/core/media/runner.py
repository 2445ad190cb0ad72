"""The media workers: claim jobs from the database queue and process them, a bounded number
at a time, renewing each job's lease while it runs. Embedded in `veza serve`, or alone."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import time
import uuid
from collections.abc import Coroutine
from typing import Any

from veza.core.backends import Backends
from veza.core.bus import Subscription
from veza.core.media import jobs
from veza.core.media.errors import MediaError
from veza.core.media.metrics import JOBS_DURATION, JOBS_FAILED, JOBS_QUEUED, JOBS_RETRIED
from veza.core.media.pool import MediaPool
from veza.core.media.processing import mark_failed, mark_requeued, process_track
from veza.core.media.progress import JOBS_SUBJECT
from veza.core.models import MediaJob, Track
from veza.core.observability.logging import get_logger

POLL_SECONDS = 2.0
log = get_logger("veza.media")


class LeaseLost(Exception):
    """The job was taken from us (reprocessed or deleted): drop the work."""


class MediaWorkers:
    """Runs up to `transcode_workers` jobs at once in this process's pool."""

    def __init__(self, backends: Backends) -> None:
        self.backends = backends
        self.settings = backends.settings
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.pool = MediaPool(self.settings.transcode_workers)
        self._slots = asyncio.Semaphore(self.settings.transcode_workers)
        self._wake = asyncio.Event()
        self._running: set[asyncio.Task[None]] = set()
        self._tasks: list[asyncio.Task[None]] = []
        self._subscription: Subscription | None = None

    async def start(self) -> None:
        self._subscription = await self.backends.bus.subscribe(JOBS_SUBJECT)
        self._tasks = [
            asyncio.create_task(self._claim_loop(), name="media-claim"),
            asyncio.create_task(self._listen(self._subscription), name="media-wake"),
        ]

    async def stop(self) -> None:
        """Stop claiming; running jobs go back to the queue for the next worker."""
        for task in [*self._tasks, *self._running]:
            task.cancel()
        await asyncio.gather(*self._tasks, *self._running, return_exceptions=True)
        if self._subscription is not None:
            await self._subscription.unsubscribe()
        await self.pool.close()

    async def _listen(self, subscription: Subscription) -> None:
        async for _ in subscription:
            self._wake.set()

    async def _claim_loop(self) -> None:
        while True:
            await self._slots.acquire()
            try:
                job = await self._claim()
            except Exception:
                log.exception("job_claim_failed")
                job = None
            if job is None:
                self._slots.release()
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), POLL_SECONDS)
                continue
            task = asyncio.create_task(self._run(job), name=f"media-job-{job.id}")
            self._running.add(task)
            task.add_done_callback(self._running.discard)

    async def _claim(self) -> MediaJob | None:
        async with self.backends.db.session() as db:
            job = await jobs.claim(db, self.worker_id, self.settings.job_lease_seconds)
            JOBS_QUEUED.set(await jobs.queued_count(db))
            return job

    async def _renew(self, job: MediaJob) -> None:
        lease = self.settings.job_lease_seconds
        while True:
            await asyncio.sleep(lease / 3)
            async with self.backends.db.session() as db:
                if not await jobs.renew(db, job.id, self.worker_id, lease):
                    raise LeaseLost

    async def _run(self, job: MediaJob) -> None:
        began = time.perf_counter()
        try:
            outcome = await self._attempt(job)
        finally:
            self._slots.release()
        JOBS_DURATION.labels(outcome=outcome).observe(time.perf_counter() - began)

    async def _attempt(self, job: MediaJob) -> str:
        """Process the job's track; returns the outcome, having recorded it."""
        async with self.backends.db.session() as db:
            track = await db.get(Track, job.track_id)
        if track is None:
            return "gone"
        if job.attempts > jobs.MAX_ATTEMPTS:  # its worker died on every attempt
            await self._finish(job, "processing stopped unexpectedly on every attempt", False)
            await mark_failed(self.backends, track.id, "processing stopped unexpectedly")
            return "gave_up"
        try:
            await _until_first(process_track(self.backends, self.pool, track), self._renew(job))
        except LeaseLost:
            return "lost"
        except asyncio.CancelledError:
            await asyncio.shield(self._release(job))
            raise
        except MediaError as exc:
            JOBS_FAILED.labels(kind="rejected").inc()
            await self._finish(job, exc.reason, False)
            await mark_failed(self.backends, track.id, exc.reason)
            return "rejected"
        except Exception as exc:
            log.exception("job_failed", job_id=str(job.id), attempt=job.attempts)
            JOBS_FAILED.labels(kind="error").inc()
            error = f"{type(exc).__name__}: {exc}"[:300]
            if await self._finish(job, error, True):
                JOBS_RETRIED.inc()
                await mark_requeued(self.backends, track.id)
                return "retry"
            JOBS_FAILED.labels(kind="gave_up").inc()
            await mark_failed(
                self.backends,
                track.id,
                f"processing failed after {jobs.MAX_ATTEMPTS} attempts ({type(exc).__name__})",
            )
            return "gave_up"
        await self._finish(job, None, False)
        return "done"

    async def _finish(self, job: MediaJob, error: str | None, retry: bool) -> bool:
        async with self.backends.db.session() as db:
            current = await db.get(MediaJob, job.id)
            if current is None or current.worker_id != self.worker_id:
                return False
            again = await jobs.finish(db, current, error=error, retry=retry)
            await db.commit()
            return again

    async def _release(self, job: MediaJob) -> None:
        """Shutting down: hand the job back at once, without counting this attempt."""
        async with self.backends.db.session() as db:
            current = await db.get(MediaJob, job.id)
            if current is not None and current.worker_id == self.worker_id:
                await jobs.release(db, current)
                await db.commit()


async def _until_first(
    work: Coroutine[Any, Any, None], watchdog: Coroutine[Any, Any, None]
) -> None:
    """Await `work`; if `watchdog` raises first, cancel the work and raise that."""
    work_task = asyncio.ensure_future(work)
    watch_task = asyncio.ensure_future(watchdog)
    try:
        done, _ = await asyncio.wait({work_task, watch_task}, return_when=asyncio.FIRST_COMPLETED)
        if watch_task in done:
            work_task.cancel()
            await asyncio.gather(work_task, return_exceptions=True)
            watch_task.result()
        await work_task
    finally:
        work_task.cancel()
        watch_task.cancel()
        await asyncio.gather(work_task, watch_task, return_exceptions=True)
