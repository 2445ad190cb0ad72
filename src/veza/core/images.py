"""Image checks and resizing (Pillow): avatars, and track covers (embedded or uploaded)."""

from __future__ import annotations

import asyncio
import enum
import io

from PIL import Image, ImageOps, UnidentifiedImageError

from veza.core.errors import InvalidInput, PayloadTooLarge, UnsupportedMediaType

AVATAR_MAX_BYTES = 2 * 1024 * 1024
COVER_MAX_BYTES = 8 * 1024 * 1024
# Square edge lengths a track cover is stored in, as JPEG.
COVER_SIZES = (600, 300, 64)
COVER_JPEG_QUALITY = 88
# Formats people actually upload; everything else Pillow knows (PSD, TIFF, ...) stays out.
ACCEPTED_FORMATS = ("JPEG", "PNG", "WEBP", "GIF")
# About a 40-megapixel photo: the decoded frame stays within a few hundred MB.
MAX_PIXELS = 40_000_000
WEBP_QUALITY = 85


class AvatarSize(enum.IntEnum):
    """Square edge lengths an avatar is stored in."""

    large = 256
    small = 64


async def make_avatar(data: bytes) -> dict[AvatarSize, bytes]:
    """Square WebP avatars in every size, from an uploaded image, with no metadata left.

    Pillow runs in a thread so a large decode does not stall the event loop.
    """
    if len(data) > AVATAR_MAX_BYTES:
        raise PayloadTooLarge(
            f"an avatar may be at most {AVATAR_MAX_BYTES // (1024 * 1024)} MB",
            code="avatar_too_large",
            details={"limit_bytes": AVATAR_MAX_BYTES},
        )
    return await asyncio.to_thread(_make_avatar, data)


def _make_avatar(data: bytes) -> dict[AvatarSize, bytes]:
    square = center_square(_upright(_decode(data, max(AvatarSize))))
    return {
        size: _encode_webp(square.resize((size, size), Image.Resampling.LANCZOS))
        for size in AvatarSize
    }


async def make_cover(data: bytes) -> dict[int, bytes]:
    """Square JPEG covers in every size from an uploaded image, with no metadata left."""
    if len(data) > COVER_MAX_BYTES:
        raise PayloadTooLarge(
            f"a cover may be at most {COVER_MAX_BYTES // (1024 * 1024)} MB",
            code="cover_too_large",
            details={"limit_bytes": COVER_MAX_BYTES},
        )
    return await asyncio.to_thread(
        lambda: cover_jpegs(center_square(_upright(_decode(data, max(COVER_SIZES)))))
    )


def cover_jpegs(square: Image.Image) -> dict[int, bytes]:
    """The square as a JPEG per cover size; never enlarged (a small picture stays small)."""
    flat = _flatten(square)
    covers = {}
    for size in COVER_SIZES:
        resized = flat
        if flat.width > size:
            resized = flat.resize((size, size), Image.Resampling.LANCZOS)
        resized.info = {}  # no EXIF, ICC, XMP or comments carried over
        out = io.BytesIO()
        resized.save(out, "JPEG", quality=COVER_JPEG_QUALITY, optimize=True)
        covers[size] = out.getvalue()
    return covers


def _flatten(image: Image.Image) -> Image.Image:
    """RGB for JPEG; transparent parts become white rather than black."""
    if image.mode == "RGB":
        return image
    rgba = image.convert("RGBA")
    background = Image.new("RGB", rgba.size, (255, 255, 255))
    background.paste(rgba, mask=rgba.getchannel("A"))
    return background


def _decode(data: bytes, target: int) -> Image.Image:
    """A fully decoded image, or a domain error saying why the bytes are not a usable picture."""
    unsupported = UnsupportedMediaType(
        "the file is not a JPEG, PNG, WebP or GIF image that can be read",
        code="unsupported_image",
        details={"accepted": [name.lower() for name in ACCEPTED_FORMATS]},
    )
    try:
        with Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS) as probe:
            probe.verify()
        image = Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS)
        if image.width * image.height > MAX_PIXELS:
            raise _too_many_pixels()
        # JPEG decodes straight to a smaller scale when it can; other formats ignore this.
        image.draft(image.mode, (target, target))
        image.load()
    except Image.DecompressionBombError:
        raise _too_many_pixels() from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
        raise unsupported from None
    return image


def _upright(image: Image.Image) -> Image.Image:
    """Apply the EXIF orientation. Damaged EXIF makes Pillow raise almost anything (TypeError,
    struct.error, ...); it is discarded anyway, so the picture is kept as stored."""
    try:
        return ImageOps.exif_transpose(image)
    except Exception:
        return image


def _too_many_pixels() -> InvalidInput:
    return InvalidInput(
        f"the image has more than {MAX_PIXELS:,} pixels",
        code="image_too_large",
        details={"max_pixels": MAX_PIXELS},
    )


def center_square(image: Image.Image) -> Image.Image:
    """The largest centred square, in RGB or RGBA."""
    has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
    image = image.convert("RGBA" if has_alpha else "RGB")
    side = min(image.size)
    left = (image.width - side) // 2
    top = (image.height - side) // 2
    return image.crop((left, top, left + side, top + side))


def _encode_webp(image: Image.Image) -> bytes:
    # Derived images inherit `info` (EXIF, ICC, XMP); drop it so nothing identifying is kept.
    image.info = {}
    out = io.BytesIO()
    image.save(out, format="WEBP", quality=WEBP_QUALITY, method=4)
    return out.getvalue()
