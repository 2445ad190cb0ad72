"""The search index's documents: a registry of kinds, and how they stay in step with their rows.

A kind registers its model, the attributes that feed its text, and a loader that turns row ids
into documents with plain SQL. After every ORM flush, the documents of the rows that were
added, changed (in a watched attribute) or deleted are rebuilt in the same transaction, so
the index never lags the data and a rollback undoes both. Writers that bypass the ORM call
`refresh` themselves; `reindex_all` rebuilds everything (after a bulk load, or by the CLI).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, delete, event, insert, inspect, select
from sqlalchemy.orm import Session, UOWTransaction

from veza.core.models import SearchDocument

# Batches stay well under SQLite's and asyncpg's bound-parameter limits.
BATCH = 500


@dataclass(frozen=True, slots=True)
class Document:
    ref_id: uuid.UUID
    owner_id: uuid.UUID | None
    public: bool
    title: str
    subtitle: str = ""
    body: str = ""


Loader = Callable[[Connection, Sequence[uuid.UUID]], list[Document]]


@dataclass(frozen=True, slots=True)
class DocumentKind:
    """A searchable kind: `load` returns the documents of the ids that should be findable."""

    name: str
    model: type[Any]
    watched: frozenset[str]
    load: Loader
    # Other models whose changes alter this kind's documents, with how to find the owner row id.
    related: dict[type[Any], Callable[[Any], uuid.UUID]] = field(default_factory=dict)
    all_ids: Callable[[Connection], Iterable[uuid.UUID]] | None = None


KINDS: dict[str, DocumentKind] = {}


def register(kind: DocumentKind) -> None:
    KINDS[kind.name] = kind


def refresh(connection: Connection, kind_name: str, ids: Iterable[uuid.UUID]) -> None:
    """Rebuild the documents of `ids` (removing those that no longer exist or are hidden)."""
    kind = KINDS[kind_name]
    pending = sorted(set(ids))
    for start in range(0, len(pending), BATCH):
        batch = pending[start : start + BATCH]
        connection.execute(
            delete(SearchDocument).where(
                SearchDocument.kind == kind.name, SearchDocument.ref_id.in_(batch)
            )
        )
        documents = kind.load(connection, batch)
        if documents:
            connection.execute(
                insert(SearchDocument),
                [
                    {
                        "kind": kind.name,
                        "ref_id": doc.ref_id,
                        "owner_id": doc.owner_id,
                        "public": doc.public,
                        "title": doc.title[:300],
                        "subtitle": doc.subtitle[:300],
                        "body": doc.body,
                    }
                    for doc in documents
                ],
            )


def reindex_all(connection: Connection) -> int:
    """Rebuild every document of every kind; returns how many rows were considered."""
    from veza.core.search import kinds  # noqa: F401  (registers the built-in kinds)

    total = 0
    for kind in KINDS.values():
        if kind.all_ids is None:
            ids = list(connection.scalars(select(inspect(kind.model).primary_key[0])))
        else:
            ids = list(kind.all_ids(connection))
        refresh(connection, kind.name, ids)
        total += len(ids)
    return total


def _changed(instance: Any, watched: frozenset[str]) -> bool:
    state = inspect(instance)
    return any(state.attrs[name].history.has_changes() for name in watched)


Touched = list[tuple[str, Any, Callable[[Any], uuid.UUID]]]


def _own_id(instance: Any) -> uuid.UUID:
    value: uuid.UUID = instance.id
    return value


def _touched(session: Session) -> Touched:
    """(kind, instance, how to get the row id) for each change; new rows get their ids later."""
    touched: Touched = []
    for kind in KINDS.values():
        for instance in (*session.new, *session.deleted):
            if isinstance(instance, kind.model):
                touched.append((kind.name, instance, _own_id))
        for instance in session.dirty:
            if isinstance(instance, kind.model) and _changed(instance, kind.watched):
                touched.append((kind.name, instance, _own_id))
        for model, owner_of in kind.related.items():
            for instance in (*session.new, *session.deleted, *session.dirty):
                if isinstance(instance, model):
                    touched.append((kind.name, instance, owner_of))
    return touched


@event.listens_for(Session, "before_flush")
def _remember(session: Session, _flush: UOWTransaction, _instances: Any) -> None:
    """Note what the flush will change while the attribute history is still there."""
    touched = _touched(session)
    if touched:
        session.info.setdefault("search_touched", []).extend(touched)


@event.listens_for(Session, "after_flush_postexec")
def _reindex(session: Session, _flush: UOWTransaction) -> None:
    touched: Touched | None = session.info.pop("search_touched", None)
    if not touched:
        return
    by_kind: dict[str, set[uuid.UUID]] = {}
    for name, instance, id_of in touched:
        by_kind.setdefault(name, set()).add(id_of(instance))
    connection = session.connection()
    for name, ids in by_kind.items():
        refresh(connection, name, ids)


@event.listens_for(Session, "after_soft_rollback")
def _forget(session: Session, _previous: Any) -> None:
    """A failed flush leaves nothing to index."""
    session.info.pop("search_touched", None)


# Database objects the migration creates for full-text search that no model describes:
# the FTS5 table and its shadow tables (SQLite), the tsvector column and its index (PostgreSQL).
UNMODELLED_TABLES = frozenset(
    {"search_fts", "search_fts_data", "search_fts_idx", "search_fts_docsize", "search_fts_config"}
)
UNMODELLED_COLUMNS = frozenset({("search_documents", "search_vector")})
UNMODELLED_INDEXES = frozenset({"ix_search_documents_search_vector"})


def is_modelled(obj: Any, name: str | None, type_: str, reflected: bool, _compare: Any) -> bool:
    """Alembic `include_object`: skip the full-text objects above when comparing schemas."""
    if type_ == "table":
        return name not in UNMODELLED_TABLES
    if type_ == "column":
        return (obj.table.name, name) not in UNMODELLED_COLUMNS
    if type_ == "index":
        return name not in UNMODELLED_INDEXES
    return True
