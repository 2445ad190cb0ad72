"""Chat's counters: a stored message counts once, a resend with the same nonce does not."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import httpx

from chat.conftest import Server
from chat.support import ChatClient, make_room, metric_value
from conftest import Account

Sockets = Callable[..., Awaitable[ChatClient]]
STORED = "veza_messages_total"


async def test_a_stored_message_counts_once(
    server: Server, http: httpx.AsyncClient, hamlet: Account, sockets: Sockets
) -> None:
    room = await make_room(http, hamlet)
    client = await sockets(server, hamlet)
    before = metric_value((await http.get("/metrics")).text, STORED)
    await client.ok("send", room=room, body="first light", nonce="n1")
    await client.ok("send", room=room, body="first light", nonce="n1")  # a resend: the same one
    after = metric_value((await http.get("/metrics")).text, STORED)
    assert after - before == 1
    assert metric_value((await http.get("/metrics")).text, "veza_chat_connections_active") >= 1
