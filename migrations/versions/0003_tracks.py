"""tracks and media jobs (the media pipeline's queue)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 06:06:52.844383
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import veza.core.db

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "tracks",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("artist", sa.String(length=200), nullable=True),
        sa.Column("album", sa.String(length=200), nullable=True),
        sa.Column("album_artist", sa.String(length=200), nullable=True),
        sa.Column("track_number", sa.Integer(), nullable=True),
        sa.Column("disc_number", sa.Integer(), nullable=True),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("genre", sa.String(length=64), nullable=True),
        sa.Column("metadata_edited", sa.Boolean(), nullable=False),
        sa.Column(
            "visibility",
            sa.Enum(
                "public", "unlisted", "private", name="visibility", native_enum=False, length=16
            ),
            nullable=False,
        ),
        sa.Column("downloadable", sa.Boolean(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "uploaded",
                "processing",
                "ready",
                "failed",
                name="trackstatus",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("failure_reason", sa.String(length=500), nullable=True),
        sa.Column("original_filename", sa.String(length=255), nullable=False),
        sa.Column("source_format", sa.String(length=32), nullable=False),
        sa.Column("source_codec", sa.String(length=32), nullable=False),
        sa.Column("source_lossless", sa.Boolean(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("duration", sa.Double(), nullable=False),
        sa.Column("sample_rate", sa.Integer(), nullable=False),
        sa.Column("channels", sa.Integer(), nullable=False),
        sa.Column("loudness_lufs", sa.Double(), nullable=True),
        sa.Column("true_peak_db", sa.Double(), nullable=True),
        sa.Column("gain_db", sa.Double(), nullable=True),
        sa.Column("has_cover", sa.Boolean(), nullable=False),
        sa.Column("renditions", sa.JSON(), nullable=False),
        sa.Column("play_count", sa.Integer(), nullable=False),
        sa.Column("created_at", veza.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", veza.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ready_at", veza.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_tracks_owner_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tracks")),
        sa.UniqueConstraint("owner_id", "sha256", name="uq_tracks_owner_id_sha256"),
    )
    with op.batch_alter_table("tracks", schema=None) as batch_op:
        batch_op.create_index("ix_tracks_created_at_id", ["created_at", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_tracks_genre"), ["genre"], unique=False)
        batch_op.create_index(batch_op.f("ix_tracks_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index("ix_tracks_play_count_id", ["play_count", "id"], unique=False)

    op.create_table(
        "media_jobs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("track_id", sa.Uuid(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "queued",
                "running",
                "done",
                "failed",
                name="jobstatus",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("available_at", veza.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("lease_expires_at", veza.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("worker_id", sa.String(length=64), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", veza.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", veza.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["track_id"],
            ["tracks.id"],
            name=op.f("fk_media_jobs_track_id_tracks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media_jobs")),
        sa.UniqueConstraint("track_id", name=op.f("uq_media_jobs_track_id")),
    )
    with op.batch_alter_table("media_jobs", schema=None) as batch_op:
        batch_op.create_index(
            "ix_media_jobs_status_available_at", ["status", "available_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("media_jobs", schema=None) as batch_op:
        batch_op.drop_index("ix_media_jobs_status_available_at")
    op.drop_table("media_jobs")
    with op.batch_alter_table("tracks", schema=None) as batch_op:
        batch_op.drop_index("ix_tracks_play_count_id")
        batch_op.drop_index(batch_op.f("ix_tracks_owner_id"))
        batch_op.drop_index(batch_op.f("ix_tracks_genre"))
        batch_op.drop_index("ix_tracks_created_at_id")
    op.drop_table("tracks")
