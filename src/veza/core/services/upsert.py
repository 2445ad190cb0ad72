"""Insert-or-add for counters, on SQLite and PostgreSQL alike (both speak ON CONFLICT)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


async def add_counts(
    db: AsyncSession, model: type[Any], keys: Sequence[str], column: str, rows: list[dict[str, Any]]
) -> None:
    """Insert `rows`; where a row with the same `keys` exists, add to its `column` instead."""
    if not rows:
        return
    dialect = sqlite if db.get_bind().dialect.name == "sqlite" else postgresql
    statement = dialect.insert(model).values(rows)
    counter = getattr(model, column)
    await db.execute(
        statement.on_conflict_do_update(
            index_elements=list(keys), set_={column: counter + statement.excluded[column]}
        )
    )
