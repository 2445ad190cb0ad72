"""Passwordless sign-in by a single-use link mailed to the account's address."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from veza.core.backends import Backends
from veza.core.db import utcnow
from veza.core.models import EmailTokenPurpose, User
from veza.core.services import audit, email_tokens, mfa
from veza.core.services.audit import ClientInfo
from veza.core.services.mfa import MfaChallenge
from veza.core.services.sessions import TokenPair

METHOD = "magic_link"


async def request(backends: Backends, db: AsyncSession, email: str, client: ClientInfo) -> None:
    """Mail a sign-in link if an account has this address; the answer never tells."""
    await email_tokens.request_by_email(backends, db, EmailTokenPurpose.magic_link, email, client)


async def verify(
    backends: Backends, db: AsyncSession, token: str, client: ClientInfo
) -> tuple[User, TokenPair | MfaChallenge]:
    """Spend the link: a token pair, or a 2FA challenge when the account has 2FA on."""
    user = await email_tokens.consume(db, token, EmailTokenPurpose.magic_link, client)
    user.email_verified_at = user.email_verified_at or utcnow()  # the mailbox is proven
    result = await mfa.sign_in(backends, db, user, client, method=METHOD)
    if isinstance(result, TokenPair):
        audit.record(
            db, "auth.login", client, actor_id=user.id, target_user_id=user.id, method=METHOD
        )
    await db.commit()
    return user, result
