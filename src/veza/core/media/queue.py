"""The media job queue contract: how jobs reach workers. The database is the source of truth.

Two implementations, chosen by configuration: `queue_db.DatabaseQueue` (workers poll the
`media_jobs` table, woken by a bus message) and `queue_jetstream.JetStreamQueue` (a NATS
JetStream work queue, when `VEZA_NATS_URL` is set). Either way the `media_jobs` row holds the
state (status, attempts, lease, last error) and the track row what the owner sees.

Contract (checked by tests/stream/test_job_queue_contract.py for every implementation):
- `submit` is called after the job's row is committed; it may fail silently (the job is then
  delivered by polling or by the sweep), never block the caller on a dead queue for long;
- a due job is claimed by exactly one worker, which holds a lease of `lease_seconds` that
  `renew` extends; a worker that dies leaves the lease to lapse and the job is claimed again,
  counting another attempt;
- `finish` records the outcome: done, failed, or re-queued with backoff while attempts
  remain (`jobs.MAX_ATTEMPTS`); `release` hands the job back at once without counting the
  attempt (clean stop); `drop` lets go of a job taken from us (reprocessed or deleted).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Protocol

from veza.core.models import MediaJob


@dataclass(slots=True)
class Claimed:
    """A job leased by one worker; `delivery` is the implementation's handle (a message)."""

    job: MediaJob
    worker_id: str
    delivery: Any = None


class JobQueue(Protocol):
    """Delivers committed media jobs to workers; see the module docstring for the contract."""

    async def submit(self, job_id: uuid.UUID) -> None: ...

    async def claim(self, worker_id: str, wait: float) -> Claimed | None:
        """A due job leased to `worker_id`, or None after waiting up to about `wait` seconds."""
        ...

    async def renew(self, claimed: Claimed) -> bool:
        """Extend the lease; False if the job is no longer ours."""
        ...

    async def finish(self, claimed: Claimed, *, error: str | None, retry: bool) -> bool:
        """Record the outcome; True if the job will run again (a retry after backoff)."""
        ...

    async def release(self, claimed: Claimed) -> None: ...

    async def drop(self, claimed: Claimed) -> None: ...

    async def queued(self) -> int:
        """Jobs waiting for a worker (from the database, whichever queue runs)."""
        ...

    async def close(self) -> None: ...
