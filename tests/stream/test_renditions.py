"""Proof that it plays: every rendition decoded with PyAV, the HLS ladder parsed with `m3u8`."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from stream_helpers import Sample, decode, hls_master, hls_rendition, sample, upload_ready

from conftest import Account

__all__ = ["sample"]

SECONDS = 5.0
# rendition -> (decoder name, target bit rate or None for lossless)
PROGRESSIVE = {
    "mp3": ("mp3float", 320_000),
    "aac": ("aac", 256_000),
    "opus": ("opus", 160_000),
    "flac": ("flac", None),
}


async def playback(client: httpx.AsyncClient, account: Account, track: dict[str, Any]) -> Any:
    response = await client.get(f"/api/v1/tracks/{track['id']}/stream", headers=account.auth)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize(("kind", "channels"), [("flac", 2), ("wav", 1), ("mp3", 2)])
async def test_progressive_renditions_decode_to_the_source(
    client: httpx.AsyncClient, hamlet: Account, sample: Sample, kind: str, channels: int
) -> None:
    path = sample(kind, seconds=SECONDS, channels=channels)
    track = await upload_ready(client, hamlet, path)
    play = await playback(client, hamlet, track)
    lossless = kind != "mp3"
    expected = {"mp3", "aac", "opus"} | ({"flac"} if lossless else set())
    assert set(play["progressive"]) == expected
    for name in expected:
        response = await client.get(play["progressive"][name])
        assert response.status_code == 200
        codec, got_channels, seconds = decode(response.content)
        decoder, bit_rate = PROGRESSIVE[name]
        assert codec == decoder
        assert got_channels == channels
        assert seconds == pytest.approx(SECONDS, abs=0.1), name
        if bit_rate is not None and channels == 2:
            assert len(response.content) * 8 / seconds == pytest.approx(bit_rate, rel=0.1), name


async def test_hls_ladder_plays_through_the_token(
    client: httpx.AsyncClient, hamlet: Account, sample: Sample
) -> None:
    track = await upload_ready(client, hamlet, sample("flac", seconds=SECONDS))
    play = await playback(client, hamlet, track)
    master = await hls_master(client, play["hls"])
    assert master.is_variant
    variants = sorted(master.playlists, key=lambda p: p.stream_info.bandwidth)
    assert len(variants) == 3
    for variant, kbps in zip(variants, (64, 128, 256), strict=True):
        assert variant.stream_info.codecs == "mp4a.40.2"
        assert not variant.uri.startswith("/")  # relative: it inherits the token
        assert variant.stream_info.bandwidth == pytest.approx(kbps * 1000, rel=0.15)
        media, stitched = await hls_rendition(client, variant.absolute_uri)
        assert media.is_endlist
        assert media.playlist_type == "vod"
        durations = [segment.duration for segment in media.segments]
        assert sum(durations) == pytest.approx(SECONDS, abs=0.1)
        assert all(2 <= d <= 6 for d in durations[:-1])
        codec, channels, seconds = decode(stitched)
        assert (codec, channels) == ("aac", 2)
        assert seconds == pytest.approx(SECONDS, abs=0.1)
        assert len(stitched) * 8 / seconds == pytest.approx(kbps * 1000, rel=0.1)


async def test_waveform_and_loudness(
    client: httpx.AsyncClient, hamlet: Account, sample: Sample
) -> None:
    track = await upload_ready(client, hamlet, sample("flac", seconds=SECONDS))
    play = await playback(client, hamlet, track)
    response = await client.get(play["waveform"])
    assert response.headers["content-type"] == "application/json"
    assert len(response.content) < 10_000
    waveform = json.loads(response.content)
    assert waveform["buckets"] == 1000
    peaks = waveform["peaks"]
    assert len(peaks) == 2000
    assert all(-127 <= p <= 127 for p in peaks)
    assert all(low <= high for low, high in zip(peaks[::2], peaks[1::2], strict=True))
    assert max(peaks) > 40  # the signal is loud enough to show
    assert track["loudness_lufs"] < -5
    assert track["gain_db"] == pytest.approx(
        min(-14 - track["loudness_lufs"], -1 - track["true_peak_db"]), abs=0.02
    )
    assert play["gain_db"] == track["gain_db"]
    assert play["duration"] == pytest.approx(SECONDS, abs=0.05)
