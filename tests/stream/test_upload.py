"""Upload: identified by content, hashed, deduplicated; refused files leave nothing behind."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from PIL import Image
from sample_audio import picture, tag, write_audio, write_video
from sqlalchemy import func, select
from stream_helpers import (
    Sample,
    sample,
    stored_files,
    track_folders,
    upload,
    upload_ready,
    wait_processed,
)

from conftest import Account, AppFactory, assert_error, client_for, register
from veza.core.models import MediaJob, Track

__all__ = ["sample"]

TAGS = {
    "title": "Пісня 🎵 歌",
    "artist": "Ελληνικά عربي",
    "album": "アルバム",
    "albumartist": "Various ✨",
    "tracknumber": "3/12",
    "discnumber": "1/2",
    "date": "2019-05-01",
    "genre": "Électro",
}


async def row_counts(app: FastAPI) -> tuple[int, int]:
    async with app.state.backends.db.session() as db:
        tracks = await db.scalar(select(func.count()).select_from(Track))
        jobs = await db.scalar(select(func.count()).select_from(MediaJob))
    return int(tracks or 0), int(jobs or 0)


async def assert_nothing_left(app: FastAPI, client: httpx.AsyncClient) -> None:
    assert await row_counts(app) == (0, 0)
    assert stored_files(app) == []
    assert track_folders(app) == []
    assert (await client.get("/health")).status_code == 200


@pytest.mark.parametrize("kind", ["wav", "aiff", "flac", "mp3", "vorbis", "opus", "m4a"])
async def test_every_accepted_format_becomes_ready(
    client: httpx.AsyncClient, hamlet: Account, sample: Sample, kind: str
) -> None:
    response = await upload(client, hamlet, sample(kind))
    assert response.status_code == 202, response.text
    body = response.json()
    assert body["status"] == "uploaded"
    assert body["progress"] == 0
    assert body["duration"] == pytest.approx(3.0, abs=0.1)
    track = await wait_processed(client, hamlet, body["id"])
    assert track["status"] == "ready", track["failure_reason"]
    assert track["progress"] == 100
    assert track["duration"] == pytest.approx(3.0, abs=0.1)
    assert track["title"] == "sample"  # no tags: the file name
    assert track["source_lossless"] is (kind in ("wav", "aiff", "flac"))


async def test_progress_events_reach_the_owner_in_order(
    app: FastAPI, client: httpx.AsyncClient, hamlet: Account, sample: Sample
) -> None:
    subscription = await app.state.backends.bus.subscribe(f"veza.user.{hamlet.id}")
    track = await upload_ready(client, hamlet, sample("flac", seconds=4.0))
    events = []
    async with asyncio.timeout(10):
        async for message in subscription:
            event = message.json()
            events.append(event)
            if event["status"] == "ready":
                break
    await subscription.unsubscribe()
    assert {e["type"] for e in events} == {"track.progress"}
    assert {e["track_id"] for e in events} == {track["id"]}
    statuses = [e["status"] for e in events]
    assert statuses[0] == "uploaded"
    assert "processing" in statuses
    assert statuses[-1] == "ready"
    progress = [e["progress"] for e in events]
    assert progress == sorted(progress)
    assert progress[-1] == 100


@pytest.mark.parametrize("kind", ["mp3", "flac", "vorbis", "opus", "m4a"])
async def test_tags_in_many_scripts_and_cover_art(
    client: httpx.AsyncClient, hamlet: Account, tmp_path: Path, kind: str
) -> None:
    path = tag(write_audio(tmp_path, kind), TAGS, picture())
    track = await upload_ready(client, hamlet, path)
    assert track["title"] == "Пісня 🎵 歌"
    assert track["artist"] == "Ελληνικά عربي"
    assert track["album"] == "アルバム"
    assert track["album_artist"] == "Various ✨"
    assert (track["track_number"], track["disc_number"], track["year"]) == (3, 1, 2019)
    assert track["genre"] == "Électro"
    assert track["has_cover"] is True
    play = (await client.get(f"/api/v1/tracks/{track['id']}/stream", headers=hamlet.auth)).json()
    assert set(play["covers"]) == {"600", "300", "64"}
    for size, url in play["covers"].items():
        response = await client.get(url)
        assert response.status_code == 200
        assert response.headers["content-type"] == "image/jpeg"
        with Image.open(io.BytesIO(response.content)) as image:
            assert image.size == (int(size), int(size))


async def test_title_given_at_upload_wins_over_tags(
    client: httpx.AsyncClient, hamlet: Account, tmp_path: Path
) -> None:
    path = tag(write_audio(tmp_path, "mp3"), TAGS)
    track = await upload_ready(client, hamlet, path, title="My title")
    assert track["title"] == "My title"
    assert track["artist"] == "Ελληνικά عربي"


async def test_same_file_twice_is_a_conflict_naming_the_track(
    app: FastAPI, client: httpx.AsyncClient, hamlet: Account, othello: Account, sample: Sample
) -> None:
    first = await upload(client, hamlet, sample("flac"))
    assert first.status_code == 202
    again = await upload(client, hamlet, sample("flac"), filename="renamed.flac")
    error = assert_error(again, 409, "duplicate_track")
    assert error["details"]["track_id"] == first.json()["id"]
    # Another user may upload the same file.
    assert (await upload(client, othello, sample("flac"))).status_code == 202
    assert (await row_counts(app))[0] == 2


async def test_hostile_file_name_is_only_a_label(
    app: FastAPI, client: httpx.AsyncClient, hamlet: Account, sample: Sample
) -> None:
    # Built by hand: httpx would percent-encode the control characters.
    boundary = "b0undary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
        'filename="../../etc/pa\x07ss\x1bwd.mp3"\r\n\r\n'
    ).encode()
    body = head + sample("mp3").read_bytes() + f"\r\n--{boundary}--\r\n".encode()
    headers = {**hamlet.auth, "Content-Type": f"multipart/form-data; boundary={boundary}"}
    response = await client.post("/api/v1/tracks", content=body, headers=headers)
    assert response.status_code == 202, response.text
    assert response.json()["original_filename"] == "passwd.mp3"
    assert response.json()["title"] == "passwd"
    root = app.state.backends.storage.local_path("x").parent
    assert all(path.is_relative_to(root) for path in stored_files(app))
    assert not (root.parent.parent / "etc").exists()


async def test_upload_needs_a_signed_in_user(client: httpx.AsyncClient, sample: Sample) -> None:
    files = {"file": ("a.flac", sample("flac").read_bytes())}
    assert_error(await client.post("/api/v1/tracks", files=files), 401)


@pytest.mark.parametrize(
    ("name", "content", "status", "words"),
    [
        ("empty.mp3", b"", 422, "empty"),
        ("notes.mp3", b"just some text, not audio\n" * 50, 415, "not audio"),
        ("image.mp3", picture(), 415, "not audio"),
    ],
)
async def test_refused_content(
    app: FastAPI,
    client: httpx.AsyncClient,
    hamlet: Account,
    name: str,
    content: bytes,
    status: int,
    words: str,
) -> None:
    files = {"file": (name, content, "audio/mpeg")}
    response = await client.post("/api/v1/tracks", files=files, headers=hamlet.auth)
    error = assert_error(response, status)
    assert words in error["message"]
    await assert_nothing_left(app, client)


async def test_truncated_flac_is_refused(
    app: FastAPI, client: httpx.AsyncClient, hamlet: Account, sample: Sample, tmp_path: Path
) -> None:
    whole = sample("flac").read_bytes()
    truncated = tmp_path / "cut.flac"
    truncated.write_bytes(whole[: len(whole) // 2])
    error = assert_error(await upload(client, hamlet, truncated), 422, "invalid_media")
    assert "truncated" in error["message"]
    await assert_nothing_left(app, client)


async def test_video_is_refused(
    app: FastAPI, client: httpx.AsyncClient, hamlet: Account, tmp_path: Path
) -> None:
    video = write_video(tmp_path / "clip.mp4")
    error = assert_error(await upload(client, hamlet, video, filename="clip.m4a"), 415)
    assert "video" in error["message"]
    await assert_nothing_left(app, client)


async def test_audio_longer_than_the_limit_is_refused(
    app_factory: AppFactory, sample: Sample
) -> None:
    app = await app_factory(max_track_seconds=2)
    async with client_for(app) as client:
        hamlet = await register(client, "hamlet")
        error = assert_error(await upload(client, hamlet, sample("flac")), 422, "invalid_media")
        assert "limit" in error["message"]
        await assert_nothing_left(app, client)


async def test_file_over_the_cap_is_refused_before_it_is_read(
    app_factory: AppFactory, tmp_path: Path
) -> None:
    app = await app_factory(max_upload_mb=1)
    big = write_audio(tmp_path, "wav", seconds=8.0)  # about 1.4 MB
    async with client_for(app) as client:
        hamlet = await register(client, "hamlet")
        assert_error(await upload(client, hamlet, big), 413)
        await assert_nothing_left(app, client)


async def test_chunked_upload_over_the_cap_is_cut_off(
    app_factory: AppFactory, tmp_path: Path
) -> None:
    app = await app_factory(max_upload_mb=1)
    async with client_for(app) as client:
        hamlet = await register(client, "hamlet")
        sent = 0
        boundary = "veza-test-boundary"

        async def body() -> AsyncIterator[bytes]:
            nonlocal sent
            yield (
                f"--{boundary}\r\nContent-Disposition: form-data; name=file; "
                'filename="big.wav"\r\nContent-Type: audio/wav\r\n\r\n'
            ).encode()
            for _ in range(64):  # 4 MB in all, no Content-Length
                sent += 1
                yield b"\0" * 65536
            yield f"\r\n--{boundary}--\r\n".encode()

        headers = {**hamlet.auth, "Content-Type": f"multipart/form-data; boundary={boundary}"}
        response = await client.post("/api/v1/tracks", content=body(), headers=headers)
        assert_error(response, 413)
        assert sent < 64  # the rest was never read
        await assert_nothing_left(app, client)
