"""The processing steps that run inside worker processes; plain paths in, plain dicts out.

A job is split into tasks that the process pool runs in parallel: `analyse` (tags, cover,
loudness, waveform) and one `encode` per rendition group. Each group decodes the source once
and feeds all its encoders; the HLS ladder's 256 kb/s AAC is also the progressive M4A.
"""

from __future__ import annotations

import json
import multiprocessing.queues
from dataclasses import asdict
from pathlib import Path
from typing import Any, TypeAlias

from veza.core.media.analysis import analyse
from veza.core.media.cover import cover_art
from veza.core.media.encode import EncodeSpec, encode_group
from veza.core.media.hls import measure, segment, write_master
from veza.core.media.tags import read_tags

LADDER_KBPS = (64, 128, 256)
MASTER = "master.m3u8"
WAVEFORM = "waveform.json"
PROGRESSIVE: dict[str, tuple[EncodeSpec, str]] = {
    "mp3": (EncodeSpec("mp3", "libmp3lame", 320_000), "audio.mp3"),
    "aac": (EncodeSpec("ipod", "aac", 256_000), "audio.m4a"),
    "opus": (
        EncodeSpec("ogg", "libopus", 160_000, 48_000, (("vbr", "constrained"),)),
        "audio.opus",
    ),
    "flac": (EncodeSpec("flac", "flac"), "audio.flac"),
}
# Groups of renditions encoded from one decode each, longest first so they finish together.
GROUPS = ("hls", "mp3", "opus")

# (job, task, fraction done); None stops the reader.
ProgressQueue: TypeAlias = "multiprocessing.queues.Queue[tuple[str, str, float] | None]"
_progress_queue: ProgressQueue | None = None


def init_worker(queue: ProgressQueue | None) -> None:
    """Process-pool initializer: where tasks report their progress."""
    global _progress_queue
    _progress_queue = queue


def _reporter(job: str, task: str) -> Any:
    def report(fraction: float) -> None:
        if _progress_queue is not None:
            _progress_queue.put((job, task, fraction))

    return report


def analyse_task(source: str, workdir: str, max_seconds: float) -> dict[str, Any]:
    """Tags, cover art and the loudness/waveform analysis; writes covers and waveform.json."""
    directory = Path(workdir)
    analysis = analyse(Path(source), max_seconds)
    waveform = {
        "version": 1,
        "duration": round(analysis.duration, 3),
        "buckets": len(analysis.peaks) // 2,
        "peaks": analysis.peaks,
    }
    (directory / WAVEFORM).write_text(json.dumps(waveform, separators=(",", ":")))
    covers = cover_art(Path(source), directory)
    return {
        "tags": asdict(read_tags(Path(source))),
        "loudness_lufs": analysis.loudness_lufs,
        "true_peak_db": analysis.true_peak_db,
        "gain_db": analysis.gain_db,
        "duration": analysis.duration,
        "has_cover": bool(covers),
    }


_CODEC_NAMES = {"libmp3lame": "mp3", "libopus": "opus"}


def _describe(spec: EncodeSpec, filename: str) -> dict[str, Any]:
    codec = _CODEC_NAMES.get(spec.codec, spec.codec)
    return {"file": filename, "codec": codec, "bit_rate": spec.bit_rate}


def _encode_hls(source: Path, directory: Path, max_seconds: float, job: str) -> dict[str, Any]:
    aac_spec, aac_name = PROGRESSIVE["aac"]
    files = {kbps: directory / f"ladder_{kbps}.m4a" for kbps in LADDER_KBPS}
    files[256] = directory / aac_name
    specs = [(EncodeSpec("ipod", "aac", kbps * 1000), path) for kbps, path in files.items()]
    encode_group(source, specs, max_seconds, _reporter(job, "hls"))
    variants = []
    for kbps, path in files.items():
        uri = f"hls/{kbps}/index.m3u8"
        variants.append(measure(segment(path, directory / "hls" / str(kbps)), uri))
        if path.name != aac_name:
            path.unlink()
    write_master(directory / MASTER, variants)
    return {
        "hls": {"file": MASTER, "codec": "aac", "variants": [asdict(v) for v in variants]},
        "aac": _describe(aac_spec, aac_name),
    }


def encode_task(
    source: str, workdir: str, group: str, lossless: bool, max_seconds: float, job: str
) -> dict[str, Any]:
    """Encode one group of renditions into `workdir`; returns their descriptions by name."""
    directory = Path(workdir)
    if group == "hls":
        return _encode_hls(Path(source), directory, max_seconds, job)
    names = ["mp3"] if group == "mp3" else ["opus", *(["flac"] if lossless else [])]
    outputs = [(PROGRESSIVE[name][0], directory / PROGRESSIVE[name][1]) for name in names]
    encode_group(Path(source), outputs, max_seconds, _reporter(job, group))
    return {name: _describe(*PROGRESSIVE[name]) for name in names}
