"""Alembic environment: runs on the connection Veza hands it (see veza.core.migrate)."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy import Connection

from veza.core.db import Database
from veza.core.models import Base
from veza.core.search.documents import is_modelled

target_metadata = Base.metadata


def run_on(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=is_modelled,
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_standalone(url: str) -> None:
    database = Database(url)
    try:
        async with database.engine.begin() as connection:
            await connection.run_sync(run_on)
    finally:
        await database.close()


connection = context.config.attributes.get("connection")
if connection is not None:
    run_on(connection)
else:  # the plain `alembic` command line
    asyncio.run(run_standalone(context.config.get_main_option("sqlalchemy.url") or ""))
