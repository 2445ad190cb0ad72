"""Administrators' chat-wide bans: connections close, new ones are refused, audited, lifted."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

import httpx
from sqlalchemy import select

from chat.conftest import Server
from chat.support import ChatClient, make_room, metric_value, open_socket
from conftest import Account, assert_error, make_admin
from veza.core.models import AuditEvent

Sockets = Callable[..., Awaitable[ChatClient]]


async def test_an_admin_ban_closes_every_connection_and_refuses_new_ones(
    server: Server,
    http: httpx.AsyncClient,
    hamlet: Account,
    othello: Account,
    iago: Account,
    sockets: Sockets,
) -> None:
    await make_admin(server.app, "iago")
    room = await make_room(http, hamlet, othello)
    first, second = await sockets(server, othello), await sockets(server, othello)
    before = metric_value(
        (await http.get("/metrics")).text, 'veza_moderation_actions_total{action="global_banned"}'
    )
    url = "/api/v1/admin/chat-bans/othello"
    assert_error(await http.put(url, json={}, headers=hamlet.auth), 403, "admin_required")
    banned = await http.put(url, json={"minutes": 60, "reason": "spam"}, headers=iago.auth)
    assert banned.status_code == 200, banned.text
    for socket in (first, second):
        code, reason, frames = await socket.closed()
        assert (code, reason) == (4403, "banned from chat")
        notice = [f for f in frames if f["type"] == "moderation"]
        assert notice[0]["data"]["scope"] == "global"
        assert notice[0]["data"]["reason"] == "spam"
    again = await open_socket(server.ws_url, None)
    await again.send_json({"type": "auth", "token": othello.access_token})
    code, reason, _ = await again.closed()
    assert (code, reason) == (4403, "you are banned from chat")
    listed = await http.get("/api/v1/admin/chat-bans", headers=iago.auth)
    assert [b["username"] for b in listed.json()] == ["othello"]
    after = metric_value(
        (await http.get("/metrics")).text, 'veza_moderation_actions_total{action="global_banned"}'
    )
    assert after == before + 1
    assert (await http.delete(url, headers=iago.auth)).status_code == 204
    assert_error(await http.delete(url, headers=iago.auth), 404, "ban_not_found")
    back = await sockets(server, othello)
    await back.ok("send", room=room, body="I am back", nonce="1")
    async with server.app.state.backends.db.session() as db:
        events = (
            await db.scalars(
                select(AuditEvent.event)
                .where(AuditEvent.target_user_id == uuid.UUID(othello.id))
                .where(AuditEvent.event.like("moderation.global_%"))
                .order_by(AuditEvent.at)
            )
        ).all()
    assert events == ["moderation.global_banned", "moderation.global_unbanned"]


async def test_chat_ban_input_is_checked(
    server: Server, http: httpx.AsyncClient, iago: Account, hamlet: Account
) -> None:
    await make_admin(server.app, "iago")
    url = "/api/v1/admin/chat-bans"
    assert_error(await http.put(f"{url}/nobody", json={}, headers=iago.auth), 404)
    assert_error(await http.put(f"{url}/iago", json={}, headers=iago.auth), 400, "ban_self")
    assert_error(await http.put(f"{url}/hamlet", json={"minutes": 0}, headers=iago.auth), 422)
    bidi = {"reason": "evil \u202e"}
    assert_error(await http.put(f"{url}/hamlet", json=bidi, headers=iago.auth), 422)
    assert (await http.get(url, headers=iago.auth)).json() == []
