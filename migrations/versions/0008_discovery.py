"""discovery: plays, listening totals, tags, co-listening, dislikes and the search index

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25 11:00:00

Besides the model tables, the full-text structures the models do not describe: on SQLite an
FTS5 table over search_documents kept in step by triggers; on PostgreSQL the unaccent extension,
a `search_vector` tsvector column filled by a trigger, and its GIN index.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import veza.core.db

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE_FTS = [
    """CREATE VIRTUAL TABLE search_fts USING fts5(
        title, body, content='search_documents', content_rowid='id',
        tokenize="unicode61 remove_diacritics 2", prefix='1 2 3')""",
    """CREATE TRIGGER search_documents_ai AFTER INSERT ON search_documents BEGIN
        INSERT INTO search_fts(rowid, title, body)
        VALUES (new.id, new.title, new.subtitle || ' ' || new.body);
    END""",
    """CREATE TRIGGER search_documents_ad AFTER DELETE ON search_documents BEGIN
        INSERT INTO search_fts(search_fts, rowid, title, body)
        VALUES ('delete', old.id, old.title, old.subtitle || ' ' || old.body);
    END""",
    """CREATE TRIGGER search_documents_au AFTER UPDATE OF title, subtitle, body
        ON search_documents BEGIN
        INSERT INTO search_fts(search_fts, rowid, title, body)
        VALUES ('delete', old.id, old.title, old.subtitle || ' ' || old.body);
        INSERT INTO search_fts(rowid, title, body)
        VALUES (new.id, new.title, new.subtitle || ' ' || new.body);
    END""",
]
POSTGRES_FTS = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    # unaccent() is only STABLE; pinning the dictionary makes it safe to call from the trigger.
    """CREATE FUNCTION veza_unaccent(text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE
        STRICT AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, $1) $$""",
    "ALTER TABLE search_documents ADD COLUMN search_vector tsvector",
    """CREATE FUNCTION search_documents_vector() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        NEW.search_vector :=
            setweight(to_tsvector('simple', veza_unaccent(NEW.title)), 'A') ||
            setweight(to_tsvector('simple', veza_unaccent(NEW.subtitle || ' ' || NEW.body)), 'B');
        RETURN NEW;
    END $$""",
    """CREATE TRIGGER search_documents_vector BEFORE INSERT OR UPDATE OF title, subtitle, body
        ON search_documents FOR EACH ROW EXECUTE FUNCTION search_documents_vector()""",
    "CREATE INDEX ix_search_documents_search_vector ON search_documents USING gin (search_vector)",
]


def upgrade() -> None:
    with op.batch_alter_table("tracks", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("listener_count", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("listening_seconds", sa.Double(), nullable=False, server_default="0")
        )
    with op.batch_alter_table("tracks", schema=None) as batch_op:
        batch_op.alter_column("listener_count", server_default=None)
        batch_op.alter_column("listening_seconds", server_default=None)

    op.create_table(
        "track_tags",
        sa.Column("track_id", sa.Uuid(), nullable=False),
        sa.Column("tag", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["track_id"],
            ["tracks.id"],
            name=op.f("fk_track_tags_track_id_tracks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("track_id", "tag", name=op.f("pk_track_tags")),
    )
    op.create_index(op.f("ix_track_tags_tag"), "track_tags", ["tag"], unique=False)

    op.create_table(
        "plays",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("track_id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("position", sa.Double(), nullable=False),
        sa.Column("listened_seconds", sa.Double(), nullable=False),
        sa.Column("completed", sa.Boolean(), nullable=False),
        sa.Column("counted", sa.Boolean(), nullable=False),
        sa.Column("created_at", veza.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["track_id"], ["tracks.id"], name=op.f("fk_plays_track_id_tracks"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_plays_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plays")),
    )
    op.create_index("ix_plays_created_at", "plays", ["created_at"], unique=False)
    op.create_index(op.f("ix_plays_track_id"), "plays", ["track_id"], unique=False)
    op.create_index("ix_plays_user_id_created_at", "plays", ["user_id", "created_at"])

    op.create_table(
        "track_listens",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("track_id", sa.Uuid(), nullable=False),
        sa.Column("plays", sa.Integer(), nullable=False),
        sa.Column("listened_seconds", sa.Double(), nullable=False),
        sa.Column("last_played_at", veza.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_counted_at", veza.core.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["track_id"],
            ["tracks.id"],
            name=op.f("fk_track_listens_track_id_tracks"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_track_listens_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "track_id", name=op.f("pk_track_listens")),
    )
    op.create_index(op.f("ix_track_listens_track_id"), "track_listens", ["track_id"])
    op.create_index(
        "ix_track_listens_user_id_last_played_at",
        "track_listens",
        ["user_id", "last_played_at", "track_id"],
    )

    op.create_table(
        "track_cooccurrences",
        sa.Column("track_id", sa.Uuid(), nullable=False),
        sa.Column("other_id", sa.Uuid(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["other_id"],
            ["tracks.id"],
            name=op.f("fk_track_cooccurrences_other_id_tracks"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["track_id"],
            ["tracks.id"],
            name=op.f("fk_track_cooccurrences_track_id_tracks"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("track_id", "other_id", name=op.f("pk_track_cooccurrences")),
    )
    op.create_index(op.f("ix_track_cooccurrences_other_id"), "track_cooccurrences", ["other_id"])
    op.create_index(
        "ix_track_cooccurrences_track_id_count", "track_cooccurrences", ["track_id", "count"]
    )

    op.create_table(
        "track_dislikes",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("track_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", veza.core.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["track_id"],
            ["tracks.id"],
            name=op.f("fk_track_dislikes_track_id_tracks"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_track_dislikes_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "track_id", name=op.f("pk_track_dislikes")),
    )
    op.create_index(op.f("ix_track_dislikes_track_id"), "track_dislikes", ["track_id"])

    op.create_table(
        "search_documents",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("ref_id", sa.Uuid(), nullable=False),
        sa.Column("owner_id", sa.Uuid(), nullable=True),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("subtitle", sa.String(length=300), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.id"],
            name=op.f("fk_search_documents_owner_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_documents")),
        sa.UniqueConstraint("kind", "ref_id", name="uq_search_documents_kind_ref_id"),
    )
    op.create_index(op.f("ix_search_documents_owner_id"), "search_documents", ["owner_id"])

    statements = SQLITE_FTS if op.get_bind().dialect.name == "sqlite" else POSTGRES_FTS
    for statement in statements:
        op.execute(statement)
    # Index what already exists (tracks, users, public rooms), in one pass per kind.
    from veza.core.search.documents import reindex_all

    reindex_all(op.get_bind())


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TABLE IF EXISTS search_fts")
    else:
        op.execute("DROP TABLE search_documents")
        op.execute("DROP FUNCTION IF EXISTS search_documents_vector()")
        op.execute("DROP FUNCTION IF EXISTS veza_unaccent(text)")
    op.execute("DROP TABLE IF EXISTS search_documents")
    for table in ("track_dislikes", "track_cooccurrences", "track_listens", "plays", "track_tags"):
        op.drop_table(table)
    with op.batch_alter_table("tracks", schema=None) as batch_op:
        batch_op.drop_column("listening_seconds")
        batch_op.drop_column("listener_count")
