"""Listening, taste and search: plays, per-listener totals, co-listening, dislikes, the index."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from veza.core.db import Base, utcnow


class Play(Base):
    """One listening session reported by a player; `counted` if it passed the play threshold."""

    __tablename__ = "plays"
    __table_args__ = (
        Index("ix_plays_created_at", "created_at"),
        Index("ix_plays_user_id_created_at", "user_id", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    track_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tracks.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    position: Mapped[float]
    listened_seconds: Mapped[float]
    completed: Mapped[bool]
    counted: Mapped[bool]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class TrackListen(Base):
    """What one user did with one track: the source of history, listeners and co-listening."""

    __tablename__ = "track_listens"
    __table_args__ = (
        Index("ix_track_listens_user_id_last_played_at", "user_id", "last_played_at", "track_id"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    track_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tracks.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    plays: Mapped[int] = mapped_column(default=0)
    listened_seconds: Mapped[float] = mapped_column(default=0.0)
    last_played_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_counted_at: Mapped[datetime | None]


class TrackCooccurrence(Base):
    """How many listeners two tracks share (stored both ways), updated as each listen arrives."""

    __tablename__ = "track_cooccurrences"
    __table_args__ = (Index("ix_track_cooccurrences_track_id_count", "track_id", "count"),)

    track_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tracks.id", ondelete="CASCADE"), primary_key=True
    )
    other_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tracks.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    count: Mapped[int] = mapped_column(default=0)


class TrackDislike(Base):
    """A listener said "not for me": the track never appears in their recommendations."""

    __tablename__ = "track_dislikes"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    track_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("tracks.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class SearchDocument(Base):
    """One searchable thing (track, user, room, ...), kept in step with its source row.

    The full-text structures over it are not models: an FTS5 table on SQLite, a `tsvector`
    column with a GIN index on PostgreSQL (see migration 0008 and veza.core.search).
    """

    __tablename__ = "search_documents"
    __table_args__ = (UniqueConstraint("kind", "ref_id", name="uq_search_documents_kind_ref_id"),)

    # An integer key: FTS5 addresses rows by integer rowid.
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))
    ref_id: Mapped[uuid.UUID]
    # Deleting a user removes every document they own (tracks cascade in the database too).
    owner_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    # Listed for everyone; otherwise only the owner finds it.
    public: Mapped[bool]
    title: Mapped[str] = mapped_column(String(300))
    subtitle: Mapped[str] = mapped_column(String(300), default="")
    body: Mapped[str] = mapped_column(Text, default="")
