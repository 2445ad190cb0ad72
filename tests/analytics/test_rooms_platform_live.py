"""Room and platform analytics equal what the test did; live numbers stream over SSE."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx

from analytics.analytics_helpers import dashboard, drain
from chat.conftest import Server
from chat.support import ChatClient, make_room
from conftest import PASSWORD, Account
from discovery.discovery_helpers import make_track, play
from stream.sample_audio import write_audio
from veza.core.errors import Unavailable

Sockets = Callable[..., Awaitable[ChatClient]]


async def read_live(
    http: httpx.AsyncClient, account: Account, **params: Any
) -> list[dict[str, Any]]:
    """Every `analytics.live` event of a stream asked to stop after `events`."""
    found = []
    async with http.stream(
        "GET", "/api/v1/analytics/live", params=params, headers=account.auth
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        kind = None
        async for line in response.aiter_lines():
            if line.startswith("event: "):
                kind = line.removeprefix("event: ")
            elif line.startswith("data: "):
                assert kind == "analytics.live"
                found.append(json.loads(line.removeprefix("data: ")))
    return found


async def test_room_numbers_equal_what_was_said_and_done(
    server: Server,
    http: httpx.AsyncClient,
    hamlet: Account,
    othello: Account,
    iago: Account,
    sockets: Sockets,
) -> None:
    room = await make_room(http, hamlet, othello, iago)
    elsewhere = await make_room(http, othello)
    said = [(hamlet, "hi all"), (othello, "hello"), (othello, "how are you"), (hamlet, "fine")]
    chat = {account.username: await sockets(server, account) for account in (hamlet, othello)}
    for number, (who, text) in enumerate(said):
        await chat[who.username].ok("send", room=room, body=text, nonce=str(number))
    await chat["othello"].ok("send", room=elsewhere, body="not here", nonce="x")
    # A resend after a reconnect stores nothing new, so it counts for nothing either.
    await chat["hamlet"].ok("send", room=room, body="hi all", nonce="0")
    for action in ("mute", "unmute"):
        acted = await http.post(
            f"/api/v1/rooms/{room}/moderation",
            json={"username": "iago", "action": action, "minutes": 5},
            headers=hamlet.auth,
        )
        assert acted.status_code == 200, acted.text
    await drain(server.app)

    found = await dashboard(http, hamlet, f"rooms/{room}")
    posters = {who.username for who, _ in said}
    assert found["totals"] == {
        "messages": len(said),
        "active_members": len(posters),
        "moderation_actions": 2,
    }
    assert found["series"][-1]["messages"] == len(said)
    hourly = await dashboard(http, hamlet, f"rooms/{room}", granularity="hour")
    assert sum(bucket["messages"] for bucket in hourly["series"]) == len(said)

    live = await read_live(http, hamlet, room=room, events=2)
    assert len(live) == 2
    assert live[-1]["messages_last_minute"] == len(said)
    assert live[-1]["active_members_5m"] == len(posters)


async def test_platform_numbers_equal_what_happened(
    server: Server,
    http: httpx.AsyncClient,
    hamlet: Account,
    othello: Account,
    iago: Account,
    tmp_path: Path,
) -> None:
    again = await http.post("/api/v1/auth/login", json={"login": "othello", "password": PASSWORD})
    assert again.status_code == 200, again.text
    audio = write_audio(tmp_path, "wav", seconds=1.0)
    uploaded = await http.post(
        "/api/v1/tracks",
        files={"file": ("a.wav", audio.read_bytes(), "audio/wav")},
        headers=hamlet.auth,
    )
    assert uploaded.status_code in (201, 202), uploaded.text
    track = await make_track(server.app, hamlet, "Ready")  # 1,000 bytes, not an upload
    assert (await play(http, othello, track, 60)).json()["counted"]

    async def unavailable() -> None:
        raise Unavailable("down for the test", code="test_unavailable")

    server.app.add_api_route("/api/v1/test-unavailable", unavailable)
    assert (await http.get("/api/v1/test-unavailable")).status_code == 503
    await drain(server.app)

    found = await dashboard(http, iago, "platform")
    totals = found["totals"]
    size = audio.stat().st_size
    assert {name: totals[name] for name in expected_platform(size)} == expected_platform(size)
    assert totals["storage_bytes"] == size + 1000
    today = found["series"][-1]
    assert (today["active_users"], today["listeners"], today["sign_ins"]) == (3, 1, 4)
    assert found["weekly_active_users"][-1]["active_users"] == 3

    live = await read_live(http, iago, events=1)
    assert live[0]["listeners_5m"] == 1
    assert live[0]["plays_last_minute"] == 1


def expected_platform(upload_size: int) -> dict[str, int]:
    return {
        "users": 3,
        "registrations": 3,
        "sign_ins": 4,  # three registrations open a session each, plus one login
        "uploads": 1,
        "upload_bytes": upload_size,
        "reports": 1,
        "plays": 1,
        "errors": 1,
        "messages": 0,
    }
