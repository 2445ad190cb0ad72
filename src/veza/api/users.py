"""Public profiles, profile editing, avatars and user search."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response, UploadFile, status
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from veza.api.deps import BackendsDep, ClientDep, CurrentUser, SessionDep
from veza.api.schemas import Link, Paged, UserMe, UserPublic
from veza.core.images import AVATAR_MAX_BYTES, AvatarSize
from veza.core.pagination import DEFAULT_LIMIT, MAX_LIMIT
from veza.core.services import users
from veza.core.text import check_plain_text

router = APIRouter(prefix="/api/v1/users", tags=["users"])

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
Cursor = Annotated[str | None, Query(max_length=512, description="From `next_cursor`.")]
# Versioned avatar URLs never change content; unversioned ones revalidate by ETag.
CACHE_VERSIONED = "public, max-age=31536000, immutable"
CACHE_UNVERSIONED = "public, no-cache"


def _one_line(value: str) -> str:
    cleaned = check_plain_text(value)
    if not cleaned:
        raise ValueError("must not be blank")
    return cleaned


def _multiline(value: str) -> str:
    return check_plain_text(value, multiline=True)


class LinkIn(Link):
    @field_validator("title", "url")
    @classmethod
    def _plain(cls, value: str) -> str:
        return _one_line(value)


DisplayName = Annotated[str, Field(max_length=64), AfterValidator(_one_line)]
Bio = Annotated[str, Field(max_length=1000), AfterValidator(_multiline)]
Links = Annotated[list[LinkIn], Field(max_length=5)]


class ProfilePatch(BaseModel):
    """Only these fields; role, status, email and username cannot be set here."""

    model_config = ConfigDict(extra="forbid")

    display_name: DisplayName | None = None
    bio: Bio | None = None
    links: Links | None = None


class UserPage(Paged):
    items: list[UserPublic]


@router.get("")
async def search_users(
    db: SessionDep,
    q: Annotated[str | None, Query(max_length=64, description="Username starts with.")] = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> UserPage:
    """Active users whose username starts with `q` (any case), alphabetically, a page at a
    time."""
    page = await users.search(db, prefix=q, limit=limit, cursor=cursor)
    return UserPage(items=[UserPublic.of(u) for u in page.items], next_cursor=page.next_cursor)


@router.patch("/me")
async def update_me(body: ProfilePatch, user: CurrentUser, db: SessionDep) -> UserMe:
    """Edit your display name, bio and links; fields left out stay as they are."""
    changes = body.model_dump(exclude_unset=True, exclude_none=True)
    await users.update_profile(db, user, **changes)
    return UserMe.of(user)


@router.put("/me/avatar")
async def put_avatar(
    file: UploadFile, user: CurrentUser, backends: BackendsDep, db: SessionDep
) -> UserMe:
    """Upload a JPEG, PNG, WebP or GIF (at most 2 MB). It is cropped square, resized to 256 and
    64 pixels and re-encoded, with all metadata (EXIF, location, camera) removed."""
    data = await file.read(AVATAR_MAX_BYTES + 1)
    await users.set_avatar(backends, db, user, data)
    return UserMe.of(user)


@router.delete("/me/avatar", status_code=status.HTTP_204_NO_CONTENT)
async def delete_avatar(user: CurrentUser, backends: BackendsDep, db: SessionDep) -> None:
    """Remove your avatar."""
    await users.remove_avatar(backends, db, user)


@router.get("/me/export")
async def export_me(
    user: CurrentUser, db: SessionDep, client: ClientDep, response: Response
) -> dict[str, Any]:
    """Download everything Veza keeps about you, as JSON."""
    response.headers["Content-Disposition"] = (
        f'attachment; filename="veza-export-{user.username}.json"'
    )
    response.headers["Cache-Control"] = "no-store"
    return await users.export_data(db, user, actor_id=user.id, client=client)


@router.get("/{username}")
async def get_user(username: str, db: SessionDep) -> UserPublic:
    """A user's public profile."""
    return UserPublic.of(await users.get_by_username(db, username))


@router.get(
    "/{username}/avatar",
    response_class=Response,
    responses={200: {"content": {"image/webp": {}}, "description": "The avatar image."}},
)
async def get_avatar(
    username: str,
    request: Request,
    backends: BackendsDep,
    db: SessionDep,
    size: AvatarSize = AvatarSize.large,
    v: Annotated[str | None, Query(max_length=64, description="Version, for caching.")] = None,
) -> Response:
    """A user's avatar in one size (256 or 64 pixels square)."""
    data, version = await users.avatar_image(backends, db, username, size)
    headers = {
        "ETag": f'"{version}-{size.value}"',
        "Cache-Control": CACHE_VERSIONED if v == version else CACHE_UNVERSIONED,
    }
    if request.headers.get("if-none-match") == headers["ETag"]:
        return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers=headers)
    return Response(data, media_type="image/webp", headers=headers)
