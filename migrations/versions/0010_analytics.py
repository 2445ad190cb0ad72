"""analytics: raw events, rollups and distinct-count sets

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 16:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import veza.core.db

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COUNTERS = (
    "reports",
    "plays",
    "listeners",
    "listening_ms",
    "completed",
    "skipped",
    "src_profile",
    "src_playlist",
    "src_search",
    "src_share",
    "src_feed",
    "src_other",
    "messages",
    "active_members",
    "moderation_actions",
    "registrations",
    "sign_ins",
    "active_users",
    "uploads",
    "upload_bytes",
    "errors",
)


def _when() -> veza.core.db.UTCDateTime:
    return veza.core.db.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "analytics_events",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("occurred_at", _when(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=True),
        sa.Column("track_id", sa.Uuid(), nullable=True),
        sa.Column("owner_id", sa.Uuid(), nullable=True),
        sa.Column("room_id", sa.Uuid(), nullable=True),
        sa.Column("source", sa.String(length=16), nullable=True),
        sa.Column("listened_ms", sa.BigInteger(), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("counted", sa.Boolean(), nullable=False),
        sa.Column("completed", sa.Boolean(), nullable=False),
        sa.Column("skipped", sa.Boolean(), nullable=False),
        sa.Column("applied_at", _when(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analytics_events")),
    )
    with op.batch_alter_table("analytics_events", schema=None) as batch_op:
        batch_op.create_index("ix_analytics_events_occurred_at", ["occurred_at"], unique=False)
        batch_op.create_index(
            "ix_analytics_events_room_id_occurred_at", ["room_id", "occurred_at"], unique=False
        )
        batch_op.create_index(
            "ix_analytics_events_pending",
            ["occurred_at"],
            unique=False,
            sqlite_where=sa.text("applied_at IS NULL"),
            postgresql_where=sa.text("applied_at IS NULL"),
        )

    op.create_table(
        "analytics_rollups",
        sa.Column("scope_kind", sa.String(length=8), nullable=False),
        sa.Column("scope_id", sa.Uuid(), nullable=False),
        sa.Column("granularity", sa.String(length=8), nullable=False),
        sa.Column("bucket", _when(), nullable=False),
        *(
            sa.Column(name, sa.BigInteger(), server_default="0", nullable=False)
            for name in COUNTERS
        ),
        sa.PrimaryKeyConstraint(
            "scope_kind", "scope_id", "granularity", "bucket", name=op.f("pk_analytics_rollups")
        ),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "analytics_uniques",
        sa.Column("set_name", sa.String(length=16), nullable=False),
        sa.Column("scope_id", sa.Uuid(), nullable=False),
        sa.Column("granularity", sa.String(length=8), nullable=False),
        sa.Column("bucket", _when(), nullable=False),
        sa.Column("member_id", sa.Uuid(), nullable=False),
        sa.PrimaryKeyConstraint(
            "set_name",
            "scope_id",
            "granularity",
            "bucket",
            "member_id",
            name=op.f("pk_analytics_uniques"),
        ),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    op.drop_table("analytics_uniques")
    op.drop_table("analytics_rollups")
    with op.batch_alter_table("analytics_events", schema=None) as batch_op:
        batch_op.drop_index("ix_analytics_events_pending")
        batch_op.drop_index("ix_analytics_events_room_id_occurred_at")
        batch_op.drop_index("ix_analytics_events_occurred_at")
    op.drop_table("analytics_events")
