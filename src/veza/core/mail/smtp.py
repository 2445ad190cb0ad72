"""SMTP delivery with aiosmtplib: `smtp://` (STARTTLS when offered), `smtps://` (implicit TLS)."""

from __future__ import annotations

from email.message import EmailMessage
from urllib.parse import unquote, urlparse

import aiosmtplib

from veza.config import ConfigError

SMTP_TIMEOUT_SECONDS = 30


class SmtpTransport:
    def __init__(self, url: str) -> None:
        parsed = urlparse(url)
        if parsed.scheme not in ("smtp", "smtps") or not parsed.hostname:
            raise ConfigError("VEZA_SMTP_URL must look like smtp://user:pass@host:587 or smtps://")
        self.hostname = parsed.hostname
        self.implicit_tls = parsed.scheme == "smtps"
        self.port = parsed.port or (465 if self.implicit_tls else 587)
        self.username = unquote(parsed.username) if parsed.username else None
        self.password = unquote(parsed.password) if parsed.password else None

    async def deliver(self, message: EmailMessage) -> None:
        await aiosmtplib.send(
            message,
            hostname=self.hostname,
            port=self.port,
            username=self.username,
            password=self.password,
            use_tls=self.implicit_tls,
            start_tls=False if self.implicit_tls else None,
            timeout=SMTP_TIMEOUT_SECONDS,
        )
