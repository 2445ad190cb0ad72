"""Two chat processes on one PostgreSQL, Redis and NATS act as one (scaled stack only)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from chat.conftest import ServerFactory, stop
from chat.support import ChatClient, make_room
from conftest import Stack, register

Sockets = Callable[..., Awaitable[ChatClient]]


@pytest.fixture
def scaled_only(stack: Stack) -> None:
    if stack.name == "embedded":
        pytest.skip("the embedded stack keeps its bus in one process; nodes cannot share it")


@pytest.mark.usefixtures("scaled_only")
async def test_a_message_sent_on_one_node_reaches_a_subscriber_on_the_other(
    start_server: ServerFactory, sockets: Sockets
) -> None:
    node_a, node_b = await start_server(), await start_server()
    async with node_a.http() as http:
        hamlet = await register(http, "hamlet")
        othello = await register(http, "othello")
        room = await make_room(http, hamlet, othello)
    on_a, on_b = await sockets(node_a, hamlet), await sockets(node_b, othello)
    watching = await on_a.ok("subscribe", room=room)
    assert watching["presence"][othello.id] == "online"  # seen on A, connected to B
    await on_b.ok("subscribe", room=room)
    sent = (await on_a.ok("send", room=room, body="across", nonce="1"))["message"]
    assert (await on_b.event("message.created"))["data"] == sent
    await on_b.ok("typing", room=room)
    assert (await on_a.event("typing"))["data"]["user"]["username"] == "othello"
    await on_b.close()
    assert (await on_a.event("presence", status="offline"))["data"]["user"]["id"] == othello.id


@pytest.mark.usefixtures("scaled_only")
async def test_after_a_node_dies_its_client_recovers_every_message_once_on_the_other(
    start_server: ServerFactory, sockets: Sockets
) -> None:
    node_a, node_b = await start_server(), await start_server()
    async with node_b.http() as http:
        hamlet = await register(http, "hamlet")
        othello = await register(http, "othello")
        room = await make_room(http, hamlet, othello)
    reader, writer = await sockets(node_a, hamlet), await sockets(node_b, othello)
    await reader.ok("subscribe", room=room)
    await writer.ok("send", room=room, body="before", nonce="0")
    last_seen = (await reader.event("message.created"))["data"]["seq"]
    await stop(node_a)
    code, _, _ = await reader.closed()
    assert code == 1012  # "service restart": reconnect elsewhere
    for n in range(1, 4):
        await writer.ok("send", room=room, body=f"while away {n}", nonce=str(n))
    back = await sockets(node_b, hamlet)
    data = await back.ok("subscribe", room=room, since_seq=last_seen)
    assert [m["body"] for m in data["messages"]] == ["while away 1", "while away 2", "while away 3"]
    await writer.ok("send", room=room, body="after", nonce="4")
    assert (await back.event("message.created"))["data"]["seq"] == 5
    await back.ok("ping")
    assert not [e for e in back.events if e["type"] == "message.created"]
