"""Messages over the WebSocket: delivery, seq order, resends, replay, edits, reactions."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from chat.conftest import Server, ServerFactory
from chat.support import ChatClient, make_room, metric_value
from conftest import Account, register
from veza.chat.connection import ChatLimits

Sockets = Callable[..., Awaitable[ChatClient]]


async def _history(http: httpx.AsyncClient, account: Account, room: str, **params: Any) -> Any:
    response = await http.get(f"/api/v1/rooms/{room}/messages", params=params, headers=account.auth)
    assert response.status_code == 200, response.text
    return response.json()


async def test_send_is_acked_with_seq_and_delivered_to_subscribers(
    server: Server, http: httpx.AsyncClient, hamlet: Account, othello: Account, sockets: Sockets
) -> None:
    room = await make_room(http, hamlet, othello)
    sender, reader = await sockets(server, hamlet), await sockets(server, othello)
    await sender.ok("subscribe", room=room)
    await reader.ok("subscribe", room=room)
    ack = await sender.ok("send", room=room, body="  to be, or not  ", nonce="n1")
    assert ack["duplicate"] is False
    message = ack["message"]
    assert (message["seq"], message["body"], message["author"]["username"]) == (
        1,
        "to be, or not",
        "hamlet",
    )
    delivered = await reader.event("message.created")
    assert delivered["room"] == room
    assert delivered["data"] == message


async def test_seq_strictly_increases_under_concurrent_senders(
    start_server: ServerFactory, sockets: Sockets
) -> None:
    server = await start_server(rate_limit_enabled=False)  # flood control would step in
    http = server.http()
    owner = await register(http, "owner")
    senders = [await register(http, f"sender{n}") for n in range(4)]
    room = await make_room(http, owner, *senders)
    clients = [await sockets(server, account) for account in senders]

    async def burst(client: ChatClient, who: int) -> list[int]:
        seqs = []
        for n in range(10):
            ack = await client.ok("send", room=room, body=f"{who}-{n}", nonce=f"{who}-{n}")
            seqs.append(ack["message"]["seq"])
        return seqs

    per_client = await asyncio.gather(*(burst(c, n) for n, c in enumerate(clients)))
    for seqs in per_client:
        assert seqs == sorted(seqs)  # one sender's messages keep their order
    everything = sorted(seq for seqs in per_client for seq in seqs)
    assert everything == list(range(1, 41))  # unique and without holes
    page = await _history(http, owner, room, limit=100)
    assert [m["seq"] for m in page["items"]] == list(range(1, 41))
    await http.aclose()


async def test_resend_with_same_nonce_returns_the_original(
    server: Server, http: httpx.AsyncClient, hamlet: Account, othello: Account, sockets: Sockets
) -> None:
    room = await make_room(http, hamlet, othello)
    reader = await sockets(server, othello)
    await reader.ok("subscribe", room=room)
    first_socket = await sockets(server, hamlet)
    first = await first_socket.ok("send", room=room, body="once", nonce="same")
    await first_socket.close()
    again = await (await sockets(server, hamlet)).ok(
        "send", room=room, body="once (resent)", nonce="same"
    )
    assert again["duplicate"] is True
    assert again["message"] == first["message"]
    page = await _history(http, hamlet, room)
    assert [m["body"] for m in page["items"]] == ["once"]
    await reader.event("message.created", seq=1)
    assert not [e for e in reader.events if e["type"] == "message.created"]


async def test_since_seq_replays_exactly_what_was_missed(
    server: Server, http: httpx.AsyncClient, hamlet: Account, othello: Account, sockets: Sockets
) -> None:
    room = await make_room(http, hamlet, othello)
    sender = await sockets(server, hamlet)
    reader = await sockets(server, othello)
    await reader.ok("subscribe", room=room)
    await sender.ok("send", room=room, body="seen", nonce="a")
    seen = await reader.event("message.created")
    await reader.close()
    for n in range(3):
        await sender.ok("send", room=room, body=f"missed {n}", nonce=f"m{n}")
    back = await sockets(server, othello)
    data = await back.ok("subscribe", room=room, since_seq=seen["data"]["seq"])
    assert [m["body"] for m in data["messages"]] == ["missed 0", "missed 1", "missed 2"]
    assert data["truncated"] is False
    await sender.ok("send", room=room, body="live", nonce="l")
    live = await back.event("message.created")
    assert live["data"]["seq"] == 5
    assert not back.events


async def test_replay_is_bounded_and_says_so(start_server: Any, sockets: Sockets) -> None:
    node = await start_server(ChatLimits(replay_limit=2))
    async with node.http() as http:
        hamlet = await register(http, "hamlet")
        room = await make_room(http, hamlet)
    sender = await sockets(node, hamlet)
    for n in range(5):
        await sender.ok("send", room=room, body=f"m{n}", nonce=f"{n}")
    data = await (await sockets(node, hamlet)).ok("subscribe", room=room, since_seq=0)
    assert [m["seq"] for m in data["messages"]] == [4, 5]
    assert data["truncated"] is True
    older = await sender.ok("history", room=room, before_seq=4, limit=10)
    assert [m["seq"] for m in older["messages"]] == [1, 2, 3]


async def test_editing_someone_elses_message_is_refused(
    server: Server, http: httpx.AsyncClient, hamlet: Account, othello: Account, sockets: Sockets
) -> None:
    room = await make_room(http, hamlet, othello)
    mine, theirs = await sockets(server, hamlet), await sockets(server, othello)
    await theirs.ok("subscribe", room=room)
    sent = (await mine.ok("send", room=room, body="draft", nonce="x"))["message"]
    assert await theirs.error("edit", message_id=sent["id"], body="hacked") == "not_author"
    edited = (await mine.ok("edit", message_id=sent["id"], body="final"))["message"]
    assert edited["body"] == "final"
    assert edited["edited_at"]
    update = await theirs.event("message.updated")
    assert update["data"]["body"] == "final"
    page = await _history(http, othello, room)
    assert [m["body"] for m in page["items"]] == ["final"]


async def test_delete_leaves_a_tombstone_and_moderators_may_delete(
    server: Server, http: httpx.AsyncClient, hamlet: Account, othello: Account, sockets: Sockets
) -> None:
    room = await make_room(http, hamlet, othello)  # hamlet owns the room
    owner, member = await sockets(server, hamlet), await sockets(server, othello)
    first = (await member.ok("send", room=room, body="one", nonce="1"))["message"]
    second = (await owner.ok("send", room=room, body="two", nonce="2"))["message"]
    assert await member.error("delete", message_id=second["id"]) == "not_author"
    await member.ok("subscribe", room=room)
    gone = (await owner.ok("delete", message_id=first["id"]))["message"]
    assert (gone["deleted"], gone["body"], gone["seq"]) == (True, "", 1)
    assert (await member.event("message.deleted"))["data"]["id"] == first["id"]
    page = await _history(http, othello, room)
    assert [(m["seq"], m["deleted"], m["body"]) for m in page["items"]] == [
        (1, True, ""),
        (2, False, "two"),
    ]
    assert await owner.error("edit", message_id=first["id"], body="x") == "not_author"


async def test_reactions_are_unique_per_user_and_emoji(
    server: Server, http: httpx.AsyncClient, hamlet: Account, othello: Account, sockets: Sockets
) -> None:
    room = await make_room(http, hamlet, othello)
    a, b = await sockets(server, hamlet), await sockets(server, othello)
    await b.ok("subscribe", room=room)
    message = (await a.ok("send", room=room, body="nice riff", nonce="r"))["message"]
    assert (await a.ok("react", message_id=message["id"], emoji="🔥"))["changed"] is True
    assert (await a.ok("react", message_id=message["id"], emoji="🔥"))["changed"] is False
    assert (await b.ok("react", message_id=message["id"], emoji="🔥"))["changed"] is True
    added = await b.event("reaction.added")
    assert added["data"]["user"]["username"] == "hamlet"
    page = await _history(http, hamlet, room)
    assert page["items"][0]["reactions"] == {"🔥": 2}
    assert (await a.ok("unreact", message_id=message["id"], emoji="🔥"))["changed"] is True
    assert (await b.event("reaction.removed"))["data"]["emoji"] == "🔥"
    assert await a.error("react", message_id=message["id"], emoji="a b") == "invalid_emoji"


async def test_history_pages_backwards(
    server: Server, http: httpx.AsyncClient, hamlet: Account, sockets: Sockets
) -> None:
    room = await make_room(http, hamlet)
    client = await sockets(server, hamlet)
    for n in range(7):
        await client.ok("send", room=room, body=f"m{n}", nonce=f"{n}")
    newest = await client.ok("history", room=room, limit=3)
    assert [m["seq"] for m in newest["messages"]] == [5, 6, 7]
    assert newest["has_more"] is True
    older = await client.ok("history", room=room, before_seq=5, limit=3)
    assert [m["seq"] for m in older["messages"]] == [2, 3, 4]
    oldest = await _history(http, hamlet, room, before_seq=2, limit=3)
    assert ([m["seq"] for m in oldest["items"]], oldest["has_more"]) == ([1], False)


async def test_html_and_script_are_delivered_verbatim(
    server: Server, http: httpx.AsyncClient, hamlet: Account, othello: Account, sockets: Sockets
) -> None:
    room = await make_room(http, hamlet, othello)
    a, b = await sockets(server, hamlet), await sockets(server, othello)
    await b.ok("subscribe", room=room)
    payload = "<script>alert('x')</script><img src=x onerror=alert(1)> &amp; \"quotes\""
    await a.ok("send", room=room, body=payload, nonce="xss")
    assert (await b.event("message.created"))["data"]["body"] == payload
    assert (await _history(http, othello, room))["items"][0]["body"] == payload


async def test_bad_bodies_are_refused_and_nothing_is_stored(
    server: Server, http: httpx.AsyncClient, hamlet: Account, sockets: Sockets
) -> None:
    room = await make_room(http, hamlet)
    client = await sockets(server, hamlet)
    refused = {
        "x" * 4001: "message_too_long",
        "   \n\t ": "empty_message",
        "hello\u200bworld": "forbidden_character",
        "evil \u202egnp.exe": "forbidden_character",
        "bell\x07": "forbidden_character",
    }
    for number, (body, code) in enumerate(refused.items()):
        assert await client.error("send", room=room, body=body, nonce=f"bad{number}") == code
    assert (await _history(http, hamlet, room))["items"] == []
    ok = await client.ok("send", room=room, body=" " + "y" * 4000 + "\n", nonce="max")
    assert len(ok["message"]["body"]) == 4000
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467 multi-line\nok"  # ZWJ emoji stays
    assert (await client.ok("send", room=room, body=family, nonce="zwj"))["message"]["seq"] == 2


async def test_sending_requires_membership(
    server: Server, http: httpx.AsyncClient, hamlet: Account, othello: Account, sockets: Sockets
) -> None:
    room = await make_room(http, hamlet)
    outsider = await sockets(server, othello)
    await outsider.ok("subscribe", room=room)  # public rooms may be watched before joining
    assert await outsider.error("send", room=room, body="hi", nonce="1") == "not_a_member"
    assert await outsider.error("typing", room=room) == "not_a_member"


async def test_read_marker_moves_forward_and_is_announced(
    server: Server, http: httpx.AsyncClient, hamlet: Account, othello: Account, sockets: Sockets
) -> None:
    room = await make_room(http, hamlet, othello)
    a, b = await sockets(server, hamlet), await sockets(server, othello)
    await a.ok("subscribe", room=room)
    for n in range(3):
        await a.ok("send", room=room, body=f"{n}", nonce=f"{n}")
    joined = (await http.get("/api/v1/rooms/joined", headers=othello.auth)).json()
    assert joined[0]["unread"] == 3
    assert (await b.ok("read", room=room, seq=2))["last_read_seq"] == 2
    assert (await a.event("read"))["data"] == {
        "user": {"id": othello.id, "username": "othello"},
        "seq": 2,
    }
    assert (await b.ok("read", room=room, seq=1))["last_read_seq"] == 2  # never backwards
    assert (await b.ok("read", room=room, seq=99))["last_read_seq"] == 3  # never past the end
    joined = (await http.get("/api/v1/rooms/joined", headers=othello.auth)).json()
    assert joined[0]["unread"] == 0


async def test_typing_is_relayed_and_throttled(
    server: Server, http: httpx.AsyncClient, hamlet: Account, othello: Account, sockets: Sockets
) -> None:
    room = await make_room(http, hamlet, othello)
    a, b = await sockets(server, hamlet), await sockets(server, othello)
    await b.ok("subscribe", room=room)
    assert (await a.ok("typing", room=room))["sent"] is True
    assert (await a.ok("typing", room=room))["sent"] is False
    assert (await b.event("typing"))["data"]["user"]["username"] == "hamlet"


async def test_presence_is_seen_by_room_members(
    server: Server, http: httpx.AsyncClient, hamlet: Account, othello: Account, sockets: Sockets
) -> None:
    room = await make_room(http, hamlet, othello)
    watcher = await sockets(server, hamlet)
    data = await watcher.ok("subscribe", room=room)
    assert data["presence"] == {hamlet.id: "online", othello.id: "offline"}
    other = await sockets(server, othello)
    await watcher.event("presence", status="online")
    await other.close()
    offline = await watcher.event("presence", status="offline")
    assert offline["data"]["user"]["username"] == "othello"


async def test_mentions_reach_the_named_member_but_not_through_a_block(
    server: Server, http: httpx.AsyncClient, hamlet: Account, othello: Account, sockets: Sockets
) -> None:
    iago = await register(http, "iago")
    room = await make_room(http, hamlet, othello, iago)
    author = await sockets(server, hamlet)
    othello_socket, iago_socket = await sockets(server, othello), await sockets(server, iago)
    assert (await http.put("/api/v1/blocks/hamlet", headers=iago.auth)).status_code == 204
    sent = await author.ok(
        "send", room=room, body="@Othello and @iago, mail me@example.org", nonce="m"
    )
    mention = await othello_socket.event("mention")
    assert (mention["room"], mention["data"]) == (room, sent["message"])
    assert (await http.delete("/api/v1/blocks/hamlet", headers=iago.auth)).status_code == 204
    await author.ok("send", room=room, body="@iago again", nonce="m2")
    # Per-subject order holds, so a mention of the first message would have come first.
    assert (await iago_socket.event("mention"))["data"]["seq"] == 2


async def test_a_client_leaving_before_auth_does_not_hurt_the_server(
    server: Server, hamlet: Account, sockets: Sockets
) -> None:
    quitter = await sockets(server)
    await quitter.close()
    assert "server_time" in await (await sockets(server, hamlet)).ok("ping")


async def test_a_quiet_user_turns_idle_then_online_again(
    start_server: ServerFactory, sockets: Sockets
) -> None:
    node = await start_server(ChatLimits(heartbeat_seconds=0.05, idle_after_seconds=0.2))
    async with node.http() as http:
        hamlet = await register(http, "hamlet")
        othello = await register(http, "othello")
        room = await make_room(http, hamlet, othello)
    watcher = await sockets(node, hamlet)
    await watcher.ok("subscribe", room=room)
    quiet = await sockets(node, othello)
    idle = await watcher.event(
        "presence", status="idle", user={"id": othello.id, "username": "othello"}
    )
    assert idle["room"] == room
    await quiet.ok("ping")
    await watcher.event("presence", status="online", user={"id": othello.id, "username": "othello"})


async def test_chat_metrics_count_connections_frames_and_deliveries(
    server: Server, http: httpx.AsyncClient, hamlet: Account, othello: Account, sockets: Sockets
) -> None:
    room = await make_room(http, hamlet, othello)
    before = (await http.get("/metrics")).text
    reader, writer = await sockets(server, hamlet), await sockets(server, othello)
    await reader.ok("subscribe", room=room)
    await writer.ok("send", room=room, body="counted", nonce="1")
    await reader.event("message.created")
    after = (await http.get("/metrics")).text
    for name, grew_by in [
        ("veza_chat_connections_active", 2),
        ('veza_chat_messages_total{type="send"}', 1),
        ('veza_chat_messages_total{type="subscribe"}', 1),
        ("veza_chat_delivery_seconds_count", 1),
    ]:
        assert metric_value(after, name) - metric_value(before, name) >= grew_by, name
