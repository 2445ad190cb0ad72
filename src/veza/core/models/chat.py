"""Chat: rooms and their members, messages with per-room sequence numbers, reactions, blocks."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import Enum, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from veza.core.db import Base, utcnow
from veza.core.models.user import User


def _enum(kind: type[enum.StrEnum]) -> Enum:
    return Enum(kind, native_enum=False, length=16, validate_strings=True)


class RoomKind(enum.StrEnum):
    public = "public"
    private = "private"
    dm = "dm"


class ProfanityMode(enum.StrEnum):
    mask = "mask"
    reject = "reject"
    off = "off"


class RoomRole(enum.StrEnum):
    owner = "owner"
    moderator = "moderator"
    member = "member"


class Room(Base):
    """A conversation. `last_seq` is the counter that orders its messages."""

    __tablename__ = "rooms"
    __table_args__ = (Index("ix_rooms_kind_created_at_id", "kind", "created_at", "id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    kind: Mapped[RoomKind] = mapped_column(_enum(RoomKind))
    name: Mapped[str] = mapped_column(String(64))
    topic: Mapped[str] = mapped_column(String(300), default="")
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    last_seq: Mapped[int] = mapped_column(default=0)
    last_message_at: Mapped[datetime | None]
    slow_mode_seconds: Mapped[int] = mapped_column(default=0)
    profanity_mode: Mapped[ProfanityMode] = mapped_column(
        _enum(ProfanityMode), default=ProfanityMode.mask
    )
    links_allowed: Mapped[bool] = mapped_column(default=True)
    # The two members' ids in order ("<lower>:<higher>"), so a pair has one DM room.
    dm_key: Mapped[str | None] = mapped_column(String(80), unique=True)


class RoomMember(Base):
    """A user's place in a room. A ban keeps the row so the user cannot simply rejoin."""

    __tablename__ = "room_members"

    room_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("rooms.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    role: Mapped[RoomRole] = mapped_column(_enum(RoomRole), default=RoomRole.member)
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_read_seq: Mapped[int] = mapped_column(default=0)
    muted_until: Mapped[datetime | None]
    banned_until: Mapped[datetime | None]

    def is_banned(self, now: datetime) -> bool:
        return self.banned_until is not None and self.banned_until > now

    def is_muted(self, now: datetime) -> bool:
        return self.muted_until is not None and self.muted_until > now

    @property
    def moderates(self) -> bool:
        return self.role in (RoomRole.owner, RoomRole.moderator)


class Message(Base):
    """A message, kept as plain text. Deleting leaves a tombstone so `seq` never has holes."""

    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("room_id", "seq", name="uq_messages_room_id_seq"),
        UniqueConstraint("room_id", "author_id", "nonce", name="uq_messages_room_author_nonce"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    room_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"))
    seq: Mapped[int]
    author_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    body: Mapped[str] = mapped_column(Text)
    reply_to: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("messages.id", ondelete="SET NULL")
    )
    nonce: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    edited_at: Mapped[datetime | None]
    deleted_at: Mapped[datetime | None]

    author: Mapped[User | None] = relationship(lazy="joined", innerjoin=False)


class MessageEdit(Base):
    """A message's earlier text, kept on every edit."""

    __tablename__ = "message_edits"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    message_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), index=True
    )
    previous_body: Mapped[str] = mapped_column(Text)
    edited_at: Mapped[datetime] = mapped_column(default=utcnow)


class Reaction(Base):
    """One emoji from one user on one message."""

    __tablename__ = "reactions"

    message_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    emoji: Mapped[str] = mapped_column(String(32), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class UserBlock(Base):
    """`blocker` does not want DMs or mentions from `blocked`."""

    __tablename__ = "user_blocks"

    blocker_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    blocked_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class MessageReport(Base):
    """A member's report of a message, waiting in the room's queue for its moderators."""

    __tablename__ = "message_reports"
    __table_args__ = (
        UniqueConstraint("message_id", "reporter_id", name="uq_message_reports_message_reporter"),
        Index("ix_message_reports_room_open", "room_id", "resolved_at", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    message_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"))
    room_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"))
    reporter_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )


class RoomInvite(Base):
    """A link into a room, kept as the SHA-256 of its token; it expires and runs out."""

    __tablename__ = "room_invites"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    room_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("rooms.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    max_uses: Mapped[int]
    uses: Mapped[int] = mapped_column(default=0)


class MessagePin(Base):
    """A message a room's moderators pinned; the room keeps a short list of them."""

    __tablename__ = "message_pins"
    __table_args__ = (Index("ix_message_pins_room_id_pinned_at", "room_id", "pinned_at"),)

    message_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True
    )
    room_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("rooms.id", ondelete="CASCADE"))
    pinned_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    pinned_at: Mapped[datetime] = mapped_column(default=utcnow)


class ChatBan(Base):
    """An administrator's ban from all of chat (every room, every connection) until `until`."""

    __tablename__ = "chat_bans"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    until: Mapped[datetime]
    reason: Mapped[str] = mapped_column(String(500), default="")
    banned_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def active(self, now: datetime) -> bool:
        return self.until > now
