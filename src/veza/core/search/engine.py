"""Search and type-ahead over the index, on FTS5 (SQLite) or tsvector + GIN (PostgreSQL).

The user's text is never handed to a query parser: it is cut into words (letters and digits
only), so quotes, `*`, `OR`, `NEAR(` or NUL are just text. Every word must match, each as a
prefix. Results are ranked by relevance (title matches weigh most), then by id for stability.
Nobody finds another user's private or unlisted things: only public documents, and their own.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    column,
    false,
    func,
    literal,
    literal_column,
    or_,
    select,
    table,
    text,
)
from sqlalchemy.dialects.postgresql import REGCONFIG
from sqlalchemy.ext.asyncio import AsyncSession

from veza.core.models import SearchDocument
from veza.core.search import kinds as _builtin  # noqa: F401  (registers the built-in kinds)
from veza.core.search.documents import KINDS

WORD = re.compile(r"[^\W_]+")
MAX_WORDS = 8
MAX_WORD_CHARS = 64


@dataclass(frozen=True, slots=True)
class Hit:
    kind: str
    ref_id: uuid.UUID
    title: str
    subtitle: str
    score: float


def words(query: str) -> list[str]:
    """The searchable words of `query`, lower-cased, at most MAX_WORDS of them."""
    found = [w[:MAX_WORD_CHARS] for w in WORD.findall(query.casefold())]
    return found[:MAX_WORDS]


def known_kinds() -> list[str]:
    return sorted(KINDS)


def _visible_to(viewer: uuid.UUID | None) -> ColumnElement[bool]:
    mine = SearchDocument.owner_id == viewer if viewer is not None else false()
    return or_(SearchDocument.public.is_(True), mine)


class TextIndex(Protocol):
    """How one database matches words and scores documents."""

    def matching(
        self, terms: Sequence[str], conditions: Sequence[ColumnElement[bool]]
    ) -> tuple[Select[int, float], bool]:
        """(document id, score) of the documents containing every term as a prefix and
        meeting `conditions` (on SearchDocument).

        The flag says whether a lower score is better.
        """
        ...

    def first_matches(self, query: Select[int, float], count: int) -> Select[int, float]:
        """`query` cut to its first `count` matches, where that makes ranking cheaper."""
        ...


class SqliteIndex:
    """FTS5 with `unicode61 remove_diacritics 2` and prefix indexes; bm25 weighs titles 10:1."""

    def matching(
        self, terms: Sequence[str], conditions: Sequence[ColumnElement[bool]]
    ) -> tuple[Select[int, float], bool]:
        expression = " ".join('"' + term + '"*' for term in terms)
        rank: ColumnElement[float] = literal_column("bm25(search_fts, 10.0, 1.0)")
        fts = table("search_fts", column("rowid", Integer))
        rowid: ColumnElement[int] = fts.c.rowid
        query: Select[int, float] = (
            select(rowid.label("doc_id"), rank.label("score"))
            .select_from(fts)
            .join(SearchDocument, SearchDocument.id == rowid)
            .where(text("search_fts MATCH :expression").bindparams(expression=expression))
            .where(*conditions)
        )
        return query, True

    def first_matches(self, query: Select[int, float], count: int) -> Select[int, float]:
        return query.limit(count)  # FTS5 yields matches lazily: the rest are never scored


class PostgresIndex:
    """`tsvector` (simple config, unaccented) with a GIN index; `ts_rank` with A/B weights."""

    def matching(
        self, terms: Sequence[str], conditions: Sequence[ColumnElement[bool]]
    ) -> tuple[Select[int, float], bool]:
        expression = " & ".join(term + ":*" for term in terms)
        tsquery = func.to_tsquery(literal("simple").cast(REGCONFIG), func.veza_unaccent(expression))
        vector: ColumnElement[Any] = literal_column("search_documents.search_vector")
        query: Select[int, float] = select(
            SearchDocument.id.label("doc_id"), func.ts_rank(vector, tsquery).label("score")
        ).where(vector.op("@@")(tsquery), *conditions)
        return query, False

    def first_matches(self, query: Select[int, float], count: int) -> Select[int, float]:
        # A LIMIT here makes the planner scan the table instead of the GIN index, computing
        # the tsquery row by row: measured 20 times slower. PostgreSQL ranks every match.
        return query


def index_for(db: AsyncSession) -> TextIndex:
    return SqliteIndex() if db.get_bind().dialect.name == "sqlite" else PostgresIndex()


async def search(
    db: AsyncSession,
    query: str,
    *,
    viewer: uuid.UUID | None,
    kinds: Sequence[str] | None = None,
    limit: int = 20,
    offset: int = 0,
    candidates: int | None = None,
) -> list[Hit]:
    """The best `limit` documents after `offset` matching every word of `query`.

    With `candidates`, only the first that many matches (in index order) are ranked where the
    engine can stop early (SQLite): a one- or two-letter prefix matches a large part of the
    index, and scoring all of it is what makes type-ahead slow (bench/README.md).
    """
    terms = words(query)
    if not terms:
        return []
    conditions = [_visible_to(viewer)]
    if kinds:
        conditions.append(SearchDocument.kind.in_(list(kinds)))
    index = index_for(db)
    matching, ascending = index.matching(terms, conditions)
    if candidates is not None:
        matching = index.first_matches(matching, candidates)
    found = matching.subquery("found")
    score = found.c.score
    rows = await db.execute(
        select(
            SearchDocument.kind,
            SearchDocument.ref_id,
            SearchDocument.title,
            SearchDocument.subtitle,
            score,
        )
        .join(found, found.c.doc_id == SearchDocument.id)
        .order_by(score.asc() if ascending else score.desc(), SearchDocument.id)
        .limit(limit)
        .offset(offset)
    )
    return [
        Hit(row.kind, row.ref_id, row.title, row.subtitle, abs(float(row.score))) for row in rows
    ]
