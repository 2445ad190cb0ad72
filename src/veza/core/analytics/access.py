"""Who may read which analytics: owners and admins; room owners, moderators and admins.

Hidden things stay hidden: a private track or room that is not yours is `404`, exactly as its
own routes answer; something you may see but do not own is `403`.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from veza.core.errors import Forbidden
from veza.core.models import Room, Track, User
from veza.core.services import rooms
from veza.core.services.sessions import Principal
from veza.core.services.tracks import get_visible


async def track(db: AsyncSession, track_id: uuid.UUID, principal: Principal) -> Track:
    found = await get_visible(db, track_id, principal)
    if found.owner_id != principal.user_id and not principal.is_admin:
        raise Forbidden("only the track's owner sees its analytics", code="not_track_owner")
    return found


async def artist(db: AsyncSession, username: str, principal: Principal) -> User:
    user = await rooms.user_by_username(db, username)
    if user.id != principal.user_id and not principal.is_admin:
        raise Forbidden("only the artist sees their analytics", code="not_your_analytics")
    return user


async def room(db: AsyncSession, room_id: uuid.UUID, principal: Principal) -> Room:
    if principal.is_admin:
        found = await db.get(Room, room_id)
        if found is None:
            raise rooms.not_found()
        return found
    return (await rooms.moderator_access(db, room_id, principal.user_id)).room


def platform(principal: Principal) -> None:
    if not principal.is_admin:
        raise Forbidden("administrators only", code="admin_required")
