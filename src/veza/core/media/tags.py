"""Text tags through mutagen's format-independent ("easy") view of ID3, MP4, Vorbis and FLAC."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import mutagen
from mutagen import MutagenError

from veza.core.text import check_plain_text

MAX_TEXT = 200
_LEADING_INT = re.compile(r"^\s*(\d{1,4})")
_EXTENSION = re.compile(r"\.[A-Za-z0-9]{1,5}$")


@dataclass(frozen=True, slots=True)
class Tags:
    title: str | None = None
    artist: str | None = None
    album: str | None = None
    album_artist: str | None = None
    track_number: int | None = None
    disc_number: int | None = None
    year: int | None = None
    genre: str | None = None


def clean_text(value: str | None, limit: int = MAX_TEXT) -> str | None:
    """Tag text as we store it: control characters and bidi tricks dropped, trimmed, bounded."""
    if value is None:
        return None
    kept = "".join(char for char in value if _allowed(char))
    return kept.strip()[:limit] or None


def _allowed(char: str) -> bool:
    try:
        check_plain_text(char)
    except ValueError:
        return False
    return True


def fallback_title(filename: str) -> str:
    """The title of an untagged, untitled upload: its file name without the extension."""
    return clean_text(_EXTENSION.sub("", filename)) or filename[:MAX_TEXT]


def _first(tags: Any, *keys: str) -> str | None:
    for key in keys:
        values = tags.get(key)
        if values:
            return str(values[0])
    return None


def _leading_int(value: str | None) -> int | None:
    """`"3/12"` -> 3, `"2019-05-01"` -> 2019; anything else -> None."""
    match = _LEADING_INT.match(value or "")
    return int(match.group(1)) if match else None


def read_tags(path: Path) -> Tags:
    """The file's tags; a file without tags (or with unreadable ones) gives empty Tags."""
    try:
        audio = mutagen.File(path, easy=True)
    except MutagenError:
        return Tags()
    if audio is None or audio.tags is None:
        return Tags()
    tags = audio.tags
    return Tags(
        title=clean_text(_first(tags, "title")),
        artist=clean_text(_first(tags, "artist")),
        album=clean_text(_first(tags, "album")),
        album_artist=clean_text(_first(tags, "albumartist", "album artist", "album_artist")),
        track_number=_leading_int(_first(tags, "tracknumber")),
        disc_number=_leading_int(_first(tags, "discnumber")),
        year=_leading_int(_first(tags, "date", "year")),
        genre=clean_text(_first(tags, "genre"), limit=64),
    )
