"""Where a track's files live in storage. Everything playable sits under `<track>/public/`
(replaced as a whole by each processing run), covers the owner uploads under
`<track>/covers/`; the original sits beside them, so no stream URL can ever reach it."""

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


COVERS_DIR = "covers"


def cover_name(cover_id: str, size: int) -> str:
    """A custom cover's name in stream URLs (`covers/<id>_<size>.jpg`)."""
    return f"{COVERS_DIR}/{cover_id}_{size}.jpg"


def served_key(track_id: uuid.UUID, name: str) -> str:
    """The key behind a stream URL's file name: a custom cover, or a processing output."""
    if name.startswith(f"{COVERS_DIR}/"):
        return f"{track_prefix(track_id)}/{name}"
    return public_key(track_id, name)


def cover_key(track_id: uuid.UUID, cover_id: str, size: int) -> str:
    return served_key(track_id, cover_name(cover_id, size))
