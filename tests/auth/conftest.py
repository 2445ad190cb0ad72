"""A real SMTP server (aiosmtpd) that receives Veza's mail, and an app that sends to it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from aiosmtpd.controller import Controller
from fastapi import FastAPI

from auth.support import Inbox, free_port
from conftest import AppFactory


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, str]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, f"smtp://127.0.0.1:{port}"
    finally:
        controller.stop()


@pytest.fixture
def inbox(smtp: tuple[Inbox, str]) -> Inbox:
    return smtp[0]


@pytest.fixture
async def app(app_factory: AppFactory, smtp: tuple[Inbox, str]) -> FastAPI:
    return await app_factory(smtp_url=smtp[1])
