"""Rooms over REST (and their visibility over the WebSocket), DMs and blocks."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import httpx
from sqlalchemy import update

from chat.conftest import Server
from chat.support import ChatClient, make_room
from conftest import Account, assert_error, register
from veza.core.models import RoomInvite

Sockets = Callable[..., Awaitable[ChatClient]]


async def test_create_list_search_and_count_members(
    http: httpx.AsyncClient, hamlet: Account, othello: Account
) -> None:
    created = await http.post(
        "/api/v1/rooms",
        json={"name": " Synth Nerds ", "topic": "modular", "visibility": "public"},
        headers=hamlet.auth,
    )
    assert created.status_code == 201, created.text
    room = created.json()
    assert (room["name"], room["role"], room["member_count"]) == ("Synth Nerds", "owner", 1)
    assert room["settings"] == {
        "slow_mode_seconds": 0,
        "profanity_mode": "mask",
        "links_allowed": True,
    }
    await make_room(http, othello)
    await make_room(http, othello, visibility="private")
    await http.post(f"/api/v1/rooms/{room['id']}/join", headers=othello.auth)
    listed = (await http.get("/api/v1/rooms", headers=othello.auth)).json()
    assert [r["name"] for r in listed["items"]] == ["Synth Nerds", "lounge"]  # no private room
    found = (await http.get("/api/v1/rooms", params={"q": "syn"}, headers=othello.auth)).json()
    assert [(r["name"], r["member_count"]) for r in found["items"]] == [("Synth Nerds", 2)]
    first = (await http.get("/api/v1/rooms", params={"limit": 1}, headers=hamlet.auth)).json()
    rest = await http.get(
        "/api/v1/rooms", params={"limit": 1, "cursor": first["next_cursor"]}, headers=hamlet.auth
    )
    assert [r["name"] for r in rest.json()["items"]] == ["lounge"]
    assert rest.json()["next_cursor"] is None


async def test_bad_room_input_is_refused(http: httpx.AsyncClient, hamlet: Account) -> None:
    for body in ({"name": ""}, {"name": "x", "visibility": "dm"}, {"name": "a\u202eb"}):
        response = await http.post("/api/v1/rooms", json=body, headers=hamlet.auth)
        assert response.status_code == 422, (body, response.text)
    assert_error(await http.get("/api/v1/rooms/not-a-uuid", headers=hamlet.auth), 422)


async def test_owner_and_moderators_change_settings_members_cannot(
    server: Server,
    http: httpx.AsyncClient,
    hamlet: Account,
    othello: Account,
    sockets: Sockets,
) -> None:
    room = await make_room(http, hamlet, othello)
    watcher = await sockets(server, othello)
    await watcher.ok("subscribe", room=room)
    change = {"topic": "new topic", "slow_mode_seconds": 5, "profanity_mode": "reject"}
    refused = await http.patch(f"/api/v1/rooms/{room}", json=change, headers=othello.auth)
    assert_error(refused, 403, "not_moderator")
    changed = await http.patch(f"/api/v1/rooms/{room}", json=change, headers=hamlet.auth)
    assert changed.status_code == 200, changed.text
    assert changed.json()["settings"]["slow_mode_seconds"] == 5
    update = await watcher.event("room.updated")
    assert update["data"]["topic"] == "new topic"
    assert_error(await http.delete(f"/api/v1/rooms/{room}", headers=othello.auth), 403)
    assert (await http.delete(f"/api/v1/rooms/{room}", headers=hamlet.auth)).status_code == 204
    assert_error(await http.get(f"/api/v1/rooms/{room}", headers=hamlet.auth), 404)


async def test_slow_mode_spaces_a_members_messages(
    server: Server, http: httpx.AsyncClient, hamlet: Account, othello: Account, sockets: Sockets
) -> None:
    room = await make_room(http, hamlet, othello)
    await http.patch(f"/api/v1/rooms/{room}", json={"slow_mode_seconds": 60}, headers=hamlet.auth)
    member, owner = await sockets(server, othello), await sockets(server, hamlet)
    await member.ok("send", room=room, body="one", nonce="1")
    assert await member.error("send", room=room, body="two", nonce="2") == "slow_mode"
    await owner.ok("send", room=room, body="owners are exempt", nonce="1")
    await owner.ok("send", room=room, body="twice", nonce="2")


async def test_join_and_leave_are_announced(
    server: Server, http: httpx.AsyncClient, hamlet: Account, othello: Account, sockets: Sockets
) -> None:
    room = await make_room(http, hamlet)
    watcher = await sockets(server, hamlet)
    await watcher.ok("subscribe", room=room)
    assert (await http.post(f"/api/v1/rooms/{room}/join", headers=othello.auth)).status_code == 200
    again = await http.post(f"/api/v1/rooms/{room}/join", headers=othello.auth)
    assert again.json()["member_count"] == 2
    joined = await watcher.event("member.joined")
    assert joined["data"]["user"]["username"] == "othello"
    left = await http.post(f"/api/v1/rooms/{room}/leave", headers=othello.auth)
    assert left.status_code == 204
    assert (await watcher.event("member.left"))["data"]["user"]["id"] == othello.id
    owner_leaves = await http.post(f"/api/v1/rooms/{room}/leave", headers=hamlet.auth)
    assert_error(owner_leaves, 409, "owner_cannot_leave")
    assert not [e for e in watcher.events if e["type"] == "member.joined"]


async def test_private_rooms_are_invisible_to_non_members(
    server: Server, http: httpx.AsyncClient, hamlet: Account, othello: Account, sockets: Sockets
) -> None:
    room = await make_room(http, hamlet, visibility="private")
    owner = await sockets(server, hamlet)
    secret = (await owner.ok("send", room=room, body="secret", nonce="s"))["message"]
    for method, path in [
        ("GET", f"/api/v1/rooms/{room}"),
        ("PATCH", f"/api/v1/rooms/{room}"),
        ("DELETE", f"/api/v1/rooms/{room}"),
        ("POST", f"/api/v1/rooms/{room}/join"),
        ("POST", f"/api/v1/rooms/{room}/leave"),
        ("GET", f"/api/v1/rooms/{room}/messages"),
    ]:
        response = await http.request(method, path, json={}, headers=othello.auth)
        assert_error(response, 404, "room_not_found")
    absent = await http.get(
        "/api/v1/rooms/00000000-0000-0000-0000-000000000000", headers=othello.auth
    )
    assert (
        absent.json()["error"]
        == (await http.get(f"/api/v1/rooms/{room}", headers=othello.auth)).json()["error"]
    )
    outsider = await sockets(server, othello)
    requests: list[tuple[str, dict[str, object], str]] = [
        ("subscribe", {"room": room}, "room_not_found"),
        ("history", {"room": room}, "room_not_found"),
        ("send", {"room": room, "body": "hi", "nonce": "1"}, "room_not_found"),
        ("typing", {"room": room}, "room_not_found"),
        ("read", {"room": room, "seq": 1}, "room_not_found"),
        ("react", {"message_id": secret["id"], "emoji": "x"}, "message_not_found"),
        ("edit", {"message_id": secret["id"], "body": "x"}, "message_not_found"),
        ("delete", {"message_id": secret["id"]}, "message_not_found"),
    ]
    for kind, fields, code in requests:
        assert await outsider.error(kind, **fields) == code, kind
    assert not outsider.events


async def test_one_dm_room_per_pair(
    server: Server, http: httpx.AsyncClient, hamlet: Account, othello: Account, sockets: Sockets
) -> None:
    first = await http.post("/api/v1/dms", json={"username": "othello"}, headers=hamlet.auth)
    assert first.status_code == 201, first.text
    again = await http.post("/api/v1/dms", json={"username": "OTHELLO"}, headers=hamlet.auth)
    back = await http.post("/api/v1/dms", json={"username": "hamlet"}, headers=othello.auth)
    assert again.status_code == back.status_code == 200
    room = first.json()
    assert again.json()["id"] == back.json()["id"] == room["id"]
    assert (room["kind"], room["member_count"]) == ("dm", 2)
    iago = await register(http, "iago")
    assert_error(await http.get(f"/api/v1/rooms/{room['id']}", headers=iago.auth), 404)
    assert_error(
        await http.post("/api/v1/dms", json={"username": "hamlet"}, headers=hamlet.auth),
        400,
        "dm_self",
    )
    assert_error(
        await http.post("/api/v1/dms", json={"username": "nobody"}, headers=hamlet.auth), 404
    )
    client = await sockets(server, othello)
    await client.ok("send", room=room["id"], body="hi hamlet", nonce="1")
    leave = await http.post(f"/api/v1/rooms/{room['id']}/leave", headers=hamlet.auth)
    assert_error(leave, 400)


async def test_blocking_stops_dms_both_ways(
    server: Server, http: httpx.AsyncClient, hamlet: Account, othello: Account, sockets: Sockets
) -> None:
    dm = (await http.post("/api/v1/dms", json={"username": "othello"}, headers=hamlet.auth)).json()
    assert (await http.put("/api/v1/blocks/othello", headers=hamlet.auth)).status_code == 204
    assert (await http.put("/api/v1/blocks/othello", headers=hamlet.auth)).status_code == 204
    blocks = (await http.get("/api/v1/blocks", headers=hamlet.auth)).json()
    assert [b["username"] for b in blocks] == ["othello"]
    for who, other in ((hamlet, "othello"), (othello, "hamlet")):
        response = await http.post("/api/v1/dms", json={"username": other}, headers=who.auth)
        assert_error(response, 403, "blocked")
    client = await sockets(server, othello)
    assert await client.error("send", room=dm["id"], body="hey", nonce="1") == "blocked"
    assert (await http.delete("/api/v1/blocks/othello", headers=hamlet.auth)).status_code == 204
    await client.ok("send", room=dm["id"], body="hey", nonce="1")


async def test_invites_open_private_rooms_and_run_out(
    server: Server, http: httpx.AsyncClient, hamlet: Account, othello: Account, sockets: Sockets
) -> None:
    iago = await register(http, "iago")
    room = await make_room(http, hamlet, visibility="private")
    made = await http.post(
        f"/api/v1/rooms/{room}/invites", json={"max_uses": 1}, headers=hamlet.auth
    )
    assert made.status_code == 201, made.text
    token = made.json()["token"]
    owner = await sockets(server, hamlet)
    await owner.ok("subscribe", room=room)
    accepted = await http.post(f"/api/v1/invites/{token}", headers=othello.auth)
    assert (accepted.status_code, accepted.json()["role"]) == (200, "member")
    assert (await owner.event("member.joined"))["data"]["user"]["username"] == "othello"
    again = await http.post(f"/api/v1/invites/{token}", headers=othello.auth)
    assert again.status_code == 200  # already in: nothing spent, nothing changes
    assert_error(await http.post(f"/api/v1/invites/{token}", headers=iago.auth), 404)
    assert_error(await http.post("/api/v1/invites/forged", headers=iago.auth), 404)
    member = await sockets(server, othello)
    await owner.ok("send", room=room, body="welcome", nonce="1")
    data = await member.ok("subscribe", room=room, since_seq=0)
    assert [m["body"] for m in data["messages"]] == ["welcome"]
    refused = await http.post(f"/api/v1/rooms/{room}/invites", json={}, headers=othello.auth)
    assert_error(refused, 403, "not_moderator")
    assert_error(await http.get(f"/api/v1/rooms/{room}", headers=iago.auth), 404)


async def test_expired_invites_are_refused(
    server: Server, http: httpx.AsyncClient, hamlet: Account, othello: Account
) -> None:
    room = await make_room(http, hamlet, visibility="private")
    token = (await http.post(f"/api/v1/rooms/{room}/invites", json={}, headers=hamlet.auth)).json()
    async with server.app.state.backends.db.session() as db:
        await db.execute(update(RoomInvite).values(expires_at=datetime.now(UTC)))
        await db.commit()
    response = await http.post(f"/api/v1/invites/{token['token']}", headers=othello.auth)
    assert_error(response, 404, "invite_invalid")


async def test_the_owner_appoints_moderators(
    server: Server, http: httpx.AsyncClient, hamlet: Account, othello: Account, sockets: Sockets
) -> None:
    iago = await register(http, "iago")
    room = await make_room(http, hamlet, othello, iago)
    url = f"/api/v1/rooms/{room}/members/othello/role"
    assert_error(await http.put(url, json={"role": "moderator"}, headers=iago.auth), 403)
    promoted = await http.put(url, json={"role": "moderator"}, headers=hamlet.auth)
    assert promoted.json() == {"username": "othello", "role": "moderator"}
    spam = await (await sockets(server, iago)).ok("send", room=room, body="spam", nonce="1")
    moderator = await sockets(server, othello)
    deleted = await moderator.ok("delete", message_id=spam["message"]["id"])
    assert deleted["message"]["deleted"] is True
    await http.put(url, json={"role": "member"}, headers=hamlet.auth)
    other = await (await sockets(server, iago)).ok("send", room=room, body="more", nonce="2")
    assert await moderator.error("delete", message_id=other["message"]["id"]) == "not_author"
