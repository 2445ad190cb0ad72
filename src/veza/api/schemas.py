"""Representations shared by several routers: users as others and as themselves see them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from veza.core.models import User


class ErrorDetail(BaseModel):
    code: str = Field(examples=["not_found"])
    message: str
    details: dict[str, Any] = Field(default_factory=dict)


class ErrorBody(BaseModel):
    """Every error answer has this shape."""

    error: ErrorDetail


class Link(BaseModel):
    title: str = Field(min_length=1, max_length=64)
    url: str = Field(min_length=1, max_length=500, pattern=r"^https?://\S+$")


class UserPublic(BaseModel):
    """What anyone may see of a user."""

    id: uuid.UUID
    username: str
    display_name: str
    bio: str
    avatar_url: str | None
    links: list[Link]
    role: str
    created_at: datetime

    @classmethod
    def of(cls, user: User) -> UserPublic:
        return cls(**_public_fields(user))


class UserMe(UserPublic):
    """What a user sees of themselves (and admins of anyone)."""

    email: str
    status: str
    email_verified: bool

    @classmethod
    def of(cls, user: User) -> UserMe:
        return cls(
            **_public_fields(user),
            email=user.email,
            status=user.status.value,
            email_verified=user.email_verified_at is not None,
        )


def avatar_url(user: User) -> str | None:
    if user.avatar_key is None:
        return None
    version = user.avatar_key.rsplit("/", 1)[-1].split(".")[0]
    return f"/api/v1/users/{user.username}/avatar?v={version}"


def _public_fields(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "username": user.username,
        "display_name": user.display_name,
        "bio": user.bio,
        "avatar_url": avatar_url(user),
        "links": user.links,
        "role": user.role.value,
        "created_at": user.created_at,
    }


class Paged(BaseModel):
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null at the end."
    )
