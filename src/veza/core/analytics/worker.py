"""The analytics consumer beside the API: applies events to rollups and prunes old ones.

Domain events on `veza.event.>` wake it at once; a sweep every `SWEEP_SECONDS` catches what
the bus lost (delivery is at most once). Several API processes may run it together: applying
is idempotent per event, so they only share the work.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta

from sqlalchemy import delete

from veza.core.analytics import rollups
from veza.core.backends import Backends
from veza.core.bus import Subscription
from veza.core.db import utcnow
from veza.core.models import AnalyticsEvent
from veza.core.observability.logging import get_logger

SWEEP_SECONDS = 2.0
PRUNE_EVERY_SECONDS = 3600.0
log = get_logger("veza.analytics")


async def prune(backends: Backends) -> int:
    """Delete applied raw events older than the retention period; rollups stay as they are."""
    cutoff = utcnow() - timedelta(days=backends.settings.analytics_retention_days)
    async with backends.db.session() as db:
        result = await db.execute(
            delete(AnalyticsEvent).where(
                AnalyticsEvent.occurred_at < cutoff, AnalyticsEvent.applied_at.is_not(None)
            )
        )
        await db.commit()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def apply_pending(backends: Backends) -> int:
    async with backends.db.session() as db:
        return await rollups.apply_pending(db)


class AnalyticsWorker:
    def __init__(self, backends: Backends) -> None:
        self._backends = backends
        self._wake = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._subscription: Subscription | None = None

    async def start(self) -> None:
        self._subscription = await self._backends.bus.subscribe("veza.event.>")
        self._tasks = [
            asyncio.create_task(self._listen(self._subscription)),
            asyncio.create_task(self._run()),
        ]

    async def stop(self) -> None:
        if self._subscription is not None:
            await self._subscription.unsubscribe()
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _listen(self, subscription: Subscription) -> None:
        async for _message in subscription:
            self._wake.set()

    async def _run(self) -> None:
        last_prune = 0.0
        loop = asyncio.get_running_loop()
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), SWEEP_SECONDS)
            self._wake.clear()
            try:
                await apply_pending(self._backends)
                if loop.time() - last_prune >= PRUNE_EVERY_SECONDS:
                    last_prune = loop.time()
                    pruned = await prune(self._backends)
                    if pruned:
                        log.info("analytics_pruned", events=pruned)
            except Exception:  # the database may be away for a while; try again next sweep
                log.exception("analytics_apply_failed")
