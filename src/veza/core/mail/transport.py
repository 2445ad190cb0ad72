"""The mail transport protocol and the outbox that delivers in the background with retries."""

from __future__ import annotations

import asyncio
import contextlib
from email.message import EmailMessage
from typing import Protocol

from veza.core.observability.logging import get_logger

log = get_logger("veza.mail")
# Delays between delivery attempts; after the last one the mail is given up (and logged).
RETRY_DELAYS = (1.0, 5.0, 30.0)


class Transport(Protocol):
    """Hands one message to its destination; raises on a failure worth retrying."""

    async def deliver(self, message: EmailMessage) -> None: ...


class Outbox:
    """Sends in the background, so a request answers alike whether or not a mail goes out.

    Mail is what may be lost: a process that stops drops what is still queued (it waits a
    little on close first). Tokens in a mail are never logged, only the recipient's domain.
    """

    def __init__(
        self, transport: Transport, *, retry_delays: tuple[float, ...] = RETRY_DELAYS
    ) -> None:
        self.transport = transport
        self._retry_delays = retry_delays
        self._pending: set[asyncio.Task[None]] = set()

    def send(self, message: EmailMessage) -> None:
        task = asyncio.create_task(self._deliver(message))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _deliver(self, message: EmailMessage) -> None:
        domain = str(message["To"]).rpartition("@")[2].rstrip(">")
        for attempt, delay in enumerate((0.0, *self._retry_delays)):
            await asyncio.sleep(delay)
            try:
                await self.transport.deliver(message)
            except Exception as exc:
                log.warning("mail_retry", to_domain=domain, attempt=attempt + 1, error=str(exc))
                continue
            log.info("mail_sent", to_domain=domain, subject=str(message["Subject"]))
            return
        log.error("mail_failed", to_domain=domain, subject=str(message["Subject"]))

    async def drain(self, wait_seconds: float = 10.0) -> None:
        """Wait for queued mail (tests, shutdown); what is left after `wait_seconds` is dropped."""
        if not self._pending:
            return
        _, late = await asyncio.wait(set(self._pending), timeout=wait_seconds)
        for task in late:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
