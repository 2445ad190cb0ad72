"""Personal access tokens: create (shown once), list with last use, revoke."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from fastapi import APIRouter, status
from pydantic import BaseModel, Field

from veza.api.deps import BackendsDep, ClientDep, CurrentUser, SessionDep
from veza.core.models import PersonalToken
from veza.core.services import personal_tokens

router = APIRouter(prefix="/api/v1/auth/tokens", tags=["auth"])

Scope = Literal["read", "write", "admin"]


class TokenCreateIn(BaseModel):
    name: str = Field(min_length=1, max_length=64, pattern=r"\S", examples=["my upload script"])
    scopes: list[Scope] = Field(min_length=1, max_length=3, examples=[["read"]])
    expires_in_days: int | None = Field(None, ge=1, le=3650, description="None: never expires.")


class PersonalTokenOut(BaseModel):
    id: uuid.UUID
    name: str
    scopes: list[str]
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None

    @classmethod
    def of(cls, row: PersonalToken) -> PersonalTokenOut:
        return cls(
            id=row.id,
            name=row.name,
            scopes=row.scopes,
            created_at=row.created_at,
            expires_at=row.expires_at,
            last_used_at=row.last_used_at,
        )


class PersonalTokenCreated(PersonalTokenOut):
    token: str = Field(description="Send as `Authorization: Bearer <token>`; shown only now.")


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_token(
    body: TokenCreateIn,
    user: CurrentUser,
    backends: BackendsDep,
    db: SessionDep,
    client: ClientDep,
) -> PersonalTokenCreated:
    """Create a token for a script, bot or app."""
    row, secret = await personal_tokens.create(
        backends,
        db,
        user,
        name=body.name,
        scopes=list(body.scopes),
        expires_in_days=body.expires_in_days,
        client=client,
    )
    return PersonalTokenCreated(**PersonalTokenOut.of(row).model_dump(), token=secret)


@router.get("")
async def list_tokens(user: CurrentUser, db: SessionDep) -> list[PersonalTokenOut]:
    """Your tokens (never their values), newest first; at most the per-user cap."""
    return [PersonalTokenOut.of(row) for row in await personal_tokens.list_tokens(db, user.id)]


@router.delete("/{token_id}", status_code=status.HTTP_204_NO_CONTENT)
async def revoke_token(
    token_id: uuid.UUID, user: CurrentUser, db: SessionDep, client: ClientDep
) -> None:
    """Revoke a token; it stops working at once (chat connections using it close)."""
    await personal_tokens.revoke(db, user.id, token_id, client)
