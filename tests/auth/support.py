"""Helpers of the sign-in tests: a mailbox served by aiosmtpd, links in mails, audit rows."""

from __future__ import annotations

import asyncio
import email
import email.policy
import re
import socket
from datetime import timedelta
from email.message import EmailMessage

from aiosmtpd.smtp import SMTP, Envelope, Session
from fastapi import FastAPI
from sqlalchemy import select, update

from veza.core.db import utcnow
from veza.core.models import AuditEvent, EmailToken


class Inbox:
    """Collects every message the server accepts (the server runs in its own thread)."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        return "250 OK"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if str(m["To"]).lower() == address.lower()]

    async def wait_for(self, address: str, count: int = 1) -> list[EmailMessage]:
        """The first `count` mails to `address`, waiting for the background delivery."""
        for _ in range(200):
            if len(self.to(address)) >= count:
                return self.to(address)
            await asyncio.sleep(0.05)
        raise AssertionError(f"no {count} mail(s) to {address}; got {len(self.to(address))}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def link_token(message: EmailMessage, page: str) -> str:
    """The token of the `page` link in the plain-text part, as a reader would click it."""
    body = message.get_body(("plain",))
    assert body is not None
    found = re.search(
        rf"http://[^ \n]+{re.escape(page)}\?token=([A-Za-z0-9_%-]+)", body.get_content()
    )
    assert found, body.get_content()
    return found.group(1)


async def audit_events(app: FastAPI, event: str) -> list[AuditEvent]:
    """Audit rows of one kind, oldest first."""
    async with app.state.backends.db.session() as db:
        query = select(AuditEvent).where(AuditEvent.event == event).order_by(AuditEvent.at)
        return list((await db.scalars(query)).all())


async def expire_tokens(app: FastAPI) -> None:
    """Every mailed token's time runs out."""
    async with app.state.backends.db.session() as db:
        await db.execute(update(EmailToken).values(expires_at=utcnow() - timedelta(seconds=1)))
        await db.commit()
