"""Analytics: raw events written with the domain change they record, and their rollups.

Raw events are the log (pruned after `VEZA_ANALYTICS_RETENTION_DAYS`); rollups are what
dashboards read. User, track and room ids here carry no foreign keys: an event outlives what
it names, and rollups must never change when a row they count is deleted.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from veza.core.db import Base, utcnow

PENDING = text("applied_at IS NULL")


class AnalyticsEvent(Base):
    """One thing that happened (a play, a message, a sign-in...), applied to rollups once."""

    __tablename__ = "analytics_events"
    __table_args__ = (
        Index("ix_analytics_events_occurred_at", "occurred_at"),
        Index("ix_analytics_events_room_id_occurred_at", "room_id", "occurred_at"),
        # Only the events not yet in the rollups: small, whatever the size of the log.
        Index(
            "ix_analytics_events_pending",
            "occurred_at",
            sqlite_where=PENDING,
            postgresql_where=PENDING,
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    kind: Mapped[str] = mapped_column(String(32))
    occurred_at: Mapped[datetime] = mapped_column(default=utcnow)
    user_id: Mapped[uuid.UUID | None]  # who acted: listener, author, moderator, uploader
    track_id: Mapped[uuid.UUID | None]
    owner_id: Mapped[uuid.UUID | None]  # the track's artist, for plays and uploads
    room_id: Mapped[uuid.UUID | None]
    source: Mapped[str | None] = mapped_column(String(16))
    listened_ms: Mapped[int] = mapped_column(BigInteger, default=0)
    size_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    counted: Mapped[bool] = mapped_column(default=False)
    completed: Mapped[bool] = mapped_column(default=False)
    skipped: Mapped[bool] = mapped_column(default=False)
    applied_at: Mapped[datetime | None]


def _counter() -> Mapped[int]:
    return mapped_column(BigInteger, default=0, server_default="0")


class AnalyticsRollup(Base):
    """Counters of one scope (track, artist, room, platform) in one hour, day or week."""

    __tablename__ = "analytics_rollups"
    # Clustered by the key on SQLite too: a period is one contiguous range, and no second index.
    __table_args__ = {"sqlite_with_rowid": False}

    scope_kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    scope_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    granularity: Mapped[str] = mapped_column(String(8), primary_key=True)
    bucket: Mapped[datetime] = mapped_column(primary_key=True)
    reports: Mapped[int] = _counter()
    plays: Mapped[int] = _counter()
    listeners: Mapped[int] = _counter()
    listening_ms: Mapped[int] = _counter()
    completed: Mapped[int] = _counter()
    skipped: Mapped[int] = _counter()
    src_profile: Mapped[int] = _counter()
    src_playlist: Mapped[int] = _counter()
    src_search: Mapped[int] = _counter()
    src_share: Mapped[int] = _counter()
    src_feed: Mapped[int] = _counter()
    src_other: Mapped[int] = _counter()
    messages: Mapped[int] = _counter()
    active_members: Mapped[int] = _counter()
    moderation_actions: Mapped[int] = _counter()
    registrations: Mapped[int] = _counter()
    sign_ins: Mapped[int] = _counter()
    active_users: Mapped[int] = _counter()
    uploads: Mapped[int] = _counter()
    upload_bytes: Mapped[int] = _counter()
    errors: Mapped[int] = _counter()


class AnalyticsUnique(Base):
    """Set membership behind distinct counts: listener L heard artist A's music on day D."""

    __tablename__ = "analytics_uniques"
    __table_args__ = {"sqlite_with_rowid": False}

    set_name: Mapped[str] = mapped_column(String(16), primary_key=True)
    scope_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    granularity: Mapped[str] = mapped_column(String(8), primary_key=True)
    bucket: Mapped[datetime] = mapped_column(primary_key=True)
    member_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
