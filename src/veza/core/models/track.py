"""Tracks (an uploaded recording and what processing made of it) and their media jobs."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Enum, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from veza.core.db import Base, utcnow


def _enum(kind: type[enum.StrEnum]) -> Enum:
    return Enum(kind, native_enum=False, length=16, validate_strings=True)


class Visibility(enum.StrEnum):
    public = "public"
    unlisted = "unlisted"  # reachable by id, never listed
    private = "private"  # owner and admins only


class TrackStatus(enum.StrEnum):
    uploaded = "uploaded"
    processing = "processing"
    ready = "ready"
    failed = "failed"


class JobStatus(enum.StrEnum):
    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"


class Track(Base):
    """One upload: its metadata, its state in processing, and what the player needs."""

    __tablename__ = "tracks"
    __table_args__ = (
        UniqueConstraint("owner_id", "sha256", name="uq_tracks_owner_id_sha256"),
        Index("ix_tracks_created_at_id", "created_at", "id"),
        Index("ix_tracks_play_count_id", "play_count", "id"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    owner_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    artist: Mapped[str | None] = mapped_column(String(200))
    album: Mapped[str | None] = mapped_column(String(200))
    album_artist: Mapped[str | None] = mapped_column(String(200))
    track_number: Mapped[int | None]
    disc_number: Mapped[int | None]
    year: Mapped[int | None]
    genre: Mapped[str | None] = mapped_column(String(64), index=True)
    # Once the owner edits metadata, reprocessing no longer overwrites it with the file's tags.
    metadata_edited: Mapped[bool] = mapped_column(default=False)
    visibility: Mapped[Visibility] = mapped_column(_enum(Visibility), default=Visibility.public)
    downloadable: Mapped[bool] = mapped_column(default=False)

    status: Mapped[TrackStatus] = mapped_column(_enum(TrackStatus), default=TrackStatus.uploaded)
    progress: Mapped[int] = mapped_column(default=0)
    failure_reason: Mapped[str | None] = mapped_column(String(500))

    original_filename: Mapped[str] = mapped_column(String(255))
    source_format: Mapped[str] = mapped_column(String(32))
    source_codec: Mapped[str] = mapped_column(String(32))
    source_lossless: Mapped[bool] = mapped_column(default=False)
    sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    duration: Mapped[float]
    sample_rate: Mapped[int]
    channels: Mapped[int]

    loudness_lufs: Mapped[float | None]
    true_peak_db: Mapped[float | None]
    gain_db: Mapped[float | None]
    # Cover art found in the file; a cover the owner uploads (its id) takes precedence.
    has_cover: Mapped[bool] = mapped_column(default=False)
    custom_cover: Mapped[str | None] = mapped_column(String(32))
    # Rendition name -> {codec, bit_rate, ...}; what the stream service can serve.
    renditions: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    play_count: Mapped[int] = mapped_column(default=0)
    # Distinct listeners (other than the owner) and seconds they listened, kept as plays arrive.
    listener_count: Mapped[int] = mapped_column(default=0)
    listening_seconds: Mapped[float] = mapped_column(default=0.0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    ready_at: Mapped[datetime | None]

    @property
    def playable(self) -> bool:
        """Ready, or still processing with one complete HLS rendition stored already."""
        if self.status == TrackStatus.processing:
            return "hls" in self.renditions
        return self.status == TrackStatus.ready

    tag_rows: Mapped[list[TrackTag]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", passive_deletes=True, order_by="TrackTag.tag"
    )

    @property
    def tags(self) -> list[str]:
        return [row.tag for row in self.tag_rows]

    @property
    def cover_source(self) -> str | None:
        """Which cover the player shows: `custom`, `embedded`, or none."""
        if self.custom_cover:
            return "custom"
        return "embedded" if self.has_cover else None


class TrackTag(Base):
    """A free-form, normalised tag the owner put on a track (lower-case, at most 32 characters)."""

    __tablename__ = "track_tags"

    track_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tracks.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(32), primary_key=True, index=True)


class MediaJob(Base):
    """The durable processing job of one track: a row leased by a worker while it runs.

    A worker that dies leaves its lease to expire; another worker then claims the job again.
    """

    __tablename__ = "media_jobs"
    __table_args__ = (Index("ix_media_jobs_status_available_at", "status", "available_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    track_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tracks.id", ondelete="CASCADE"), unique=True
    )
    status: Mapped[JobStatus] = mapped_column(_enum(JobStatus), default=JobStatus.queued)
    attempts: Mapped[int] = mapped_column(default=0)
    available_at: Mapped[datetime] = mapped_column(default=utcnow)
    lease_expires_at: Mapped[datetime | None]
    worker_id: Mapped[str | None] = mapped_column(String(64))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
