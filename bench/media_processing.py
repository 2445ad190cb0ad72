"""Processing a 5-minute stereo FLAC: seconds from the upload's end until the track is
playable (a master playlist with one complete rendition) and until every rendition exists,
through a real `veza serve`, next to Debian's `ffmpeg` CLI making the same files (the same
three AAC renditions as fMP4 HLS, the 256 kb/s one also as M4A, MP3 320k, Opus 160k, FLAC) as
two processes in parallel, one per core, in the same run. Rounds alternate veza and ffmpeg;
a 2-second track is processed first, so the media pool has spawned its processes.

    python -m bench.media_processing [--seconds 300] [--rounds 2]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

from bench.http_reads import sign_up
from bench.media import ProgressEvents, cpu_seconds, load_average, upload, warm_up, write_flac
from bench.run import machine
from bench.server import veza_server

# What the pipeline's HLS packaging asks of FFmpeg's hls muxer (veza.core.media.hls).
HLS_OPTIONS = {
    "hls_time": "4",
    "hls_playlist_type": "vod",
    "hls_segment_type": "fmp4",
    "hls_fmp4_init_filename": "init.mp4",
    "hls_flags": "independent_segments",
}


def _hls_options(out: Path, kbps: int) -> dict[str, str]:
    (out / "hls" / str(kbps)).mkdir(parents=True)
    return {**HLS_OPTIONS, "hls_segment_filename": f"{out}/hls/{kbps}/seg_%03d.m4s"}


def _aac_hls(out: Path, kbps: int) -> list[str]:
    flags = [
        part for name, value in _hls_options(out, kbps).items() for part in (f"-{name}", value)
    ]
    aac = ["-map", "0:a", "-c:a", "aac", "-b:a", f"{kbps}k", "-f", "hls"]
    return [*aac, *flags, f"{out}/hls/{kbps}/index.m3u8"]


def ffmpeg_commands(source: Path, out: Path) -> list[list[str]]:
    """Two processes of about equal work; the 256k AAC encode feeds both HLS and the M4A."""
    base = ["ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-i", str(source)]
    hls_256 = ":".join(f"{name}={value}" for name, value in _hls_options(out, 256).items())
    tee = f"[f=ipod]{out}/audio.m4a|[f=hls:{hls_256}]{out}/hls/256/index.m3u8"
    aac_256 = ["-map", "0:a", "-c:a", "aac", "-b:a", "256k", "-flags:a", "+global_header"]
    first = [
        *base,
        *aac_256,
        *["-f", "tee", tee],
        *_aac_hls(out, 128),
        *["-map", "0:a", "-c:a", "flac", f"{out}/audio.flac"],
    ]
    second = [
        *base,
        *_aac_hls(out, 64),
        *["-map", "0:a", "-c:a", "libmp3lame", "-b:a", "320k", f"{out}/audio.mp3"],
        *["-map", "0:a", "-c:a", "libopus", "-b:a", "160k", "-vbr", "constrained"],
        f"{out}/audio.opus",
    ]
    return [first, second]


def run_ffmpeg(source: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of both ffmpeg processes."""
    with tempfile.TemporaryDirectory(prefix="veza-ffmpeg-") as tmp:
        began = time.monotonic()
        processes = [subprocess.Popen(c) for c in ffmpeg_commands(source, Path(tmp))]
        cpu = 0.0
        for process in processes:
            _, status, usage = os.wait4(process.pid, 0)
            process.returncode = os.waitstatus_to_exitcode(status)
            if process.returncode:
                raise RuntimeError(f"ffmpeg exited with {process.returncode}")
            cpu += usage.ru_utime + usage.ru_stime
        return time.monotonic() - began, cpu


def run_veza(
    client: httpx.Client, token: str, events: ProgressEvents, pid: int, source: Path
) -> tuple[float, ...]:
    """(seconds to playable, seconds to ready, CPU seconds of the server and its pool)."""
    track_id, uploaded = upload(client, token, source)
    cpu = cpu_seconds(pid)
    seen = events.wait({track_id})
    return (
        seen.playable[track_id] - uploaded,
        seen.ready[track_id] - uploaded,
        cpu_seconds(pid) - cpu,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=300.0, help="length of the FLAC")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    rows = []
    load_before = load_average()
    with tempfile.TemporaryDirectory(prefix="veza-bench-audio-") as tmp:
        sources = [
            write_flac(Path(tmp) / f"take{n}.flac", args.seconds, seed=n)
            for n in range(args.rounds)
        ]
        with veza_server("all") as server, httpx.Client(base_url=server.url) as client:
            token = sign_up(server)
            events = ProgressEvents(server.url, token)
            warm_up(client, token, events, Path(tmp))
            for n, source in enumerate(sources, 1):
                playable, ready, cpu = run_veza(client, token, events, server.pid, source)
                rows.append(f"| {n} | veza | {playable:.1f} | {ready:.1f} | {cpu:.1f} |")
                wall, cpu = run_ffmpeg(source)
                rows.append(f"| {n} | ffmpeg CLI, 2 processes | | {wall:.1f} | {cpu:.1f} |")
    print(f"# media_processing, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {machine()}")
    print(f"{args.seconds:.0f} s stereo FLAC; load average {load_before} at the start,")
    print(f"{load_average()} at the end\n")
    print("| round | who | playable s | everything s | CPU s |")
    print("|---|---|---|---|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
