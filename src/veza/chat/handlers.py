"""What each client verb does: call the core services, publish events, return the ack's data."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from veza.chat import protocol as p
from veza.chat.connection import Connection
from veza.chat.hub import Hub
from veza.core.backends import Backends
from veza.core.errors import Unauthorized
from veza.core.models import Message, RoomMember
from veza.core.services import chat_events, credentials, messages, notifications, presence, rooms
from veza.core.services.chat_events import message_data, room_subject


class Handlers:
    """The verbs of one connection. Each returns the ack's data or raises a domain error."""

    def __init__(self, backends: Backends, hub: Hub, connection: Connection) -> None:
        self.backends = backends
        self.hub = hub
        self.connection = connection
        self._table: dict[str, Callable[[Any], Awaitable[Any]]] = {
            "auth": self.auth,
            "unsubscribe": self.unsubscribe,
            "send": self.send,
            "edit": self.edit,
            "delete": self.delete,
            "react": self.react,
            "unreact": self.react,
            "typing": self.typing,
            "read": self.read,
            "history": self.history,
            "ping": self.ping,
        }

    @property
    def me(self) -> uuid.UUID:
        return self.connection.user_id

    def _user(self) -> dict[str, str]:
        return {"id": str(self.me), "username": self.connection.username}

    async def handle(self, frame: p.ClientFrame) -> None:
        """Act on a request and queue its ack (a subscribe's ack is queued by `subscribe`)."""
        if isinstance(frame, p.Subscribe):
            await self.subscribe(frame)
            return
        data = await self._table[frame.type](frame)
        self.connection.push(p.ack(frame.id, data))

    async def _publish(self, room_id: uuid.UUID, kind: str, data: dict[str, Any]) -> None:
        await chat_events.to_room(self.backends.bus, room_id, kind, data)

    async def _with_reactions(self, db: AsyncSession, found: list[Message]) -> list[dict[str, Any]]:
        counts = await messages.reaction_counts(db, [m.id for m in found])
        return [message_data(m, counts.get(m.id)) for m in found]

    async def auth(self, frame: p.Auth) -> dict[str, Any]:
        """A fresh token for a live connection (before the old one expires); same user only."""
        principal, expires_at = await credentials.authenticate(self.backends, frame.token)
        if principal.user_id != self.me:
            raise Unauthorized("token is for another user", code="invalid_token")
        self.connection.token = frame.token
        self.connection.token_expires_at = expires_at
        return {"expires_at": expires_at.isoformat()}

    async def subscribe(self, frame: p.Subscribe) -> None:
        """Watch a room; with `since_seq`, the answer carries what was missed (up to a bound)."""
        connection = self.connection
        async with self.backends.db.session() as db:
            found = await rooms.access(db, frame.room, self.me)
            connection.start_watching(frame.room)
            # Watch first, read second: nothing falls between the read and the live stream.
            await self.hub.watch(room_subject(frame.room), connection)
            try:
                await db.refresh(found.room)
                floor = found.room.last_seq
                missed: list[Message] = []
                truncated = False
                if frame.since_seq is not None:
                    missed, truncated = await messages.since(
                        db, frame.room, frame.since_seq, connection.limits.replay_limit
                    )
                member_ids = list(
                    await db.scalars(
                        select(RoomMember.user_id)
                        .where(RoomMember.room_id == frame.room)
                        .limit(connection.limits.presence_room_members)
                    )
                )
                data = {
                    "room": chat_events.room_data(found.room, found.member),
                    "messages": await self._with_reactions(db, missed),
                    "truncated": truncated,
                    "presence": {
                        str(user_id): status.value
                        for user_id, status in (
                            await presence.status_of(self.backends.cache, member_ids)
                        ).items()
                    },
                }
            except BaseException:
                connection.stop_watching(frame.room)
                await self.hub.unwatch(room_subject(frame.room), connection)
                raise
        connection.ready(frame.room, max([floor, *(m.seq for m in missed)]), p.ack(frame.id, data))

    async def unsubscribe(self, frame: p.Unsubscribe) -> dict[str, Any]:
        self.connection.stop_watching(frame.room)
        await self.hub.unwatch(room_subject(frame.room), self.connection)
        return {"room": str(frame.room)}

    async def send(self, frame: p.Send) -> dict[str, Any]:
        async with self.backends.db.session() as db:
            sent = await messages.send(
                self.backends,
                db,
                room_id=frame.room,
                author_id=self.me,
                body=frame.body,
                nonce=frame.nonce,
                reply_to=frame.reply_to,
            )
            data = message_data(sent.message)
            if sent.created:
                await self._publish(frame.room, "message.created", data)
                named = await messages.mentioned(db, sent.message)
                for user_id in named:
                    await chat_events.to_user(
                        self.backends.bus, user_id, "mention", data, frame.room
                    )
                await notifications.chat_message(self.backends, db, sent.message, named)
        return {"message": data, "duplicate": not sent.created}

    async def edit(self, frame: p.Edit) -> dict[str, Any]:
        async with self.backends.db.session() as db:
            message = await messages.edit(
                self.backends, db, message_id=frame.message_id, user_id=self.me, body=frame.body
            )
            data = (await self._with_reactions(db, [message]))[0]
        await self._publish(message.room_id, "message.updated", data)
        return {"message": data}

    async def delete(self, frame: p.Delete) -> dict[str, Any]:
        async with self.backends.db.session() as db:
            message = await messages.remove(db, message_id=frame.message_id, user_id=self.me)
        data = message_data(message)
        await self._publish(message.room_id, "message.deleted", data)
        return {"message": data}

    async def react(self, frame: p.React) -> dict[str, Any]:
        adding = frame.type == "react"
        async with self.backends.db.session() as db:
            message, emoji, changed = await messages.react(
                db, message_id=frame.message_id, user_id=self.me, emoji=frame.emoji, add=adding
            )
        data = {
            "message_id": str(message.id),
            "seq": message.seq,
            "emoji": emoji,
            "user": self._user(),
        }
        if changed:
            kind = "reaction.added" if adding else "reaction.removed"
            await self._publish(message.room_id, kind, data)
        return {**data, "changed": changed}

    async def typing(self, frame: p.Typing) -> dict[str, Any]:
        """Ephemeral and throttled: at most one event per user and room every few seconds."""
        async with self.backends.db.session() as db:
            await rooms.member_access(db, frame.room, self.me)
        key = f"chat:typing:{frame.room}:{self.me}"
        every = self.connection.limits.typing_every_seconds
        sent = await self.backends.cache.add(key, "1", ttl=every)
        if sent:
            await self._publish(frame.room, "typing", {"user": self._user()})
        return {"sent": sent}

    async def read(self, frame: p.Read) -> dict[str, Any]:
        async with self.backends.db.session() as db:
            seq, moved = await messages.mark_read(
                db, room_id=frame.room, user_id=self.me, seq=frame.seq
            )
        if moved:
            await self._publish(frame.room, "read", {"user": self._user(), "seq": seq})
        return {"last_read_seq": seq}

    async def history(self, frame: p.History) -> dict[str, Any]:
        async with self.backends.db.session() as db:
            await rooms.access(db, frame.room, self.me)
            found = await messages.history(
                db, frame.room, before_seq=frame.before_seq, limit=frame.limit
            )
            items = await self._with_reactions(db, found)
        has_more = bool(found) and found[0].seq > 1
        return {"messages": items, "has_more": has_more}

    async def ping(self, _frame: p.Ping) -> dict[str, Any]:
        return {"server_time": datetime.now(UTC).isoformat()}
