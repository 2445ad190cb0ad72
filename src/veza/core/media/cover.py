"""Embedded cover art: found through FFmpeg's attached pictures (every container), resized."""

from __future__ import annotations

import io
from pathlib import Path

import av
import av.error
from PIL import Image, UnidentifiedImageError

from veza.core.images import COVER_SIZES, center_square, cover_jpegs
from veza.core.media.probe import is_picture

SIZES = COVER_SIZES
# A decompression bomb guard: cover art larger than this is ignored.
MAX_PIXELS = 40_000_000


def embedded_picture(path: Path) -> bytes | None:
    """The bytes of the first attached picture, or None."""
    with av.open(str(path), metadata_errors="ignore") as container:
        for stream in container.streams.video:
            if is_picture(stream):
                for packet in container.demux(stream):
                    return bytes(packet)
    return None


def write_covers(picture: bytes, directory: Path) -> list[Path]:
    """Square JPEGs `cover_<size>.jpg` (centre-cropped); [] when the picture is not an image."""
    try:
        with Image.open(io.BytesIO(picture)) as image:
            if image.width * image.height > MAX_PIXELS:
                return []
            square = center_square(image)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        return []
    written = []
    for size, data in cover_jpegs(square).items():
        target = directory / f"cover_{size}.jpg"
        target.write_bytes(data)
        written.append(target)
    return written


def cover_art(source: Path, directory: Path) -> list[Path]:
    """Extract and resize the source's cover; [] when it has none."""
    try:
        picture = embedded_picture(source)
    except av.error.FFmpegError:
        return []
    return write_covers(picture, directory) if picture else []
