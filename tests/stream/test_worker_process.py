"""`veza serve api` and separate `veza worker` processes, as a scaled deployment runs them.

Real processes on one database (PostgreSQL and NATS JetStream on the scaled stack; one SQLite
file and database polling on the embedded one): a worker makes an upload ready; a worker
stopped with SIGTERM mid-job hands it back; a worker killed with SIGKILL mid-job (with its
transcoding processes, as when a machine dies) leaves it to the next worker, and the track
becomes ready exactly once.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select
from stream_helpers import Sample, sample, upload

from cli.conftest import free_port
from conftest import (
    Account,
    Stack,
    _empty_tables,
    drop_job_stream,
    make_settings,
    register,
    settings_env,
)
from veza.core.db import Database
from veza.core.models import JobStatus, MediaJob

__all__ = ["sample"]
pytestmark = pytest.mark.slow
# Guards against a hung process, not speed requirements.
START_SECONDS = 60.0
STOP_SECONDS = 30.0
READY_SECONDS = 300.0
# Long enough that a worker is still encoding when the test stops or kills it.
LONG_SECONDS = 90.0


@dataclass
class Child:
    process: subprocess.Popen[bytes]
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def events(self) -> list[dict[str, Any]]:
        return [json.loads(line) for line in self.log().splitlines() if line.startswith("{")]

    def terminate(self) -> int:
        """SIGTERM, as a supervisor stops it; the exit status once it has stopped."""
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(STOP_SECONDS)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"did not stop on SIGTERM:\n{self.log()}") from None

    def kill(self) -> None:
        """SIGKILL to the process and its transcoding processes: no cleanup at all."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()


@dataclass
class Deployment:
    env: dict[str, str]
    root: Path
    children: list[Child] = field(default_factory=list)

    def _spawn(self, *args: str) -> Child:
        log_path = self.root / f"process-{len(self.children)}.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "veza", *args],
                env=self.env,
                cwd=self.root,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, killed whole
            )
        child = Child(process, log_path)
        self.children.append(child)
        return child

    async def api(self) -> str:
        port = free_port()
        child = self._spawn("serve", "api", "--port", str(port))
        base_url = f"http://127.0.0.1:{port}"
        await _until(child, lambda: _answers(f"{base_url}/health"))
        return base_url

    async def worker(self, metrics_port: int | None = None) -> Child:
        extra = ["--metrics-port", str(metrics_port)] if metrics_port else []
        child = self._spawn("worker", "--concurrency", "1", *extra)

        async def started() -> bool:
            return any(event["event"] == "worker_started" for event in child.events())

        await _until(child, started)
        return child


async def _answers(url: str) -> bool:
    try:
        async with httpx.AsyncClient(timeout=2.0) as http:
            return (await http.get(url)).status_code == 200
    except httpx.TransportError:
        return False


async def _until(child: Child, ready: Callable[[], Awaitable[bool]]) -> None:
    async with asyncio.timeout(START_SECONDS):
        while not await ready():
            if child.process.poll() is not None:
                pytest.fail(f"exited with {child.process.returncode}:\n{child.log()}")
            await asyncio.sleep(0.1)


@pytest.fixture
async def deployment(stack: Stack, tmp_path: Path) -> AsyncIterator[Deployment]:
    settings = make_settings(stack, tmp_path / "media", embedded_workers=False, job_lease_seconds=5)
    started = Deployment(settings_env(settings, VEZA_LOG_LEVEL="INFO"), tmp_path)
    yield started
    for child in started.children:
        child.kill()
    database = Database(stack.database_url)
    try:
        await _empty_tables(database)
    finally:
        await database.close()
    await drop_job_stream(settings)


async def _track(http: httpx.AsyncClient, account: Account, track_id: str) -> dict[str, Any]:
    response = await http.get(f"/api/v1/tracks/{track_id}", headers=account.auth)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def _wait_status(
    http: httpx.AsyncClient, account: Account, track_id: str, *statuses: str
) -> dict[str, Any]:
    async with asyncio.timeout(READY_SECONDS):
        while True:
            track = await _track(http, account, track_id)
            if track["status"] in statuses:
                return track
            await asyncio.sleep(0.2)


async def _uploaded(http: httpx.AsyncClient, account: Account, path: Path) -> str:
    response = await upload(http, account, path)
    assert response.status_code == 202, response.text
    track_id: str = response.json()["id"]
    return track_id


async def _job(stack: Stack, track_id: str) -> MediaJob:
    database = Database(stack.database_url)
    try:
        async with database.session() as db:
            job = await db.scalar(select(MediaJob).where(MediaJob.track_id == uuid.UUID(track_id)))
            assert job is not None
            return job
    finally:
        await database.close()


async def _settled_job(stack: Stack, track_id: str) -> MediaJob:
    """The job once its worker has recorded the outcome (a moment after the track is ready)."""
    async with asyncio.timeout(STOP_SECONDS):
        while True:
            job = await _job(stack, track_id)
            if job.status != JobStatus.running:
                return job
            await asyncio.sleep(0.1)


def _done_lines(child: Child, track_id: str) -> int:
    return sum(
        event["event"] == "job_done" and event.get("track_id") == track_id
        for event in child.events()
    )


async def test_workers_apart_from_the_api_process_tracks_and_survive_stops_and_kills(
    deployment: Deployment, stack: Stack, sample: Sample
) -> None:
    metrics_port = free_port()
    base_url = await deployment.api()
    first = await deployment.worker(metrics_port)
    async with httpx.AsyncClient(base_url=base_url, timeout=30.0) as http:
        hamlet = await register(http, "hamlet")
        short = await _uploaded(http, hamlet, sample("mp3"))
        assert (await _wait_status(http, hamlet, short, "ready", "failed"))["status"] == "ready"
        async with httpx.AsyncClient(timeout=10.0) as scrape:
            metrics = (await scrape.get(f"http://127.0.0.1:{metrics_port}/metrics")).text
        assert 'veza_jobs_duration_seconds_count{outcome="done"} 1.0' in metrics
        assert "veza_jobs_queued 0.0" in metrics

        long = await _uploaded(http, hamlet, sample("flac", seconds=LONG_SECONDS))
        await _wait_status(http, hamlet, long, "processing")
        assert first.terminate() == 0, first.log()  # a clean stop hands the job back
        assert [e["event"] for e in first.events()][-1] == "worker_stopped"
        released = await _job(stack, long)
        assert (released.status, released.attempts) == (JobStatus.queued, 0)
        assert (await _track(http, hamlet, long))["status"] == "uploaded"

        doomed = await deployment.worker()
        await _wait_status(http, hamlet, long, "processing")
        doomed.kill()
        assert (await _job(stack, long)).status == JobStatus.running  # left behind

        last = await deployment.worker()
        track = await _wait_status(http, hamlet, long, "ready", "failed")
        assert track["status"] == "ready", track
        job = await _settled_job(stack, long)
        assert (job.status, job.attempts) == (JobStatus.done, 2)
        # Ready exactly once: the owner was told once, and (below) one worker finished it.
        notes = await http.get("/api/v1/notifications?limit=50", headers=hamlet.auth)
        assert notes.status_code == 200, notes.text
        ready_notes = [
            n
            for n in notes.json()["items"]
            if n["kind"] == "track_ready" and n["data"]["track_id"] == long
        ]
        assert len(ready_notes) == 1
    assert last.terminate() == 0, last.log()
    assert [_done_lines(worker, long) for worker in (first, doomed, last)] == [0, 0, 1]
