"""What the media benchmarks share: generated audio, uploads through the API, waiting for a
track's states, CPU time of a process tree, and the load average to report beside it."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import av
import httpx
import numpy as np

RATE = 44_100
POLL_SECONDS = 0.05


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


def watch(client: httpx.Client, token: str, ids: set[str], timeout: float = 3600) -> Milestones:
    """Poll the owner's track list until every track in `ids` is ready."""
    seen = Milestones()
    deadline = time.monotonic() + timeout
    headers = {"Authorization": f"Bearer {token}"}
    me = client.get("/api/v1/auth/me", headers=headers).json()["id"]
    while len(seen.ready) < len(ids):
        if time.monotonic() > deadline:
            raise RuntimeError(f"{len(ids) - len(seen.ready)} tracks not ready in time")
        response = client.get(f"/api/v1/tracks?owner={me}&limit=100", headers=headers)
        now = time.monotonic()
        for track in response.json()["items"]:
            if track["id"] not in ids:
                continue
            if track["status"] == "failed":
                raise RuntimeError(f"track failed: {track['failure_reason']}")
            if track["playable"]:
                seen.playable.setdefault(track["id"], now)
            if track["status"] == "ready":
                seen.ready.setdefault(track["id"], now)
        time.sleep(POLL_SECONDS)
    return seen


def warm_up(client: httpx.Client, token: str, directory: Path) -> None:
    """Process one short track, so the server's media pool has spawned its processes (the
    first job after a start pays for that once)."""
    track_id, _ = upload(client, token, write_flac(directory / "warm_up.flac", 2.0, seed=999_999))
    watch(client, token, {track_id})


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
