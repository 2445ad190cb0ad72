"""Downloading the original: honoured only when the owner allows it (owner and admins always),
through a signed, short-lived link with a safe file name."""

from __future__ import annotations

import uuid
from pathlib import Path
from urllib.parse import unquote

import httpx
import pytest
from fastapi import FastAPI
from stream_helpers import Sample, sample, upload

from conftest import Account, AppFactory, assert_error, client_for, make_admin, register
from veza.core.media.download import content_disposition, safe_filename
from veza.core.media.signing import DOWNLOAD_PURPOSE, StreamSigner

__all__ = ["sample"]


async def uploaded(
    client: httpx.AsyncClient, account: Account, path: Path, **form: str
) -> dict[str, str]:
    response = await upload(client, account, path, **form)
    assert response.status_code == 202, response.text
    track: dict[str, str] = response.json()
    return track


async def download_link(
    client: httpx.AsyncClient, track_id: str, account: Account | None = None
) -> httpx.Response:
    headers = account.auth if account else {}
    return await client.get(f"/api/v1/tracks/{track_id}/download", headers=headers)


@pytest.fixture
async def app(app_factory: AppFactory) -> FastAPI:
    """No workers: the original is downloadable from the moment it is stored."""
    return await app_factory(embedded_workers=False)


async def test_only_the_owner_and_admins_until_downloads_are_allowed(
    app: FastAPI, sample: Sample
) -> None:
    source = sample("flac")
    async with client_for(app) as client:
        hamlet = await register(client, "hamlet")
        othello = await register(client, "othello")
        iago = await register(client, "iago")
        await make_admin(app, "iago")
        track = await uploaded(client, hamlet, source)
        assert track["downloadable"] is False
        for account in (hamlet, iago):
            assert (await download_link(client, track["id"], account)).status_code == 200
        for account in (othello, None):
            refused = await download_link(client, track["id"], account)
            assert_error(refused, 403, "download_not_allowed")

        patched = await client.patch(
            f"/api/v1/tracks/{track['id']}", json={"downloadable": True}, headers=hamlet.auth
        )
        assert patched.status_code == 200
        for account in (othello, None):
            link = await download_link(client, track["id"], account)
            assert link.status_code == 200, link.text
            body = link.json()
            assert body["size_bytes"] == source.stat().st_size
            got = await client.get(body["url"])
            assert got.status_code == 200
            assert got.content == source.read_bytes()
            assert got.headers["content-type"] == "application/octet-stream"
            assert got.headers["cache-control"].startswith("private, max-age=")
            assert got.headers["content-disposition"] == content_disposition(body["filename"])


async def test_private_tracks_are_404_even_when_downloadable(app: FastAPI, sample: Sample) -> None:
    async with client_for(app) as client:
        hamlet = await register(client, "hamlet")
        othello = await register(client, "othello")
        track = await uploaded(client, hamlet, sample("mp3"), visibility="private")
        await client.patch(
            f"/api/v1/tracks/{track['id']}", json={"downloadable": True}, headers=hamlet.auth
        )
        assert_error(await download_link(client, track["id"], othello), 404, "track_not_found")
        assert_error(await download_link(client, track["id"]), 404, "track_not_found")
        assert_error(await download_link(client, str(uuid.uuid4()), hamlet), 404)
        assert (await download_link(client, track["id"], hamlet)).status_code == 200


async def test_the_file_name_is_safe_and_ranges_resume(app: FastAPI, sample: Sample) -> None:
    source = sample("flac")
    hostile = 'evil\r\nSet-Cookie: x=1";..\u202e3pm.FLAC.txt'
    async with client_for(app) as client:
        hamlet = await register(client, "hamlet")
        track = await uploaded(client, hamlet, source)
        # The name shown and saved comes from the upload's name, with the real extension.
        response = await upload(client, hamlet, sample("mp3"), filename=f"../../{hostile}")
        assert response.status_code == 202, response.text
        named = response.json()
        body = (await download_link(client, named["id"], hamlet)).json()
        # (httpx sends CR, LF and `"` in a multipart name percent-encoded, as browsers do.)
        assert body["filename"] == "evil%0D%0ASet-Cookie_ x=1%22_..3pm.FLAC.mp3"
        got = await client.get(body["url"])
        assert got.status_code == 200
        disposition = got.headers["content-disposition"]
        assert disposition.startswith('attachment; filename="evil_0D_0ASet-Cookie_ x_1_22_..3pm')
        assert "set-cookie" not in got.headers
        # The name in the link is not signed; whatever it says, the header stays one safe line.
        token = body["url"].split("/")[3]
        renamed = await client.get(f"/stream/original/{token}/%0D%0Aa%22b;c%E2%99%AA.mp3")
        assert renamed.status_code == 200
        assert renamed.headers["content-disposition"] == (
            "attachment; filename=\"a_b_c.mp3\"; filename*=UTF-8''a_b_c%E2%99%AA.mp3"
        )
        assert unquote(renamed.headers["content-disposition"].split("''")[1]) == "a_b_c♪.mp3"

        link = (await download_link(client, track["id"], hamlet)).json()
        ranged = await client.get(link["url"], headers={"Range": "bytes=100-199"})
        assert ranged.status_code == 206
        assert ranged.content == source.read_bytes()[100:200]
        tail = await client.get(link["url"], headers={"Range": "bytes=-50"})
        assert tail.content == source.read_bytes()[-50:]


async def test_tokens_do_not_cross_between_playback_and_download(
    app: FastAPI, sample: Sample
) -> None:
    async with client_for(app) as client:
        hamlet = await register(client, "hamlet")
        track = await uploaded(client, hamlet, sample("flac"))
        link = (await download_link(client, track["id"], hamlet)).json()
        token = link["url"].split("/")[3]
        keys = app.state.settings.signing_keys()
        track_id = uuid.UUID(track["id"])
        playback = StreamSigner(keys).issue(track_id, ttl_seconds=600)
        assert_error(
            await client.get(f"/stream/original/{playback}/x.flac"), 403, "invalid_stream_token"
        )
        assert_error(await client.get(f"/stream/{token}/master.m3u8"), 403)
        expired = StreamSigner(keys, purpose=DOWNLOAD_PURPOSE).sign(track_id, 1_000_000)
        assert_error(await client.get(f"/stream/original/{expired}/x.flac"), 403, "stream_expired")
        tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
        assert_error(await client.get(f"/stream/original/{tampered}/x.flac"), 403)
        # Deleting the track removes the original: a link handed out before is dead at once.
        deleted = await client.delete(f"/api/v1/tracks/{track['id']}", headers=hamlet.auth)
        assert deleted.status_code == 204
        assert_error(await client.get(link["url"]), 404, "file_not_found")


def test_safe_filename_keeps_names_people_use() -> None:
    assert safe_filename("Étude ♪ (live).wav", "flac") == "Étude ♪ (live).flac"
    assert safe_filename(".hidden", "mp3") == "hidden.mp3"
    assert safe_filename("", "mp3") == "track.mp3"
    assert safe_filename("a/b\\c:d.mp3", "ogg") == "c_d.ogg"
    assert content_disposition("Ünïcode ♪.mp3") == (
        "attachment; filename=\"Unicode .mp3\"; filename*=UTF-8''%C3%9Cn%C3%AFcode%20%E2%99%AA.mp3"
    )
