"""The job queue on a NATS JetStream work queue (scaled); the database keeps the job's state.

One stream (work-queue retention, file storage) holds at most one message per job, on the
subject `veza.work.<stream>.<job id>` (`discard_new_per_subject`, so a second publish of a
job is refused, never duplicated). Every worker pulls from one durable consumer: explicit
acks, `ack_wait` = the lease, renewed with in-progress acks at each lease renewal, and
`max_deliver` = `jobs.MAX_ATTEMPTS`. A delivery is worth nothing until the worker has claimed
the job's row with the same guarded UPDATE as the database queue, so a stray or repeated
message never makes a job run twice.

Delivery failures are repaired from the database, which is committed first: a sweep in every
worker republishes due jobs the stream does not hold (a publish lost after the commit) and
jobs JetStream stopped redelivering (a worker that died on every delivery).
"""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import timedelta
from typing import Any

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import (
    AckPolicy,
    ConsumerConfig,
    DiscardPolicy,
    RetentionPolicy,
    StorageType,
    StreamConfig,
)
from nats.js.errors import APIError

from veza.core.db import utcnow
from veza.core.media import jobs
from veza.core.media.queue import Claimed
from veza.core.media.queue_db import DatabaseQueue
from veza.core.models import JobStatus, MediaJob
from veza.core.observability.logging import get_logger

log = get_logger("veza.media")

CONSUMER = "media-workers"
SWEEP_BATCH = 500
_PUBLISH_TIMEOUT_SECONDS = 2.0
_STORE_REFUSED = 10077  # the stream holds a message for this job already


class JetStreamQueue:
    """The JobQueue contract with JetStream delivery and `DatabaseQueue` rows."""

    def __init__(
        self, client: Client, rows: DatabaseQueue, *, stream: str, sweep_seconds: float
    ) -> None:
        self.rows = rows
        self.stream = stream
        self.prefix = f"veza.work.{stream}"
        self.sweep_seconds = sweep_seconds
        self._client = client
        self._js: JetStreamContext = client.jetstream(timeout=_PUBLISH_TIMEOUT_SECONDS)
        self._stream_ready = False
        self._subscription: JetStreamContext.PullSubscription | None = None
        self._next_sweep = 0.0
        self._degraded = False

    def subject(self, job_id: uuid.UUID) -> str:
        return f"{self.prefix}.{job_id}"

    async def _ensure_stream(self) -> None:
        if self._stream_ready:
            return
        config = StreamConfig(
            name=self.stream,
            subjects=[f"{self.prefix}.*"],
            retention=RetentionPolicy.WORK_QUEUE,
            storage=StorageType.FILE,
            max_msgs_per_subject=1,
            discard=DiscardPolicy.NEW,
            discard_new_per_subject=True,
        )
        try:
            await self._js.add_stream(config)
        except APIError:  # exists with other settings (an older version): make it ours
            await self._js.update_stream(config)
        self._stream_ready = True

    async def _pull(self) -> JetStreamContext.PullSubscription:
        if self._subscription is None:
            await self._ensure_stream()
            consumer = ConsumerConfig(
                durable_name=CONSUMER,
                ack_policy=AckPolicy.EXPLICIT,
                ack_wait=self.rows.lease_seconds,
                max_deliver=jobs.MAX_ATTEMPTS,
                filter_subject=f"{self.prefix}.*",
            )
            try:
                await self._js.add_consumer(self.stream, consumer)
            except APIError as exc:  # made by a process with another lease: use it as it is
                log.warning("job_consumer_kept", error=str(exc))
            self._subscription = await self._js.pull_subscribe_bind(CONSUMER, self.stream)
        return self._subscription

    async def submit(self, job_id: uuid.UUID) -> None:
        """Publish the job (after any message of an earlier run); on failure the sweep will."""
        if not self._client.is_connected:  # do not hold the upload for the request timeouts
            log.warning("job_publish_failed", job_id=str(job_id), error="NATS is not connected")
            return
        try:
            await self._ensure_stream()
            await self._js.purge_stream(self.stream, subject=self.subject(job_id))
            await self._publish(job_id)
        except Exception as exc:  # the row is committed: the sweep republishes it
            log.warning("job_publish_failed", job_id=str(job_id), error=str(exc))

    async def _publish(self, job_id: uuid.UUID) -> bool:
        """Publish; False if the stream already holds a message for the job."""
        payload = json.dumps({"job_id": str(job_id)}).encode()
        try:
            await self._js.publish(self.subject(job_id), payload, stream=self.stream)
        except APIError as exc:
            if exc.err_code == _STORE_REFUSED:
                return False
            raise
        return True

    async def claim(self, worker_id: str, wait: float) -> Claimed | None:
        if not self._client.is_connected:
            return await self._claim_from_database(worker_id, wait, "NATS is not connected")
        await self._maybe_sweep()
        try:
            messages = await (await self._pull()).fetch(1, timeout=wait)
        except TimeoutError:
            return None
        except Exception as exc:  # e.g. a NATS server without JetStream
            return await self._claim_from_database(worker_id, wait, str(exc))
        self._degraded = False
        message = messages[0]
        job_id = self._job_id(message.subject)
        job = None if job_id is None else await self.rows.claim_job(job_id, worker_id)
        if job is None:
            await self._not_claimable(message, job_id)
            return None
        await _quietly(message, "in_progress")  # the delivery's clock now runs with the lease
        return Claimed(job, worker_id, message)

    async def _claim_from_database(self, worker_id: str, wait: float, why: str) -> Claimed | None:
        """JetStream unreachable: the rows still hand out jobs (a later message is acked)."""
        if not self._degraded:
            log.warning("jetstream_unavailable_claiming_from_database", error=why)
            self._degraded = True
        return await self.rows.claim(worker_id, wait)

    def _job_id(self, subject: str) -> uuid.UUID | None:
        try:
            return uuid.UUID(subject.rpartition(".")[2])
        except ValueError:
            return None

    async def _not_claimable(self, message: Msg, job_id: uuid.UUID | None) -> None:
        """A delivery we cannot use: gone or settled jobs are acked, early ones come back."""
        job = None if job_id is None else await self.rows.load(job_id)
        if job is None or job.status in (JobStatus.done, JobStatus.failed):
            await _quietly(message, "term")
            return
        due = job.available_at if job.status == JobStatus.queued else job.lease_expires_at
        delay = 1.0 if due is None else (due - utcnow()).total_seconds() + 1
        await _quietly(message, "nak", delay=max(1.0, delay))

    async def renew(self, claimed: Claimed) -> bool:
        if not await self.rows.renew(claimed):
            return False
        await _quietly(claimed.delivery, "in_progress")
        return True

    async def finish(self, claimed: Claimed, *, error: str | None, retry: bool) -> bool:
        job = await self.rows.finish_row(claimed, error=error, retry=retry)
        if job is None:
            await self.drop(claimed)
            return False
        if job.status == JobStatus.queued:
            delay = (job.available_at - utcnow()).total_seconds()
            await _quietly(claimed.delivery, "nak", delay=max(0.0, delay))
            return True
        await _quietly(claimed.delivery, "ack")
        return False

    async def release(self, claimed: Claimed) -> None:
        """Back to the queue at once, as a fresh message: the stop costs no delivery."""
        if await self.rows.release_row(claimed) and claimed.delivery is not None:
            await _quietly(claimed.delivery, "term")
            try:
                await self._publish(claimed.job.id)
            except Exception as exc:
                log.warning("job_publish_failed", job_id=str(claimed.job.id), error=str(exc))

    async def drop(self, claimed: Claimed) -> None:
        """A deleted job's message is acked; one taken by another worker is theirs now."""
        if claimed.delivery is not None and await self.rows.load(claimed.job.id) is None:
            await _quietly(claimed.delivery, "term")

    async def _maybe_sweep(self) -> None:
        now = asyncio.get_running_loop().time()
        if now < self._next_sweep:
            return
        self._next_sweep = now + self.sweep_seconds
        try:
            republished = await self.sweep()
        except Exception as exc:
            log.warning("job_sweep_failed", error=str(exc))
            return
        if republished:
            log.info("jobs_republished", count=republished)

    async def sweep(self) -> int:
        """Republish due jobs the stream does not deliver; returns how many."""
        async with self.rows.db.session() as db:
            due = await jobs.claimable(db, SWEEP_BATCH)
        if not due:
            return 0
        await self._ensure_stream()
        info = await self._js.stream_info(self.stream, subjects_filter=f"{self.prefix}.*")
        held: dict[str, Any] = info.state.subjects or {}
        republished = 0
        for job in due:
            subject = self.subject(job.id)
            if subject in held:
                if not _abandoned(job, self.rows.lease_seconds):
                    continue
                await self._js.purge_stream(self.stream, subject=subject)
            republished += await self._publish(job.id)
        return republished

    async def queued(self) -> int:
        return await self.rows.queued()

    async def close(self) -> None:
        """Stop pulling; the NATS connection belongs to the bus, which closes it."""
        await self.rows.close()
        if self._subscription is not None:
            subscription, self._subscription = self._subscription, None
            try:
                await subscription.unsubscribe()
            except Exception as exc:  # the connection may be gone already
                log.debug("job_unsubscribe_failed", error=str(exc))


def _abandoned(job: MediaJob, lease_seconds: int) -> bool:
    """Running, and its lease lapsed a whole lease ago: JetStream has stopped redelivering it
    (its deliveries ran out) or no worker pulled it; a fresh message puts it back."""
    lapsed = job.lease_expires_at
    return (
        job.status == JobStatus.running
        and lapsed is not None
        and lapsed < utcnow() - timedelta(seconds=lease_seconds)
    )


async def _quietly(delivery: Msg | None, verb: str, **options: Any) -> None:
    """Answer JetStream; the row is already right, so a lost answer is only logged."""
    if delivery is None:  # claimed from the database while JetStream was unreachable
        return
    try:
        await getattr(delivery, verb)(**options)
    except Exception as exc:
        log.warning("job_ack_failed", verb=verb, error=str(exc))
