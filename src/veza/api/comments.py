"""Timed comments on tracks: list along the waveform, post, reply, delete."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, status
from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from sqlalchemy.ext.asyncio import AsyncSession

from veza.api.deps import BackendsDep, CurrentPrincipal, SessionDep
from veza.api.schemas import Paged
from veza.api.tracks import MaybePrincipal
from veza.core.models import Comment
from veza.core.pagination import DEFAULT_LIMIT, MAX_LIMIT
from veza.core.services import comments as service
from veza.core.services import tracks
from veza.core.text import check_plain_text

router = APIRouter(prefix="/api/v1", tags=["comments"])

Cursor = Annotated[str | None, Query(max_length=512)]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]


def _text(value: str) -> str:
    return check_plain_text(value, multiline=True)


class CommentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    body: Annotated[str, Field(min_length=1, max_length=service.MAX_LENGTH), AfterValidator(_text)]
    position_ms: int | None = Field(
        None, description="Moment of the track, in ms; a reply defaults to its parent's."
    )
    reply_to: uuid.UUID | None = Field(None, description="A top-level comment to answer.")


class Author(BaseModel):
    id: uuid.UUID
    username: str


class CommentOut(BaseModel):
    id: uuid.UUID
    track_id: uuid.UUID
    reply_to: uuid.UUID | None
    author: Author
    position_ms: int
    body: str
    replies: int
    created_at: datetime


class CommentPage(Paged):
    items: list[CommentOut]


async def _render(db: AsyncSession, found: Sequence[Comment]) -> list[CommentOut]:
    replies = await service.reply_counts(db, [c.id for c in found if c.parent_id is None])
    return [
        CommentOut(
            id=c.id,
            track_id=c.track_id,
            reply_to=c.parent_id,
            author=Author(id=c.author.id, username=c.author.username),
            position_ms=c.position_ms,
            body=c.body,
            replies=replies.get(c.id, 0),
            created_at=c.created_at,
        )
        for c in found
    ]


@router.get("/tracks/{track_id}/comments")
async def list_comments(
    track_id: uuid.UUID,
    principal: MaybePrincipal,
    db: SessionDep,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> CommentPage:
    """Top-level comments by position along the track, each with its number of replies."""
    track = await tracks.get_visible(db, track_id, principal)
    page = await service.list_comments(db, track, limit=limit, cursor=cursor)
    return CommentPage(items=await _render(db, page.items), next_cursor=page.next_cursor)


@router.post("/tracks/{track_id}/comments", status_code=status.HTTP_201_CREATED)
async def post_comment(
    track_id: uuid.UUID,
    body: CommentIn,
    principal: CurrentPrincipal,
    backends: BackendsDep,
    db: SessionDep,
) -> CommentOut:
    """Comment at a moment of the track, or reply; profanity is masked, and rate limited."""
    comment = await service.post(
        backends,
        db,
        principal,
        track_id,
        body=body.body,
        position_ms=body.position_ms,
        reply_to=body.reply_to,
    )
    return (await _render(db, [comment]))[0]


@router.get("/comments/{comment_id}/replies")
async def list_replies(
    comment_id: uuid.UUID,
    principal: MaybePrincipal,
    db: SessionDep,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> CommentPage:
    """Replies to a comment, oldest first."""
    parent, _ = await service.visible_comment(db, comment_id, principal)
    page = await service.list_replies(db, parent, limit=limit, cursor=cursor)
    return CommentPage(items=await _render(db, page.items), next_cursor=page.next_cursor)


@router.delete("/comments/{comment_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_comment(
    comment_id: uuid.UUID, principal: CurrentPrincipal, db: SessionDep
) -> None:
    """Delete a comment and its replies (author, track owner or moderator)."""
    await service.delete(db, principal, comment_id)
