"""The media workers: claim jobs from the job queue and process them, a bounded number at a
time, renewing each job's lease while it runs. Embedded in `veza serve`, or alone in
`veza worker`."""

from __future__ import annotations

import asyncio
import os
import socket
import time
import uuid
from collections.abc import Coroutine
from typing import Any

from veza.core.backends import Backends
from veza.core.media import jobs
from veza.core.media.errors import MediaError
from veza.core.media.metrics import JOBS_DURATION, JOBS_FAILED, JOBS_QUEUED, JOBS_RETRIED
from veza.core.media.pool import MediaPool
from veza.core.media.processing import mark_failed, mark_requeued, process_track
from veza.core.media.queue import Claimed
from veza.core.models import Track, TrackStatus
from veza.core.observability.logging import get_logger

POLL_SECONDS = 2.0
log = get_logger("veza.media")


class LeaseLost(Exception):
    """The job was taken from us (reprocessed or deleted): drop the work."""


class MediaWorkers:
    """Runs up to `transcode_workers` jobs at once in this process's pool."""

    def __init__(self, backends: Backends, concurrency: int | None = None) -> None:
        self.backends = backends
        self.settings = backends.settings
        self.queue = backends.jobs
        self.concurrency = concurrency or self.settings.transcode_workers
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"
        self.pool = MediaPool(self.concurrency)
        self._slots = asyncio.Semaphore(self.concurrency)
        self._running: set[asyncio.Task[None]] = set()
        self._tasks: list[asyncio.Task[None]] = []

    @property
    def running(self) -> frozenset[asyncio.Task[None]]:
        """The jobs being processed now."""
        return frozenset(self._running)

    async def start(self) -> None:
        self._tasks = [asyncio.create_task(self._claim_loop(), name="media-claim")]

    async def stop(self) -> None:
        """Stop claiming; running jobs go back to the queue for the next worker."""
        for task in [*self._tasks, *self._running]:
            task.cancel()
        await asyncio.gather(*self._tasks, *self._running, return_exceptions=True)
        await self.pool.close()

    async def _claim_loop(self) -> None:
        while True:
            await self._slots.acquire()
            try:
                claimed = await self.queue.claim(self.worker_id, POLL_SECONDS)
                JOBS_QUEUED.set(await self.queue.queued())
            except Exception:
                log.exception("job_claim_failed")
                self._slots.release()
                await asyncio.sleep(POLL_SECONDS)
                continue
            if claimed is None:
                self._slots.release()
                continue
            task = asyncio.create_task(self._run(claimed), name=f"media-job-{claimed.job.id}")
            self._running.add(task)
            task.add_done_callback(self._running.discard)

    async def _renew(self, claimed: Claimed) -> None:
        while True:
            await asyncio.sleep(self.settings.job_lease_seconds / 3)
            if not await self.queue.renew(claimed):
                raise LeaseLost

    async def _run(self, claimed: Claimed) -> None:
        began = time.perf_counter()
        try:
            outcome = await self._attempt(claimed)
        finally:
            self._slots.release()
        JOBS_DURATION.labels(outcome=outcome).observe(time.perf_counter() - began)

    async def _attempt(self, claimed: Claimed) -> str:
        """Process the job's track; returns the outcome, having recorded it."""
        job = claimed.job
        async with self.backends.db.session() as db:
            track = await db.get(Track, job.track_id)
        if track is None:
            await self.queue.drop(claimed)
            return "gone"
        log.info("job_started", job_id=str(job.id), track_id=str(track.id), attempt=job.attempts)
        if job.attempts > jobs.MAX_ATTEMPTS:  # its worker died on every attempt
            JOBS_FAILED.labels(kind="gave_up").inc()
            await self.queue.finish(
                claimed, error="processing stopped unexpectedly on every attempt", retry=False
            )
            await mark_failed(self.backends, track.id, "processing stopped unexpectedly")
            return "gave_up"
        try:
            work = process_track(self.backends, self.pool, track)
            await _until_first(work, self._renew(claimed))
        except LeaseLost:
            await self.queue.drop(claimed)
            return "lost"
        except asyncio.CancelledError:
            await asyncio.shield(self._hand_back(claimed))
            raise
        except MediaError as exc:
            JOBS_FAILED.labels(kind="rejected").inc()
            await self.queue.finish(claimed, error=exc.reason, retry=False)
            await mark_failed(self.backends, track.id, exc.reason)
            return "rejected"
        except Exception as exc:
            log.exception("job_failed", job_id=str(job.id), attempt=job.attempts)
            JOBS_FAILED.labels(kind="error").inc()
            error = f"{type(exc).__name__}: {exc}"[:300]
            if await self.queue.finish(claimed, error=error, retry=True):
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
        await asyncio.shield(self.queue.finish(claimed, error=None, retry=False))
        log.info("job_done", job_id=str(job.id), track_id=str(track.id))
        return "done"

    async def _hand_back(self, claimed: Claimed) -> None:
        """Shutting down: the job goes back to the queue, and its track says it waits; unless
        the track became ready before the stop came (its last steps were cleaning up), when
        the job is done and the track stays ready."""
        async with self.backends.db.session() as db:
            track = await db.get(Track, claimed.job.track_id)
        if track is not None and track.status == TrackStatus.ready:
            await self.queue.finish(claimed, error=None, retry=False)
            return
        await self.queue.release(claimed)
        await mark_requeued(self.backends, claimed.job.track_id)


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
