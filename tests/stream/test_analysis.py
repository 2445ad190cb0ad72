"""Loudness against known signals (EBU R128 / BS.1770 reference values) and the gain rule."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sample_audio import encode

from veza.core.media.analysis import analyse, track_gain
from veza.core.media.errors import InvalidMedia


def sine(path: Path, amplitude: float, seconds: float = 5.0, rate: int = 48_000) -> Path:
    t = np.arange(int(seconds * rate)) / rate
    tone = (amplitude * np.sin(2 * np.pi * 1000 * t)).astype(np.float32)
    return encode(path, np.stack([tone, tone]), rate, "wav", "pcm_f32le")


def test_1khz_stereo_sine_at_minus_20_dbfs_measures_minus_20_lufs(tmp_path: Path) -> None:
    result = analyse(sine(tmp_path / "tone.wav", 0.1), max_seconds=60)
    assert result.loudness_lufs == pytest.approx(-20.0, abs=0.1)
    assert result.true_peak_db == pytest.approx(-20.0, abs=0.1)
    assert result.gain_db == pytest.approx(6.0, abs=0.1)
    assert result.duration == pytest.approx(5.0, abs=0.001)


def test_gain_never_pushes_the_true_peak_over_minus_1_dbtp(tmp_path: Path) -> None:
    # A quiet track with one loud click: the click, not the target, limits the gain.
    rate = 48_000
    t = np.arange(5 * rate) / rate
    tone = (0.01 * np.sin(2 * np.pi * 1000 * t)).astype(np.float32)
    tone[rate] = 0.9
    path = encode(tmp_path / "click.wav", np.stack([tone, tone]), rate, "wav", "pcm_f32le")
    result = analyse(path, max_seconds=60)
    assert result.true_peak_db is not None
    assert result.gain_db == pytest.approx(-1 - result.true_peak_db, abs=0.01)


def test_silence_gets_no_gain(tmp_path: Path) -> None:
    path = sine(tmp_path / "silence.wav", 0.0)
    assert analyse(path, max_seconds=60).gain_db == 0.0
    assert track_gain(None, None) == 0.0


def test_audio_longer_than_the_limit_is_caught_while_decoding(tmp_path: Path) -> None:
    with pytest.raises(InvalidMedia, match="longer than the limit"):
        analyse(sine(tmp_path / "long.wav", 0.1, seconds=3.0), max_seconds=2)
