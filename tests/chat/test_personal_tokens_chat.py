"""Personal access tokens on the chat WebSocket: `write` connects, revocation closes."""

from __future__ import annotations

from chat.conftest import ServerFactory
from chat.support import make_room, open_socket
from conftest import register
from veza.chat.connection import ChatLimits


async def test_bot_token_chats_until_revoked(start_server: ServerFactory) -> None:
    node = await start_server(ChatLimits(heartbeat_seconds=0.1))
    async with node.http() as http:
        hamlet = await register(http, "hamlet")
        room = await make_room(http, hamlet)
        created = await http.post(
            "/api/v1/auth/tokens", json={"name": "bot", "scopes": ["write"]}, headers=hamlet.auth
        )
        token = created.json()["token"]
        bot = await open_socket(node.ws_url, token)
        await bot.ok("subscribe", room=room)
        ack = await bot.ok("send", room=room, body="beep", nonce="b1")
        assert ack["message"]["author"]["username"] == "hamlet"

        revoked = await http.delete(
            f"/api/v1/auth/tokens/{created.json()['id']}", headers=hamlet.auth
        )
        assert revoked.status_code == 204
        code, reason, _ = await bot.closed()
        assert (code, reason) == (4401, "this token was revoked")


async def test_read_only_token_cannot_chat(start_server: ServerFactory) -> None:
    node = await start_server()
    async with node.http() as http:
        hamlet = await register(http, "hamlet")
        created = await http.post(
            "/api/v1/auth/tokens", json={"name": "ro", "scopes": ["read"]}, headers=hamlet.auth
        )
    reader = await open_socket(node.ws_url + f"?token={created.json()['token']}")
    code, reason, _ = await reader.closed()
    assert code == 4401
    assert "write" in reason
    await reader.close()
