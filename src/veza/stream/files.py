"""What the stream service may serve: the names of a track's playable files and their types."""

from __future__ import annotations

import re

# `master.m3u8`, `audio.mp3`, `hls/128/seg_004.m4s`, ... and nothing else: no dots but the
# extension's, no `..`, no absolute paths, at most two directories deep.
_NAME = re.compile(r"^(?:[a-z0-9_]{1,16}/){0,2}[a-z0-9_]{1,32}\.([a-z0-9]{2,5})$")

TYPES = {
    "m3u8": ("application/vnd.apple.mpegurl", "playlist"),
    "mp4": ("audio/mp4", "segment"),
    "m4s": ("audio/mp4", "segment"),
    "mp3": ("audio/mpeg", "file"),
    "m4a": ("audio/mp4", "file"),
    "opus": ("audio/ogg; codecs=opus", "file"),
    "flac": ("audio/flac", "file"),
    "json": ("application/json", "waveform"),
    "jpg": ("image/jpeg", "cover"),
}


def classify(name: str) -> tuple[str, str] | None:
    """(Content-Type, metrics kind) of a servable file name, or None if it is not one."""
    match = _NAME.match(name)
    return TYPES.get(match.group(1)) if match else None
