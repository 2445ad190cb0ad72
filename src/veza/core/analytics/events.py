"""Recording analytics events: a row added to the caller's transaction, committed with it.

Because the event row commits (or rolls back) with the change it describes, nothing that
happened is missing from analytics and nothing that did not happen is in it. The rollups are
applied later, from these rows, exactly once each (see `rollups`).
"""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from veza.core.bus import Bus, publish_json
from veza.core.models import AnalyticsEvent

# Stopped before this many seconds: a skip.
SKIP_BEFORE_SECONDS = 30.0
# Heard at least this share of the track (or the player said it ended): a completion.
COMPLETE_AT_SHARE = 0.9


class Kind(StrEnum):
    play = "play"
    message = "message"
    moderation = "moderation"
    upload = "upload"
    registration = "registration"
    sign_in = "sign_in"
    error = "error"


class Source(StrEnum):
    """Where a play came from, as the player says."""

    profile = "profile"
    playlist = "playlist"
    search = "search"
    share = "share"
    feed = "feed"
    other = "other"


# The domain event each kind is announced as (DESIGN.md: `veza.event.<name>`).
SUBJECTS = {
    Kind.play: "veza.event.play.recorded",
    Kind.message: "veza.event.message.created",
    Kind.moderation: "veza.event.moderation.applied",
    Kind.upload: "veza.event.track.uploaded",
    Kind.registration: "veza.event.user.registered",
    Kind.sign_in: "veza.event.user.signed_in",
    Kind.error: "veza.event.server.error",
}


def record(db: AsyncSession, kind: Kind, **fields: Any) -> AnalyticsEvent:
    """Add an event row to the caller's transaction; it commits with the change it records."""
    event = AnalyticsEvent(id=uuid.uuid4(), kind=kind.value, **fields)
    db.add(event)
    return event


def play_flags(listened_seconds: float, duration: float, completed: bool) -> tuple[bool, bool]:
    """(completed, skipped) by the definitions in docs/analytics.md."""
    done = completed or (duration > 0 and listened_seconds >= COMPLETE_AT_SHARE * duration)
    return done, not done and listened_seconds < SKIP_BEFORE_SECONDS


async def announce(bus: Bus, event: AnalyticsEvent, **payload: Any) -> None:
    """Tell consumers after commit; a lost message only delays the rollups (the sweep runs)."""
    await publish_json(bus, SUBJECTS[Kind(event.kind)], {"event_id": event.id, **payload})
