"""The lean `/stream/<token>/<file>` path: its caches never serve a stale file or a bad token,
and it answers exactly like Starlette's file sending (used for files over the small size)."""

from __future__ import annotations

import os
import re
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI
from stream_helpers import Sample, sample
from test_stream_service import ready_track, token_of

from conftest import Account, assert_error
from prometheus_text import scrape
from veza.core.errors import Forbidden
from veza.core.media import layout
from veza.core.media.signing import StreamGrant, StreamSigner
from veza.stream import lean

__all__ = ["sample"]
# Headers that differ between two identical requests; max-age counts down to the token's expiry,
# so it may cross a second between the two rounds (the shape is checked apart).
VARYING = {"date", "x-request-id", "x-ratelimit-remaining", "x-ratelimit-reset", "cache-control"}


async def test_a_rewritten_file_is_served_fresh(
    app: FastAPI, client: httpx.AsyncClient, hamlet: Account, sample: Sample
) -> None:
    play = await ready_track(client, hamlet, sample)
    url = play["waveform"]
    first = await client.get(url)
    assert (await client.get(url)).content == first.content  # now cached
    key = layout.served_key(uuid.UUID(play["id"]), "waveform.json")
    stored = app.state.backends.storage.local_path(key)
    assert stored.read_bytes() == first.content
    # Reprocessing stores files by atomic replacement: same name, same size, new bytes.
    fresh = first.content.replace(b"peaks", b"PEAKS")
    temporary = stored.with_suffix(".tmp")
    temporary.write_bytes(fresh)
    os.replace(temporary, stored)
    second = await client.get(url)
    assert second.content == fresh
    assert second.headers["etag"] != first.headers["etag"]


async def test_tokens_stay_refused_after_the_cache_warmed(
    app: FastAPI, client: httpx.AsyncClient, hamlet: Account, sample: Sample
) -> None:
    play = await ready_track(client, hamlet, sample)
    token = token_of(play["hls"])
    assert (await client.get(play["hls"])).status_code == 200
    payload, mac = token.split(".")
    other = StreamSigner(["x"]).sign(uuid.uuid4(), 2**40).split(".")[0]
    for bad in (f"{other}.{mac}", f"{payload}.{'A' if mac[0] != 'A' else 'B'}{mac[1:]}"):
        response = await client.get(f"/stream/{bad}/master.m3u8")
        assert_error(response, 403, "invalid_stream_token")
        assert response.headers["x-request-id"]
        assert response.headers["x-content-type-options"] == "nosniff"
    # A remembered grant is still checked for expiry on every use.
    caches: lean.StreamCaches = app.state.stream_caches
    track_id = uuid.UUID(play["id"])
    caches.grants.put(token, StreamGrant(track_id, datetime.now(UTC) - timedelta(seconds=1)))
    assert_error(await client.get(play["hls"]), 403, "stream_expired")
    with pytest.raises(Forbidden):
        caches.grant(token)


@pytest.mark.parametrize("small_limit", [lean.SMALL_FILE_BYTES, 0])
async def test_small_and_large_paths_answer_alike(
    monkeypatch: pytest.MonkeyPatch,
    client: httpx.AsyncClient,
    hamlet: Account,
    sample: Sample,
    small_limit: int,
) -> None:
    play = await ready_track(client, hamlet, sample)
    url = play["progressive"]["mp3"]
    requests = [
        ("GET", {}),
        ("HEAD", {}),
        ("GET", {"Range": "bytes=10-99"}),
        ("GET", {"Range": "bytes=-5"}),
        ("GET", {"Range": "bytes=999999999-"}),
    ]

    async def answers() -> list[tuple[int, dict[str, str], bytes]]:
        got = []
        for method, headers in requests:
            response = await client.request(method, url, headers=headers)
            kept = {k: v for k, v in response.headers.items() if k not in VARYING}
            if response.status_code in (200, 206):
                assert re.fullmatch(r"public, max-age=\d+", response.headers["cache-control"])
            got.append((response.status_code, kept, response.content))
        return got

    before = await scrape(client)
    lean_answers = await answers()
    middle = await scrape(client)
    monkeypatch.setattr(lean, "SMALL_FILE_BYTES", small_limit)
    assert await answers() == lean_answers
    after = await scrape(client)
    assert [a[0] for a in lean_answers] == [200, 200, 206, 206, 416]
    assert lean_answers[0][1]["x-frame-options"] == "DENY"
    whole = lean_answers[0][2]
    assert lean_answers[2][2] == whole[10:100]
    sent = len(whole) + 90 + 5
    name = "veza_stream_bytes_total"
    assert middle.value(name, kind="file") - before.value(name, kind="file") == sent
    assert after.value(name, kind="file") - middle.value(name, kind="file") == sent
    assert after.value("veza_stream_active") == 0


def test_the_lru_keeps_within_its_weight() -> None:
    cache: lean.LRU[str, bytes] = lean.LRU(10, weigh=len)
    cache.put("a", b"1234")
    cache.put("b", b"1234")
    assert cache.get("a") == b"1234"  # "b" is now the least recently used
    cache.put("c", b"1234")
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (b"1234", None, b"1234")
    cache.put("huge", b"x" * 11)
    assert cache.get("huge") is None
    assert (cache.weight, len(cache)) == (8, 2)
