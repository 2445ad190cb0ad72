"""`veza worker`: the media workers alone (no HTTP), consuming the configured job queue."""

from __future__ import annotations

import asyncio
import signal

from prometheus_client import start_http_server

from veza.config import Settings
from veza.core import migrate
from veza.core.backends import open_backends
from veza.core.media.runner import MediaWorkers
from veza.core.observability.logging import get_logger

log = get_logger("veza.worker")


async def run_worker(
    settings: Settings, concurrency: int | None, metrics_host: str, metrics_port: int | None
) -> None:
    """Process jobs until SIGTERM or SIGINT; a job still running then goes back to the queue."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    backends = await open_backends(settings)
    metrics = None
    try:
        if settings.should_auto_migrate:
            await migrate.upgrade(backends.db)
        elif await migrate.current_revision(backends.db) != migrate.head_revision():
            log.warning("schema_not_current", hint="run `veza migrate`")
        if metrics_port is not None:  # Prometheus scrapes http://HOST:PORT/metrics
            metrics, _ = start_http_server(metrics_port, addr=metrics_host)
        workers = MediaWorkers(backends, concurrency)
        await workers.start()
        log.info(
            "worker_started",
            worker_id=workers.worker_id,
            concurrency=workers.concurrency,
            queue=type(backends.jobs).__name__,
            metrics_port=metrics_port,
        )
        await stop.wait()
        log.info("worker_stopping", running=len(workers.running))
        await workers.stop()
    finally:
        if metrics is not None:
            metrics.shutdown()
        await backends.close()
    log.info("worker_stopped")
