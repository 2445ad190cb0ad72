"""The processing steps that run inside worker processes; plain paths in, plain dicts out.

A job is split into tasks that the process pool runs in parallel, in `TASKS` order: the
first HLS rendition alone (so the track is playable early), the analysis (tags, cover,
loudness, waveform), then the rest of the ladder and the progressive files. Each task
decodes the source once, feeds all its encoders, and writes only into its own directory,
laid out as the files are stored; the 256 kb/s AAC is both an HLS rendition and the
progressive M4A (one encode, remuxed into segments).
"""

from __future__ import annotations

import json
import multiprocessing.queues
from dataclasses import asdict
from pathlib import Path
from typing import Any, TypeAlias

from veza.core.media.analysis import analyse
from veza.core.media.cover import cover_art
from veza.core.media.encode import LAMEENC, EncodeSpec, encode_group
from veza.core.media.hls import Variant, measure, segment
from veza.core.media.tags import read_tags

MASTER = "master.m3u8"
WAVEFORM = "waveform.json"
PROGRESSIVE: dict[str, tuple[EncodeSpec, str]] = {
    "mp3": (EncodeSpec("mp3", LAMEENC, 320_000), "audio.mp3"),
    "aac": (EncodeSpec("ipod", "aac", 256_000), "audio.m4a"),
    "opus": (
        EncodeSpec("ogg", "libopus", 160_000, 48_000, (("vbr", "constrained"),)),
        "audio.opus",
    ),
    "flac": (EncodeSpec("flac", "flac"), "audio.flac"),
}
PROGRESSIVE_AAC_KBPS = 256
# Task -> its share of a job's CPU time (measured on a 5-minute FLAC), in the order the pool
# takes them: the first rendition (adequate for most listening) and the analysis first, then
# the biggest tasks first so both cores finish together.
TASKS = {
    "hls_128": 0.19,
    "analyse": 0.06,
    "hls_256": 0.24,
    "hls_64": 0.16,
    "mp3": 0.18,
    "opus": 0.17,
}
# With these done the track is playable: one complete HLS rendition, waveform, gain, covers.
PLAYABLE_AFTER = frozenset({"hls_128", "analyse"})

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


def _analyse(source: Path, directory: Path, max_seconds: float) -> dict[str, Any]:
    """Tags, cover art and the loudness/waveform analysis; writes covers and waveform.json."""
    analysis = analyse(source, max_seconds)
    waveform = {
        "version": 1,
        "duration": round(analysis.duration, 3),
        "buckets": len(analysis.peaks) // 2,
        "peaks": analysis.peaks,
    }
    (directory / WAVEFORM).write_text(json.dumps(waveform, separators=(",", ":")))
    covers = cover_art(source, directory)
    return {
        "tags": asdict(read_tags(source)),
        "loudness_lufs": analysis.loudness_lufs,
        "true_peak_db": analysis.true_peak_db,
        "gain_db": analysis.gain_db,
        "duration": analysis.duration,
        "has_cover": bool(covers),
    }


_CODEC_NAMES = {LAMEENC: "mp3", "libopus": "opus"}


def _describe(spec: EncodeSpec, filename: str) -> dict[str, Any]:
    codec = _CODEC_NAMES.get(spec.codec, spec.codec)
    return {"file": filename, "codec": codec, "bit_rate": spec.bit_rate}


def _encode_hls(
    source: Path, directory: Path, kbps: int, max_seconds: float, report: Any
) -> dict[str, Any]:
    """One AAC encode, remuxed into `hls/<kbps>/`; at 256 kb/s the file stays as the M4A."""
    aac_spec, aac_name = PROGRESSIVE["aac"]
    progressive = kbps == PROGRESSIVE_AAC_KBPS
    path = directory / (aac_name if progressive else f"ladder_{kbps}.m4a")
    encode_group(source, [(EncodeSpec("ipod", "aac", kbps * 1000), path)], max_seconds, report)
    uri = f"hls/{kbps}/index.m3u8"
    variant = measure(segment(path, directory / "hls" / str(kbps)), uri)
    if not progressive:
        path.unlink()
    return {
        "variant": asdict(variant),
        "renditions": {"aac": _describe(aac_spec, aac_name)} if progressive else {},
    }


def run_task(
    task: str, source: str, outdir: str, lossless: bool, max_seconds: float, job: str
) -> dict[str, Any]:
    """Run one of `TASKS` into `outdir`: `{"analysis": ...}`, or the renditions it made
    (`{"renditions": {name: description}, "variant": ...}` for an HLS rendition)."""
    directory = Path(outdir)
    directory.mkdir(parents=True, exist_ok=True)
    if task == "analyse":
        return {"analysis": _analyse(Path(source), directory, max_seconds)}
    report = _reporter(job, task)
    if task.startswith("hls_"):
        kbps = int(task.removeprefix("hls_"))
        return _encode_hls(Path(source), directory, kbps, max_seconds, report)
    names = ["mp3"] if task == "mp3" else ["opus", *(["flac"] if lossless else [])]
    outputs = [(PROGRESSIVE[name][0], directory / PROGRESSIVE[name][1]) for name in names]
    encode_group(Path(source), outputs, max_seconds, report)
    return {"renditions": {name: _describe(*PROGRESSIVE[name]) for name in names}}


def master_rendition(variants: list[Variant]) -> dict[str, Any]:
    """The `hls` entry of a track's renditions: the master playlist and what it lists."""
    return {"file": MASTER, "codec": "aac", "variants": [asdict(v) for v in variants]}
