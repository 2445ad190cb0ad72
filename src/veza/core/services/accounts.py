"""Accounts: registration, password sign-in with lockout, password change."""

from __future__ import annotations

import re

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from veza.core.analytics import events as analytics
from veza.core.backends import Backends
from veza.core.db import utcnow
from veza.core.errors import Conflict, InvalidInput, Unauthorized
from veza.core.models import User, UserStatus
from veza.core.models.signin import EmailTokenPurpose
from veza.core.observability import business
from veza.core.observability.metrics import AUTH_ATTEMPTS
from veza.core.ratelimit import Limit
from veza.core.security.passwords import check_password_policy
from veza.core.services import audit, email_tokens, mfa, sessions
from veza.core.services.audit import ClientInfo
from veza.core.services.mfa import MfaChallenge
from veza.core.services.sessions import Principal, TokenPair

USERNAME_PATTERN = re.compile(r"^[a-z0-9_]{3,32}$")


def normalize_username(raw: str) -> str:
    """Usernames are 3-32 of a-z, 0-9 and _, compared without case."""
    username = raw.strip().lower()
    if not USERNAME_PATTERN.fullmatch(username):
        raise InvalidInput(
            "username must be 3-32 characters of a-z, 0-9 and _",
            code="invalid_username",
            details={"field": "username"},
        )
    return username


def normalize_email(raw: str) -> str:
    return raw.strip().lower()


def login_limit(backends: Backends) -> Limit:
    return Limit("login_fail", backends.settings.login_failures_per_15min, 15 * 60)


def register_limit(backends: Backends) -> Limit:
    return Limit("register", backends.settings.registrations_per_10min, 10 * 60)


async def register(
    backends: Backends,
    db: AsyncSession,
    *,
    username: str,
    email: str,
    password: str,
    client: ClientInfo,
) -> tuple[User, TokenPair]:
    """Create an account and sign it in. Duplicate username or email (any case) is a 409."""
    username = normalize_username(username)
    email_normalized = normalize_email(email)
    check_password_policy(password, username=username, email=email_normalized)
    await backends.limiter.hit(register_limit(backends), client.ip or "unknown")
    taken = await db.scalar(
        select(User.username).where(
            or_(User.username == username, User.email_normalized == email_normalized)
        )
    )
    if taken is not None:
        field = "username" if taken == username else "email"
        raise Conflict(
            f"that {field} is already taken", code=f"{field}_taken", details={"field": field}
        )
    user = User(
        username=username,
        email=email.strip(),
        email_normalized=email_normalized,
        password_hash=await backends.passwords.hash(password),
        display_name=username,
        password_changed_at=utcnow(),
    )
    db.add(user)
    try:
        await db.flush()
    except IntegrityError:  # lost a race with a concurrent registration
        await db.rollback()
        raise Conflict("that username or email is already taken", code="account_taken") from None
    audit.record(db, "auth.register", client, actor_id=user.id, target_user_id=user.id)
    analytics.record(db, analytics.Kind.registration, user_id=user.id)
    pair = await sessions.start_session(backends, db, user, client, method="password")
    verification = email_tokens.issue(backends, db, user, EmailTokenPurpose.verify_email)
    await db.commit()
    verification.send(backends)
    AUTH_ATTEMPTS.labels(result="registered").inc()
    business.count_registration()
    return user, pair


async def find_by_login(db: AsyncSession, login: str) -> User | None:
    """A user by username or email, without case."""
    value = login.strip().lower()
    if "\x00" in value:  # no account has one, and PostgreSQL refuses NUL in a text parameter
        return None
    return await db.scalar(
        select(User).where(or_(User.username == value, User.email_normalized == value))
    )


async def login(
    backends: Backends, db: AsyncSession, *, login: str, password: str, client: ClientInfo
) -> tuple[User, TokenPair | MfaChallenge]:
    """Password sign-in. Failures per account and IP are limited; messages never tell which part
    was wrong, so they do not reveal who has an account. With 2FA on, a challenge comes back."""
    limit = login_limit(backends)
    limit_key = f"{login.strip().lower()}|{client.ip}"
    await backends.limiter.ensure_below(limit, limit_key)
    user = await find_by_login(db, login)
    verified = await backends.passwords.verify(user.password_hash if user else None, password)
    if user is None or not verified:
        AUTH_ATTEMPTS.labels(result="failure").inc()
        audit.record(
            db,
            "auth.login_failed",
            client,
            target_user_id=user.id if user else None,
            login=login[:254],
        )
        await db.commit()
        await backends.limiter.hit(limit, limit_key)
        raise Unauthorized("wrong username, email or password", code="invalid_credentials")
    if user.status != UserStatus.active:
        AUTH_ATTEMPTS.labels(result="suspended").inc()
        audit.record(db, "auth.login_refused", client, target_user_id=user.id, reason="suspended")
        await db.commit()
        raise Unauthorized("this account is suspended", code="account_suspended")
    if user.password_hash and backends.passwords.needs_rehash(user.password_hash):
        user.password_hash = await backends.passwords.hash(password)
    await backends.limiter.reset(limit, limit_key)
    result = await mfa.sign_in(backends, db, user, client, method="password")
    if isinstance(result, TokenPair):
        audit.record(db, "auth.login", client, actor_id=user.id, target_user_id=user.id)
    await db.commit()
    AUTH_ATTEMPTS.labels(result="success").inc()
    return user, result


async def change_password(
    backends: Backends,
    db: AsyncSession,
    principal: Principal,
    *,
    current: str,
    new: str,
    client: ClientInfo,
) -> int:
    """Set a new password after checking the current one; other sessions are revoked."""
    user = await db.get(User, principal.user_id)
    if user is None:
        raise Unauthorized("account not found", code="invalid_token")
    if not await backends.passwords.verify(user.password_hash, current):
        audit.record(
            db, "auth.password_change_failed", client, actor_id=user.id, target_user_id=user.id
        )
        await db.commit()
        raise Unauthorized("current password is wrong", code="invalid_credentials")
    check_password_policy(new, username=user.username, email=user.email_normalized)
    user.password_hash = await backends.passwords.hash(new)
    user.password_changed_at = utcnow()
    revoked = await sessions.revoke_user_sessions(
        backends, db, user.id, reason="password_changed", keep=principal.session_id
    )
    audit.record(
        db,
        "auth.password_changed",
        client,
        actor_id=user.id,
        target_user_id=user.id,
        sessions_revoked=revoked,
    )
    await db.commit()
    return revoked


async def count_users(db: AsyncSession) -> int:
    return int(await db.scalar(select(func.count()).select_from(User)) or 0)
