"""Bulk import of a folder tree: every file goes through the upload service, one by one."""

from __future__ import annotations

import asyncio
import enum
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from veza.core.backends import Backends
from veza.core.errors import VezaError
from veza.core.models import Track, TrackStatus, Visibility
from veza.core.services import tracks

# Files are picked by name so covers, playlists and notes beside the music are not reported
# as failures; what is picked is then identified by its content, like any upload.
AUDIO_SUFFIXES = frozenset(
    {".mp3", ".m4a", ".aac", ".mp4", ".ogg", ".oga", ".opus", ".flac", ".wav", ".aif", ".aiff"}
)
READ_CHUNK = 1024 * 1024


class Outcome(enum.StrEnum):
    imported = "imported"
    duplicate = "duplicate"
    failed = "failed"


@dataclass(frozen=True, slots=True)
class ImportResult:
    path: Path
    outcome: Outcome
    reason: str | None = None
    track_id: uuid.UUID | None = None


def find_audio(root: Path) -> list[Path]:
    """Audio files under `root` by suffix, in a stable order; hidden files and folders skipped."""
    found = []
    for path in root.rglob("*"):
        relative = path.relative_to(root)
        if any(part.startswith(".") for part in relative.parts):
            continue
        if path.suffix.lower() in AUDIO_SUFFIXES and path.is_file():
            found.append(path)
    return sorted(found)


async def _read(path: Path, advance: Callable[[int], None]) -> AsyncIterator[bytes]:
    with path.open("rb") as handle:
        while chunk := await asyncio.to_thread(handle.read, READ_CHUNK):
            advance(len(chunk))
            yield chunk


async def import_file(
    backends: Backends,
    owner_id: uuid.UUID,
    path: Path,
    *,
    visibility: Visibility = Visibility.public,
    advance: Callable[[int], None] = lambda _: None,
) -> ImportResult:
    """Upload one file exactly as `POST /api/v1/tracks` would; never raises for a bad file."""
    item = tracks.Upload(filename=path.name, chunks=_read(path, advance), visibility=visibility)
    try:
        async with backends.db.session() as db:
            track = await tracks.upload(backends, db, owner_id, item)
    except VezaError as exc:
        if exc.code == "duplicate_track":
            return ImportResult(path, Outcome.duplicate, exc.message, _track_id(exc))
        return ImportResult(path, Outcome.failed, exc.message)
    except OSError as exc:
        return ImportResult(path, Outcome.failed, f"cannot read the file ({exc.strerror})")
    return ImportResult(path, Outcome.imported, track_id=track.id)


def _track_id(exc: VezaError) -> uuid.UUID | None:
    raw = exc.details.get("track_id")
    return uuid.UUID(raw) if isinstance(raw, str) else None


async def processing_outcomes(
    backends: Backends, track_ids: list[uuid.UUID]
) -> dict[uuid.UUID, str | None]:
    """Of `track_ids`, those done processing: None when ready, else why it failed."""
    async with backends.db.session() as db:
        rows = await db.execute(
            select(Track.id, Track.status, Track.failure_reason).where(Track.id.in_(track_ids))
        )
        found = {row.id: (row.status, row.failure_reason) for row in rows}
    done: dict[uuid.UUID, str | None] = {}
    for track_id in track_ids:
        status, reason = found.get(track_id, (TrackStatus.failed, "the track was deleted"))
        if status == TrackStatus.ready:
            done[track_id] = None
        elif status == TrackStatus.failed:
            done[track_id] = reason or "processing failed"
    return done
