"""Signed playback tokens: `/stream/<token>/...` carries the track, an expiry and an HMAC.

The token is `<payload>.<mac>`, both base64url: payload = track id (16 bytes) + expiry
(8 bytes, Unix seconds); mac = HMAC-SHA256 over a purpose prefix and the payload, cut to
16 bytes. The key is derived from the app's secret (and older secrets, for rotation), so a
stream token can never pass for any other signed thing.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import math
import struct
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

from veza.core.errors import Forbidden

STREAM_PURPOSE = b"veza.stream.v1:"
# Downloads of the original get their own purpose: a playback token can never fetch it.
DOWNLOAD_PURPOSE = b"veza.download.v1:"
_MAC_BYTES = 16
# Expiries are rounded up to this step, so everyone playing a track in the same window gets
# the same URLs and caches (browser, CDN) can share them.
EXPIRY_STEP_SECONDS = 3600


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True, slots=True)
class StreamGrant:
    track_id: uuid.UUID
    expires_at: datetime


class StreamSigner:
    """Issues and checks stream tokens with a key ring: sign with the first, accept any."""

    def __init__(
        self,
        secrets: list[str],
        *,
        purpose: bytes = STREAM_PURPOSE,
        expiry_step: int = EXPIRY_STEP_SECONDS,
    ) -> None:
        if not secrets:
            raise ValueError("at least one secret is needed")
        self._purpose = purpose
        self._step = expiry_step
        self._keys = [hashlib.sha256(b"veza-stream-key|" + s.encode()).digest() for s in secrets]

    def _mac(self, key: bytes, payload: bytes) -> bytes:
        return hmac.new(key, self._purpose + payload, hashlib.sha256).digest()[:_MAC_BYTES]

    def issue(self, track_id: uuid.UUID, *, ttl_seconds: int, now: datetime | None = None) -> str:
        moment = (now or datetime.now(UTC)).timestamp() + ttl_seconds
        expires = math.ceil(moment / self._step) * self._step
        return self.sign(track_id, expires)

    def sign(self, track_id: uuid.UUID, expires: int) -> str:
        payload = track_id.bytes + struct.pack(">Q", expires)
        return f"{_b64(payload)}.{_b64(self._mac(self._keys[0], payload))}"

    def verify(self, token: str, *, now: datetime | None = None) -> StreamGrant:
        """The grant a token carries; 403 if it is malformed, forged or expired."""
        payload_text, _, mac_text = token.partition(".")
        try:
            payload, mac = _unb64(payload_text), _unb64(mac_text)
        except (binascii.Error, ValueError):
            raise Forbidden("invalid stream token", code="invalid_stream_token") from None
        if len(payload) != 24 or not any(
            hmac.compare_digest(mac, self._mac(key, payload)) for key in self._keys
        ):
            raise Forbidden("invalid stream token", code="invalid_stream_token")
        (expires,) = struct.unpack(">Q", payload[16:])
        grant = StreamGrant(uuid.UUID(bytes=payload[:16]), datetime.fromtimestamp(expires, UTC))
        return ensure_current(grant, now=now)


def ensure_current(grant: StreamGrant, *, now: datetime | None = None) -> StreamGrant:
    """The grant itself while it lasts; 403 once it has expired (checked on every use, also
    of a grant remembered from an earlier verification)."""
    if grant.expires_at <= (now or datetime.now(UTC)):
        raise Forbidden("the stream link has expired; ask for a new one", code="stream_expired")
    return grant
