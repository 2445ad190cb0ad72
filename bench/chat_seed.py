"""Accounts, sessions and one public room for the chat benchmark, written straight to the database.

Registering 10,000 users over HTTP would spend minutes in argon2id; the benchmark measures chat,
so the users share one password hash (made once, with the server's cheap bench parameters) and
get a session and an access token each through the same service the login route uses.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

from veza.config import load_settings
from veza.core.backends import open_backends
from veza.core.db import utcnow
from veza.core.models import Room, RoomMember, User
from veza.core.models.chat import RoomKind, RoomRole
from veza.core.services import sessions
from veza.core.services.audit import ClientInfo

BATCH = 500


@dataclass(frozen=True)
class Seeded:
    room: str
    senders: list[str]  # tokens of room moderators (exempt from flood checks)
    members: list[str]  # tokens of plain members
    watchers: list[str]  # tokens of users who watch the public room without joining it


async def seed(
    database_url: str,
    secret_key: str,
    data_dir: Path,
    *,
    senders: int,
    members: int,
    watchers: int,
    token_ttl_seconds: int,
) -> Seeded:
    settings = load_settings(
        env="development",
        database_url=database_url,
        secret_key=secret_key,
        data_dir=data_dir,
        storage_url=f"file://{data_dir / 'media'}",
        access_token_ttl_seconds=token_ttl_seconds,
        argon2_time_cost=1,
        argon2_memory_kib=64,
    )
    backends = await open_backends(settings)
    client = ClientInfo(ip="127.0.0.1", user_agent="veza-bench")
    tokens: list[str] = []
    try:
        password_hash = await backends.passwords.hash("bench password, never used to sign in")
        room_id = uuid.uuid4()
        total = senders + members + watchers
        async with backends.db.session() as db:
            for start in range(0, total, BATCH):
                users = [
                    User(
                        id=uuid.uuid4(),
                        username=f"bench{n}",
                        email=f"bench{n}@example.org",
                        email_normalized=f"bench{n}@example.org",
                        password_hash=password_hash,
                        display_name=f"bench{n}",
                        password_changed_at=utcnow(),
                    )
                    for n in range(start, min(total, start + BATCH))
                ]
                db.add_all(users)
                await db.flush()
                if start == 0:
                    db.add(
                        Room(id=room_id, kind=RoomKind.public, name="bench", created_by=users[0].id)
                    )
                    await db.flush()
                for offset, user in enumerate(users):
                    n = start + offset
                    if n < senders + members:
                        role = RoomRole.owner if n == 0 else RoomRole.member
                        role = RoomRole.moderator if 0 < n < senders else role
                        db.add(RoomMember(room_id=room_id, user_id=user.id, role=role))
                    pair = await sessions.start_session(
                        backends, db, user, client, method="password"
                    )
                    tokens.append(pair.access_token)
                await db.commit()
    finally:
        await backends.close()
    return Seeded(
        room=str(room_id),
        senders=tokens[:senders],
        members=tokens[senders : senders + members],
        watchers=tokens[senders + members :],
    )
