"""Upload to playable: 1, 10 and 50 tracks uploaded through the API of a real `veza serve`
(its embedded workers, the default two at a time), one batch after the other; for each
track the seconds from the end of its own upload until it is playable and until it is
`ready`. The tracks are different stereo FLACs of `--track-seconds` each.

    python -m bench.upload_to_playable [--batches 1,10,50] [--track-seconds 30]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import httpx

from bench.http_reads import sign_up
from bench.media import ProgressEvents, load_average, upload, warm_up, write_flac
from bench.run import machine
from bench.server import veza_server


def _seconds(moments: dict[str, float], uploaded: dict[str, float]) -> list[float]:
    return sorted(moments[track] - uploaded[track] for track in uploaded)


def row(batch: int, uploaded: dict[str, float], playable: list[float], ready: list[float]) -> str:
    def spread(values: list[float]) -> str:
        return f"{statistics.median(values):.1f} | {max(values):.1f}"

    span = max(uploaded.values()) - min(uploaded.values())
    return f"| {batch} | {span:.1f} | {spread(playable)} | {spread(ready)} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--batches", default="1,10,50", help="tracks queued per batch")
    parser.add_argument("--track-seconds", type=float, default=30.0)
    args = parser.parse_args()
    batches = [int(size) for size in args.batches.split(",")]
    load_before = load_average()
    rows = []
    with (
        tempfile.TemporaryDirectory(prefix="veza-bench-audio-") as tmp,
        veza_server("all") as server,
        httpx.Client(base_url=server.url) as client,
    ):
        token = sign_up(server)
        events = ProgressEvents(server.url, token)
        files = [
            write_flac(Path(tmp) / f"t{n}.flac", args.track_seconds, seed=n)
            for n in range(sum(batches))
        ]
        warm_up(client, token, events, Path(tmp))
        for batch in batches:
            uploaded = dict(upload(client, token, files.pop()) for _ in range(batch))
            seen = events.wait(set(uploaded))
            playable = _seconds(seen.playable, uploaded)
            rows.append(row(batch, uploaded, playable, _seconds(seen.ready, uploaded)))
    print(f"# upload_to_playable, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, {machine()}")
    print(f"{args.track_seconds:.0f} s stereo FLACs; load average {load_before} at the start,")
    print(f"{load_average()} at the end\n")
    print("| tracks | uploading s | playable median s | max s | ready median s | max s |")
    print("|---|---|---|---|---|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
