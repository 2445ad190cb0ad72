"""Chat events: how rooms and messages look on the wire, and their bus subjects.

Both the REST API and the chat service publish here; each chat process forwards what its
clients watch. An event is serialized once, by its producer, and sent as-is to every client.
"""

from __future__ import annotations

import uuid
from typing import Any

from veza.core.bus import Bus, publish_json
from veza.core.models import Message, Room, RoomMember


def room_subject(room_id: uuid.UUID) -> str:
    return f"veza.room.{room_id}"


def user_subject(user_id: uuid.UUID) -> str:
    return f"veza.user.{user_id}"


def message_data(message: Message, reactions: dict[str, int] | None = None) -> dict[str, Any]:
    """A message as clients see it; a deleted one keeps its place (`seq`) but not its text."""
    author = message.author
    return {
        "id": str(message.id),
        "room": str(message.room_id),
        "seq": message.seq,
        "author": {"id": str(author.id), "username": author.username} if author else None,
        "body": message.body,
        "reply_to": str(message.reply_to) if message.reply_to else None,
        "nonce": message.nonce,
        "created_at": message.created_at.isoformat(),
        "edited_at": message.edited_at.isoformat() if message.edited_at else None,
        "deleted": message.deleted_at is not None,
        "reactions": reactions or {},
    }


def room_data(room: Room, member: RoomMember | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": str(room.id),
        "kind": room.kind.value,
        "name": room.name,
        "topic": room.topic,
        "last_seq": room.last_seq,
        "settings": {
            "slow_mode_seconds": room.slow_mode_seconds,
            "profanity_mode": room.profanity_mode.value,
            "links_allowed": room.links_allowed,
        },
    }
    if member is not None:
        data["role"] = member.role.value
        data["last_read_seq"] = member.last_read_seq
    return data


def event(kind: str, room_id: uuid.UUID | None, data: dict[str, Any]) -> dict[str, Any]:
    frame: dict[str, Any] = {"type": kind, "data": data}
    if room_id is not None:
        frame["room"] = str(room_id)
    return frame


async def to_room(bus: Bus, room_id: uuid.UUID, kind: str, data: dict[str, Any]) -> None:
    """Tell everyone watching a room, on every chat process."""
    await publish_json(bus, room_subject(room_id), event(kind, room_id, data))


async def to_user(
    bus: Bus, user_id: uuid.UUID, kind: str, data: dict[str, Any], room_id: uuid.UUID | None = None
) -> None:
    """Tell one user, on every connection they have anywhere."""
    await publish_json(bus, user_subject(user_id), event(kind, room_id, data))
