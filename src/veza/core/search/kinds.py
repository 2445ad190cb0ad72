"""The built-in searchable kinds: tracks, users and public rooms.

Other kinds (playlists, ...) register their own `DocumentKind` the same way.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import Connection, select

from veza.core.models import Room, RoomKind, Track, TrackStatus, TrackTag, User, UserStatus
from veza.core.models import Visibility as V
from veza.core.search.documents import Document, DocumentKind, register

TRACK_TEXT = ("title", "artist", "album", "album_artist", "genre")
BIO_CHARS = 500


def _words(*parts: str | None) -> str:
    return " ".join(part for part in parts if part)


def load_tracks(connection: Connection, ids: Sequence[uuid.UUID]) -> list[Document]:
    """Every track is indexed; only public, ready ones are listed for people but the owner."""
    tags: dict[uuid.UUID, list[str]] = {}
    for track_id, tag in connection.execute(
        select(TrackTag.track_id, TrackTag.tag).where(TrackTag.track_id.in_(ids))
    ):
        tags.setdefault(track_id, []).append(tag)
    rows = connection.execute(
        select(
            Track.id,
            Track.owner_id,
            Track.visibility,
            Track.status,
            *(getattr(Track, name) for name in TRACK_TEXT),
        ).where(Track.id.in_(ids))
    )
    return [
        Document(
            ref_id=row.id,
            owner_id=row.owner_id,
            public=row.visibility == V.public and row.status == TrackStatus.ready,
            title=row.title,
            subtitle=_words(row.artist),
            body=_words(row.album, row.album_artist, row.genre, *tags.get(row.id, [])),
        )
        for row in rows
    ]


def load_users(connection: Connection, ids: Sequence[uuid.UUID]) -> list[Document]:
    rows = connection.execute(
        select(User.id, User.username, User.display_name, User.bio, User.status).where(
            User.id.in_(ids)
        )
    )
    return [
        Document(
            ref_id=row.id,
            owner_id=row.id,
            public=row.status == UserStatus.active,
            title=row.display_name or row.username,
            subtitle=row.username,
            body=(row.bio or "")[:BIO_CHARS],
        )
        for row in rows
    ]


def load_rooms(connection: Connection, ids: Sequence[uuid.UUID]) -> list[Document]:
    """Only public rooms are searchable; private rooms and DMs are never indexed."""
    rows = connection.execute(
        select(Room.id, Room.name, Room.topic).where(Room.id.in_(ids), Room.kind == RoomKind.public)
    )
    return [
        Document(ref_id=row.id, owner_id=None, public=True, title=row.name, body=row.topic or "")
        for row in rows
    ]


def _track_of(tag: TrackTag) -> uuid.UUID:
    return tag.track_id


register(
    DocumentKind(
        name="track",
        model=Track,
        watched=frozenset({*TRACK_TEXT, "visibility", "status", "owner_id"}),
        load=load_tracks,
        related={TrackTag: _track_of},
    )
)
register(
    DocumentKind(
        name="user",
        model=User,
        watched=frozenset({"username", "display_name", "bio", "status"}),
        load=load_users,
    )
)
register(
    DocumentKind(
        name="room", model=Room, watched=frozenset({"name", "topic", "kind"}), load=load_rooms
    )
)
