"""Personal access tokens: named, scoped, optionally expiring bearer tokens for scripts and bots.

A token is shown once and kept as its SHA-256. Scopes: `read` (safe methods), `write` (also
changes; implies read) and `admin` (the user's staff role; implies both; only for staff).
Without `admin`, a token acts as a plain user whatever its owner's role.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from veza.core.backends import Backends
from veza.core.db import utcnow
from veza.core.errors import Conflict, Forbidden, NotFound, Unauthorized
from veza.core.models import PersonalToken, Role, User, UserStatus
from veza.core.security.tokens import hash_token
from veza.core.services import audit
from veza.core.services.audit import ClientInfo
from veza.core.services.sessions import Principal

PREFIX = "vzp_"
SCOPES = ("read", "write", "admin")
IMPLIED = {"read": {"read"}, "write": {"read", "write"}, "admin": {"read", "write", "admin"}}
# last_used_at is written at most this often per token.
LAST_USED_GRANULARITY = timedelta(minutes=1)
NEVER = datetime.max.replace(tzinfo=UTC)


def looks_like(token: str) -> bool:
    return token.startswith(PREFIX)


async def create(
    backends: Backends,
    db: AsyncSession,
    user: User,
    *,
    name: str,
    scopes: list[str],
    expires_in_days: int | None,
    client: ClientInfo,
) -> tuple[PersonalToken, str]:
    """A new token and its secret value (the only time it is seen)."""
    if "admin" in scopes and user.role == Role.user:
        raise Forbidden("only moderators and admins may create admin tokens", code="scope_denied")
    live = await db.scalar(
        select(func.count())
        .select_from(PersonalToken)
        .where(PersonalToken.user_id == user.id, PersonalToken.revoked_at.is_(None))
    )
    if int(live or 0) >= backends.settings.personal_tokens_per_user:
        raise Conflict("too many tokens; revoke some first", code="too_many_tokens")
    secret = PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    row = PersonalToken(
        user_id=user.id,
        name=name.strip(),
        token_hash=hash_token(secret),
        scopes=sorted(set(scopes)),
        created_at=now,
        expires_at=now + timedelta(days=expires_in_days) if expires_in_days else None,
    )
    db.add(row)
    await db.flush()
    audit.record(
        db,
        "auth.personal_token_created",
        client,
        actor_id=user.id,
        target_user_id=user.id,
        token_id=str(row.id),
        scopes=row.scopes,
    )
    await db.commit()
    return row, secret


async def list_tokens(db: AsyncSession, user_id: uuid.UUID) -> list[PersonalToken]:
    """The user's unrevoked tokens (expired ones too, so they can be seen and removed)."""
    query = (
        select(PersonalToken)
        .where(PersonalToken.user_id == user_id, PersonalToken.revoked_at.is_(None))
        .order_by(PersonalToken.created_at.desc())
    )
    return list((await db.scalars(query)).all())


async def revoke(
    db: AsyncSession, user_id: uuid.UUID, token_id: uuid.UUID, client: ClientInfo
) -> None:
    row = await db.get(PersonalToken, token_id)
    if row is None or row.user_id != user_id or row.revoked_at is not None:
        raise NotFound("no such token", code="token_not_found")
    row.revoked_at = utcnow()
    audit.record(
        db,
        "auth.personal_token_revoked",
        client,
        actor_id=user_id,
        target_user_id=user_id,
        token_id=str(token_id),
    )
    await db.commit()


async def _refuse(
    backends: Backends, client: ClientInfo, user_id: uuid.UUID | None, reason: str, **details: Any
) -> None:
    async with backends.db.session() as db:
        audit.record(
            db,
            "auth.personal_token_refused",
            client,
            target_user_id=user_id,
            reason=reason,
            **details,
        )
        await db.commit()


async def authenticate(
    backends: Backends, token: str, client: ClientInfo
) -> tuple[Principal, datetime]:
    """The principal of a personal token and when the token expires; refusals are audited."""
    now = utcnow()
    async with backends.db.session() as db:
        row = await db.scalar(
            select(PersonalToken).where(PersonalToken.token_hash == hash_token(token))
        )
        user = await db.get(User, row.user_id) if row is not None else None
        if row is None or user is None:
            await _refuse(backends, client, None, "invalid_token")
            raise Unauthorized("invalid personal access token", code="invalid_token")
        token_id, user_id = str(row.id), user.id
        if row.revoked_at is not None:
            await _refuse(backends, client, user_id, "token_revoked", token_id=token_id)
            raise Unauthorized("this token was revoked", code="token_revoked")
        if row.expires_at is not None and row.expires_at <= now:
            await _refuse(backends, client, user_id, "token_expired", token_id=token_id)
            raise Unauthorized("this token has expired", code="token_expired")
        if user.status != UserStatus.active:
            raise Unauthorized("account is suspended", code="account_suspended")
        scopes = frozenset().union(*(IMPLIED.get(scope, set()) for scope in row.scopes))
        role = user.role if "admin" in scopes else Role.user
        principal = Principal(
            user.id, row.id, role, user.email_verified_at is not None, frozenset(scopes)
        )
        if row.last_used_at is None or row.last_used_at <= now - LAST_USED_GRANULARITY:
            row.last_used_at = now
            await db.commit()
        return principal, row.expires_at or NEVER


async def refuse_scope(
    backends: Backends, principal: Principal, needed: str, client: ClientInfo
) -> None:
    """A token asked for more than its scopes allow: audited, then a 403."""
    await _refuse(
        backends,
        client,
        principal.user_id,
        "insufficient_scope",
        token_id=str(principal.session_id),
        needed=needed,
    )
    raise Forbidden(
        f"this token lacks the {needed!r} scope",
        code="insufficient_scope",
        details={"needed": needed},
    )
