"""The stream service: signed URLs, RFC 9110 ranges and conditionals, headers, metrics."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from stream_helpers import Sample, sample, upload_ready

from conftest import Account, Stack, assert_error, client_for, make_settings, register
from veza.app import create_app
from veza.core.media.signing import StreamSigner

__all__ = ["sample"]


async def ready_track(client: httpx.AsyncClient, account: Account, sample: Sample) -> Any:
    """The playback answer of a processed track, with the track's id added."""
    track = await upload_ready(client, account, sample("flac"))
    response = await client.get(f"/api/v1/tracks/{track['id']}/stream", headers=account.auth)
    assert response.status_code == 200
    return {**response.json(), "id": track["id"]}


def token_of(url: str) -> str:
    return url.split("/")[2]


async def raw_get(app: FastAPI, path: str) -> int:
    """GET a path exactly as given (httpx would normalise `..` away); returns the status."""
    statuses: list[int] = []
    requested = False
    finished = asyncio.Event()

    async def receive() -> dict[str, Any]:
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await finished.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])
        elif message["type"] == "http.response.body" and not message.get("more_body"):
            finished.set()

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": [(b"host", b"testserver")],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    await app(scope, receive, send)
    return statuses[0]


async def test_media_headers(client: httpx.AsyncClient, hamlet: Account, sample: Sample) -> None:
    play = await ready_track(client, hamlet, sample)
    response = await client.get(play["progressive"]["mp3"])
    assert response.status_code == 200
    assert response.headers["content-type"] == "audio/mpeg"
    assert response.headers["accept-ranges"] == "bytes"
    assert response.headers["etag"].startswith('"')
    assert response.headers["last-modified"].endswith("GMT")
    assert response.headers["cache-control"].startswith("public, max-age=")
    assert int(response.headers["content-length"]) == len(response.content)
    playlist = await client.get(play["hls"])
    assert playlist.headers["cache-control"] == "no-cache"
    types = {
        name: (await client.get(url)).headers["content-type"]
        for name, url in play["progressive"].items()
    }
    assert types == {
        "mp3": "audio/mpeg",
        "aac": "audio/mp4",
        "opus": "audio/ogg; codecs=opus",
        "flac": "audio/flac",
    }
    head = await client.head(play["progressive"]["mp3"])
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["content-length"] == str(len(response.content))


async def test_ranges_are_exact_slices(
    client: httpx.AsyncClient, hamlet: Account, sample: Sample
) -> None:
    play = await ready_track(client, hamlet, sample)
    url = play["progressive"]["flac"]
    whole = (await client.get(url)).content
    size = len(whole)
    for header, start, end in [
        ("bytes=0-0", 0, 0),
        ("bytes=100-4195", 100, 4195),
        (f"bytes={size - 10}-", size - 10, size - 1),
        ("bytes=-777", size - 777, size - 1),
        (f"bytes=5000-{size * 2}", 5000, size - 1),
    ]:
        response = await client.get(url, headers={"Range": header})
        assert response.status_code == 206, header
        assert response.content == whole[start : end + 1], header
        assert response.headers["content-range"] == f"bytes {start}-{end}/{size}"
        assert response.headers["content-length"] == str(end - start + 1)


async def test_unsatisfiable_range_is_416(
    client: httpx.AsyncClient, hamlet: Account, sample: Sample
) -> None:
    play = await ready_track(client, hamlet, sample)
    url = play["progressive"]["opus"]
    size = len((await client.get(url)).content)
    response = await client.get(url, headers={"Range": f"bytes={size}-"})
    assert_error(response, 416, "range_not_satisfiable")
    assert response.headers["content-range"] == f"bytes */{size}"


async def test_multi_and_malformed_ranges_get_the_whole_file(
    client: httpx.AsyncClient, hamlet: Account, sample: Sample
) -> None:
    play = await ready_track(client, hamlet, sample)
    url = play["progressive"]["mp3"]
    whole = (await client.get(url)).content
    for header in ("bytes=0-1,10-20", "bytes=9-1", "lines=1-2", "bytes=x", "bytes=-"):
        response = await client.get(url, headers={"Range": header})
        assert response.status_code == 200, header
        assert response.content == whole, header


async def test_conditional_requests(
    client: httpx.AsyncClient, hamlet: Account, sample: Sample
) -> None:
    play = await ready_track(client, hamlet, sample)
    url = play["hls"]
    first = await client.get(url)
    etag = first.headers["etag"]
    not_modified = await client.get(url, headers={"If-None-Match": etag})
    assert not_modified.status_code == 304
    assert not_modified.content == b""
    assert not_modified.headers["etag"] == etag
    assert (await client.get(url, headers={"If-None-Match": '"stale"'})).status_code == 200
    ranged = await client.get(url, headers={"Range": "bytes=0-6", "If-Range": etag})
    assert (ranged.status_code, ranged.content) == (206, b"#EXTM3U")
    changed = await client.get(url, headers={"Range": "bytes=0-6", "If-Range": '"stale"'})
    assert (changed.status_code, changed.content) == (200, first.content)


async def test_bad_tokens_are_403(
    app: FastAPI, client: httpx.AsyncClient, hamlet: Account, sample: Sample
) -> None:
    play = await ready_track(client, hamlet, sample)
    token = token_of(play["hls"])
    payload, mac = token.split(".")
    track_id = uuid.UUID(play["id"])
    keys = app.state.settings.signing_keys()
    past = datetime.now(UTC) - timedelta(hours=3)
    tokens = {
        "tampered": payload + "." + ("A" if mac[0] != "A" else "B") + mac[1:],
        "expired": StreamSigner(keys).issue(track_id, ttl_seconds=60, now=past),
        "foreign": StreamSigner(["another server's secret"]).issue(track_id, ttl_seconds=600),
        "other_track": StreamSigner(["x"]).sign(uuid.uuid4(), 2**40).split(".")[0] + "." + mac,
        "garbage": "%00%ff",
    }
    for name, bad in tokens.items():
        response = await client.get(f"/stream/{bad}/master.m3u8")
        assert response.status_code == 403, name
        assert response.json()["error"]["code"] in ("invalid_stream_token", "stream_expired")
    assert (await client.get(play["hls"])).status_code == 200


async def test_a_token_opens_only_its_own_tracks_files(
    app: FastAPI, client: httpx.AsyncClient, hamlet: Account, sample: Sample
) -> None:
    long = await ready_track(client, hamlet, sample)
    short = await upload_ready(client, hamlet, sample("flac", seconds=1.0))
    play = (await client.get(f"/api/v1/tracks/{short['id']}/stream", headers=hamlet.auth)).json()
    # The same file name under each token: each token answers with its own track's file.
    for waveform, seconds in ((long["waveform"], 3.0), (play["waveform"], 1.0)):
        response = await client.get(waveform)
        assert response.json()["duration"] == pytest.approx(seconds, abs=0.1)
    # A correctly signed token for a track that does not exist (or was deleted) finds nothing.
    keys = app.state.settings.signing_keys()
    nowhere = StreamSigner(keys).issue(uuid.uuid4(), ttl_seconds=600)
    assert_error(await client.get(f"/stream/{nowhere}/waveform.json"), 404, "file_not_found")


async def test_nothing_outside_the_tracks_files_is_reachable(
    app: FastAPI, client: httpx.AsyncClient, hamlet: Account, sample: Sample
) -> None:
    play = await ready_track(client, hamlet, sample)
    token = token_of(play["hls"])
    assert await raw_get(app, f"/stream/{token}/master.m3u8") == 200
    for name in (
        "../original",
        "../../original",
        "hls/../../original",
        "hls/128/../../../original",
        "%2e%2e/original",
        "original",
        "/etc/passwd",
        "hls/128/index.m3u8/..",
        "master.m3u8%00.jpg",
        "MASTER.M3U8",
        "missing.mp3",
    ):
        assert await raw_get(app, f"/stream/{token}/{name}") == 404, name


async def test_standalone_stream_service_serves_tokens_from_the_api(
    stack: Stack, tmp_path: Path, app_factory: Any, sample: Sample
) -> None:
    secret = "a shared secret for both services, long enough"
    api = await app_factory(secret_key=secret)
    settings = make_settings(stack, tmp_path / "media", secret_key=secret, embedded_workers=False)
    stream_app = create_app(settings, services=("stream",))
    async with (
        LifespanManager(stream_app),
        client_for(api) as client,
        client_for(stream_app) as stream_client,
    ):
        hamlet = await register(client, "hamlet")
        play = await ready_track(client, hamlet, sample)
        assert (await stream_client.get(play["hls"])).status_code == 200
        ranged = await stream_client.get(play["progressive"]["mp3"], headers={"Range": "bytes=0-9"})
        assert ranged.status_code == 206
        assert (await stream_client.get("/api/v1/tracks")).status_code == 404


async def test_stream_and_job_metrics_are_exported(
    client: httpx.AsyncClient, hamlet: Account, sample: Sample
) -> None:
    play = await ready_track(client, hamlet, sample)
    await client.get(play["progressive"]["mp3"], headers={"Range": "bytes=0-99"})
    text = (await client.get("/metrics")).text
    for name in (
        "veza_stream_requests_total",
        "veza_stream_bytes_total",
        "veza_stream_active",
        "veza_jobs_queued",
        "veza_jobs_duration_seconds",
        "veza_jobs_failed_total",
    ):
        assert name in text, name
    assert 'veza_stream_requests_total{kind="file",status="206"}' in text
