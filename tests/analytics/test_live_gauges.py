"""Chat connections and active streams in the live SSE, counted over every process."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import httpx
import pytest

from chat.conftest import Server, ServerFactory
from chat.support import ChatClient, make_room, open_socket
from conftest import Account, Stack, make_admin, register
from stream.sample_audio import write_audio
from veza.core.analytics.gauges import RecentStreams

Sockets = Callable[..., Awaitable[ChatClient]]
# How many one-a-second events to read before giving up: a guard, not a speed requirement.
GUARD_EVENTS = 60
PROCESSING_GUARD_SECONDS = 120


async def live_until(
    http: httpx.AsyncClient, account: Account, wanted: dict[str, int], **params: Any
) -> dict[str, Any]:
    """The first live event whose numbers include `wanted` (the gauges refresh every second)."""
    seen: dict[str, Any] = {}
    async with http.stream(
        "GET",
        "/api/v1/analytics/live",
        params={**params, "events": GUARD_EVENTS},
        headers=account.auth,
    ) as response:
        assert response.status_code == 200
        async for line in response.aiter_lines():
            if line.startswith("data: "):
                seen = json.loads(line.removeprefix("data: "))
                if {name: seen.get(name) for name in wanted} == wanted:
                    return seen
    raise AssertionError(f"never saw {wanted}; last event {seen}")


async def test_chat_connections_platform_wide_and_per_room(
    server: Server,
    http: httpx.AsyncClient,
    hamlet: Account,
    othello: Account,
    iago: Account,
    sockets: Sockets,
) -> None:
    room = await make_room(http, hamlet, othello)
    other_room = await make_room(http, othello)
    idle = await live_until(http, iago, {"chat_connections": 0, "active_streams": 0})
    assert idle["listeners_5m"] == 0  # the database numbers are still there
    hamlet_chat = await sockets(server, hamlet)
    othello_chat = await sockets(server, othello)
    await sockets(server, iago)  # connected, in no room
    await hamlet_chat.ok("subscribe", room=room)
    await othello_chat.ok("subscribe", room=room)
    await othello_chat.ok("subscribe", room=other_room)

    await live_until(http, iago, {"chat_connections": 3})
    in_room = await live_until(http, hamlet, {"chat_connections": 2}, room=room)
    assert in_room["room_id"] == room
    assert "active_streams" not in in_room  # streams are platform-wide
    await live_until(http, othello, {"chat_connections": 1}, room=other_room)

    await othello_chat.ok("unsubscribe", room=room)
    await live_until(http, hamlet, {"chat_connections": 1}, room=room)
    await othello_chat.close()
    await live_until(http, iago, {"chat_connections": 2})
    await live_until(http, othello, {"chat_connections": 0}, room=other_room)


async def _ready_track(http: httpx.AsyncClient, owner: Account, folder: Path, kind: str) -> str:
    audio = write_audio(folder, kind, seconds=1.0)
    files = {"file": (audio.name, audio.read_bytes(), "application/octet-stream")}
    uploaded = await http.post("/api/v1/tracks", files=files, headers=owner.auth)
    assert uploaded.status_code == 202, uploaded.text
    track_id: str = uploaded.json()["id"]
    deadline = time.monotonic() + PROCESSING_GUARD_SECONDS
    while (await http.get(f"/api/v1/tracks/{track_id}", headers=owner.auth)).json()[
        "status"
    ] != "ready":
        assert time.monotonic() < deadline, "the track was never processed"
        await asyncio.sleep(0.2)
    return track_id


async def test_fetching_signed_files_makes_active_streams(
    server: Server, http: httpx.AsyncClient, hamlet: Account, iago: Account, tmp_path: Path
) -> None:
    first = await _ready_track(http, hamlet, tmp_path, "wav")
    second = await _ready_track(http, hamlet, tmp_path, "flac")
    await live_until(http, iago, {"active_streams": 0})
    urls = (await http.get(f"/api/v1/tracks/{first}/stream", headers=hamlet.auth)).json()
    master = await http.get(urls["hls"])
    assert master.status_code == 200
    rendition = next(line for line in master.text.splitlines() if line.endswith(".m3u8"))
    playlist = await http.get(urljoin(urls["hls"], rendition))
    assert playlist.status_code == 200
    segment = next(line for line in playlist.text.splitlines() if not line.startswith("#"))
    fetched = await http.get(urljoin(urljoin(urls["hls"], rendition), segment))
    assert fetched.status_code == 200
    await live_until(http, iago, {"active_streams": 1})  # one listener, three files: one stream

    urls = (await http.get(f"/api/v1/tracks/{second}/stream", headers=hamlet.auth)).json()
    base = urls["hls"].rsplit("/", 1)[0]
    assert (await http.get(f"{base}/nothing-here.m3u8")).status_code == 404
    assert (await http.get(base.rsplit("/", 1)[0] + "/not-a-token/master.m3u8")).status_code == 403
    assert server.app.state.recent_streams.count() == 1  # neither is a stream
    assert (await http.get(urls["hls"])).status_code == 200
    await live_until(http, iago, {"active_streams": 2})


def test_recent_streams_are_distinct_pairs_that_fade_out() -> None:
    recent = RecentStreams(window=0.2, max_entries=3)
    track, other = uuid.uuid4(), uuid.uuid4()
    for client in ("a", "a", "b"):
        recent.seen(track, client)
    recent.seen(other, "a")
    assert recent.count() == 3
    recent.seen(other, "c")  # past max_entries: the oldest pair is forgotten
    assert recent.count() == 3
    time.sleep(0.5)
    recent.seen(track, "a")
    assert recent.count() == 1


@pytest.fixture
def scaled_only(stack: Stack) -> None:
    if stack.name == "embedded":
        pytest.skip("embedded processes keep their cache to themselves; nodes cannot share it")


async def test_two_instances_sharing_redis_add_up(
    scaled_only: None, start_server: ServerFactory
) -> None:
    node_a, node_b = await start_server(), await start_server()
    async with node_a.http() as http_a:
        hamlet = await register(http_a, "hamlet")
        othello = await register(http_a, "othello")
        iago = await register(http_a, "iago")
        await make_admin(node_a.app, "iago")
        room = await make_room(http_a, hamlet, othello)
        on_a = await open_socket(node_a.ws_url, hamlet.access_token)
        on_b = await open_socket(node_b.ws_url, othello.access_token)
        also_b = await open_socket(node_b.ws_url, iago.access_token)
        try:
            await on_a.ok("subscribe", room=room)
            await on_b.ok("subscribe", room=room)
            await live_until(http_a, iago, {"chat_connections": 3})
            await live_until(http_a, hamlet, {"chat_connections": 2}, room=room)
            await on_b.close()
            await live_until(http_a, hamlet, {"chat_connections": 1}, room=room)
        finally:
            for client in (on_a, on_b, also_b):
                await client.close()
        await live_until(http_a, iago, {"chat_connections": 0})
