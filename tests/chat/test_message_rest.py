"""Messages over REST: search inside a room, edit history, pins."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from chat.conftest import Server
from chat.support import ChatClient, make_room
from conftest import Account, assert_error

Sockets = Callable[..., Awaitable[ChatClient]]


async def _post_all(client: ChatClient, room: str, *bodies: str) -> list[dict[str, Any]]:
    sent = []
    for number, body in enumerate(bodies):
        ack = await client.ok("send", room=room, body=body, nonce=f"n{number}")
        sent.append(ack["message"])
    return sent


async def test_search_finds_a_rooms_messages_newest_first_and_pages(
    server: Server, http: httpx.AsyncClient, hamlet: Account, othello: Account, sockets: Sockets
) -> None:
    room, elsewhere = await make_room(http, hamlet), await make_room(http, hamlet)
    client = await sockets(server, hamlet)
    await _post_all(client, room, "Bass line", "no match", "more BASS", "100% bass_x", "bass")
    await _post_all(client, elsewhere, "bass in another room")
    url = f"/api/v1/rooms/{room}/messages/search"
    first = await http.get(url, params={"q": "bass", "limit": 2}, headers=othello.auth)
    assert first.status_code == 200, first.text
    assert [m["body"] for m in first.json()["items"]] == ["bass", "100% bass_x"]
    older = await http.get(
        url,
        params={"q": "bass", "limit": 2, "before_seq": first.json()["next_before_seq"]},
        headers=othello.auth,
    )
    assert [m["body"] for m in older.json()["items"]] == ["more BASS", "Bass line"]
    # LIKE's wildcards are literal text.
    literal = await http.get(url, params={"q": "0% bass_"}, headers=othello.auth)
    assert [m["body"] for m in literal.json()["items"]] == ["100% bass_x"]
    wildcard = await http.get(url, params={"q": "%"}, headers=othello.auth)
    assert [m["body"] for m in wildcard.json()["items"]] == ["100% bass_x"]


async def test_search_refuses_bad_queries_and_hides_private_rooms(
    server: Server, http: httpx.AsyncClient, hamlet: Account, othello: Account, sockets: Sockets
) -> None:
    private = await make_room(http, hamlet, visibility="private")
    await _post_all(await sockets(server, hamlet), private, "secret plans")
    url = f"/api/v1/rooms/{private}/messages/search"
    assert_error(await http.get(url, params={"q": "secret"}, headers=othello.auth), 404)
    assert_error(await http.get(url, params={"q": "   "}, headers=hamlet.auth), 422, "empty_query")
    assert_error(await http.get(url, params={"q": "x" * 101}, headers=hamlet.auth), 422)
    assert_error(await http.get(url, headers=hamlet.auth), 422)
    found = await http.get(url, params={"q": "SECRET"}, headers=hamlet.auth)
    assert [m["body"] for m in found.json()["items"]] == ["secret plans"]


async def test_deleted_messages_are_not_found_by_search(
    server: Server, http: httpx.AsyncClient, hamlet: Account, sockets: Sockets
) -> None:
    room = await make_room(http, hamlet)
    client = await sockets(server, hamlet)
    (gone,) = await _post_all(client, room, "oops typo")
    await client.ok("delete", message_id=gone["id"])
    found = await http.get(
        f"/api/v1/rooms/{room}/messages/search", params={"q": "typo"}, headers=hamlet.auth
    )
    assert found.json() == {"items": [], "next_before_seq": None}


async def test_edit_history_keeps_every_earlier_text(
    server: Server, http: httpx.AsyncClient, hamlet: Account, othello: Account, sockets: Sockets
) -> None:
    room = await make_room(http, hamlet)
    private = await make_room(http, hamlet, visibility="private")
    client = await sockets(server, hamlet)
    (message,) = await _post_all(client, room, "first")
    await client.ok("edit", message_id=message["id"], body="second")
    await client.ok("edit", message_id=message["id"], body="third")
    await client.ok("edit", message_id=message["id"], body="third")  # unchanged: no entry
    edits = await http.get(f"/api/v1/messages/{message['id']}/edits", headers=othello.auth)
    assert edits.status_code == 200, edits.text
    assert [e["previous_body"] for e in edits.json()] == ["first", "second"]
    (hidden,) = await _post_all(client, private, "private words")
    await client.ok("edit", message_id=hidden["id"], body="changed")
    assert_error(
        await http.get(f"/api/v1/messages/{hidden['id']}/edits", headers=othello.auth),
        404,
        "message_not_found",
    )
    await client.ok("delete", message_id=message["id"])
    gone = await http.get(f"/api/v1/messages/{message['id']}/edits", headers=hamlet.auth)
    assert gone.json() == []


async def test_moderators_pin_members_see_the_list_and_the_event(
    server: Server,
    http: httpx.AsyncClient,
    hamlet: Account,
    othello: Account,
    iago: Account,
    sockets: Sockets,
) -> None:
    room = await make_room(http, hamlet, othello, iago)
    owner, member = await sockets(server, hamlet), await sockets(server, othello)
    await member.ok("subscribe", room=room)
    first, second = await _post_all(owner, room, "rules: be kind", "meeting at 8")
    pin_url = f"/api/v1/messages/{first['id']}/pin"
    assert_error(await http.put(pin_url, headers=othello.auth), 403, "not_moderator")
    role = await http.put(
        f"/api/v1/rooms/{room}/members/iago/role", json={"role": "moderator"}, headers=hamlet.auth
    )
    assert role.status_code == 200, role.text
    assert (await http.put(pin_url, headers=iago.auth)).status_code == 200
    assert (await http.put(pin_url, headers=hamlet.auth)).status_code == 200  # again: no change
    pinned = await member.event("message.pinned")
    assert (pinned["room"], pinned["data"]["message"]["id"]) == (room, first["id"])
    assert pinned["data"]["by"]["username"] == "iago"
    await http.put(f"/api/v1/messages/{second['id']}/pin", headers=hamlet.auth)
    listed = await http.get(f"/api/v1/rooms/{room}/pins", headers=othello.auth)
    assert [m["body"] for m in listed.json()["items"]] == ["meeting at 8", "rules: be kind"]
    assert_error(await http.delete(pin_url, headers=othello.auth), 403, "not_moderator")
    assert (await http.delete(pin_url, headers=hamlet.auth)).status_code == 204
    assert (await member.event("message.unpinned"))["data"]["message"]["id"] == first["id"]
    await owner.ok("delete", message_id=second["id"])  # deleting unpins
    assert (await http.get(f"/api/v1/rooms/{room}/pins", headers=othello.auth)).json() == {
        "items": []
    }
    gone = await http.put(f"/api/v1/messages/{second['id']}/pin", headers=hamlet.auth)
    assert_error(gone, 400, "message_deleted")


async def test_pins_of_private_rooms_are_hidden_from_outsiders(
    server: Server, http: httpx.AsyncClient, hamlet: Account, othello: Account, sockets: Sockets
) -> None:
    private = await make_room(http, hamlet, visibility="private")
    (message,) = await _post_all(await sockets(server, hamlet), private, "hush")
    await http.put(f"/api/v1/messages/{message['id']}/pin", headers=hamlet.auth)
    assert_error(await http.get(f"/api/v1/rooms/{private}/pins", headers=othello.auth), 404)
    assert_error(
        await http.put(f"/api/v1/messages/{message['id']}/pin", headers=othello.auth),
        404,
        "message_not_found",
    )
