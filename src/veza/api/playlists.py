"""Playlists: create, edit, delete; ordered items; collaborative editors; likes."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, status
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator
from sqlalchemy.ext.asyncio import AsyncSession

from veza.api.deps import BackendsDep, CurrentPrincipal, SessionDep
from veza.api.schemas import Paged
from veza.api.tracks import MaybePrincipal, TrackOut
from veza.core.backends import Backends
from veza.core.models import Playlist, PlaylistItem, Visibility
from veza.core.pagination import DEFAULT_LIMIT, MAX_LIMIT
from veza.core.services import playlists as service
from veza.core.services import users
from veza.core.services.sessions import Principal
from veza.core.text import check_plain_text

router = APIRouter(prefix="/api/v1/playlists", tags=["playlists"])

Cursor = Annotated[str | None, Query(max_length=512)]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]


def _line(value: str | None) -> str | None:
    return None if value is None else check_plain_text(value)


def _text(value: str | None) -> str | None:
    return None if value is None else check_plain_text(value, multiline=True)


Title = Annotated[str, Field(min_length=1, max_length=200), AfterValidator(_line)]
Description = Annotated[str, Field(max_length=2000), AfterValidator(_text)]


class PlaylistIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Title
    description: Description = ""
    visibility: Visibility = Visibility.public


class PlaylistPatch(BaseModel):
    """Only the fields sent change (owner only)."""

    model_config = ConfigDict(extra="forbid")

    title: Title | None = None
    description: Description | None = None
    visibility: Visibility | None = None

    @model_validator(mode="after")
    def _no_nulls(self) -> PlaylistPatch:
        for name in self.model_fields_set:
            if getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self

    def changes(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.model_fields_set}


class PlaylistOut(BaseModel):
    id: uuid.UUID | None = Field(description="Null for the built-in “Liked tracks”.")
    kind: str = Field("playlist", description="`playlist`, or `liked` for “Liked tracks”.")
    owner_id: uuid.UUID
    title: str
    description: str
    visibility: Visibility
    track_count: int = Field(description="Tracks you can see.")
    duration: float = Field(description="Their total length in seconds.")
    cover: list[dict[str, str]] = Field(
        description="Art of the first tracks that have some: signed URLs by size, up to 4."
    )
    likes: int
    liked: bool
    created_at: datetime | None
    updated_at: datetime | None


class PlaylistPage(Paged):
    items: list[PlaylistOut]


class ItemOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    position: int
    added_by: uuid.UUID | None
    added_at: datetime
    track: TrackOut


class ItemPage(Paged):
    items: list[ItemOut]


class ItemsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    track_ids: list[uuid.UUID] = Field(
        description=f"In order; at most {service.MAX_BATCH} per request."
    )
    position: int | None = Field(None, description="Where to insert; default the end.")


class MoveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    position: int = Field(description="The item's new position, 0-based.")


class EditorIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=32)


class EditorOut(BaseModel):
    id: uuid.UUID
    username: str


async def render(
    backends: Backends,
    db: AsyncSession,
    playlists: Sequence[Playlist],
    viewer: Principal | None,
) -> list[PlaylistOut]:
    found = await service.summaries(backends, db, [p.id for p in playlists], viewer)
    return [
        PlaylistOut(
            id=p.id,
            owner_id=p.owner_id,
            title=p.title,
            description=p.description,
            visibility=p.visibility,
            track_count=found[p.id].track_count,
            duration=found[p.id].duration,
            cover=found[p.id].cover,
            likes=found[p.id].likes,
            liked=found[p.id].liked,
            created_at=p.created_at,
            updated_at=p.updated_at,
        )
        for p in playlists
    ]


def items_out(items: Sequence[PlaylistItem]) -> list[ItemOut]:
    return [ItemOut.model_validate(item) for item in items]


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_playlist(
    body: PlaylistIn, principal: CurrentPrincipal, backends: BackendsDep, db: SessionDep
) -> PlaylistOut:
    """Create an empty playlist."""
    playlist = await service.create(
        db, principal.user_id, body.title, body.description, body.visibility
    )
    return (await render(backends, db, [playlist], principal))[0]


@router.get("")
async def list_playlists(
    principal: MaybePrincipal,
    backends: BackendsDep,
    db: SessionDep,
    owner: uuid.UUID | None = None,
    editable: Annotated[
        bool, Query(description="Only those you own or were invited to edit.")
    ] = False,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> PlaylistPage:
    """Public playlists, newest first; all of your own when `owner` is you."""
    page = await service.list_playlists(
        db, principal, owner_id=owner, editable=editable, limit=limit, cursor=cursor
    )
    items = await render(backends, db, page.items, principal)
    return PlaylistPage(items=items, next_cursor=page.next_cursor)


@router.get("/{playlist_id}")
async def get_playlist(
    playlist_id: uuid.UUID, principal: MaybePrincipal, backends: BackendsDep, db: SessionDep
) -> PlaylistOut:
    """One playlist; private ones exist only for the owner, editors and admins."""
    found = await service.access(db, playlist_id, principal)
    return (await render(backends, db, [found.playlist], principal))[0]


@router.patch("/{playlist_id}")
async def update_playlist(
    playlist_id: uuid.UUID,
    body: PlaylistPatch,
    principal: CurrentPrincipal,
    backends: BackendsDep,
    db: SessionDep,
) -> PlaylistOut:
    """Rename, describe or change visibility (owner only)."""
    playlist = await service.get_owned(db, playlist_id, principal)
    playlist = await service.update(db, playlist, body.changes())
    return (await render(backends, db, [playlist], principal))[0]


@router.delete("/{playlist_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_playlist(
    playlist_id: uuid.UUID, principal: CurrentPrincipal, db: SessionDep
) -> None:
    """Delete the playlist (owner only); the tracks stay."""
    await service.delete(db, await service.get_owned(db, playlist_id, principal))


@router.get("/{playlist_id}/items")
async def list_items(
    playlist_id: uuid.UUID,
    principal: MaybePrincipal,
    db: SessionDep,
    cursor: Cursor = None,
    limit: Limit = DEFAULT_LIMIT,
) -> ItemPage:
    """The tracks in order; tracks you may not see are left out (positions keep their gaps)."""
    await service.access(db, playlist_id, principal)
    page = await service.list_items(db, playlist_id, principal, limit=limit, cursor=cursor)
    return ItemPage(items=items_out(page.items), next_cursor=page.next_cursor)


@router.post("/{playlist_id}/items", status_code=status.HTTP_201_CREATED)
async def add_items(
    playlist_id: uuid.UUID, body: ItemsIn, principal: CurrentPrincipal, db: SessionDep
) -> list[ItemOut]:
    """Add one or more tracks (all or nothing); duplicates are refused with their ids."""
    playlist = await service.get_editable(db, playlist_id, principal)
    added = await service.add_tracks(db, playlist, principal, body.track_ids, body.position)
    page = await service.list_items(
        db, playlist_id, principal, limit=service.MAX_BATCH, cursor=None, only=added
    )
    return items_out(page.items)


@router.patch("/{playlist_id}/items/{item_id}")
async def move_item(
    playlist_id: uuid.UUID,
    item_id: uuid.UUID,
    body: MoveIn,
    principal: CurrentPrincipal,
    db: SessionDep,
) -> dict[str, int]:
    """Move one item to another position; the others shift."""
    playlist = await service.get_editable(db, playlist_id, principal)
    item = await service.move_item(db, playlist, item_id, body.position)
    return {"position": item.position}


@router.delete("/{playlist_id}/items/{item_id}", status_code=status.HTTP_204_NO_CONTENT)
async def remove_item(
    playlist_id: uuid.UUID, item_id: uuid.UUID, principal: CurrentPrincipal, db: SessionDep
) -> None:
    """Take one item out; the ones after it move up."""
    playlist = await service.get_editable(db, playlist_id, principal)
    await service.remove_item(db, playlist, item_id)


@router.get("/{playlist_id}/editors")
async def list_editors(
    playlist_id: uuid.UUID, principal: MaybePrincipal, db: SessionDep
) -> list[EditorOut]:
    """Who the owner invited to edit."""
    await service.access(db, playlist_id, principal)
    return [
        EditorOut(id=u.id, username=u.username) for u in await service.list_editors(db, playlist_id)
    ]


@router.post("/{playlist_id}/editors", status_code=status.HTTP_204_NO_CONTENT)
async def invite_editor(
    playlist_id: uuid.UUID, body: EditorIn, principal: CurrentPrincipal, db: SessionDep
) -> None:
    """Invite a user to add, remove and reorder tracks (owner only)."""
    playlist = await service.get_owned(db, playlist_id, principal)
    await service.invite_editor(db, playlist, await users.get_by_username(db, body.username))


@router.delete("/{playlist_id}/editors/{username}", status_code=status.HTTP_204_NO_CONTENT)
async def remove_editor(
    playlist_id: uuid.UUID, username: str, principal: CurrentPrincipal, db: SessionDep
) -> None:
    """Withdraw an editor (owner only)."""
    playlist = await service.get_owned(db, playlist_id, principal)
    await service.remove_editor(db, playlist, await users.get_by_username(db, username))
