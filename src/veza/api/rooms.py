"""Chat rooms over REST: create, list and search, settings, join and leave, history, DMs, blocks."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response, status
from pydantic import BaseModel, Field

from veza.api.deps import BackendsDep, CurrentPrincipal, SessionDep
from veza.api.schemas import Paged
from veza.core.models import ProfanityMode, Room, RoomKind, RoomMember, RoomRole
from veza.core.pagination import DEFAULT_LIMIT, MAX_LIMIT
from veza.core.services import chat_events, invites, messages, moderation, reports, rooms

router = APIRouter(prefix="/api/v1", tags=["chat"])

Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]


class RoomIn(BaseModel):
    name: str = Field(min_length=1, max_length=200, examples=["synth-nerds"])
    topic: str = Field("", max_length=1000)
    visibility: Literal["public", "private"] = "public"


class RoomPatch(BaseModel):
    name: str | None = Field(None, min_length=1, max_length=200)
    topic: str | None = Field(None, max_length=1000)
    slow_mode_seconds: int | None = Field(None, ge=0, le=3600)
    profanity_mode: ProfanityMode | None = None
    links_allowed: bool | None = None


class RoomSettings(BaseModel):
    slow_mode_seconds: int
    profanity_mode: ProfanityMode
    links_allowed: bool


class RoomOut(BaseModel):
    id: uuid.UUID
    kind: RoomKind
    name: str
    topic: str
    created_at: datetime
    last_seq: int
    last_activity_at: datetime
    settings: RoomSettings
    member_count: int | None = None
    role: str | None = Field(None, description="Your role here; null when not a member.")
    unread: int | None = Field(None, description="Messages after your read marker.")

    @classmethod
    def of(
        cls, room: Room, member: RoomMember | None = None, member_count: int | None = None
    ) -> RoomOut:
        return cls(
            id=room.id,
            kind=room.kind,
            name=room.name,
            topic=room.topic,
            created_at=room.created_at,
            last_seq=room.last_seq,
            last_activity_at=room.last_message_at or room.created_at,
            settings=RoomSettings(
                slow_mode_seconds=room.slow_mode_seconds,
                profanity_mode=room.profanity_mode,
                links_allowed=room.links_allowed,
            ),
            member_count=member_count,
            role=member.role.value if member else None,
            unread=max(0, room.last_seq - member.last_read_seq) if member else None,
        )


class RoomPage(Paged):
    items: list[RoomOut]


class MessagesOut(BaseModel):
    items: list[dict[str, object]] = Field(description="Oldest first; see docs/chat-protocol.md.")
    has_more: bool = Field(description="Older messages exist: page with before_seq.")


class DmIn(BaseModel):
    username: str = Field(min_length=1, max_length=64)


class BlockOut(BaseModel):
    username: str
    blocked_at: datetime


class InviteIn(BaseModel):
    expires_in_hours: int = Field(24, ge=1, le=720)
    max_uses: int = Field(10, ge=1, le=1000)


class InviteOut(BaseModel):
    token: str = Field(description="Shown once; accept with POST /api/v1/invites/{token}.")
    expires_at: datetime
    max_uses: int


class RoleIn(BaseModel):
    role: Literal["moderator", "member"]


class ReportIn(BaseModel):
    message_id: uuid.UUID
    reason: str = Field(min_length=1, max_length=500)


class ReportOut(BaseModel):
    id: uuid.UUID
    room_id: uuid.UUID
    message_id: uuid.UUID
    reason: str
    created_at: datetime
    resolved_at: datetime | None
    message: dict[str, object] | None = Field(None, description="The reported message.")


class ModerationIn(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    action: Literal["mute", "unmute", "ban", "unban", "kick"]
    minutes: int | None = Field(
        None, ge=1, le=525_600, description="For mute and ban; without it, until lifted."
    )
    reason: str = Field("", max_length=500)


class ModerationOut(BaseModel):
    action: str
    reason: str
    until: datetime | None


async def _room_out(db: SessionDep, room: Room, member: RoomMember | None) -> RoomOut:
    counts = await rooms.member_counts(db, [room.id])
    return RoomOut.of(room, member, counts.get(room.id, 0))


async def _access(
    db: SessionDep, room_id: uuid.UUID, user_id: uuid.UUID
) -> tuple[Room, RoomMember | None]:
    found = await rooms.access(db, room_id, user_id)
    return found.room, found.member


@router.post("/rooms", status_code=status.HTTP_201_CREATED)
async def create_room(body: RoomIn, principal: CurrentPrincipal, db: SessionDep) -> RoomOut:
    """Create a room; you are its owner."""
    room = await rooms.create_room(
        db, principal.user_id, name=body.name, topic=body.topic, kind=RoomKind(body.visibility)
    )
    return await _room_out(db, *(await _access(db, room.id, principal.user_id)))


@router.get("/rooms")
async def list_rooms(
    principal: CurrentPrincipal,
    db: SessionDep,
    q: Annotated[str | None, Query(max_length=64, description="Part of the name.")] = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: str | None = None,
) -> RoomPage:
    """Public rooms by name, with member counts and last activity; `q` searches names."""
    page = await rooms.list_public(db, query=q, limit=limit, cursor=cursor)
    counts = await rooms.member_counts(db, [room.id for room in page.items])
    return RoomPage(
        items=[RoomOut.of(room, None, counts.get(room.id, 0)) for room in page.items],
        next_cursor=page.next_cursor,
    )


@router.get("/rooms/joined")
async def joined_rooms(principal: CurrentPrincipal, db: SessionDep) -> list[RoomOut]:
    """The rooms you are in (DMs too), most recently active first, with unread counts."""
    return [RoomOut.of(room, member) for room, member in await rooms.joined(db, principal.user_id)]


@router.get("/rooms/{room_id}")
async def get_room(room_id: uuid.UUID, principal: CurrentPrincipal, db: SessionDep) -> RoomOut:
    """A room you may see; private rooms are 404 to non-members."""
    return await _room_out(db, *(await _access(db, room_id, principal.user_id)))


@router.patch("/rooms/{room_id}")
async def update_room(
    room_id: uuid.UUID,
    body: RoomPatch,
    principal: CurrentPrincipal,
    db: SessionDep,
    backends: BackendsDep,
) -> RoomOut:
    """Change name, topic or settings (owner and moderators)."""
    room = await rooms.update_room(
        db, room_id, principal.user_id, body.model_dump(exclude_unset=True, exclude_none=True)
    )
    await chat_events.to_room(backends.bus, room.id, "room.updated", chat_events.room_data(room))
    return await _room_out(db, *(await _access(db, room_id, principal.user_id)))


@router.delete("/rooms/{room_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete_room(
    room_id: uuid.UUID, principal: CurrentPrincipal, db: SessionDep, backends: BackendsDep
) -> Response:
    """Delete a room and its messages (owner only)."""
    await rooms.delete_room(db, room_id, principal.user_id)
    await chat_events.to_room(backends.bus, room_id, "room.deleted", {"id": str(room_id)})
    return Response(status_code=status.HTTP_204_NO_CONTENT)


async def _announce_member(
    db: SessionDep,
    backends: BackendsDep,
    principal: CurrentPrincipal,
    room_id: uuid.UUID,
    kind: str,
) -> None:
    user = await rooms.user_by_id(db, principal.user_id)
    data = {"user": {"id": str(principal.user_id), "username": user.username}}
    await chat_events.to_room(backends.bus, room_id, kind, data)


@router.post("/rooms/{room_id}/join")
async def join_room(
    room_id: uuid.UUID, principal: CurrentPrincipal, db: SessionDep, backends: BackendsDep
) -> RoomOut:
    """Join a public room (joining again changes nothing)."""
    room, joined_now = await rooms.join(db, room_id, principal.user_id)
    if joined_now:
        await _announce_member(db, backends, principal, room.id, "member.joined")
    return await _room_out(db, *(await _access(db, room_id, principal.user_id)))


@router.post("/rooms/{room_id}/invites", status_code=status.HTTP_201_CREATED)
async def create_invite(
    room_id: uuid.UUID, body: InviteIn, principal: CurrentPrincipal, db: SessionDep
) -> InviteOut:
    """An invite link into the room (owner and moderators); the way into private rooms."""
    invite, token = await invites.create(
        db, room_id, principal.user_id, hours=body.expires_in_hours, max_uses=body.max_uses
    )
    return InviteOut(token=token, expires_at=invite.expires_at, max_uses=invite.max_uses)


@router.post("/invites/{token}")
async def accept_invite(
    token: str, principal: CurrentPrincipal, db: SessionDep, backends: BackendsDep
) -> RoomOut:
    """Join the room an invite is for."""
    room, joined_now = await invites.accept(db, token, principal.user_id)
    if joined_now:
        await _announce_member(db, backends, principal, room.id, "member.joined")
    return await _room_out(db, *(await _access(db, room.id, principal.user_id)))


@router.put("/rooms/{room_id}/members/{username}/role")
async def set_member_role(
    room_id: uuid.UUID, username: str, body: RoleIn, principal: CurrentPrincipal, db: SessionDep
) -> dict[str, str]:
    """Make a member a moderator, or a moderator a member again (owner only)."""
    member = await invites.set_role(db, room_id, principal.user_id, username, RoomRole(body.role))
    return {"username": username.lower(), "role": member.role.value}


@router.post("/rooms/{room_id}/leave", status_code=status.HTTP_204_NO_CONTENT)
async def leave_room(
    room_id: uuid.UUID, principal: CurrentPrincipal, db: SessionDep, backends: BackendsDep
) -> Response:
    """Leave a room (owners delete theirs instead)."""
    room = await rooms.leave(db, room_id, principal.user_id)
    await _announce_member(db, backends, principal, room.id, "member.left")
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/rooms/{room_id}/messages")
async def room_messages(
    room_id: uuid.UUID,
    principal: CurrentPrincipal,
    db: SessionDep,
    before_seq: Annotated[int | None, Query(ge=1)] = None,
    limit: Limit = 50,
) -> MessagesOut:
    """History, oldest first within the page; page back with `before_seq` = first seq."""
    await rooms.access(db, room_id, principal.user_id)
    found = await messages.history(db, room_id, before_seq=before_seq, limit=limit)
    counts = await messages.reaction_counts(db, [m.id for m in found])
    return MessagesOut(
        items=[chat_events.message_data(m, counts.get(m.id)) for m in found],
        has_more=bool(found) and found[0].seq > 1,
    )


@router.post("/dms")
async def open_dm(
    body: DmIn, principal: CurrentPrincipal, db: SessionDep, response: Response
) -> RoomOut:
    """The one direct-message room you share with a user; 201 when it is created now."""
    room, created = await rooms.open_dm(db, principal.user_id, body.username)
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    return await _room_out(db, *(await _access(db, room.id, principal.user_id)))


@router.get("/blocks")
async def list_blocks(principal: CurrentPrincipal, db: SessionDep) -> list[BlockOut]:
    """The users you block."""
    found = await rooms.blocked_users(db, principal.user_id)
    return [BlockOut(username=user.username, blocked_at=at) for user, at in found]


@router.put("/blocks/{username}", status_code=status.HTTP_204_NO_CONTENT)
async def block_user(username: str, principal: CurrentPrincipal, db: SessionDep) -> Response:
    """Block a user: no DMs between you (either way) from now on."""
    await rooms.block(db, principal.user_id, username)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.delete("/blocks/{username}", status_code=status.HTTP_204_NO_CONTENT)
async def unblock_user(username: str, principal: CurrentPrincipal, db: SessionDep) -> Response:
    await rooms.unblock(db, principal.user_id, username)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/reports", status_code=status.HTTP_201_CREATED)
async def report_message(body: ReportIn, principal: CurrentPrincipal, db: SessionDep) -> ReportOut:
    """Report a message to its room's moderators (once per message)."""
    row = await reports.report(
        db, message_id=body.message_id, reporter_id=principal.user_id, reason=body.reason
    )
    return ReportOut.model_validate(row, from_attributes=True)


@router.get("/rooms/{room_id}/reports")
async def room_reports(
    room_id: uuid.UUID, principal: CurrentPrincipal, db: SessionDep, limit: Limit = 50
) -> list[ReportOut]:
    """Open reports, oldest first (owner and moderators)."""
    found = await reports.open_reports(db, room_id, principal.user_id, limit=limit)
    return [
        ReportOut.model_validate(row, from_attributes=True).model_copy(
            update={"message": chat_events.message_data(message)}
        )
        for row, message in found
    ]


@router.post("/rooms/{room_id}/reports/{report_id}/resolve")
async def resolve_report(
    room_id: uuid.UUID, report_id: uuid.UUID, principal: CurrentPrincipal, db: SessionDep
) -> ReportOut:
    """Close a report (after acting on it, or not)."""
    row = await reports.resolve(db, room_id, report_id, principal.user_id)
    return ReportOut.model_validate(row, from_attributes=True)


@router.post("/rooms/{room_id}/moderation")
async def moderate_member(
    room_id: uuid.UUID,
    body: ModerationIn,
    principal: CurrentPrincipal,
    db: SessionDep,
    backends: BackendsDep,
) -> ModerationOut:
    """Mute, ban, kick, unmute or unban a member (owner and moderators); audited."""
    done = await moderation.act(
        backends,
        db,
        room_id=room_id,
        moderator_id=principal.user_id,
        username=body.username,
        action=body.action,
        minutes=body.minutes,
        reason=body.reason,
    )
    return ModerationOut.model_validate(done)
