"""Opaque keyset cursors: lists are never unbounded and never skip rows under concurrent writes."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from veza.core.errors import BadRequest

T = TypeVar("T")

DEFAULT_LIMIT = 20
MAX_LIMIT = 100


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None


def _encode(values: Sequence[Any]) -> str:
    plain = [v.isoformat() if isinstance(v, datetime) else str(v) for v in values]
    return base64.urlsafe_b64encode(json.dumps(plain).encode()).decode().rstrip("=")


def _decode(cursor: str, columns: Sequence[InstrumentedAttribute[Any]]) -> list[Any]:
    try:
        plain = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(plain, list) or len(plain) != len(columns):
            raise ValueError("cursor shape")
        values: list[Any] = []
        for raw, column in zip(plain, columns, strict=True):
            kind = column.type.python_type
            if kind is datetime:
                values.append(datetime.fromisoformat(raw))
            elif kind is uuid.UUID:
                values.append(uuid.UUID(raw))
            elif isinstance(raw, str) and "\x00" in raw:  # never in a key; PostgreSQL refuses it
                raise ValueError("NUL in cursor")
            else:
                values.append(kind(raw))
        return values
    except (ValueError, TypeError, NotImplementedError):
        raise BadRequest("invalid cursor", code="invalid_cursor") from None


async def keyset_page(
    db: AsyncSession,
    query: Select[T],
    columns: Sequence[InstrumentedAttribute[Any]],
    *,
    limit: int,
    cursor: str | None,
    descending: bool = True,
) -> Page[T]:
    """One page of `query` ordered by `columns` (the last one unique), after `cursor`."""
    key = tuple_(*columns)
    query = query.order_by(*(c.desc() if descending else c.asc() for c in columns))
    if cursor:
        after = tuple_(*_decode(cursor, columns))
        query = query.where(key < after if descending else key > after)
    rows = list((await db.scalars(query.limit(limit + 1))).all())
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        next_cursor = _encode([getattr(last, c.key) for c in columns])
    return Page(items=rows[:limit], next_cursor=next_cursor)


def encode_cursor(values: Sequence[Any]) -> str:
    """A cursor for lists merged from several keyset pages (same columns, same order)."""
    return _encode(values)
