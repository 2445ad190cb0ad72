"""The durable media job queue on the database (embedded mode, and scaled without JetStream).

Claiming is optimistic: a worker picks a candidate, then flips it with an UPDATE guarded by
the same condition; only one worker's UPDATE matches, on SQLite and PostgreSQL alike. A
running job holds a lease that its worker renews; when a worker dies the lease runs out and
the job is claimed again, counting as another attempt.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from veza.core.db import utcnow
from veza.core.models import JobStatus, MediaJob

MAX_ATTEMPTS = 3
BACKOFF_SECONDS = (5, 30)  # wait before the 2nd and the 3rd attempt
_CANDIDATES = 8


def _claimable(now: datetime) -> ColumnElement[bool]:
    return or_(
        and_(MediaJob.status == JobStatus.queued, MediaJob.available_at <= now),
        and_(MediaJob.status == JobStatus.running, MediaJob.lease_expires_at < now),
    )


async def enqueue(db: AsyncSession, track_id: uuid.UUID) -> uuid.UUID:
    """Queue (or re-queue, for reprocessing) the track's job, with fresh attempts; returns its
    id, for `JobQueue.submit` once the transaction is committed."""
    job = await db.scalar(select(MediaJob).where(MediaJob.track_id == track_id))
    if job is None:
        job = MediaJob(id=uuid.uuid4(), track_id=track_id)
        db.add(job)
        return job.id
    job.status = JobStatus.queued
    job.attempts = 0
    job.available_at = utcnow()
    job.lease_expires_at = None
    job.worker_id = None
    job.last_error = None
    return job.id


async def claim(db: AsyncSession, worker_id: str, lease_seconds: int) -> MediaJob | None:
    """Take one due job (queued, or running with a lapsed lease) and lease it; commits."""
    now = utcnow()
    candidates = await db.scalars(
        select(MediaJob.id)
        .where(_claimable(now))
        .order_by(MediaJob.available_at)
        .limit(_CANDIDATES)
    )
    for job_id in candidates.all():
        job = await claim_job(db, job_id, worker_id, lease_seconds)
        if job is not None:
            return job
    return None


async def claim_job(
    db: AsyncSession, job_id: uuid.UUID, worker_id: str, lease_seconds: int
) -> MediaJob | None:
    """Lease this job if it is due (a guarded UPDATE: one winner); commits. None if it is not."""
    now = utcnow()
    result = await db.execute(
        update(MediaJob)
        .where(MediaJob.id == job_id, _claimable(now))
        .values(
            status=JobStatus.running,
            worker_id=worker_id,
            lease_expires_at=now + timedelta(seconds=lease_seconds),
            attempts=MediaJob.attempts + 1,
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    await db.commit()
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return await db.get(MediaJob, job_id, populate_existing=True)


async def claimable(db: AsyncSession, limit: int) -> list[MediaJob]:
    """Jobs a worker could take now, oldest first (for the JetStream queue's sweep)."""
    rows = await db.scalars(
        select(MediaJob).where(_claimable(utcnow())).order_by(MediaJob.available_at).limit(limit)
    )
    return list(rows.all())


async def renew(db: AsyncSession, job_id: uuid.UUID, worker_id: str, lease_seconds: int) -> bool:
    """Extend our lease; False if the job is no longer ours (reprocessed, deleted, taken)."""
    result = await db.execute(
        update(MediaJob)
        .where(
            MediaJob.id == job_id,
            MediaJob.worker_id == worker_id,
            MediaJob.status == JobStatus.running,
        )
        .values(lease_expires_at=utcnow() + timedelta(seconds=lease_seconds))
    )
    await db.commit()
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


async def finish(db: AsyncSession, job: MediaJob, *, error: str | None, retry: bool) -> bool:
    """Mark the job done or failed, or re-queue it with backoff. True if it will run again."""
    if error is None:
        job.status = JobStatus.done
    elif retry and job.attempts < MAX_ATTEMPTS:
        job.status = JobStatus.queued
        delay = BACKOFF_SECONDS[min(job.attempts, len(BACKOFF_SECONDS)) - 1]
        job.available_at = utcnow() + timedelta(seconds=delay)
    else:
        job.status = JobStatus.failed
    job.last_error = error
    job.lease_expires_at = None
    job.worker_id = None
    return job.status == JobStatus.queued


async def queued_count(db: AsyncSession) -> int:
    count = await db.scalar(
        select(func.count()).select_from(MediaJob).where(MediaJob.status == JobStatus.queued)
    )
    return int(count or 0)


async def release(db: AsyncSession, job: MediaJob) -> None:
    """Give a running job back to the queue at once, not counting the attempt (clean stop)."""
    job.status = JobStatus.queued
    job.attempts = max(0, job.attempts - 1)
    job.available_at = utcnow()
    job.lease_expires_at = None
    job.worker_id = None
