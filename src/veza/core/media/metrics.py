"""Job metrics, shared by every process that runs media workers."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

JOBS_QUEUED = Gauge("veza_jobs_queued", "Media jobs waiting for a worker.")
JOBS_DURATION = Histogram(
    "veza_jobs_duration_seconds",
    "Time to process one media job, by outcome.",
    ["outcome"],
    buckets=(0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800),
)
JOBS_FAILED = Counter(
    "veza_jobs_failed_total",
    "Media job attempts that failed: `rejected` (bad input), `error` (retried), `gave_up`.",
    ["kind"],
)
