"""Track state changes, stored and then published to the owner as `track.progress` events."""

from __future__ import annotations

from typing import Any

from veza.core.bus import Bus, publish_json
from veza.core.models import Track

JOBS_SUBJECT = "veza.jobs.media"


def progress_event(track: Track) -> dict[str, Any]:
    return {
        "type": "track.progress",
        "track_id": str(track.id),
        "status": track.status.value,
        "progress": track.progress,
        "playable": track.playable,
        "failure_reason": track.failure_reason,
    }


async def publish_progress(bus: Bus, track: Track) -> None:
    await publish_json(bus, f"veza.user.{track.owner_id}", progress_event(track))


async def wake_workers(bus: Bus) -> None:
    """Tell idle workers (in any process) a job is waiting; they also poll, so this may be lost."""
    await publish_json(bus, JOBS_SUBJECT, {"type": "job.queued"})
