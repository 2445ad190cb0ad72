"""A track plays before it is ready: its first HLS rendition is stored and announced while the
rest of the ladder is still encoding, and the master playlist lists complete renditions only.

The later renditions are held back by a pool that waits before handing them to the real
process pool, so the in-between state can be looked at for as long as the test needs.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any, TypeVar

import httpx
import pytest
from fastapi import FastAPI
from stream_helpers import (
    PROCESSING_GUARD_SECONDS,
    Sample,
    decode,
    hls_master,
    hls_rendition,
    sample,
    stored_files,
    upload,
)

from conftest import Account, AppFactory, assert_error, client_for, register
from veza.core.media import layout, pipeline
from veza.core.media.pool import MediaPool
from veza.core.media.processing import process_track
from veza.core.models import Track

__all__ = ["sample"]
SECONDS = 5.0
T = TypeVar("T")


class HeldPool(MediaPool):
    """The real process pool, holding back every task the track does not need to play."""

    def __init__(self) -> None:
        super().__init__(2)
        self.release = asyncio.Event()

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        if function is pipeline.run_task and args[0] not in pipeline.PLAYABLE_AFTER:
            await self.release.wait()
        return await super().run(function, *args)


@pytest.fixture
async def held() -> AsyncIterator[HeldPool]:
    pool = HeldPool()
    yield pool
    await pool.close()


async def track_json(client: httpx.AsyncClient, account: Account, track_id: str) -> Any:
    response = await client.get(f"/api/v1/tracks/{track_id}", headers=account.auth)
    assert response.status_code == 200, response.text
    return response.json()


async def start_held(
    app: FastAPI, client: httpx.AsyncClient, account: Account, pool: HeldPool, sample: Sample
) -> tuple[str, asyncio.Task[None]]:
    """Upload a FLAC and process it in `pool`; returns once the track is playable."""
    response = await upload(client, account, sample("flac", seconds=SECONDS))
    assert response.status_code == 202, response.text
    track_id = response.json()["id"]
    async with app.state.backends.db.session() as db:
        track = await db.get(Track, uuid.UUID(track_id))
    run = asyncio.create_task(process_track(app.state.backends, pool, track))
    loop = asyncio.get_running_loop()
    deadline = loop.time() + PROCESSING_GUARD_SECONDS
    while not (await track_json(client, account, track_id))["playable"]:
        assert not run.done(), run
        assert loop.time() < deadline, "not playable after the guard time"
        await asyncio.sleep(0.05)
    return track_id, run


async def events_until_ready(subscription: Any) -> list[dict[str, Any]]:
    events = []
    async with asyncio.timeout(PROCESSING_GUARD_SECONDS):
        async for message in subscription:
            events.append(message.json())
            if events[-1]["status"] == "ready":
                return events
    raise AssertionError("the subscription ended before the track was ready")


async def test_first_rendition_plays_while_the_rest_is_encoding(
    app_factory: AppFactory, held: HeldPool, sample: Sample
) -> None:
    app = await app_factory(embedded_workers=False)
    async with client_for(app) as client:
        hamlet = await register(client, "hamlet")
        subscription = await app.state.backends.bus.subscribe(f"veza.user.{hamlet.id}")
        track_id, run = await start_held(app, client, hamlet, held, sample)

        track = await track_json(client, hamlet, track_id)
        assert (track["status"], track["playable"]) == ("processing", True)
        assert track["progress"] < 100
        assert track["gain_db"] is not None  # the analysis is done before it plays
        response = await client.get(f"/api/v1/tracks/{track_id}/stream", headers=hamlet.auth)
        assert response.status_code == 200, response.text
        play = response.json()
        assert play["complete"] is False
        assert play["progressive"] == {}  # none is made yet
        assert (await client.get(play["waveform"])).status_code == 200
        master = await hls_master(client, play["hls"])
        assert [p.uri for p in master.playlists] == ["hls/128/index.m3u8"]
        assert master.playlists[0].stream_info.codecs == "mp4a.40.2"
        media, stitched = await hls_rendition(client, master.playlists[0].absolute_uri)
        assert media.is_endlist  # complete, not a growing playlist
        codec, channels, seconds = decode(stitched)
        assert (codec, channels) == ("aac", 2)
        assert seconds == pytest.approx(SECONDS, abs=0.1)
        assert len(stitched) * 8 / seconds == pytest.approx(128_000, rel=0.1)
        held_back = play["hls"].replace("master.m3u8", "hls/256/index.m3u8")
        assert_error(await client.get(held_back), 404, "file_not_found")
        othello = await register(client, "othello")  # a listener can report a play already
        report = {"position": 3.0, "listened_seconds": 3.0, "completed": True}
        response = await client.post(
            f"/api/v1/tracks/{track_id}/plays", json=report, headers=othello.auth
        )
        assert response.status_code == 201, response.text

        held.release.set()
        await run
        track = await track_json(client, hamlet, track_id)
        assert (track["status"], track["playable"], track["progress"]) == ("ready", True, 100)
        response = await client.get(f"/api/v1/tracks/{track_id}/stream", headers=hamlet.auth)
        play = response.json()
        assert play["complete"] is True
        assert set(play["progressive"]) == {"mp3", "aac", "opus", "flac"}
        master = await hls_master(client, play["hls"])
        assert [p.uri for p in master.playlists] == [
            f"hls/{kbps}/index.m3u8" for kbps in (64, 128, 256)
        ]

    events = await events_until_ready(subscription)
    await subscription.unsubscribe()
    assert all(event["track_id"] == track_id for event in events)
    playable = [event["playable"] for event in events]
    assert playable[0] is False  # nothing of this run is stored yet
    first = playable.index(True)
    assert events[first]["status"] == "processing"
    assert all(playable[first:])  # once playable, it stays so
    progress = [event["progress"] for event in events]
    assert progress == sorted(progress)


async def test_run_failing_after_it_played_takes_its_outputs_away(
    app_factory: AppFactory, held: HeldPool, sample: Sample
) -> None:
    app = await app_factory(embedded_workers=False)
    async with client_for(app) as client:
        hamlet = await register(client, "hamlet")
        track_id, run = await start_held(app, client, hamlet, held, sample)
        response = await client.get(f"/api/v1/tracks/{track_id}/stream", headers=hamlet.auth)
        master_url = response.json()["hls"]
        assert (await client.get(master_url)).status_code == 200
        # The later tasks find the original gone: the run fails after the track played.
        await app.state.backends.storage.delete(layout.source_key(uuid.UUID(track_id)))
        held.release.set()
        with pytest.raises(FileNotFoundError):
            await run
        track = await track_json(client, hamlet, track_id)
        assert track["playable"] is False
        response = await client.get(f"/api/v1/tracks/{track_id}/stream", headers=hamlet.auth)
        assert_error(response, 409, "track_not_ready")
        assert_error(await client.get(master_url), 404, "file_not_found")
    public = app.state.backends.storage.local_path(layout.public_prefix(uuid.UUID(track_id)))
    assert not [path for path in stored_files(app) if public in path.parents]
