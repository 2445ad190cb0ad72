"""Helpers for media tests: generated samples, uploads, waiting for processing, storage.

(No conftest.py here: it would shadow the top-level `conftest` module the tests import.)
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import av
import httpx
import m3u8
import pytest
from fastapi import FastAPI
from sample_audio import write_audio

from conftest import Account

# A guard against a hung pipeline, not a speed requirement.
PROCESSING_GUARD_SECONDS = 120

Sample = Callable[..., Path]


@pytest.fixture(scope="session")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Sample:
    """`sample(kind, seconds=3.0, ...)`: a generated file, made once per session per arguments."""
    made: dict[tuple[Any, ...], Path] = {}

    def make(kind: str, **options: Any) -> Path:
        key = (kind, *sorted(options.items()))
        if key not in made:
            made[key] = write_audio(tmp_path_factory.mktemp(kind), kind, **options)
        return made[key]

    return make


async def upload(
    client: httpx.AsyncClient,
    account: Account,
    path: Path,
    *,
    filename: str | None = None,
    **form: str,
) -> httpx.Response:
    content = await asyncio.to_thread(path.read_bytes)
    files = {"file": (filename or path.name, content, "application/octet-stream")}
    return await client.post("/api/v1/tracks", files=files, data=form, headers=account.auth)


async def wait_processed(
    client: httpx.AsyncClient, account: Account, track_id: str
) -> dict[str, Any]:
    """Poll until the track is ready or failed; returns it."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + PROCESSING_GUARD_SECONDS
    while loop.time() < deadline:
        response = await client.get(f"/api/v1/tracks/{track_id}", headers=account.auth)
        assert response.status_code == 200, response.text
        track: dict[str, Any] = response.json()
        if track["status"] in ("ready", "failed"):
            return track
        await asyncio.sleep(0.1)
    raise AssertionError(f"track {track_id} still {track['status']} after the guard time")


async def upload_ready(
    client: httpx.AsyncClient, account: Account, path: Path, **kwargs: Any
) -> dict[str, Any]:
    response = await upload(client, account, path, **kwargs)
    assert response.status_code == 202, response.text
    track = await wait_processed(client, account, response.json()["id"])
    assert track["status"] == "ready", track
    return track


def decode(data: bytes) -> tuple[str, int, float]:
    """(decoder, channels, seconds of audio actually decoded)."""
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.audio[0]
        seconds = sum(f.samples / f.sample_rate for f in container.decode(stream))
        return stream.codec_context.name, stream.codec_context.channels, seconds


async def hls_master(client: httpx.AsyncClient, url: str) -> m3u8.M3U8:
    response = await client.get(url)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/vnd.apple.mpegurl"
    return m3u8.loads(response.text, uri=f"http://testserver{url}")


async def hls_rendition(client: httpx.AsyncClient, uri: str) -> tuple[m3u8.M3U8, bytes]:
    """A media playlist and its init segment followed by every segment, as one file."""
    response = await client.get(uri)
    assert response.status_code == 200, response.text
    media = m3u8.loads(response.text, uri=uri)
    init = await client.get(media.segment_map[0].absolute_uri)
    assert init.status_code == 200
    stitched = bytearray(init.content)
    for segment in media.segments:
        response = await client.get(segment.absolute_uri)
        assert response.status_code == 200
        assert response.headers["content-type"] == "audio/mp4"
        stitched += response.content
    return media, bytes(stitched)


def stored_files(app: FastAPI) -> list[Path]:
    """Every file in the app's media storage (temporary ones included)."""
    root = app.state.backends.storage.local_path("x").parent
    return sorted(p for p in root.rglob("*") if p.is_file())


def track_folders(app: FastAPI) -> list[Path]:
    """The per-track folders in storage: an empty one left behind is a leftover too."""
    tracks = app.state.backends.storage.local_path("tracks")
    return sorted(tracks.iterdir()) if tracks.is_dir() else []
