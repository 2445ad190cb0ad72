"""Stream tokens: round trip, expiry, tampering, key rotation."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from veza.core.errors import Forbidden
from veza.core.media.signing import EXPIRY_STEP_SECONDS, StreamSigner

NOW = datetime(2026, 11, 25, 6, 10, 0, tzinfo=UTC)


def test_round_trip_and_shared_expiry_windows() -> None:
    signer = StreamSigner(["k1"])
    track = uuid.uuid4()
    token = signer.issue(track, ttl_seconds=3600, now=NOW)
    grant = signer.verify(token, now=NOW)
    assert grant.track_id == track
    assert timedelta(hours=1) <= grant.expires_at - NOW < timedelta(hours=2)
    assert grant.expires_at.timestamp() % EXPIRY_STEP_SECONDS == 0
    # Everyone asking within the same window gets the same URL (shared caches).
    assert signer.issue(track, ttl_seconds=3600, now=NOW + timedelta(minutes=1)) == token


def test_expired_token_is_refused() -> None:
    signer = StreamSigner(["k1"])
    token = signer.issue(uuid.uuid4(), ttl_seconds=60, now=NOW)
    with pytest.raises(Forbidden) as caught:
        signer.verify(token, now=NOW + timedelta(hours=2))
    assert caught.value.code == "stream_expired"


@pytest.mark.parametrize("mangle", ["flip_payload", "flip_mac", "truncate", "garbage", "empty"])
def test_tampered_tokens_are_refused(mangle: str) -> None:
    signer = StreamSigner(["k1"])
    token = signer.issue(uuid.uuid4(), ttl_seconds=3600, now=NOW)
    payload, mac = token.split(".")
    bad = {
        "flip_payload": ("B" if payload[0] == "A" else "A") + payload[1:] + "." + mac,
        "flip_mac": payload + "." + ("B" if mac[0] == "A" else "A") + mac[1:],
        "truncate": token[:-3],
        "garbage": "not-a-token",
        "empty": "",
    }[mangle]
    with pytest.raises(Forbidden):
        signer.verify(bad, now=NOW)


def test_extending_the_expiry_breaks_the_mac() -> None:
    signer = StreamSigner(["k1"])
    track = uuid.uuid4()
    honest = signer.issue(track, ttl_seconds=60, now=NOW)
    forged_payload = StreamSigner(["k1"]).sign(track, int(NOW.timestamp()) + 10**6).split(".")[0]
    with pytest.raises(Forbidden):
        signer.verify(forged_payload + "." + honest.split(".")[1], now=NOW)


def test_rotation_accepts_old_keys_and_refuses_foreign_ones() -> None:
    track = uuid.uuid4()
    old = StreamSigner(["old"]).issue(track, ttl_seconds=3600, now=NOW)
    assert StreamSigner(["new", "old"]).verify(old, now=NOW).track_id == track
    with pytest.raises(Forbidden):
        StreamSigner(["someone-else"]).verify(old, now=NOW)
