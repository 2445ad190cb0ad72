"""Custom covers: an uploaded image replaces the embedded art (600/300/64 px JPEG, metadata
stripped); removing it brings the embedded art back. Owner only; bad images refused."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from PIL import Image
from sample_audio import picture, tag, write_audio
from stream_helpers import stored_files, upload, upload_ready, wait_processed

from conftest import Account, AppFactory, assert_error, client_for, make_admin, register
from veza.core.images import COVER_MAX_BYTES

SECRET_MAKE = "SpyCam Model 7"


def photo_with_metadata(width: int = 1400, height: int = 800) -> bytes:
    """A JPEG carrying EXIF (camera, GPS) and a comment, none of which may survive."""
    image = Image.new("RGB", (width, height), (10, 160, 90))
    image.paste((250, 250, 20), (width // 2 - 50, 0, width // 2 + 50, height))
    exif = Image.Exif()
    exif[0x010F] = SECRET_MAKE
    exif[0x8825] = {1: "N", 2: (48.0, 51.0, 29.0)}
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif, comment=b"shot at home")
    return out.getvalue()


async def put_cover(
    client: httpx.AsyncClient, account: Account | None, track_id: str, data: bytes, name: str
) -> httpx.Response:
    headers = account.auth if account else {}
    files = {"file": (name, data, "application/octet-stream")}
    return await client.put(f"/api/v1/tracks/{track_id}/cover", files=files, headers=headers)


async def playback(client: httpx.AsyncClient, account: Account, track_id: str) -> Any:
    response = await client.get(f"/api/v1/tracks/{track_id}/stream", headers=account.auth)
    assert response.status_code == 200, response.text
    return response.json()


def custom_cover_files(app: FastAPI) -> list[Path]:
    return [path for path in stored_files(app) if path.parent.name == "covers"]


async def test_custom_cover_replaces_the_embedded_art_and_survives_reprocessing(
    app_factory: AppFactory, tmp_path: Path
) -> None:
    app = await app_factory()  # with workers
    async with client_for(app) as client:
        await _replace_and_restore(app, client, await register(client, "hamlet"), tmp_path)


async def _replace_and_restore(
    app: FastAPI, client: httpx.AsyncClient, hamlet: Account, tmp_path: Path
) -> None:
    source = tag(write_audio(tmp_path, "mp3", seconds=1.5), {"title": "Song"}, picture())
    track = await upload_ready(client, hamlet, source)
    assert (track["has_cover"], track["cover_source"]) == (True, "embedded")
    embedded = await playback(client, hamlet, track["id"])
    embedded_600 = (await client.get(embedded["covers"]["600"])).content

    response = await put_cover(client, hamlet, track["id"], photo_with_metadata(), "me.jpg")
    assert response.status_code == 200, response.text
    assert (response.json()["has_cover"], response.json()["cover_source"]) == (True, "custom")
    custom = await playback(client, hamlet, track["id"])
    assert set(custom["covers"]) == {"600", "300", "64"}
    for size, url in custom["covers"].items():
        assert "/covers/" in url
        got = await client.get(url)
        assert got.status_code == 200
        assert got.headers["content-type"] == "image/jpeg"
        assert SECRET_MAKE.encode() not in got.content
        assert b"shot at home" not in got.content
        with Image.open(io.BytesIO(got.content)) as image:
            assert (image.format, image.size) == ("JPEG", (int(size), int(size)))
            assert not image.getexif()
            assert "comment" not in image.info
            # Centre-cropped: the yellow band in the middle of the photo is in the middle.
            assert image.convert("RGB").getpixel((int(size) // 2, int(size) // 2))[2] < 100
    assert len(custom_cover_files(app)) == 3

    # A second upload gets new URLs (caches stay right); the first one's files are gone.
    again = await put_cover(client, hamlet, track["id"], picture(300, 300, "PNG"), "x.png")
    assert again.status_code == 200
    replaced = await playback(client, hamlet, track["id"])
    assert replaced["covers"]["600"] != custom["covers"]["600"]
    assert (await client.get(custom["covers"]["600"])).status_code == 404
    with Image.open(io.BytesIO((await client.get(replaced["covers"]["600"])).content)) as image:
        assert image.size == (300, 300)  # never enlarged
    assert len(custom_cover_files(app)) == 3

    # Processing again replaces the renditions, not the owner's cover.
    reprocess = await client.post(f"/api/v1/tracks/{track['id']}/reprocess", headers=hamlet.auth)
    assert reprocess.status_code == 202
    assert (await wait_processed(client, hamlet, track["id"]))["status"] == "ready"
    after = await playback(client, hamlet, track["id"])
    assert (await client.get(after["covers"]["64"])).status_code == 200
    assert "/covers/" in after["covers"]["64"]

    removed = await client.delete(f"/api/v1/tracks/{track['id']}/cover", headers=hamlet.auth)
    assert removed.status_code == 200
    assert removed.json()["cover_source"] == "embedded"
    back = await playback(client, hamlet, track["id"])
    assert (await client.get(back["covers"]["600"])).content == embedded_600
    assert custom_cover_files(app) == []


@pytest.fixture
async def app(app_factory: AppFactory) -> FastAPI:
    """Most cover checks need no processing."""
    return await app_factory(embedded_workers=False)


async def test_cover_on_a_track_without_embedded_art_and_removal(
    app: FastAPI, tmp_path: Path
) -> None:
    async with client_for(app) as client:
        hamlet = await register(client, "hamlet")
        iago = await register(client, "iago")
        await make_admin(app, "iago")
        created = await upload(client, hamlet, write_audio(tmp_path, "wav", seconds=0.5))
        track = created.json()
        assert track["cover_source"] is None
        put = await put_cover(client, hamlet, track["id"], picture(), "c.png")
        assert put.json()["cover_source"] == "custom"
        # An admin may take a cover down (moderation); it falls back to no cover at all.
        removed = await client.delete(f"/api/v1/tracks/{track['id']}/cover", headers=iago.auth)
        assert removed.status_code == 200
        assert removed.json()["cover_source"] is None
        again = await client.delete(f"/api/v1/tracks/{track['id']}/cover", headers=hamlet.auth)
        assert again.status_code == 200
    assert custom_cover_files(app) == []


async def test_bad_covers_are_refused_and_leave_nothing(app: FastAPI, tmp_path: Path) -> None:
    async with client_for(app) as client:
        hamlet = await register(client, "hamlet")
        othello = await register(client, "othello")
        public = (await upload(client, hamlet, write_audio(tmp_path, "wav", seconds=0.5))).json()
        private = (
            await upload(
                client, hamlet, write_audio(tmp_path, "flac", seconds=0.5), visibility="private"
            )
        ).json()
        image = picture()

        text = await put_cover(client, hamlet, public["id"], b"not a picture\n" * 50, "c.jpg")
        assert_error(text, 415, "unsupported_image")
        wav = (tmp_path / "sample.wav").read_bytes()
        assert_error(await put_cover(client, hamlet, public["id"], wav, "c.png"), 415)
        truncated = photo_with_metadata()[:2000]
        assert_error(await put_cover(client, hamlet, public["id"], truncated, "c.jpg"), 415)
        huge = os.urandom(COVER_MAX_BYTES + 1)
        assert_error(await put_cover(client, hamlet, public["id"], huge, "c.jpg"), 413)

        other = await put_cover(client, othello, public["id"], image, "c.png")
        assert_error(other, 403, "not_track_owner")
        hidden = await put_cover(client, othello, private["id"], image, "c.png")
        assert_error(hidden, 404, "track_not_found")
        anonymous = await put_cover(client, None, public["id"], image, "c.png")
        assert anonymous.status_code == 401
        deleted = await client.delete(f"/api/v1/tracks/{public['id']}/cover", headers=othello.auth)
        assert_error(deleted, 403, "not_track_owner")

        track = (await client.get(f"/api/v1/tracks/{public['id']}", headers=hamlet.auth)).json()
        assert track["cover_source"] is None
        assert (await client.get("/health")).status_code == 200
    assert custom_cover_files(app) == []
