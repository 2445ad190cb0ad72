"""One media job from start to finish: run the pipeline's tasks, store their outputs as they
finish, update the track (playable once its first rendition is stored, then ready), and tell
the owner how it is going."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import time
import uuid
from collections.abc import Awaitable
from pathlib import Path
from typing import Any

from veza.core.backends import Backends
from veza.core.bus import publish_json
from veza.core.db import utcnow
from veza.core.media import layout, pipeline
from veza.core.media.errors import MediaError
from veza.core.media.metrics import MEDIA_TASK_SECONDS
from veza.core.media.pool import MediaPool
from veza.core.media.progress import publish_progress
from veza.core.media.publishing import Outputs
from veza.core.media.tags import fallback_title
from veza.core.models import Track, TrackStatus
from veza.core.observability.logging import get_logger
from veza.core.services import notifications

log = get_logger("veza.media")

START_PERCENT = 5
DONE_PERCENT = 99  # the last step, marking the track ready, makes it 100
PROGRESS_INTERVAL_SECONDS = 1.0
_TAG_FIELDS = (
    "artist",
    "album",
    "album_artist",
    "track_number",
    "disc_number",
    "year",
    "genre",
)


class _Progress:
    """Fractions per task, as reported from the worker processes, folded into one percentage."""

    def __init__(self) -> None:
        self.fractions = dict.fromkeys(pipeline.TASKS, 0.0)

    def update(self, task: str, fraction: float) -> None:
        self.fractions[task] = max(self.fractions.get(task, 0.0), min(1.0, fraction))

    @property
    def percent(self) -> int:
        weights = pipeline.TASKS
        done = sum(weights[task] * fraction for task, fraction in self.fractions.items())
        return START_PERCENT + int((DONE_PERCENT - START_PERCENT) * done)


async def set_state(
    backends: Backends,
    track_id: uuid.UUID,
    status: TrackStatus,
    progress: int,
    reason: str | None = None,
    **values: Any,
) -> bool:
    """Store a state change and publish it; False if the track no longer exists."""
    async with backends.db.session() as db:
        track = await db.get(Track, track_id)
        if track is None:
            return False
        track.status, track.progress, track.failure_reason = status, progress, reason
        for name, value in values.items():
            setattr(track, name, value)
        await db.commit()
    await publish_progress(backends.bus, track)
    if status in (TrackStatus.ready, TrackStatus.failed):
        await notifications.track_done(backends, track)
    return True


async def _report_progress(backends: Backends, track_id: uuid.UUID, progress: _Progress) -> None:
    shown = START_PERCENT
    while True:
        await asyncio.sleep(PROGRESS_INTERVAL_SECONDS)
        if progress.percent > shown:
            shown = progress.percent
            await set_state(backends, track_id, TrackStatus.processing, shown)


class _Gone(Exception):
    """The track was deleted while it was being processed."""


async def _announce(
    backends: Backends, track: Track, outputs: Outputs, status: TrackStatus, progress: int
) -> None:
    """Store the track's state with what is playable so far; `_Gone` if it was deleted."""
    values: dict[str, Any] = {"renditions": dict(outputs.renditions)}
    analysis = outputs.analysis
    if analysis is not None:
        values |= _metadata(track, analysis) | {
            name: analysis[name]
            for name in ("duration", "loudness_lufs", "true_peak_db", "gain_db", "has_cover")
        }
    if status == TrackStatus.ready:
        values["ready_at"] = utcnow()
    if not await set_state(backends, track.id, status, progress, **values):
        raise _Gone


async def _run_tasks(
    backends: Backends, pool: MediaPool, track: Track, source: Path, outputs: Outputs
) -> None:
    """Every task of the pipeline, stored as each finishes; the track is announced playable
    as soon as `PLAYABLE_AFTER` is done, and again each time more of it is stored."""
    job = uuid.uuid4().hex
    progress = _Progress()
    pool.listen(job, progress.update)
    reporter = asyncio.create_task(_report_progress(backends, track.id, progress))
    max_seconds = backends.settings.max_track_seconds
    lossless = track.source_lossless
    pending = {
        asyncio.ensure_future(
            _timed(
                task,
                pool.run(
                    pipeline.run_task,
                    task,
                    str(source),
                    str(outputs.workdir / task),
                    lossless,
                    max_seconds,
                    job,
                ),
            )
        ): task
        for task in pipeline.TASKS
    }
    done: set[str] = set()
    try:
        while pending:
            finished, _ = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            for future in finished:
                task = pending.pop(future)
                await outputs.add(task, future.result())
                progress.update(task, 1.0)
                done.add(task)
            if pending and done >= pipeline.PLAYABLE_AFTER:
                await _announce(backends, track, outputs, TrackStatus.processing, progress.percent)
    finally:
        reporter.cancel()
        for future in pending:
            future.cancel()
        await asyncio.gather(reporter, *pending, return_exceptions=True)
        pool.forget(job)


async def _timed(task: str, work: Awaitable[dict[str, Any]]) -> dict[str, Any]:
    """Await a pool task, timing it here: the child process has no metrics of its own."""
    began = time.perf_counter()
    result = await work
    MEDIA_TASK_SECONDS.labels(task=task).observe(time.perf_counter() - began)
    return result


def _metadata(track: Track, analysis: dict[str, Any]) -> dict[str, Any]:
    """The file's tags, unless the owner has edited the metadata. A tagged title replaces
    only the file-name fallback, never a title given at upload."""
    if track.metadata_edited:
        return {}
    tags = analysis["tags"]
    values = {name: tags[name] for name in _TAG_FIELDS}
    if tags["title"] and track.title == fallback_title(track.original_filename):
        values["title"] = tags["title"]
    return values


async def process_track(backends: Backends, pool: MediaPool, track: Track) -> None:
    """Make every output of `track`, storing each as it is made, and mark it ready.

    Raises MediaError for a file that can never be processed, and anything else for a
    failure worth retrying; either way this run's stored outputs are taken away. A track
    deleted meanwhile leaves nothing behind.
    """
    source = backends.storage.local_path(layout.source_key(track.id))
    if source is None or not source.exists():
        raise MediaError("the uploaded file is missing from storage")
    work_root = backends.settings.data_dir / "work"
    work_root.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix=f"{track.id.hex}-", dir=work_root))
    outputs = Outputs(backends, track.id, workdir)
    began = time.perf_counter()
    try:
        # This run's renditions replace the previous run's: none is playable until stored.
        processing = TrackStatus.processing
        if not await set_state(backends, track.id, processing, START_PERCENT, renditions={}):
            raise _Gone
        await _run_tasks(backends, pool, track, source, outputs)
        # Cleared before `ready`: the runner marks the job done once this returns, and a
        # reprocess asked for in between would be refused as already processing.
        await asyncio.to_thread(shutil.rmtree, workdir, True)
        await _announce(backends, track, outputs, TrackStatus.ready, 100)
        log.info("track_processed", track_id=str(track.id), seconds=time.perf_counter() - began)
        await publish_json(
            backends.bus,
            "veza.event.track.ready",
            {"track_id": str(track.id), "owner_id": str(track.owner_id)},
        )
    except _Gone:
        await backends.storage.delete_prefix(layout.track_prefix(track.id))
    except BaseException:
        await asyncio.shield(_withdraw(backends, outputs))
        raise
    finally:
        await asyncio.to_thread(shutil.rmtree, workdir, True)


async def _withdraw(backends: Backends, outputs: Outputs) -> None:
    """A failed or stopped run: the track stops being playable, and its partial outputs go."""
    async with backends.db.session() as db:
        track = await db.get(Track, outputs.track_id)
        if track is not None and track.renditions:
            track.renditions = {}
            await db.commit()
    await outputs.remove()


async def mark_failed(backends: Backends, track_id: uuid.UUID, reason: str) -> None:
    await set_state(backends, track_id, TrackStatus.failed, 0, reason[:500], renditions={})


async def mark_requeued(backends: Backends, track_id: uuid.UUID) -> None:
    await set_state(backends, track_id, TrackStatus.uploaded, 0)
