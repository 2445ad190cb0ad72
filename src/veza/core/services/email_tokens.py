"""Single-use tokens mailed to a user: issued, mailed after commit, spent once, kept hashed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from urllib.parse import quote

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from veza.core.backends import Backends
from veza.core.db import utcnow
from veza.core.errors import BadRequest
from veza.core.mail.templates import render
from veza.core.models import EmailToken, EmailTokenPurpose, User, UserStatus
from veza.core.ratelimit import Limit
from veza.core.security.tokens import hash_token, new_opaque_token
from veza.core.services import audit
from veza.core.services.audit import ClientInfo

TTL = {
    EmailTokenPurpose.verify_email: timedelta(hours=48),
    EmailTokenPurpose.reset_password: timedelta(minutes=30),
    EmailTokenPurpose.magic_link: timedelta(minutes=15),
}
# The web app page each link opens; the page posts the token to the API.
PAGES = {
    EmailTokenPurpose.verify_email: "/verify-email",
    EmailTokenPurpose.reset_password: "/reset-password",
    EmailTokenPurpose.magic_link: "/magic",
}


@dataclass(frozen=True, slots=True)
class MailedLink:
    """A mail ready to go once the transaction that stored its token has committed."""

    message: EmailMessage

    def send(self, backends: Backends) -> None:
        backends.outbox.send(self.message)


def issue(
    backends: Backends, db: AsyncSession, user: User, purpose: EmailTokenPurpose
) -> MailedLink:
    """Store a new token for `user` (the caller commits) and render the mail carrying it."""
    token = new_opaque_token()
    db.add(
        EmailToken(
            token_hash=hash_token(token),
            user_id=user.id,
            purpose=purpose,
            email_normalized=user.email_normalized,
            expires_at=utcnow() + TTL[purpose],
        )
    )
    link = f"{backends.settings.public_url.rstrip('/')}{PAGES[purpose]}?token={quote(token)}"
    settings = backends.settings
    message = render(
        purpose.value, sender=settings.mail_from, to=user.email, name=user.display_name, link=link
    )
    return MailedLink(message)


def _limits(backends: Backends) -> tuple[Limit, Limit]:
    settings = backends.settings
    return (
        Limit("mail_link", settings.mail_requests_per_hour, 3600),
        Limit("mail_link_ip", settings.mail_requests_per_ip_per_hour, 3600),
    )


async def request_by_email(
    backends: Backends,
    db: AsyncSession,
    purpose: EmailTokenPurpose,
    email: str,
    client: ClientInfo,
) -> None:
    """Mail a link to the account with this address, if there is one. The answer, the limits
    and the time taken are the same either way (the mail leaves in the background)."""
    email_normalized = email.strip().lower()
    per_email, per_ip = _limits(backends)
    await backends.limiter.hit(per_ip, client.ip or "unknown")
    await backends.limiter.hit(per_email, f"{purpose.value}|{email_normalized}")
    user = await db.scalar(select(User).where(User.email_normalized == email_normalized))
    found = user is not None and user.status == UserStatus.active
    audit.record(
        db,
        f"auth.{purpose.value}_requested",
        client,
        target_user_id=user.id if user else None,
        sent=found,
    )
    mail = issue(backends, db, user, purpose) if user is not None and found else None
    await db.commit()
    if mail is not None:
        mail.send(backends)


async def consume(
    db: AsyncSession, token: str, purpose: EmailTokenPurpose, client: ClientInfo
) -> User:
    """Spend a token of `purpose`; a forged, reused, expired or outdated one is a 400, audited.
    On success the caller commits (spending and the action it allows go together)."""
    row = await db.get(EmailToken, hash_token(token))
    user = await db.get(User, row.user_id) if row is not None else None
    user_id = user.id if user is not None else None
    reason: str | None = None
    message = ""
    if row is None or row.purpose != purpose or user is None:
        reason, message = "invalid_token", "this link is not valid"
    elif row.used_at is not None:
        reason, message = "token_used", "this link was already used"
    elif row.expires_at <= utcnow():
        reason, message = "token_expired", "this link has expired; ask for a new one"
    elif row.email_normalized != user.email_normalized or user.status != UserStatus.active:
        reason, message = "invalid_token", "this link is not valid"
    if reason is None and row is not None:
        spent = await db.execute(
            update(EmailToken)
            .where(EmailToken.token_hash == row.token_hash, EmailToken.used_at.is_(None))
            .values(used_at=utcnow())
        )
        if spent.rowcount != 1:  # type: ignore[attr-defined]  # a concurrent use won
            reason, message = "token_used", "this link was already used"
    if reason is not None or user is None:
        await db.rollback()
        audit.record(
            db,
            "auth.email_token_refused",
            client,
            target_user_id=user_id,
            purpose=purpose.value,
            reason=reason,
        )
        await db.commit()
        raise BadRequest(message, code=reason)
    return user
