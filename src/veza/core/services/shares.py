"""Share links: a secret URL to one track or playlist, opened without an account.

Only the token's SHA-256 is stored, so a database leak reveals no working link. A link may
expire and may be revoked; an unknown, revoked or expired token is simply not found (404),
and so is a link whose track or playlist was deleted (the row goes with it).
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from veza.core.db import utcnow
from veza.core.errors import Conflict, InvalidInput, NotFound
from veza.core.models import Playlist, Role, ShareLink, Track
from veza.core.pagination import Page, keyset_page
from veza.core.services import playlists, tracks
from veza.core.services.sessions import Principal

MAX_LINKS_PER_USER = 500
MAX_EXPIRY_DAYS = 365


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Created:
    link: ShareLink
    token: str  # shown once, never stored


async def create(
    db: AsyncSession,
    principal: Principal,
    *,
    track_id: uuid.UUID | None,
    playlist_id: uuid.UUID | None,
    expires_in_seconds: int | None,
) -> Created:
    """A new link to something the caller owns (track or playlist, exactly one)."""
    if (track_id is None) == (playlist_id is None):
        raise InvalidInput("give exactly one of track_id and playlist_id", code="one_target")
    if expires_in_seconds is not None and not (60 <= expires_in_seconds <= MAX_EXPIRY_DAYS * 86400):
        raise InvalidInput(
            f"expiry must be between 60 seconds and {MAX_EXPIRY_DAYS} days",
            code="invalid_expiry",
        )
    if track_id is not None:
        await tracks.get_editable(db, track_id, principal)
    if playlist_id is not None:
        await playlists.get_owned(db, playlist_id, principal)
    count = await db.scalar(
        select(func.count()).where(
            ShareLink.owner_id == principal.user_id, ShareLink.revoked_at.is_(None)
        )
    )
    if (count or 0) >= MAX_LINKS_PER_USER:
        raise Conflict(
            f"at most {MAX_LINKS_PER_USER} active share links; revoke some",
            code="too_many_links",
        )
    token = secrets.token_urlsafe(32)
    expires_at = utcnow() + timedelta(seconds=expires_in_seconds) if expires_in_seconds else None
    link = ShareLink(
        token_hash=_digest(token),
        owner_id=principal.user_id,
        track_id=track_id,
        playlist_id=playlist_id,
        expires_at=expires_at,
    )
    db.add(link)
    await db.commit()
    return Created(link, token)


async def list_mine(
    db: AsyncSession, principal: Principal, *, limit: int, cursor: str | None
) -> Page[ShareLink]:
    query = select(ShareLink).where(ShareLink.owner_id == principal.user_id)
    columns = [ShareLink.created_at, ShareLink.id]
    return await keyset_page(db, query, columns, limit=limit, cursor=cursor)


async def revoke(db: AsyncSession, principal: Principal, link_id: uuid.UUID) -> ShareLink:
    """Revoke one of your links (again is fine); others' links do not exist for you."""
    link = await db.get(ShareLink, link_id)
    if link is None or (link.owner_id != principal.user_id and not principal.is_admin):
        raise NotFound("no such share link", code="share_not_found")
    if link.revoked_at is None:
        link.revoked_at = utcnow()
        await db.commit()
    return link


@dataclass(frozen=True, slots=True)
class Shared:
    link: ShareLink
    track: Track | None
    playlist: Playlist | None
    # Whose eyes the shared thing is seen through: the owner's (not as an admin).
    viewer: Principal


async def open_link(db: AsyncSession, token: str) -> Shared:
    link = await db.scalar(select(ShareLink).where(ShareLink.token_hash == _digest(token)))
    if (
        link is None
        or link.revoked_at is not None
        or (link.expires_at is not None and link.expires_at <= utcnow())
    ):
        raise NotFound(
            "this link does not exist, has expired or was revoked", code="share_not_found"
        )
    viewer = Principal(user_id=link.owner_id, session_id=link.id, role=Role.user)
    track = await db.get(Track, link.track_id) if link.track_id else None
    playlist = await db.get(Playlist, link.playlist_id) if link.playlist_id else None
    return Shared(link, track, playlist, viewer)
