"""What the media benchmarks share: generated audio, uploads through the API, waiting for a
track's states, CPU time of a process tree, and the load average to report beside it."""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import av
import httpx
import numpy as np
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

RATE = 44_100


def write_flac(path: Path, seconds: float, seed: int = 0) -> Path:
    """Stereo 16-bit FLAC of chords, a beat and noise (`seed` makes each file different)."""
    rng = np.random.default_rng(seed)
    with av.open(str(path), "w", format="flac") as container:
        stream = container.add_stream("flac", rate=RATE, layout="stereo")
        stream.codec_context.format = "s16"
        block = RATE  # one second at a time keeps memory flat for long files
        for start in range(0, int(seconds * RATE), block):
            t = (start + np.arange(block)) / RATE
            notes = rng.choice([220.0, 277.2, 329.6, 440.0, 554.4], size=3)
            chord = sum(0.15 * np.sin(2 * np.pi * f * t) for f in notes)
            beat = 0.3 * np.sin(2 * np.pi * 60 * t) * np.exp(-8 * (t % 0.5))
            noise = 0.04 * rng.standard_normal((2, block))
            pcm = np.clip(np.stack([chord + beat, chord - beat]) + noise, -1, 1)
            interleaved = (pcm.T.reshape(1, -1) * 32767).astype(np.int16)
            frame = av.AudioFrame.from_ndarray(interleaved, format="s16", layout="stereo")
            frame.sample_rate, frame.pts = RATE, start
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return path


def upload(client: httpx.Client, token: str, path: Path) -> tuple[str, float]:
    """(track id, monotonic time the upload's answer arrived)."""
    with path.open("rb") as handle:
        response = client.post(
            "/api/v1/tracks",
            files={"file": (path.name, handle, "audio/flac")},
            headers={"Authorization": f"Bearer {token}"},
            timeout=300,
        )
    done = time.monotonic()
    response.raise_for_status()
    return response.json()["id"], done


@dataclass
class Milestones:
    """When each track was first seen playable and ready (monotonic seconds)."""

    playable: dict[str, float] = field(default_factory=dict)
    ready: dict[str, float] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)


class ProgressEvents:
    """The owner's `track.progress` events over `/ws`, timestamped as they arrive (no
    polling, so the server spends nothing on being watched)."""

    def __init__(self, url: str, token: str) -> None:
        self.socket = connect(f"{url.replace('http', 'ws', 1)}/ws?token={token}")
        self.seen = Milestones()
        self._changed = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        with contextlib.suppress(ConnectionClosed):
            for frame in self.socket:
                now = time.monotonic()
                event = json.loads(frame)
                if event.get("type") != "track.progress":
                    continue
                track = event["track_id"]
                with self._changed:
                    if event["status"] == "failed":
                        self.seen.failed[track] = event["failure_reason"]
                    if event["playable"]:
                        self.seen.playable.setdefault(track, now)
                    if event["status"] == "ready":
                        self.seen.ready.setdefault(track, now)
                    self._changed.notify_all()

    def wait(self, ids: set[str], timeout: float = 3600) -> Milestones:
        """Until every track in `ids` is ready; raises if one fails or time runs out."""
        with self._changed:
            done = self._changed.wait_for(
                lambda: ids <= self.seen.ready.keys() or bool(ids & self.seen.failed.keys()),
                timeout,
            )
        if not done or ids & self.seen.failed.keys():
            raise RuntimeError(f"not ready: {sorted(ids - self.seen.ready.keys())}")
        return self.seen


def warm_up(client: httpx.Client, token: str, events: ProgressEvents, directory: Path) -> None:
    """Process one short track, so the server's media pool has spawned its processes (the
    first job after a start pays for that once)."""
    track_id, _ = upload(client, token, write_flac(directory / "warm_up.flac", 2.0, seed=999_999))
    events.wait({track_id})


def _tree(pid: int) -> list[int]:
    pids = [pid]
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            pids += _tree(int(child))
    return pids


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process and its live descendants."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for one in _tree(pid):
        fields = Path(f"/proc/{one}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def load_average() -> str:
    return ", ".join(f"{value:.2f}" for value in os.getloadavg())
