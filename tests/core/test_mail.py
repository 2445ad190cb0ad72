"""Outgoing mail: SMTP delivery retried after a temporary refusal, .eml files in development."""

from __future__ import annotations

import email
import email.policy
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from auth.support import Inbox, free_port
from veza.core.mail.files import FileTransport
from veza.core.mail.smtp import SmtpTransport
from veza.core.mail.templates import render
from veza.core.mail.transport import Outbox


class Flaky(Inbox):
    """Refuses the first `failures` messages with a temporary error, then accepts."""

    def __init__(self, failures: int) -> None:
        super().__init__()
        self.failures = failures

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.failures > 0:
            self.failures -= 1
            return "451 4.3.0 try again later"
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def flaky() -> Iterator[tuple[Flaky, int]]:
    inbox, port = Flaky(failures=2), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


def message(to: str = "ophelia@example.org") -> email.message.EmailMessage:
    return render(
        "magic_link",
        sender="Veza <noreply@veza.test>",
        to=to,
        name="<Ophelia>",
        link="http://veza.test/magic?token=abc&x=1",
    )


def test_html_part_escapes_values_and_text_part_keeps_the_link() -> None:
    mail = message()
    html = mail.get_body(("html",))
    text = mail.get_body(("plain",))
    assert html is not None
    assert text is not None
    assert "&lt;Ophelia&gt;" in html.get_content()
    assert 'href="http://veza.test/magic?token=abc&amp;x=1"' in html.get_content()
    assert "http://veza.test/magic?token=abc&x=1" in text.get_content()


async def test_smtp_delivery_is_retried_after_temporary_refusals(flaky: tuple[Flaky, int]) -> None:
    inbox, port = flaky
    outbox = Outbox(SmtpTransport(f"smtp://127.0.0.1:{port}"), retry_delays=(0.05, 0.05, 0.05))
    outbox.send(message())
    await outbox.drain()
    assert len(inbox.to("ophelia@example.org")) == 1
    assert inbox.failures == 0


async def test_delivery_gives_up_after_the_last_retry(flaky: tuple[Flaky, int]) -> None:
    inbox, port = flaky
    outbox = Outbox(SmtpTransport(f"smtp://127.0.0.1:{port}"), retry_delays=(0.05,))
    outbox.send(message())
    await outbox.drain()
    assert inbox.messages == []  # two refusals used both attempts; nothing raised


async def test_file_transport_writes_private_eml_files(tmp_path: Path) -> None:
    outbox = Outbox(FileTransport(tmp_path / "mail"))
    outbox.send(message())
    await outbox.drain()
    (written,) = (tmp_path / "mail").glob("*.eml")
    assert written.stat().st_mode & 0o077 == 0
    parsed = email.message_from_bytes(written.read_bytes(), policy=email.policy.default)
    assert parsed["To"] == "ophelia@example.org"


def test_smtp_url_must_be_smtp_or_smtps() -> None:
    from veza.config import ConfigError

    with pytest.raises(ConfigError):
        SmtpTransport("http://mail.example.org")
    secure = SmtpTransport("smtps://user:p%40ss@mail.example.org")
    assert (secure.port, secure.implicit_tls, secure.password) == (465, True, "p@ss")
