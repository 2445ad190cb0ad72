"""Where a track's files live in storage. Everything playable sits under `<track>/public/`;
the original sits beside it, so no stream URL can ever reach it."""

from __future__ import annotations

import uuid


def track_prefix(track_id: uuid.UUID) -> str:
    return f"tracks/{track_id.hex}"


def source_key(track_id: uuid.UUID) -> str:
    return f"{track_prefix(track_id)}/original"


def public_prefix(track_id: uuid.UUID) -> str:
    return f"{track_prefix(track_id)}/public"


def public_key(track_id: uuid.UUID, name: str) -> str:
    """The key of a playable file; `name` is relative (`audio.mp3`, `hls/128/seg_000.m4s`)."""
    return f"{public_prefix(track_id)}/{name}"
