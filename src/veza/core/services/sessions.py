"""Sessions: token pairs, refresh rotation with reuse detection, revocation, token checks."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from veza.core.analytics import events as analytics
from veza.core.backends import Backends
from veza.core.db import utcnow
from veza.core.errors import NotFound, Unauthorized
from veza.core.models import AuthSession, RefreshToken, Role, User, UserStatus
from veza.core.observability import business
from veza.core.security.tokens import hash_token, new_opaque_token
from veza.core.services import audit
from veza.core.services.audit import ClientInfo

# How long a checked session stays cached; revocation deletes the entry at once.
PRINCIPAL_CACHE_SECONDS = 60
# The session check of every authenticated request, built once (composing it costs more
# than running it).
_SESSION_CHECK = (
    select(
        AuthSession.revoked_at,
        AuthSession.expires_at,
        User.role,
        User.status,
        User.email_verified_at,
    )
    .join(User, User.id == AuthSession.user_id)
    .where(AuthSession.id == bindparam("sid"), AuthSession.user_id == bindparam("uid"))
)


@dataclass(frozen=True, slots=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the verified token's user and session, with the user's current role."""

    user_id: uuid.UUID
    session_id: uuid.UUID
    role: Role
    email_verified: bool = True
    # A personal access token's scopes; None for a signed-in session, which may do everything.
    scopes: frozenset[str] | None = None

    @property
    def is_admin(self) -> bool:
        return self.role == Role.admin

    @property
    def is_moderator(self) -> bool:
        return self.role in (Role.admin, Role.moderator)


def _principal_key(session_id: uuid.UUID) -> str:
    return f"auth:sid:{session_id}"


async def _issue_refresh(db: AsyncSession, session: AuthSession) -> str:
    token = new_opaque_token()
    db.add(RefreshToken(token_hash=hash_token(token), session_id=session.id))
    return token


async def start_session(
    backends: Backends, db: AsyncSession, user: User, client: ClientInfo, *, method: str
) -> TokenPair:
    """Open a session for a signed-in user; the caller commits."""
    now = utcnow()
    session = AuthSession(
        id=uuid.uuid4(),
        user_id=user.id,
        created_at=now,
        last_used_at=now,
        expires_at=now + timedelta(days=backends.settings.refresh_token_ttl_days),
        ip=client.ip,
        user_agent=(client.user_agent or "")[:512] or None,
        method=method,
    )
    db.add(session)
    analytics.record(db, analytics.Kind.sign_in, occurred_at=now, user_id=user.id)
    refresh = await _issue_refresh(db, session)
    return _pair(backends, user, session, refresh)


def _pair(backends: Backends, user: User, session: AuthSession, refresh: str) -> TokenPair:
    access = backends.tokens.issue(user_id=user.id, session_id=session.id, role=user.role.value)
    return TokenPair(access, refresh, backends.tokens.ttl_seconds)


async def refresh(
    backends: Backends, db: AsyncSession, refresh_token: str, client: ClientInfo
) -> tuple[User, TokenPair]:
    """Spend a refresh token for a new pair. A spent token presented again revokes the session."""
    row = await db.get(RefreshToken, hash_token(refresh_token))
    if row is None:
        raise Unauthorized("invalid refresh token", code="invalid_refresh_token")
    session = await db.get(AuthSession, row.session_id)
    now = utcnow()
    if session is None or session.revoked_at is not None or session.expires_at <= now:
        raise Unauthorized("session has ended; sign in again", code="session_revoked")
    user = await db.get(User, session.user_id)
    if user is None or user.status != UserStatus.active:
        raise Unauthorized("account is not active", code="account_inactive")
    if row.spent_at is not None:
        await revoke_sessions(backends, db, [session], reason="refresh_reuse")
        audit.record(
            db,
            "auth.refresh_reuse",
            client,
            actor_id=user.id,
            target_user_id=user.id,
            session_id=str(session.id),
        )
        await db.commit()
        business.count_refresh_reuse()
        raise Unauthorized(
            "refresh token was already used; the session is revoked", code="refresh_token_reused"
        )
    spent = await db.execute(
        update(RefreshToken)
        .where(RefreshToken.token_hash == row.token_hash, RefreshToken.spent_at.is_(None))
        .values(spent_at=now)
    )
    if spent.rowcount != 1:  # type: ignore[attr-defined]  # a concurrent refresh won the race
        raise Unauthorized("refresh token was already used", code="refresh_token_reused")
    session.last_used_at = now
    session.ip = client.ip or session.ip
    new_refresh = await _issue_refresh(db, session)
    await db.commit()
    return user, _pair(backends, user, session, new_refresh)


async def revoke_sessions(
    backends: Backends, db: AsyncSession, sessions: list[AuthSession], *, reason: str
) -> None:
    """Mark sessions revoked and drop their cached checks so access tokens stop at once."""
    now = utcnow()
    for session in sessions:
        if session.revoked_at is None:
            session.revoked_at = now
            session.revoked_reason = reason
    await db.flush()
    keys = [_principal_key(session.id) for session in sessions]
    if keys:
        await backends.cache.delete(*keys)
        for key in keys:  # a tombstone beats a concurrent request re-caching the session
            await backends.cache.set(key, "revoked", ttl=backends.tokens.ttl_seconds)


async def active_sessions(db: AsyncSession, user_id: uuid.UUID) -> list[AuthSession]:
    query = (
        select(AuthSession)
        .where(
            AuthSession.user_id == user_id,
            AuthSession.revoked_at.is_(None),
            AuthSession.expires_at > utcnow(),
        )
        .order_by(AuthSession.last_used_at.desc())
    )
    return list((await db.scalars(query)).all())


async def revoke_user_sessions(
    backends: Backends,
    db: AsyncSession,
    user_id: uuid.UUID,
    *,
    reason: str,
    keep: uuid.UUID | None = None,
) -> int:
    """Revoke every live session of a user (but `keep`); the caller commits."""
    sessions = [s for s in await active_sessions(db, user_id) if s.id != keep]
    await revoke_sessions(backends, db, sessions, reason=reason)
    return len(sessions)


async def revoke_one(
    backends: Backends, db: AsyncSession, user_id: uuid.UUID, session_id: uuid.UUID
) -> None:
    session = await db.get(AuthSession, session_id)
    if session is None or session.user_id != user_id or session.revoked_at is not None:
        raise NotFound("no such session", code="session_not_found")
    await revoke_sessions(backends, db, [session], reason="revoked_by_user")


async def forget_cached_user(backends: Backends, db: AsyncSession, user_id: uuid.UUID) -> None:
    """After a role change, make every live session re-read the user."""
    keys = [_principal_key(s.id) for s in await active_sessions(db, user_id)]
    if keys:
        await backends.cache.delete(*keys)


async def authenticate(backends: Backends, access_token: str) -> Principal:
    """Verify an access token and check its session is alive and its user active."""
    claims = backends.tokens.verify(access_token)
    key = _principal_key(claims.session_id)
    cached = await backends.cache.get(key)
    if cached == "revoked":
        raise Unauthorized("session has ended; sign in again", code="session_revoked")
    if cached is not None:
        user_id, role, *verified = json.loads(cached)
        if user_id != str(claims.user_id):
            raise Unauthorized("invalid access token", code="invalid_token")
        email_verified = bool(verified[0]) if verified else True  # entries cached before 0009
        return Principal(claims.user_id, claims.session_id, Role(role), email_verified)
    async with backends.db.session() as db:
        row = (
            await db.execute(_SESSION_CHECK, {"sid": claims.session_id, "uid": claims.user_id})
        ).one_or_none()
    if row is None or row.revoked_at is not None or row.expires_at <= utcnow():
        raise Unauthorized("session has ended; sign in again", code="session_revoked")
    if row.status != UserStatus.active:
        raise Unauthorized("account is suspended", code="account_suspended")
    verified = row.email_verified_at is not None
    await backends.cache.add(
        key,
        json.dumps([str(claims.user_id), row.role.value, int(verified)]),
        ttl=PRINCIPAL_CACHE_SECONDS,
    )
    return Principal(claims.user_id, claims.session_id, row.role, verified)
