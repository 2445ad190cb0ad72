"""Search: one ranked query over tracks, users, public rooms (and any registered kind)."""

from __future__ import annotations

import base64
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from veza.api.deps import SessionDep
from veza.api.tracks import MaybePrincipal
from veza.core.errors import BadRequest, InvalidInput
from veza.core.pagination import DEFAULT_LIMIT, MAX_LIMIT
from veza.core.search import engine
from veza.core.services.sessions import Principal

router = APIRouter(prefix="/api/v1/search", tags=["search"])
MAX_QUERY = 200
# Ranked results are read by offset; nobody pages past this, and it bounds the work.
MAX_OFFSET = 1000
SUGGEST_LIMIT = 10
# Type-ahead ranks at most this many matches of what was typed (see engine.search).
SUGGEST_CANDIDATES = 2000

QueryText = Annotated[
    str, Query(min_length=1, max_length=MAX_QUERY, description="Words to find (prefixes match).")
]
KindFilter = Annotated[
    str | None, Query(max_length=64, description="Comma-separated kinds: track, user, room.")
]


class Hit(BaseModel):
    type: str = Field(description="track, user, room, ...")
    id: uuid.UUID
    title: str
    subtitle: str = Field(description="The artist of a track, the username of a user.")
    score: float = Field(description="Relevance; only comparable within one answer.")


class SearchPage(BaseModel):
    items: list[Hit]
    next_cursor: str | None


class Suggestion(BaseModel):
    type: str
    id: uuid.UUID
    text: str


class Suggestions(BaseModel):
    items: list[Suggestion]


def _kinds(raw: str | None) -> list[str] | None:
    if raw is None or not raw.strip():
        return None
    asked = [part.strip() for part in raw.split(",") if part.strip()]
    unknown = sorted(set(asked) - set(engine.known_kinds()))
    if unknown:
        raise InvalidInput(
            f"unknown type: {', '.join(unknown)}",
            code="invalid_search_type",
            details={"allowed": engine.known_kinds()},
        )
    return asked


def _offset(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        offset = int(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode())
    except (ValueError, UnicodeDecodeError):
        raise BadRequest("invalid cursor", code="invalid_cursor") from None
    if not 0 < offset <= MAX_OFFSET:
        raise BadRequest("invalid cursor", code="invalid_cursor")
    return offset


def _cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(str(offset).encode()).decode().rstrip("=")


def _viewer(principal: Principal | None) -> uuid.UUID | None:
    return principal.user_id if principal is not None else None


@router.get("", response_model=SearchPage)
async def search(
    q: QueryText,
    principal: MaybePrincipal,
    db: SessionDep,
    type: KindFilter = None,
    cursor: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> Any:
    """Ranked results; only public things, plus your own unlisted and private tracks."""
    kinds, offset = _kinds(type), _offset(cursor)
    hits = await engine.search(
        db, q, viewer=_viewer(principal), kinds=kinds, limit=limit + 1, offset=offset
    )
    more = len(hits) > limit and offset + limit < MAX_OFFSET
    return SearchPage(
        items=[
            Hit(type=h.kind, id=h.ref_id, title=h.title, subtitle=h.subtitle, score=h.score)
            for h in hits[:limit]
        ],
        next_cursor=_cursor(offset + limit) if more else None,
    )


@router.get("/suggest", response_model=Suggestions)
async def suggest(
    q: QueryText,
    principal: MaybePrincipal,
    db: SessionDep,
    type: KindFilter = None,
    limit: Annotated[int, Query(ge=1, le=SUGGEST_LIMIT)] = 8,
) -> Any:
    """Type-ahead: the best titles whose words start with what was typed so far."""
    hits = await engine.search(
        db,
        q,
        viewer=_viewer(principal),
        kinds=_kinds(type),
        limit=limit,
        candidates=SUGGEST_CANDIDATES,
    )
    return Suggestions(items=[Suggestion(type=h.kind, id=h.ref_id, text=h.title) for h in hits])
