"""Automatic moderation: profanity, links, flood and repeats, escalating sanctions, audit."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

import httpx
import pytest
from sqlalchemy import select

from chat.conftest import Server
from chat.support import ChatClient, make_room, metric_value
from conftest import Account, assert_error
from veza.core.models import AuditEvent
from veza.core.services.profanity import WordFilter, default_filter

Sockets = Callable[..., Awaitable[ChatClient]]


@pytest.mark.parametrize(
    "text",
    ["what the FUCK", "sh1t", "fuuuuck", "f u c k", "f.u.c.k", "fück", "B!TCHES", "(shit)"],
)
def test_the_filter_sees_through_disguises(text: str) -> None:
    assert default_filter().contains(text)


@pytest.mark.parametrize("text", ["Scunthorpe", "classic", "shitake", "a b c", "assess", ""])
def test_the_filter_leaves_innocent_words_alone(text: str) -> None:
    assert not default_filter().contains(text)


def test_masking_keeps_the_shape_of_the_message() -> None:
    words = WordFilter.of(["darn"])
    assert words.mask("well D4RN it, d a r n!") == "well **** it, * * * *!"


async def test_profanity_is_masked_by_default(
    server: Server, http: httpx.AsyncClient, hamlet: Account, othello: Account, sockets: Sockets
) -> None:
    room = await make_room(http, hamlet, othello)
    reader, writer = await sockets(server, hamlet), await sockets(server, othello)
    await reader.ok("subscribe", room=room)
    sent = await writer.ok("send", room=room, body="this riff is sh1t", nonce="1")
    assert sent["message"]["body"] == "this riff is ****"
    assert (await reader.event("message.created"))["data"]["body"] == "this riff is ****"
    edited = await writer.ok("edit", message_id=sent["message"]["id"], body="f u c k it")
    assert edited["message"]["body"] == "* * * * it"


async def test_reject_mode_refuses_and_warns(
    server: Server, http: httpx.AsyncClient, hamlet: Account, othello: Account, sockets: Sockets
) -> None:
    room = await make_room(http, hamlet, othello)
    await http.patch(
        f"/api/v1/rooms/{room}", json={"profanity_mode": "reject"}, headers=hamlet.auth
    )
    member = await sockets(server, othello)
    warned = 'veza_moderation_actions_total{action="warned"}'
    before = metric_value((await http.get("/metrics")).text, warned)
    frame = await member.request("send", room=room, body="f u c k this", nonce="1")
    assert (frame["type"], frame["code"]) == ("error", "profanity")
    assert frame["details"]["sanction"]["action"] == "warned"
    event = await member.event("moderation")
    assert (event["room"], event["data"]["action"], event["data"]["reason"]) == (
        room,
        "warned",
        "profanity",
    )
    history = await member.ok("history", room=room)
    assert history["messages"] == []
    assert metric_value((await http.get("/metrics")).text, warned) == before + 1


async def test_links_can_be_forbidden_per_room(
    server: Server, http: httpx.AsyncClient, hamlet: Account, othello: Account, sockets: Sockets
) -> None:
    room = await make_room(http, hamlet, othello)
    await http.patch(f"/api/v1/rooms/{room}", json={"links_allowed": False}, headers=hamlet.auth)
    member = await sockets(server, othello)
    for body in ("see https://spam.example/x", "visit www.spam.example", "free at spam.gg"):
        assert await member.error("send", room=room, body=body, nonce=body) == "links_not_allowed"
    await member.ok("send", room=room, body="no links here", nonce="ok")


async def test_repeating_yourself_is_refused(
    server: Server, http: httpx.AsyncClient, hamlet: Account, othello: Account, sockets: Sockets
) -> None:
    room = await make_room(http, hamlet, othello)
    member = await sockets(server, othello)
    await member.ok("send", room=room, body="BUY MY MIXTAPE", nonce="1")
    await member.ok("send", room=room, body="buy my  mixtape", nonce="2")
    assert await member.error("send", room=room, body="Buy my mixtape", nonce="3") == (
        "repeated_message"
    )
    await member.ok("send", room=room, body="something else", nonce="4")


async def test_flooding_escalates_from_warning_to_mute_and_is_audited(
    server: Server, http: httpx.AsyncClient, hamlet: Account, othello: Account, sockets: Sockets
) -> None:
    room = await make_room(http, hamlet, othello)
    member = await sockets(server, othello)
    for n in range(5):
        await member.ok("send", room=room, body=f"message {n}", nonce=str(n))
    assert await member.error("send", room=room, body="one more", nonce="5") == "flood"
    assert (await member.event("moderation"))["data"]["action"] == "warned"
    refused = await member.request("send", room=room, body="and more", nonce="6")
    assert (refused["code"], refused["details"]["sanction"]["strike"]) == ("flood", 2)
    muted = (await member.event("moderation"))["data"]
    assert (muted["action"], muted["reason"]) == ("muted", "flood")
    assert muted["until"]
    frame = await member.request("send", room=room, body="let me speak", nonce="7")
    assert (frame["code"], frame["details"]["until"]) == ("muted", muted["until"])
    history = await member.ok("history", room=room)
    assert [m["body"] for m in history["messages"]] == [f"message {n}" for n in range(5)]
    async with server.app.state.backends.db.session() as db:
        actions = (
            await db.scalars(
                select(AuditEvent.event).where(
                    AuditEvent.target_user_id == uuid.UUID(othello.id),
                    AuditEvent.event.like("moderation.%"),
                )
            )
        ).all()
    assert sorted(actions) == ["moderation.muted", "moderation.warned"]


async def test_reports_form_a_queue_for_the_rooms_moderators(
    server: Server, http: httpx.AsyncClient, hamlet: Account, othello: Account, sockets: Sockets
) -> None:
    room = await make_room(http, hamlet, othello)
    member = await sockets(server, othello)
    sent = (await member.ok("send", room=room, body="buy followers cheap", nonce="1"))["message"]
    body = {"message_id": sent["id"], "reason": "spam"}
    filed = await http.post("/api/v1/reports", json=body, headers=hamlet.auth)
    assert filed.status_code == 201, filed.text
    again = await http.post("/api/v1/reports", json=body, headers=hamlet.auth)
    assert_error(again, 409, "already_reported")
    assert_error(await http.get(f"/api/v1/rooms/{room}/reports", headers=othello.auth), 403)
    queue = (await http.get(f"/api/v1/rooms/{room}/reports", headers=hamlet.auth)).json()
    assert [(r["reason"], r["message"]["body"]) for r in queue] == [("spam", sent["body"])]
    resolved = await http.post(
        f"/api/v1/rooms/{room}/reports/{queue[0]['id']}/resolve", headers=hamlet.auth
    )
    assert resolved.json()["resolved_at"]
    assert (await http.get(f"/api/v1/rooms/{room}/reports", headers=hamlet.auth)).json() == []


async def test_messages_of_private_rooms_cannot_be_reported_by_outsiders(
    server: Server, http: httpx.AsyncClient, hamlet: Account, othello: Account, sockets: Sockets
) -> None:
    room = await make_room(http, hamlet, visibility="private")
    sent = await (await sockets(server, hamlet)).ok("send", room=room, body="x", nonce="1")
    body = {"message_id": sent["message"]["id"], "reason": "curious"}
    response = await http.post("/api/v1/reports", json=body, headers=othello.auth)
    assert_error(response, 404, "message_not_found")


async def test_moderators_mute_ban_and_kick_with_audit_and_notice(
    server: Server, http: httpx.AsyncClient, hamlet: Account, othello: Account, sockets: Sockets
) -> None:
    room = await make_room(http, hamlet, othello)
    target = await sockets(server, othello)
    await target.ok("subscribe", room=room)
    url = f"/api/v1/rooms/{room}/moderation"

    async def moderate(actor: Account, **body: object) -> httpx.Response:
        return await http.post(url, json={"username": "othello", **body}, headers=actor.auth)

    assert_error(await moderate(othello, action="mute"), 403, "not_moderator")
    muted = await moderate(hamlet, action="mute", minutes=10, reason="calm down")
    assert muted.status_code == 200, muted.text
    notice = await target.event("moderation", action="muted")
    assert (notice["room"], notice["data"]["reason"]) == (room, "calm down")
    assert await target.error("send", room=room, body="hey", nonce="1") == "muted"
    await moderate(hamlet, action="unmute")
    await target.ok("send", room=room, body="sorry", nonce="2")
    await moderate(hamlet, action="ban", reason="spam")
    await target.event("moderation", action="banned")
    assert_error(await http.get(f"/api/v1/rooms/{room}", headers=othello.auth), 403, "banned")
    assert_error(await http.post(f"/api/v1/rooms/{room}/join", headers=othello.auth), 403)
    await moderate(hamlet, action="unban")
    assert (await http.get(f"/api/v1/rooms/{room}", headers=othello.auth)).status_code == 200
    async with server.app.state.backends.db.session() as db:
        actions = (
            await db.scalars(
                select(AuditEvent.event)
                .where(
                    AuditEvent.actor_id == uuid.UUID(hamlet.id),
                    AuditEvent.event.like("moderation.%"),
                )
                .order_by(AuditEvent.at)
            )
        ).all()
    assert actions == [
        "moderation.muted",
        "moderation.unmuted",
        "moderation.banned",
        "moderation.unbanned",
    ]


async def test_a_kicked_member_stops_receiving_the_rooms_events(
    server: Server, http: httpx.AsyncClient, hamlet: Account, othello: Account, sockets: Sockets
) -> None:
    room, other_room = (
        await make_room(http, hamlet, othello),
        await make_room(http, hamlet, othello),
    )
    owner, target = await sockets(server, hamlet), await sockets(server, othello)
    await target.ok("subscribe", room=room)
    await target.ok("subscribe", room=other_room)
    kicked = await http.post(
        f"/api/v1/rooms/{room}/moderation",
        json={"username": "othello", "action": "kick", "reason": "bye"},
        headers=hamlet.auth,
    )
    assert kicked.status_code == 200, kicked.text
    await target.event("moderation", action="kicked")
    await owner.ok("send", room=room, body="they are gone", nonce="1")
    await owner.ok("send", room=other_room, body="still here?", nonce="1")
    await target.event("message.created", room=other_room)
    assert not [e for e in target.events if e["type"] == "message.created"]
    assert await target.error("send", room=room, body="let me in", nonce="1") == "not_a_member"
