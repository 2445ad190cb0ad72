"""The Alembic history and the models agree, and the history runs both ways."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, inspect

from conftest import Stack
from veza.core import migrate
from veza.core.db import Database
from veza.core.models import Base
from veza.core.search.documents import is_modelled


def _schema_diff(connection: Connection) -> list[Any]:
    # Full-text search objects (FTS5 tables, a tsvector column) exist only in the migration.
    opts = {"compare_type": True, "include_object": is_modelled}
    context = MigrationContext.configure(connection, opts=opts)
    diff: list[Any] = compare_metadata(context, Base.metadata)
    return diff


def _table_names(connection: Connection) -> set[str]:
    return set(inspect(connection).get_table_names())


async def _downgrade(database: Database, revision: str) -> None:
    config = migrate.alembic_config(database.url)

    def run(connection: Connection) -> None:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)

    async with database.engine.begin() as connection:
        await connection.run_sync(run)


async def test_models_and_migrations_agree(stack: Stack) -> None:
    database = Database(stack.database_url)
    try:
        async with database.engine.connect() as connection:
            diff = await connection.run_sync(_schema_diff)
    finally:
        await database.close()
    assert diff == [], "models and migrations differ:\n" + "\n".join(map(repr, diff))


async def test_upgrade_downgrade_upgrade_on_a_fresh_sqlite_file(tmp_path: Path) -> None:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}")
    model_tables = set(Base.metadata.tables)
    try:
        assert await migrate.current_revision(database) is None

        await migrate.upgrade(database)
        async with database.engine.connect() as connection:
            assert model_tables <= await connection.run_sync(_table_names)
        assert await migrate.current_revision(database) == migrate.head_revision()

        await _downgrade(database, "base")
        async with database.engine.connect() as connection:
            left = await connection.run_sync(_table_names)
        assert not left & model_tables, f"tables left after downgrade: {left & model_tables}"
        assert await migrate.current_revision(database) is None

        await migrate.upgrade(database)
        async with database.engine.connect() as connection:
            assert model_tables <= await connection.run_sync(_table_names)
            assert await connection.run_sync(_schema_diff) == []
        assert await migrate.current_revision(database) == migrate.head_revision()
    finally:
        await database.close()


def test_history_is_linear() -> None:
    from alembic.script import ScriptDirectory

    scripts = ScriptDirectory.from_config(migrate.alembic_config("sqlite://"))
    assert len(scripts.get_heads()) == 1
    assert migrate.head_revision() is not None
