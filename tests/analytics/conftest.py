"""Analytics tests run a real server (uvicorn) so SSE streams and WebSocket chat are real.

The chat tests' server fixtures are reused; the named users are registered on that server.
"""

from __future__ import annotations

import httpx
import pytest

from chat.conftest import (  # noqa: F401  (fixtures)
    Server,
    http,
    no_server_errors,
    server,
    sockets,
    start_server,
)
from conftest import Account, make_admin, register


@pytest.fixture
async def hamlet(http: httpx.AsyncClient) -> Account:  # noqa: F811
    """An artist."""
    return await register(http, "hamlet")


@pytest.fixture
async def othello(http: httpx.AsyncClient) -> Account:  # noqa: F811
    """A listener, and another artist's would-be snoop."""
    return await register(http, "othello")


@pytest.fixture
async def iago(http: httpx.AsyncClient, server: Server) -> Account:  # noqa: F811
    """An administrator."""
    account = await register(http, "iago")
    await make_admin(server.app, "iago")
    return account
