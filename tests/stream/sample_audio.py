"""Real test media, generated here (numpy + PyAV, tags with mutagen, covers with Pillow)."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import av
import mutagen
import numpy as np
import numpy.typing as npt
from mutagen.flac import FLAC, Picture
from mutagen.id3 import APIC, ID3
from mutagen.mp4 import MP4, MP4Cover
from PIL import Image

# kind -> (muxer, encoder, file extension, sample rate or None for the caller's)
KINDS: dict[str, tuple[str, str, str, int | None]] = {
    "wav": ("wav", "pcm_s16le", "wav", None),
    "aiff": ("aiff", "pcm_s16be", "aiff", None),
    "flac": ("flac", "flac", "flac", None),
    "mp3": ("mp3", "libmp3lame", "mp3", None),
    "vorbis": ("ogg", "vorbis", "ogg", None),
    "opus": ("ogg", "libopus", "opus", 48_000),
    "m4a": ("ipod", "aac", "m4a", None),
}


def music(seconds: float, rate: int = 44_100, channels: int = 2) -> npt.NDArray[np.float32]:
    """A chirp, a pulsing bass and some noise: enough like music to keep encoders honest."""
    rng = np.random.default_rng(7)
    t = np.arange(int(seconds * rate)) / rate
    chirp = 0.25 * np.sin(2 * np.pi * (200 * t + 900 / seconds * t * t))
    bass = 0.2 * np.sin(2 * np.pi * 110 * t) * (np.sin(2 * np.pi * 2 * t) > 0)
    noise = 0.05 * rng.standard_normal(t.size)
    left, right = chirp + bass + noise, 0.8 * chirp - bass + 0.7 * noise
    return np.stack([left, right][:channels]).astype(np.float32)


def encode(path: Path, data: npt.NDArray[np.float32], rate: int, muxer: str, codec: str) -> Path:
    layout = "mono" if data.shape[0] == 1 else "stereo"
    with av.open(str(path), "w", format=muxer) as container:
        stream = container.add_stream(codec, rate=rate, layout=layout)
        if codec == "vorbis":  # FFmpeg's own Vorbis encoder (no libvorbis in PyAV's build)
            stream.codec_context.options = {"strict": "experimental"}
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(data), format="fltp", layout=layout)
        frame.sample_rate, frame.pts = rate, 0
        resampler = av.AudioResampler(
            format=stream.codec_context.format.name,
            layout=layout,
            rate=rate,
            frame_size=stream.codec_context.frame_size or 4096,
        )
        for piece in [*resampler.resample(frame), *resampler.resample(None)]:
            container.mux(stream.encode(piece))
        container.mux(stream.encode(None))
    return path


def write_audio(
    directory: Path,
    kind: str,
    *,
    seconds: float = 3.0,
    rate: int = 44_100,
    channels: int = 2,
    name: str | None = None,
) -> Path:
    muxer, codec, extension, fixed_rate = KINDS[kind]
    rate = fixed_rate or rate
    path = directory / (name or f"sample.{extension}")
    return encode(path, music(seconds, rate, channels), rate, muxer, codec)


def write_video(path: Path, seconds: float = 1.0) -> Path:
    """An MP4 with a moving picture and a soundtrack."""
    with av.open(str(path), "w") as container:
        video = container.add_stream("mpeg4", rate=25)
        video.width, video.height, video.pix_fmt = 64, 48, "yuv420p"
        audio = container.add_stream("aac", rate=44_100, layout="stereo")
        for index in range(int(seconds * 25)):
            pixels = np.full((48, 64, 3), index * 8 % 256, dtype=np.uint8)
            picture = av.VideoFrame.from_ndarray(pixels, format="rgb24")
            container.mux(video.encode(picture))
        container.mux(video.encode(None))
        samples = music(seconds)
        frame = av.AudioFrame.from_ndarray(samples, format="fltp", layout="stereo")
        frame.sample_rate = 44_100
        resampler = av.AudioResampler(format="fltp", layout="stereo", rate=44_100, frame_size=1024)
        for piece in [*resampler.resample(frame), *resampler.resample(None)]:
            container.mux(audio.encode(piece))
        container.mux(audio.encode(None))
    return path


def picture(width: int = 800, height: int = 640, fmt: str = "PNG") -> bytes:
    image = Image.new("RGB", (width, height), (200, 30, 60))
    for x in range(0, width, 40):
        image.paste((20, 120, 220), (x, 0, x + 20, height))
    buffer = io.BytesIO()
    image.save(buffer, fmt)
    return buffer.getvalue()


def tag(path: Path, tags: dict[str, str], cover: bytes | None = None) -> Path:
    """Write text tags through mutagen's easy interface, and a front cover per format."""
    audio = mutagen.File(path, easy=True)
    if audio.tags is None:
        audio.add_tags()
    for key, value in tags.items():
        audio[key] = value
    audio.save()
    if cover is not None:
        _add_cover(path, cover)
    return path


def _flac_picture(cover: bytes) -> Picture:
    pic = Picture()
    pic.type, pic.mime, pic.data = 3, "image/png", cover
    pic.width, pic.height, pic.depth = 800, 640, 24
    return pic


def _add_cover(path: Path, cover: bytes) -> None:
    suffix = path.suffix
    if suffix == ".mp3":
        id3 = ID3(path)
        id3.add(APIC(encoding=3, mime="image/png", type=3, desc="cover", data=cover))
        id3.save(path)
    elif suffix == ".flac":
        flac = FLAC(path)
        flac.add_picture(_flac_picture(cover))
        flac.save()
    elif suffix == ".m4a":
        mp4 = MP4(path)
        mp4["covr"] = [MP4Cover(cover, imageformat=MP4Cover.FORMAT_PNG)]
        mp4.save()
    elif suffix in (".ogg", ".opus"):
        ogg = mutagen.File(path)
        block = base64.b64encode(_flac_picture(cover).write()).decode()
        ogg["metadata_block_picture"] = [block]
        ogg.save()
    else:
        raise ValueError(f"no cover support for {suffix}")
