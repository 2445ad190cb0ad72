"""Loudness (EBU R128 via FFmpeg's ebur128 filter) and waveform peaks, from one decode."""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import av.error
import av.filter
import numpy as np
import numpy.typing as npt

from veza.core.media.errors import check_length

TARGET_LUFS = -14.0
# After gain the true peak stays at or below this, so normalisation never clips.
PEAK_CEILING_DB = -1.0
# Below this ebur128 has measured no gated block (silence): no gain is applied.
SILENCE_LUFS = -70.0
WAVEFORM_BUCKETS = 1000
# Peaks are first kept per block of this many samples, then merged into the buckets: audio
# over ~1.5 s gets every bucket, and 30 minutes keep ~11 MB of block peaks.
_BLOCK = 64


@dataclass(frozen=True, slots=True)
class Analysis:
    loudness_lufs: float | None
    true_peak_db: float | None
    gain_db: float
    duration: float
    peaks: list[int]  # min, max, min, max, ... in -127..127, one pair per bucket


def track_gain(loudness_lufs: float | None, true_peak_db: float | None) -> float:
    """Gain to the -14 LUFS target, lowered if it would push the true peak over the ceiling."""
    if loudness_lufs is None or loudness_lufs <= SILENCE_LUFS:
        return 0.0
    gain = TARGET_LUFS - loudness_lufs
    if true_peak_db is not None:
        gain = min(gain, PEAK_CEILING_DB - true_peak_db)
    return round(gain, 2)


class _Loudness:
    """A streaming ebur128 graph; integrated loudness and true peak read from frame metadata."""

    def __init__(self, rate: int, layout: str) -> None:
        self.graph = av.filter.Graph()
        source = self.graph.add_abuffer(
            format="fltp", sample_rate=rate, layout=layout, time_base=Fraction(1, rate)
        )
        meter = self.graph.add("ebur128", "metadata=1:peak=true")
        sink = self.graph.add("abuffersink")
        source.link_to(meter)
        meter.link_to(sink)
        self.graph.configure()
        self.integrated: float | None = None
        self.true_peak = 0.0

    def push(self, frame: av.AudioFrame | None) -> None:
        self.graph.push(frame)
        while True:
            try:
                out = self.graph.pull()
            except (av.error.BlockingIOError, av.error.EOFError):
                return
            self._read(dict(out.metadata))

    def _read(self, metadata: dict[str, Any]) -> None:
        if "lavfi.r128.I" in metadata:
            self.integrated = float(metadata["lavfi.r128.I"])
        if "lavfi.r128.true_peak" in metadata:
            self.true_peak = max(self.true_peak, float(metadata["lavfi.r128.true_peak"]))

    @property
    def true_peak_db(self) -> float | None:
        return 20 * math.log10(self.true_peak) if self.true_peak > 0 else None


def _bucket_peaks(mins: npt.NDArray[np.float32], maxs: npt.NDArray[np.float32]) -> list[int]:
    count = min(WAVEFORM_BUCKETS, len(mins))
    if count == 0:
        return []
    edges = np.linspace(0, len(mins), count + 1).astype(np.int64)[:-1]
    low = np.minimum.reduceat(mins, edges)
    high = np.maximum.reduceat(maxs, edges)
    pairs = np.stack([low, high], axis=1).reshape(-1)
    return [int(v) for v in np.clip(np.round(pairs * 127), -127, 127)]


def analyse(source: Path, max_seconds: float) -> Analysis:
    """Decode once; feed the loudness meter and the waveform's per-block peaks."""
    with av.open(str(source), metadata_errors="ignore") as container:
        stream = container.streams.audio[0]
        rate = stream.codec_context.sample_rate
        layout = "mono" if stream.codec_context.channels == 1 else "stereo"
        resampler = av.AudioResampler(format="fltp", layout=layout, rate=rate)
        meter = _Loudness(rate, layout)
        mins: list[npt.NDArray[np.float32]] = []
        maxs: list[npt.NDArray[np.float32]] = []
        pending = np.zeros(0, dtype=np.float32)
        samples = 0
        for decoded in container.decode(stream):
            for frame in resampler.resample(decoded):
                meter.push(frame)
                mono = frame.to_ndarray().mean(axis=0, dtype=np.float32)
                samples += mono.size
                check_length(samples / rate, max_seconds)
                pending = np.concatenate([pending, mono])
                whole = pending.size - pending.size % _BLOCK
                blocks = pending[:whole].reshape(-1, _BLOCK)
                mins.append(blocks.min(axis=1))
                maxs.append(blocks.max(axis=1))
                pending = pending[whole:]
        meter.push(None)
    if pending.size:
        mins.append(pending.min(keepdims=True))
        maxs.append(pending.max(keepdims=True))
    peaks = _bucket_peaks(
        np.concatenate(mins) if mins else np.zeros(0, np.float32),
        np.concatenate(maxs) if maxs else np.zeros(0, np.float32),
    )
    loudness = meter.integrated
    true_peak = meter.true_peak_db
    return Analysis(
        loudness_lufs=round(loudness, 2) if loudness is not None else None,
        true_peak_db=round(true_peak, 2) if true_peak is not None else None,
        gain_db=track_gain(loudness, true_peak),
        duration=samples / rate,
        peaks=peaks,
    )
