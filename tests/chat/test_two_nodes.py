"""Two chat nodes on one PostgreSQL, Redis and NATS act as one (scaled stack only).

The first two tests run real `veza serve` processes (one is killed with SIGKILL); the others
run two servers in the test's process, where limits can be set.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest
from websockets.exceptions import ConnectionClosed

from chat.conftest import Process, ProcessFactory, Server, ServerFactory
from chat.support import ChatClient, make_room, open_socket
from conftest import Account, Stack, make_admin, register
from veza.chat.connection import ChatLimits

Sockets = Callable[..., Awaitable[ChatClient]]


@pytest.fixture
def scaled_only(stack: Stack) -> None:
    if stack.name == "embedded":
        pytest.skip("the embedded stack keeps its bus in one process; nodes cannot share it")


async def _open(node: Process, account: Account) -> ChatClient:
    return await open_socket(node.ws_url, account.access_token)


async def test_messages_presence_and_typing_cross_between_two_processes(
    start_process: ProcessFactory,
) -> None:
    node_a, node_b = await start_process(), await start_process()
    async with node_a.http() as http:
        hamlet = await register(http, "hamlet")
        othello = await register(http, "othello")
        room = await make_room(http, hamlet, othello)
    on_a = await _open(node_a, hamlet)
    on_b = await _open(node_b, othello)
    try:
        watching = await on_a.ok("subscribe", room=room)
        assert watching["presence"][othello.id] == "online"  # seen on A, connected to B
        await on_b.ok("subscribe", room=room)
        sent = (await on_a.ok("send", room=room, body="across", nonce="1"))["message"]
        assert (await on_b.event("message.created"))["data"] == sent
        await on_b.ok("typing", room=room)
        assert (await on_a.event("typing"))["data"]["user"]["username"] == "othello"
        await on_b.close()
        offline = await on_a.event("presence", status="offline")
        assert offline["data"]["user"]["id"] == othello.id
    finally:
        await on_a.close()


async def test_after_a_process_is_killed_its_client_recovers_every_message_once(
    start_process: ProcessFactory,
) -> None:
    node_a, node_b = await start_process(), await start_process()
    async with node_b.http() as http:
        hamlet = await register(http, "hamlet")
        othello = await register(http, "othello")
        room = await make_room(http, hamlet, othello)
    reader, writer = await _open(node_a, hamlet), await _open(node_b, othello)
    back: ChatClient | None = None
    try:
        await reader.ok("subscribe", room=room)
        await writer.ok("send", room=room, body="before", nonce="0")
        last_seen = (await reader.event("message.created"))["data"]["seq"]
        node_a.kill()
        code, _, _ = await reader.closed()
        assert code is None  # no close frame: the process died
        for n in range(1, 4):
            await writer.ok("send", room=room, body=f"while away {n}", nonce=str(n))
        back = await _open(node_b, hamlet)
        data = await back.ok("subscribe", room=room, since_seq=last_seen)
        assert [m["body"] for m in data["messages"]] == [
            "while away 1",
            "while away 2",
            "while away 3",
        ]
        await writer.ok("send", room=room, body="after", nonce="4")
        assert (await back.event("message.created"))["data"]["seq"] == 5
        await back.ok("ping")
        assert not [e for e in back.events if e["type"] == "message.created"]
    finally:
        for client in (reader, writer, back):
            if client is not None:
                await client.close()


@pytest.mark.usefixtures("scaled_only")
async def test_the_per_user_connection_limit_holds_across_nodes(
    start_server: ServerFactory, sockets: Sockets
) -> None:
    limits = ChatLimits(connections_per_user=2)
    node_a, node_b = await start_server(limits), await start_server(limits)
    async with node_a.http() as http:
        hamlet = await register(http, "hamlet")
    await sockets(node_a, hamlet)
    on_b = await sockets(node_b, hamlet)
    third = await open_socket(node_a.ws_url + f"?token={hamlet.access_token}")
    code, reason, _ = await third.closed()
    assert (code, reason) == (4429, "at most 2 connections per user")
    await on_b.close()
    await _eventually_connects(node_a, hamlet)


async def _eventually_connects(node: Server, account: Account) -> None:
    """The slot a closed connection freed is taken by the next one (freeing is asynchronous)."""
    for _ in range(50):
        client = await open_socket(node.ws_url)
        await client.send_json({"type": "auth", "token": account.access_token})
        try:
            assert (await client.recv())["type"] == "ack"
        except ConnectionClosed:
            await asyncio.sleep(0.1)
            continue
        await client.close()
        return
    raise AssertionError("the freed slot was never reused")


@pytest.mark.usefixtures("scaled_only")
async def test_a_chat_ban_closes_the_users_connection_on_the_other_node(
    start_server: ServerFactory, sockets: Sockets
) -> None:
    node_a, node_b = await start_server(), await start_server()
    async with node_a.http() as http:
        iago = await register(http, "iago")
        othello = await register(http, "othello")
        await make_admin(node_a.app, "iago")
        on_b = await sockets(node_b, othello)
        banned = await http.put(
            "/api/v1/admin/chat-bans/othello", json={"reason": "spam"}, headers=iago.auth
        )
        assert banned.status_code == 200, banned.text
    code, _, _ = await on_b.closed()
    assert code == 4403
