"""Job metrics, shared by every process that runs media workers.

The pool's child processes report nothing themselves: the parent times each task it hands
them and counts each outcome, so one scrape of the parent's `/metrics` covers them all.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

JOBS_QUEUED = Gauge("veza_jobs_queued", "Media jobs waiting for a worker.")
JOBS_DURATION = Histogram(
    "veza_jobs_duration_seconds",
    "Time to process one media job, by outcome.",
    ["outcome"],
    buckets=(0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800),
)
JOBS_RETRIED = Counter(
    "veza_jobs_retried_total", "Media job attempts that failed and were queued again."
)
MEDIA_TASK_SECONDS = Histogram(
    "veza_media_task_seconds",
    "Time a pool process spent on one task of a job (analyse, or one rendition group).",
    ["task"],
    buckets=(0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600),
)
JOBS_FAILED = Counter(
    "veza_jobs_failed_total",
    "Media job attempts that failed: `rejected` (bad input), `error` (retried), `gave_up`.",
    ["kind"],
)
