"""Administrators' chat-wide bans: list, ban (closing the user's connections), lift."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Depends, Response, status
from pydantic import BaseModel, Field

from veza.api.deps import AdminPrincipal, BackendsDep, ClientDep, SessionDep, require_admin
from veza.core.services import chat_bans

router = APIRouter(
    prefix="/api/v1/admin/chat-bans", tags=["admin"], dependencies=[Depends(require_admin)]
)


class ChatBanIn(BaseModel):
    minutes: int | None = Field(
        None, ge=1, le=525_600, description="How long; without it, until lifted."
    )
    reason: str = Field("", max_length=500, description="Told to the user; the audit log keeps it.")


class ChatBanOut(BaseModel):
    username: str
    until: datetime
    reason: str
    created_at: datetime


@router.get("")
async def list_chat_bans(db: SessionDep) -> list[ChatBanOut]:
    """Chat bans in force, latest first (at most 500)."""
    return [
        ChatBanOut(username=name, until=ban.until, reason=ban.reason, created_at=ban.created_at)
        for ban, name in await chat_bans.active_bans(db)
    ]


@router.put("/{username}")
async def ban_from_chat(
    username: str,
    body: ChatBanIn,
    admin: AdminPrincipal,
    backends: BackendsDep,
    db: SessionDep,
    client: ClientDep,
) -> ChatBanOut:
    """Ban a user from all of chat; their open connections close at once (code 4403)."""
    ban = await chat_bans.ban(
        backends,
        db,
        actor_id=admin.user_id,
        username=username,
        minutes=body.minutes,
        reason=body.reason,
        client=client,
    )
    return ChatBanOut(
        username=username.strip().lower(),
        until=ban.until,
        reason=ban.reason,
        created_at=ban.created_at,
    )


@router.delete("/{username}", status_code=status.HTTP_204_NO_CONTENT)
async def lift_chat_ban(
    username: str, admin: AdminPrincipal, backends: BackendsDep, db: SessionDep, client: ClientDep
) -> Response:
    """Lift a chat ban."""
    await chat_bans.unban(backends, db, actor_id=admin.user_id, username=username, client=client)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
