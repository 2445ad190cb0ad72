"""Decode a source once and feed several encoders: one pass makes a group of renditions."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import av
import lameenc
from av.audio.stream import AudioStream

from veza.core.media.errors import check_length


@dataclass(frozen=True, slots=True)
class EncodeSpec:
    """One output file: FFmpeg muxer and encoder, and what the encoder is asked for."""

    muxer: str
    codec: str
    bit_rate: int | None = None
    sample_rate: int | None = None  # None: chosen from the source by `output_rate`
    options: tuple[tuple[str, str], ...] = ()


def output_rate(spec: EncodeSpec, source_rate: int) -> int:
    """The spec's rate, else the source's if the codec takes it, else 44.1 or 48 kHz."""
    if spec.sample_rate is not None:
        return spec.sample_rate
    if spec.codec == "flac" or source_rate in (44_100, 48_000):
        return source_rate
    return 44_100 if source_rate % 11_025 == 0 else 48_000


class _Output:
    def __init__(self, spec: EncodeSpec, path: Path, source: av.audio.stream.AudioStream) -> None:
        channels = source.codec_context.channels
        self.layout = "mono" if channels == 1 else "stereo"
        rate = output_rate(spec, source.codec_context.sample_rate)
        self.container = av.open(str(path), "w", format=spec.muxer)
        self.stream = cast(
            AudioStream, self.container.add_stream(spec.codec, rate=rate, layout=self.layout)
        )
        if spec.bit_rate:
            self.stream.bit_rate = spec.bit_rate
        if spec.codec == "flac":
            wide = source.codec_context.format.bytes > 2  # 24-bit sources keep their depth
            self.stream.codec_context.format = "s32" if wide else "s16"
        self.stream.codec_context.options = dict(spec.options)
        self.stream.codec_context.open()
        self.resampler = av.AudioResampler(
            format=self.stream.codec_context.format,
            layout=self.layout,
            rate=rate,
            frame_size=self.stream.codec_context.frame_size or None,
        )

    def feed(self, frame: av.AudioFrame | None) -> None:
        for resampled in self.resampler.resample(frame):
            self.container.mux(self.stream.encode(resampled))
        if frame is None:
            self.container.mux(self.stream.encode(None))

    def close(self) -> None:
        self.container.close()


# The codec name of MP3 through lameenc: PyAV's bundled LAME is built without optimisation
# (about 3x slower than Debian's); lameenc's is not, and it is the same LAME encoder.
LAMEENC = "lameenc"
LAME_QUALITY = 3  # LAME's own default, and so the ffmpeg CLI's


class _LameOutput:
    """An MP3 file: PyAV resamples to 16-bit interleaved PCM, lameenc encodes it."""

    def __init__(self, spec: EncodeSpec, path: Path, source: av.audio.stream.AudioStream) -> None:
        channels = 1 if source.codec_context.channels == 1 else 2
        rate = output_rate(spec, source.codec_context.sample_rate)
        self.encoder = lameenc.Encoder()
        self.encoder.set_bit_rate((spec.bit_rate or 320_000) // 1000)
        self.encoder.set_in_sample_rate(rate)
        self.encoder.set_out_sample_rate(rate)
        self.encoder.set_channels(channels)
        self.encoder.set_quality(LAME_QUALITY)
        layout = "mono" if channels == 1 else "stereo"
        self.resampler = av.AudioResampler(format="s16", layout=layout, rate=rate)
        self.file = path.open("wb")

    def feed(self, frame: av.AudioFrame | None) -> None:
        for resampled in self.resampler.resample(frame):
            self.file.write(self.encoder.encode(resampled.to_ndarray().tobytes()))
        if frame is None:
            self.file.write(self.encoder.flush())

    def close(self) -> None:
        self.file.close()


def _open(spec: EncodeSpec, path: Path, source: AudioStream) -> _Output | _LameOutput:
    return (_LameOutput if spec.codec == LAMEENC else _Output)(spec, path, source)


def encode_group(
    source: Path,
    outputs: Sequence[tuple[EncodeSpec, Path]],
    max_seconds: float,
    on_progress: Callable[[float], None] | None = None,
) -> None:
    """Encode every output from one decode of `source`; on failure no output is left behind."""
    with av.open(str(source), metadata_errors="ignore") as container:
        stream = container.streams.audio[0]
        duration = (container.duration or 0) / av.time_base
        opened: list[_Output | _LameOutput] = []
        try:
            for spec, path in outputs:
                opened.append(_open(spec, path, stream))
            reported = 0.0
            for frame in container.decode(stream):
                if frame.time is not None:
                    check_length(frame.time, max_seconds)
                for output in opened:
                    output.feed(frame)
                if on_progress and duration and frame.time is not None:
                    done = min(1.0, frame.time / duration)
                    if done - reported >= 0.05:
                        reported = done
                        on_progress(done)
            for output in opened:
                output.feed(None)
        except BaseException:
            for output in opened:
                output.close()
            for _, path in outputs:
                path.unlink(missing_ok=True)
            raise
        for output in opened:
            output.close()
