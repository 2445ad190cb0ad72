"""chat: pinned messages and administrators' chat-wide bans

Revision ID: 0006
Revises: 0004
Create Date: 2026-11-25 11:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import veza.core.db

revision: str = "0006"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "message_pins",
        sa.Column("message_id", sa.Uuid(), nullable=False),
        sa.Column("room_id", sa.Uuid(), nullable=False),
        sa.Column("pinned_by", sa.Uuid(), nullable=True),
        sa.Column("pinned_at", veza.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["messages.id"],
            name=op.f("fk_message_pins_message_id_messages"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["room_id"],
            ["rooms.id"],
            name=op.f("fk_message_pins_room_id_rooms"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["pinned_by"],
            ["users.id"],
            name=op.f("fk_message_pins_pinned_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("message_id", name=op.f("pk_message_pins")),
    )
    op.create_index(
        "ix_message_pins_room_id_pinned_at", "message_pins", ["room_id", "pinned_at"], unique=False
    )
    op.create_table(
        "chat_bans",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("until", veza.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("banned_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", veza.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_chat_bans_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["banned_by"],
            ["users.id"],
            name=op.f("fk_chat_bans_banned_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_chat_bans")),
    )


def downgrade() -> None:
    op.drop_table("chat_bans")
    op.drop_index("ix_message_pins_room_id_pinned_at", table_name="message_pins")
    op.drop_table("message_pins")
