"""Identify an upload by its content (never its name) and check it is whole, playable audio."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import av
import av.error

from veza.core.media.errors import InvalidMedia, UnsupportedMedia

# Demuxers (FFmpeg names) of the containers we accept.
FORMATS = frozenset({"mp3", "mov,mp4,m4a,3gp,3g2,mj2", "aac", "ogg", "flac", "wav", "aiff"})
LOSSY_CODECS = frozenset({"mp3", "aac", "vorbis", "opus"})
LOSSLESS_CODECS = frozenset({"flac", "alac"})
# How much shorter than its header claims a file may decode before we call it truncated.
TAIL_TOLERANCE_SECONDS = 1.0


@dataclass(frozen=True, slots=True)
class SourceInfo:
    format: str
    codec: str
    duration: float
    sample_rate: int
    channels: int
    bit_rate: int

    @property
    def lossless(self) -> bool:
        return self.codec in LOSSLESS_CODECS or self.codec.startswith("pcm_")


def is_picture(stream: av.stream.Stream) -> bool:
    """An embedded cover (FFmpeg shows it as a one-frame video stream), not a video."""
    return bool(stream.disposition & av.stream.Disposition.attached_pic)


def _codec_name(stream: av.audio.stream.AudioStream) -> str:
    descriptor = stream.codec_context.codec
    return str(descriptor.name).replace("mp3float", "mp3").replace("libopus", "opus")


def _check_tail(container: av.container.InputContainer, duration: float) -> None:
    """Decode the last second: a truncated or damaged file fails here, cheaply."""
    stream = container.streams.audio[0]
    container.seek(int(max(0.0, duration - TAIL_TOLERANCE_SECONDS) * av.time_base))
    end = 0.0
    try:
        for frame in container.decode(stream):
            if frame.time is not None:
                end = frame.time + frame.samples / frame.sample_rate
    except av.error.FFmpegError:
        raise InvalidMedia(
            "the file is damaged or truncated: its audio cannot be decoded"
        ) from None
    if end < duration - max(TAIL_TOLERANCE_SECONDS, duration * 0.02):
        raise InvalidMedia(
            f"the file is truncated: its header says {duration:.1f} s but the audio ends "
            f"at {end:.1f} s"
        )


def probe(path: Path, *, max_seconds: int) -> SourceInfo:
    """What the file is; raises UnsupportedMedia or InvalidMedia with a reason a person can read."""
    if path.stat().st_size == 0:
        raise InvalidMedia("the file is empty")
    try:
        container = av.open(str(path), metadata_errors="ignore")
    except av.error.FFmpegError:
        raise UnsupportedMedia("the file is not audio in a format we know") from None
    with container:
        if not container.streams.audio:
            raise UnsupportedMedia("the file is not audio (an image, a document, ...)")
        if any(not is_picture(s) for s in container.streams.video):
            raise UnsupportedMedia("video files are not accepted; upload the audio alone")
        if container.format.name not in FORMATS:
            raise UnsupportedMedia(
                "the file is not audio in a supported format (MP3, AAC/M4A, Ogg Vorbis/Opus, "
                "FLAC, WAV, AIFF)"
            )
        stream = container.streams.audio[0]
        codec = _codec_name(stream)
        if codec not in LOSSY_CODECS | LOSSLESS_CODECS and not codec.startswith("pcm_"):
            raise UnsupportedMedia(f"the audio codec {codec!r} is not supported")
        if container.duration is None or container.duration <= 0:
            raise InvalidMedia("the file holds no audio")
        duration = container.duration / av.time_base
        if duration > max_seconds:
            raise InvalidMedia(
                f"the audio is {duration / 60:.1f} min long; "
                f"the limit is {max_seconds / 60:.1f} min"
            )
        info = SourceInfo(
            format=container.format.name.split(",")[0],
            codec=codec,
            duration=duration,
            sample_rate=stream.codec_context.sample_rate,
            channels=stream.codec_context.channels,
            bit_rate=container.bit_rate or 0,
        )
        if info.sample_rate <= 0 or info.channels <= 0:
            raise InvalidMedia("the audio stream has no sample rate or channels")
        _check_tail(container, duration)
        return info
