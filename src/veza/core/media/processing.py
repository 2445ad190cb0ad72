"""One media job from start to finish: run the pipeline's tasks, store the outputs, update
the track, and tell the owner how it is going."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable
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
from veza.core.media.tags import fallback_title
from veza.core.models import Track, TrackStatus
from veza.core.observability.logging import get_logger
from veza.core.services import notifications

log = get_logger("veza.media")

# Share of the work per task, for the progress percentage (measured on a 5-minute FLAC).
WEIGHTS = {"analyse": 0.1, "hls": 0.5, "mp3": 0.3, "opus": 0.1}
START_PERCENT = 5
STORE_PERCENT = 95
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
        self.fractions = dict.fromkeys(WEIGHTS, 0.0)

    def update(self, task: str, fraction: float) -> None:
        self.fractions[task] = max(self.fractions.get(task, 0.0), min(1.0, fraction))

    @property
    def percent(self) -> int:
        done = sum(WEIGHTS[task] * fraction for task, fraction in self.fractions.items())
        return START_PERCENT + int((STORE_PERCENT - START_PERCENT) * done)


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


async def _run_tasks(
    pool: MediaPool, source: Path, workdir: Path, track: Track, max_seconds: int, job: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    paths = (str(source), str(workdir))
    tasks = [_timed("analyse", pool.run(pipeline.analyse_task, *paths, max_seconds))]
    for group in pipeline.GROUPS:
        lossless = track.source_lossless
        encode = pool.run(pipeline.encode_task, *paths, group, lossless, max_seconds, job)
        tasks.append(_timed(group, encode))
    analysis, *groups = await asyncio.gather(*tasks)
    renditions: dict[str, Any] = {}
    for described in groups:
        renditions.update(described)
    return analysis, renditions


async def _timed(task: str, work: Awaitable[dict[str, Any]]) -> dict[str, Any]:
    """Await a pool task, timing it here: the child process has no metrics of its own."""
    began = time.perf_counter()
    result = await work
    MEDIA_TASK_SECONDS.labels(task=task).observe(time.perf_counter() - began)
    return result


async def _file_chunks(path: Path) -> AsyncIterator[bytes]:
    with path.open("rb") as handle:
        while chunk := await asyncio.to_thread(handle.read, 1024 * 1024):
            yield chunk


def _files(directory: Path) -> list[Path]:
    return sorted(path for path in directory.rglob("*") if path.is_file())


async def _store_outputs(backends: Backends, track_id: uuid.UUID, workdir: Path) -> None:
    await backends.storage.delete_prefix(layout.public_prefix(track_id))
    for path in await asyncio.to_thread(_files, workdir):
        name = path.relative_to(workdir).as_posix()
        await backends.storage.write(layout.public_key(track_id, name), _file_chunks(path))


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
    """Make every output of `track`, store them, and mark it ready.

    Raises MediaError for a file that can never be processed, and anything else for a
    failure worth retrying. A track deleted meanwhile leaves nothing behind.
    """
    source = backends.storage.local_path(layout.source_key(track.id))
    if source is None or not source.exists():
        raise MediaError("the uploaded file is missing from storage")
    work_root = backends.settings.data_dir / "work"
    work_root.mkdir(parents=True, exist_ok=True)
    workdir = Path(tempfile.mkdtemp(prefix=f"{track.id.hex}-", dir=work_root))
    job = uuid.uuid4().hex
    progress = _Progress()
    pool.listen(job, progress.update)
    reporter = asyncio.create_task(_report_progress(backends, track.id, progress))
    began = time.perf_counter()
    try:
        await set_state(backends, track.id, TrackStatus.processing, START_PERCENT)
        max_seconds = backends.settings.max_track_seconds
        analysis, renditions = await _run_tasks(pool, source, workdir, track, max_seconds, job)
        progress.fractions = dict.fromkeys(WEIGHTS, 1.0)
        reporter.cancel()
        await set_state(backends, track.id, TrackStatus.processing, STORE_PERCENT)
        await _store_outputs(backends, track.id, workdir)
        stored = await set_state(
            backends,
            track.id,
            TrackStatus.ready,
            100,
            **_metadata(track, analysis),
            duration=analysis["duration"],
            loudness_lufs=analysis["loudness_lufs"],
            true_peak_db=analysis["true_peak_db"],
            gain_db=analysis["gain_db"],
            has_cover=analysis["has_cover"],
            renditions=renditions,
            ready_at=utcnow(),
        )
        log.info("track_processed", track_id=str(track.id), seconds=time.perf_counter() - began)
        if not stored:  # deleted while we worked
            await backends.storage.delete_prefix(layout.track_prefix(track.id))
            return
        await publish_json(
            backends.bus,
            "veza.event.track.ready",
            {"track_id": str(track.id), "owner_id": str(track.owner_id)},
        )
    finally:
        reporter.cancel()
        pool.forget(job)
        await asyncio.to_thread(shutil.rmtree, workdir, True)


async def mark_failed(backends: Backends, track_id: uuid.UUID, reason: str) -> None:
    await set_state(backends, track_id, TrackStatus.failed, 0, reason[:500])


async def mark_requeued(backends: Backends, track_id: uuid.UUID) -> None:
    await set_state(backends, track_id, TrackStatus.uploaded, 0)
