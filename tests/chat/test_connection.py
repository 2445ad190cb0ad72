"""The `/ws` connection: authentication, bad frames, size cap, flood and connection limits."""

from __future__ import annotations

import asyncio
import json
import socket
import uuid
from collections.abc import Awaitable, Callable

import httpx
import jwt
from websockets.asyncio.client import connect

from chat.conftest import Server, ServerFactory
from chat.support import ChatClient, make_room, open_socket
from conftest import Account, register
from veza.chat.connection import ChatLimits
from veza.core.security.tokens import AccessTokens

Sockets = Callable[..., Awaitable[ChatClient]]


async def test_query_token_authenticates(server: Server, hamlet: Account, sockets: Sockets) -> None:
    client = await sockets(server, hamlet)
    assert "server_time" in await client.ok("ping")


async def test_first_frame_auth_is_acked_then_ready(
    server: Server, hamlet: Account, sockets: Sockets
) -> None:
    client = await sockets(server)
    data = await client.ok("auth", token=hamlet.access_token)
    assert data["user"] == {"id": hamlet.id, "username": "hamlet"}
    assert (await client.recv())["type"] == "ready"
    assert "server_time" in await client.ok("ping")


async def test_bad_token_closes_4401(server: Server, hamlet: Account, sockets: Sockets) -> None:
    by_query = await open_socket(server.ws_url + "?token=not-a-jwt")
    code, reason, _ = await by_query.closed()
    assert code == 4401
    assert reason
    forged = jwt.encode({"sub": hamlet.id}, "a wrong key " * 4, algorithm="HS256")
    by_frame = await sockets(server)
    await by_frame.send_json({"type": "auth", "token": forged})
    code, reason, frames = await by_frame.closed()
    assert (code, frames) == (4401, [])
    assert reason


async def test_first_frame_must_be_auth(server: Server, hamlet: Account, sockets: Sockets) -> None:
    client = await sockets(server)
    await client.send_json({"type": "ping"})
    code, _, _ = await client.closed()
    assert code == 4401


async def test_no_auth_in_time_closes_4401(start_server: ServerFactory, sockets: Sockets) -> None:
    node = await start_server(ChatLimits(auth_timeout_seconds=0.2))
    client = await sockets(node)
    code, reason, _ = await client.closed()
    assert code == 4401
    assert "in time" in reason


async def test_revoked_session_is_closed_at_next_heartbeat(
    start_server: ServerFactory, sockets: Sockets
) -> None:
    node = await start_server(ChatLimits(heartbeat_seconds=0.1))
    async with node.http() as http:
        hamlet = await register(http, "hamlet")
        client = await sockets(node, hamlet)
        assert (await http.post("/api/v1/auth/logout", headers=hamlet.auth)).status_code == 204
    code, _, _ = await client.closed()
    assert code == 4401


async def test_token_expiring_mid_connection_closes_4401_unless_renewed(
    start_server: ServerFactory, sockets: Sockets
) -> None:
    node = await start_server(ChatLimits(heartbeat_seconds=0.1))
    async with node.http() as http:
        hamlet = await register(http, "hamlet")
    settings = node.app.state.settings
    claims = jwt.decode(hamlet.access_token, options={"verify_signature": False})
    short = AccessTokens(
        settings.signing_keys(),
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        ttl_seconds=2,  # `exp` is whole seconds: this lives 1-2 s
    ).issue(user_id=uuid.UUID(claims["sub"]), session_id=uuid.UUID(claims["sid"]), role="user")
    renewed = await sockets(node)
    await renewed.ok("auth", token=short)
    await renewed.ok("auth", token=hamlet.access_token)  # a fresh token before expiry
    expiring = await sockets(node)
    await expiring.ok("auth", token=short)
    code, reason, _ = await expiring.closed()
    assert code == 4401
    assert "expired" in reason
    assert "server_time" in await renewed.ok("ping")


async def test_bad_frames_get_error_frames_and_the_connection_stays_usable(
    server: Server, hamlet: Account, sockets: Sockets
) -> None:
    client = await sockets(server, hamlet)
    cases: list[tuple[str | bytes, str, str | None]] = [
        ("{not json", "malformed_json", None),
        (b"\x00\x01binary", "binary_frame", None),
        ("[1, 2]", "invalid_frame", None),
        (json.dumps({"type": "shout", "id": "a"}), "unknown_type", "a"),
        (json.dumps({"id": "b"}), "unknown_type", "b"),
        (json.dumps({"type": "send", "id": "c", "room": "x"}), "invalid_frame", "c"),
        (json.dumps({"type": "history", "id": "d", "room": 5}), "invalid_frame", "d"),
        (json.dumps({"type": "ping", "id": "e", "extra": 1}), "invalid_frame", "e"),
        (json.dumps({"type": "ping"}), "invalid_frame", None),
    ]
    for raw, code, request_id in cases:
        await client.ws.send(raw)
        frame = await client.recv()
        assert frame["type"] == "error", raw
        assert (frame["code"], frame["id"]) == (code, request_id), raw
        assert frame["message"]
    assert "server_time" in await client.ok("ping")


async def test_frame_over_the_cap_gets_an_error_then_close_1009(
    server: Server, hamlet: Account, sockets: Sockets
) -> None:
    client = await sockets(server, hamlet)
    await client.ws.send(json.dumps({"type": "ping", "id": "big", "pad": "x" * 17_000}))
    code, _, frames = await client.closed()
    assert code == 1009
    assert [frame["code"] for frame in frames] == ["frame_too_large"]


async def test_a_flood_is_rate_limited_then_cut_and_the_server_stays_up(
    server: Server, hamlet: Account, sockets: Sockets
) -> None:
    flooder = await sockets(server, hamlet)
    for number in range(1000):
        await flooder.ws.send(json.dumps({"type": "ping", "id": f"f{number}"}))
    code, _, frames = await flooder.closed()
    assert code == 1008
    acked = [frame for frame in frames if frame["type"] == "ack"]
    limited = [frame for frame in frames if frame.get("code") == "rate_limited"]
    assert 0 < len(acked) < 1000
    assert limited
    fresh = await sockets(server, hamlet)
    assert "server_time" in await fresh.ok("ping")
    async with server.http() as http:
        assert (await http.get("/health")).status_code == 200


async def test_connections_per_user_are_limited(
    start_server: ServerFactory, sockets: Sockets
) -> None:
    node = await start_server(ChatLimits(connections_per_user=2))
    async with node.http() as http:
        hamlet = await register(http, "hamlet")
        othello = await register(http, "othello")
    await sockets(node, hamlet)
    await sockets(node, hamlet)
    third = await open_socket(node.ws_url, None)
    await third.send_json({"type": "auth", "token": hamlet.access_token})
    code, _, _ = await third.closed()
    assert code == 4429
    assert "server_time" in await (await sockets(node, othello)).ok("ping")


async def test_unauthenticated_http_to_rest_is_401(http: httpx.AsyncClient) -> None:
    assert (await http.get("/api/v1/rooms")).status_code == 401


async def test_a_client_that_does_not_read_is_dropped_not_buffered(
    start_server: ServerFactory, sockets: Sockets
) -> None:
    limits = ChatLimits(
        send_queue_frames=4, close_grace_seconds=0.2, frames_per_second=1e4, frame_burst=10_000
    )
    node = await start_server(limits, rate_limit_enabled=False)
    async with node.http() as http:
        hamlet = await register(http, "hamlet")
        othello = await register(http, "othello")
        room = await make_room(http, hamlet, othello)
    # A small receive buffer, so the kernel does not absorb megabytes for the idle reader.
    raw = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    raw.setblocking(False)
    port = int(node.base_url.rsplit(":", 1)[1])
    await asyncio.get_running_loop().sock_connect(raw, ("127.0.0.1", port))
    url = f"{node.ws_url}?token={othello.access_token}"
    slow = ChatClient(await connect(url, sock=raw, compression=None))  # bytes as they are
    assert (await slow.recv())["type"] == "ready"
    await slow.ok("subscribe", room=room)
    # From here the client does not read: TCP buffers fill, then the server's queue.
    sender = await sockets(node, hamlet)
    hub = node.app.state.chat_hub
    sent = 0
    while othello.id in {str(user) for user in hub.by_user} and sent < 2000:
        await sender.ok("send", room=room, body="🎸" * 4000, nonce=str(sent))  # 16 kB
        sent += 1
    assert othello.id not in {str(user) for user in hub.by_user}, sent
    code, _, frames = await slow.closed()
    assert code in (1013, None)  # None: cut before the close frame could be written
    assert len(frames) < sent
    assert "server_time" in await sender.ok("ping")
