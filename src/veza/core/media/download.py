"""Downloading an original: the name it is saved under, and a Content-Disposition that cannot
be turned into a header injection or a path on the user's disk."""

from __future__ import annotations

import re
import unicodedata
from pathlib import PurePosixPath
from urllib.parse import quote

from veza.core.media.tags import clean_text

# Source container (and codec, for Ogg) -> the extension the file is saved with.
_EXTENSIONS = {"mp3": "mp3", "mov": "m4a", "aac": "aac", "flac": "flac", "wav": "wav"}
_EXTENSIONS |= {"aiff": "aiff", "ogg": "ogg"}
_UNSAFE = re.compile(r"[\\/:*?\"<>|;]")
_NOT_PLAIN_ASCII = re.compile(r"[^A-Za-z0-9 ._()\[\]&+,'-]")
MAX_NAME = 150


def extension(source_format: str, source_codec: str) -> str:
    if source_format == "ogg" and source_codec == "opus":
        return "opus"
    return _EXTENSIONS.get(source_format, "bin")


def safe_filename(raw: str, ext: str | None = None) -> str:
    """A file name every OS accepts: one component, no control or reserved characters, no
    leading dot, bounded; with `ext`, the stem keeps its name and gets that extension."""
    name = _UNSAFE.sub("_", clean_text(re.split(r"[\\/]", raw)[-1], limit=255) or "")
    stem = PurePosixPath(name).stem if ext else name
    stem = stem.strip(" .")[:MAX_NAME] or "track"
    return f"{stem}.{ext}" if ext else stem


def content_disposition(name: str) -> str:
    """`attachment` with an ASCII fallback and the exact UTF-8 name (RFC 6266, RFC 8187)."""
    name = safe_filename(name)
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    fallback = _NOT_PLAIN_ASCII.sub("_", folded).strip(" .") or "track"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"
