"""Notifications arrive live on the user's WebSocket, from REST actions and from chat."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import httpx

from chat.conftest import Server
from chat.support import ChatClient, make_room
from conftest import Account

Sockets = Callable[..., Awaitable[ChatClient]]


async def test_follow_reaches_the_followed_users_socket(
    server: Server, http: httpx.AsyncClient, hamlet: Account, othello: Account, sockets: Sockets
) -> None:
    socket = await sockets(server, hamlet)
    response = await http.put("/api/v1/users/hamlet/follow", headers=othello.auth)
    assert response.status_code == 204
    event = await socket.event("notification")
    assert event["data"]["kind"] == "follow"
    assert event["data"]["data"]["actor"]["username"] == "othello"
    stored = (await http.get("/api/v1/notifications", headers=hamlet.auth)).json()
    assert [n["id"] for n in stored["items"]] == [event["data"]["id"]]


async def test_dm_and_mention_notify_with_a_preview(
    server: Server, http: httpx.AsyncClient, hamlet: Account, othello: Account, sockets: Sockets
) -> None:
    dm = (await http.post("/api/v1/dms", json={"username": "othello"}, headers=hamlet.auth)).json()
    room = await make_room(http, hamlet, othello)
    sender = await sockets(server, hamlet)
    receiver = await sockets(server, othello)
    await sender.ok("send", room=dm["id"], body="psst @othello", nonce="d1")
    event = await receiver.event("notification")
    assert event["data"]["kind"] == "dm"
    assert event["data"]["data"]["preview"] == "psst @othello"
    await sender.ok("send", room=room, body="hello @othello", nonce="m1")
    mention = await receiver.event("notification")
    assert mention["data"]["kind"] == "mention"
    assert mention["data"]["data"]["room_id"] == room
    kinds = [
        n["kind"]
        for n in (await http.get("/api/v1/notifications", headers=othello.auth)).json()["items"]
    ]
    assert kinds == ["mention", "dm"]  # the DM's own @othello did not notify twice
    assert (await http.get("/api/v1/notifications", headers=hamlet.auth)).json()["items"] == []
