"""Email verification and password reset, both through single-use mailed links."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from veza.core.backends import Backends
from veza.core.db import utcnow
from veza.core.errors import Conflict, Unauthorized
from veza.core.models import EmailTokenPurpose, User
from veza.core.security.passwords import check_password_policy
from veza.core.services import audit, email_tokens, sessions
from veza.core.services.audit import ClientInfo


async def resend_verification(
    backends: Backends, db: AsyncSession, user_id: uuid.UUID, client: ClientInfo
) -> None:
    """Mail a fresh verification link to the signed-in user (rate-limited like every link)."""
    user = await db.get(User, user_id)
    if user is None:
        raise Unauthorized("account not found", code="invalid_token")
    if user.email_verified_at is not None:
        raise Conflict("this email address is already verified", code="already_verified")
    await email_tokens.request_by_email(
        backends, db, EmailTokenPurpose.verify_email, user.email_normalized, client
    )


async def verify_email(
    backends: Backends, db: AsyncSession, token: str, client: ClientInfo
) -> User:
    user = await email_tokens.consume(db, token, EmailTokenPurpose.verify_email, client)
    user.email_verified_at = user.email_verified_at or utcnow()
    audit.record(db, "auth.email_verified", client, actor_id=user.id, target_user_id=user.id)
    await db.commit()
    await sessions.forget_cached_user(backends, db, user.id)
    return user


async def reset_password(
    backends: Backends, db: AsyncSession, token: str, new_password: str, client: ClientInfo
) -> None:
    """Set a new password from a reset link; every session of the account ends."""
    user = await email_tokens.consume(db, token, EmailTokenPurpose.reset_password, client)
    check_password_policy(new_password, username=user.username, email=user.email_normalized)
    user.password_hash = await backends.passwords.hash(new_password)
    user.password_changed_at = utcnow()
    # The link reached the mailbox, so the address is proven too.
    user.email_verified_at = user.email_verified_at or utcnow()
    revoked = await sessions.revoke_user_sessions(backends, db, user.id, reason="password_reset")
    audit.record(
        db,
        "auth.password_reset",
        client,
        actor_id=user.id,
        target_user_id=user.id,
        sessions_revoked=revoked,
    )
    await db.commit()
