"""Counts server errors (5xx answers and crashes) as analytics events, in their own session.

The request's own transaction may be what failed, so the event is written apart from it; if
the database itself is down, the error is only logged (by the request middleware).
"""

from __future__ import annotations

from collections.abc import Callable

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from veza.core.analytics import events
from veza.core.backends import Backends
from veza.core.observability.logging import get_logger

log = get_logger("veza.analytics")


class ServerErrorRecorder:
    def __init__(self, app: ASGIApp, backends: Callable[[], Backends]) -> None:
        self.app = app
        self.backends = backends

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        recorded = False

        async def watch(message: Message) -> None:
            nonlocal recorded
            if message["type"] == "http.response.start" and message["status"] >= 500:
                # Before the answer leaves: whoever sees the 5xx also sees it counted.
                recorded = True
                await self._record()
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception:
            if not recorded:
                await self._record()
            raise

    async def _record(self) -> None:
        try:
            async with self.backends().db.session() as db:
                events.record(db, events.Kind.error)
                await db.commit()
        except Exception:
            log.warning("analytics_error_not_recorded")
