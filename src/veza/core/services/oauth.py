"""OAuth2/OIDC sign-in and account linking.

State and the PKCE verifier wait in the shared cache under the state's hash, bound to the
browser by a cookie. The callback never puts tokens in a URL: it leaves a one-time code that
the web app trades for the usual token pair (or the 2FA step).
"""

from __future__ import annotations

import json
import re
import secrets
import uuid
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from veza.core.backends import Backends
from veza.core.db import utcnow
from veza.core.errors import BadRequest, Conflict, Forbidden, NotFound, Unauthorized
from veza.core.models import OAuthIdentity, User, UserStatus
from veza.core.oauth import client as oauth_client
from veza.core.oauth.client import Profile
from veza.core.oauth.providers import Provider, configured
from veza.core.security.tokens import hash_token, new_opaque_token
from veza.core.services import audit, mfa
from veza.core.services.accounts import USERNAME_PATTERN
from veza.core.services.audit import ClientInfo
from veza.core.services.mfa import MfaChallenge
from veza.core.services.sessions import TokenPair

STATE_SECONDS = 600
EXCHANGE_SECONDS = 120


@dataclass(frozen=True, slots=True)
class CallbackResult:
    """Where the browser goes next: a one-time sign-in code, or back to settings after linking."""

    provider: str
    exchange_code: str | None = None
    linked: bool = False


def provider_named(backends: Backends, name: str) -> Provider:
    provider = configured(backends.settings).get(name)
    if provider is None:
        raise NotFound("no such sign-in provider", code="provider_not_found")
    return provider


def redirect_uri(backends: Backends, provider: Provider) -> str:
    base = backends.settings.public_url.rstrip("/")
    return f"{base}/api/v1/auth/oauth/{provider.name}/callback"


async def start(
    backends: Backends, name: str, *, link_user_id: uuid.UUID | None = None
) -> tuple[str, str]:
    """The provider's authorize URL and the state the browser must bring back (its cookie)."""
    provider = provider_named(backends, name)
    state, verifier = new_opaque_token(), secrets.token_urlsafe(48)
    url = await oauth_client.authorize_url(
        provider, redirect_uri(backends, provider), state=state, code_verifier=verifier
    )
    stored = {"p": provider.name, "v": verifier, "u": str(link_user_id) if link_user_id else None}
    await backends.cache.set(f"oauth:state:{hash_token(state)}", json.dumps(stored), STATE_SECONDS)
    return url, state


async def _refuse(
    db: AsyncSession, client: ClientInfo, provider: str, reason: str, user_id: uuid.UUID | None
) -> None:
    audit.record(
        db, "auth.oauth_refused", client, target_user_id=user_id, provider=provider, reason=reason
    )
    await db.commit()


async def _take_state(backends: Backends, state: str, cookie_state: str | None) -> dict[str, str]:
    key = f"oauth:state:{hash_token(state)}"
    raw = await backends.cache.get(key) if state and state == cookie_state else None
    if raw is None or await backends.cache.delete(key) != 1:
        raise BadRequest("sign-in state mismatch; start again", code="state_mismatch")
    found: dict[str, str] = json.loads(raw)
    return found


async def _new_username(db: AsyncSession, profile: Profile) -> str:
    hint = profile.username_hint or (profile.email or "").partition("@")[0] or "user"
    base = re.sub(r"[^a-z0-9_]", "_", hint.lower())[:24].strip("_") or "user"
    base = base if len(base) >= 3 else f"{base}_user"
    candidate = base
    for _ in range(10):
        taken = await db.scalar(select(User.id).where(User.username == candidate))
        if taken is None and USERNAME_PATTERN.fullmatch(candidate):
            return candidate
        candidate = f"{base}_{secrets.randbelow(10_000):04d}"
    raise Conflict("could not pick a free username; try again", code="account_taken")


async def _user_for(
    db: AsyncSession, provider: Provider, profile: Profile, client: ClientInfo
) -> User:
    """The linked user, or the account with the same verified email (linked now), or new."""
    identity = await db.scalar(
        select(OAuthIdentity).where(
            OAuthIdentity.provider == provider.name, OAuthIdentity.subject == profile.subject
        )
    )
    if identity is not None:
        identity.last_used_at = utcnow()
        user = await db.get(User, identity.user_id)
        assert user is not None  # the foreign key cascades
        return user
    if not profile.email or not profile.email_verified:
        await _refuse(db, client, provider.name, "provider_email_unverified", None)
        raise Forbidden(
            "the provider did not confirm a verified email address",
            code="provider_email_unverified",
        )
    email_normalized = profile.email.strip().lower()
    user = await db.scalar(select(User).where(User.email_normalized == email_normalized))
    if user is None:
        username = await _new_username(db, profile)
        user = User(
            username=username,
            email=profile.email.strip(),
            email_normalized=email_normalized,
            password_hash=None,
            display_name=(profile.name or username)[:64],
            email_verified_at=utcnow(),
        )
        db.add(user)
        await db.flush()
        audit.record(
            db,
            "auth.register",
            client,
            actor_id=user.id,
            target_user_id=user.id,
            provider=provider.name,
        )
    user.email_verified_at = user.email_verified_at or utcnow()
    db.add(_identity(user.id, provider, profile))
    audit.record(
        db,
        "auth.oauth_linked",
        client,
        actor_id=user.id,
        target_user_id=user.id,
        provider=provider.name,
    )
    return user


def _identity(user_id: uuid.UUID, provider: Provider, profile: Profile) -> OAuthIdentity:
    now = utcnow()
    return OAuthIdentity(
        user_id=user_id,
        provider=provider.name,
        subject=profile.subject,
        email=profile.email,
        created_at=now,
        last_used_at=now,
    )


async def _link(
    db: AsyncSession, user_id: uuid.UUID, provider: Provider, profile: Profile, client: ClientInfo
) -> None:
    owner = await db.scalar(
        select(OAuthIdentity.user_id).where(
            OAuthIdentity.provider == provider.name, OAuthIdentity.subject == profile.subject
        )
    )
    if owner is not None and owner != user_id:
        await _refuse(db, client, provider.name, "identity_taken", user_id)
        raise Conflict("that account is linked to another user", code="identity_taken")
    if owner is None:
        db.add(_identity(user_id, provider, profile))
    audit.record(
        db,
        "auth.oauth_linked",
        client,
        actor_id=user_id,
        target_user_id=user_id,
        provider=provider.name,
    )


async def callback(
    backends: Backends,
    db: AsyncSession,
    name: str,
    *,
    code: str | None,
    state: str,
    cookie_state: str | None,
    error: str | None,
    client: ClientInfo,
) -> CallbackResult:
    """Finish the provider's redirect: check state, exchange the code, find or make the user."""
    provider = provider_named(backends, name)
    try:
        stored = await _take_state(backends, state, cookie_state)
        if stored["p"] != provider.name:
            raise BadRequest("sign-in state mismatch; start again", code="state_mismatch")
    except BadRequest:
        await _refuse(db, client, name, "state_mismatch", None)
        raise
    if error or not code:
        await _refuse(db, client, name, "denied", None)
        raise BadRequest("the provider did not sign you in", code="oauth_denied")
    try:
        profile = await oauth_client.fetch_profile(
            provider, redirect_uri(backends, provider), code=code, code_verifier=stored["v"]
        )
    except BadRequest:
        await _refuse(db, client, name, "oauth_failed", None)
        raise
    try:
        if stored["u"]:
            await _link(db, uuid.UUID(stored["u"]), provider, profile, client)
            await db.commit()
            return CallbackResult(provider.name, linked=True)
        user = await _user_for(db, provider, profile, client)
        await db.commit()
    except IntegrityError:  # a concurrent link or sign-up won
        await db.rollback()
        raise Conflict(
            "that account was linked meanwhile; try again", code="identity_taken"
        ) from None
    exchange = new_opaque_token()
    value = json.dumps([str(user.id), provider.name])
    await backends.cache.set(f"oauth:done:{hash_token(exchange)}", value, EXCHANGE_SECONDS)
    return CallbackResult(provider.name, exchange_code=exchange)


async def exchange(
    backends: Backends, db: AsyncSession, code: str, client: ClientInfo
) -> tuple[User, TokenPair | MfaChallenge]:
    """Trade the callback's one-time code for a session (or the 2FA step)."""
    key = f"oauth:done:{hash_token(code)}"
    raw = await backends.cache.get(key)
    if raw is None or await backends.cache.delete(key) != 1:
        await _refuse(db, client, "", "invalid_exchange_code", None)
        raise Unauthorized("this sign-in code is not valid; start again", code="invalid_token")
    user_id, provider = json.loads(raw)
    user = await db.get(User, uuid.UUID(user_id))
    if user is None or user.status != UserStatus.active:
        raise Unauthorized("this account is suspended", code="account_suspended")
    method = f"oauth:{provider}"
    result = await mfa.sign_in(backends, db, user, client, method=method)
    if isinstance(result, TokenPair):
        audit.record(
            db, "auth.login", client, actor_id=user.id, target_user_id=user.id, method=method
        )
    await db.commit()
    return user, result


async def identities(db: AsyncSession, user_id: uuid.UUID) -> list[OAuthIdentity]:
    query = select(OAuthIdentity).where(OAuthIdentity.user_id == user_id)
    return list((await db.scalars(query.order_by(OAuthIdentity.created_at))).all())


async def unlink(db: AsyncSession, user: User, provider: str, client: ClientInfo) -> None:
    """Unlink a provider, unless it is the account's last way to sign in."""
    identity = await db.scalar(
        select(OAuthIdentity).where(
            OAuthIdentity.user_id == user.id, OAuthIdentity.provider == provider
        )
    )
    if identity is None:
        raise NotFound("that provider is not linked", code="identity_not_found")
    others = await db.scalar(
        select(func.count())
        .select_from(OAuthIdentity)
        .where(OAuthIdentity.user_id == user.id, OAuthIdentity.id != identity.id)
    )
    if user.password_hash is None and not others:
        raise Conflict(
            "this is your last way to sign in; set a password first (reset it by email)",
            code="last_sign_in_method",
        )
    await db.delete(identity)
    audit.record(
        db,
        "auth.oauth_unlinked",
        client,
        actor_id=user.id,
        target_user_id=user.id,
        provider=provider,
    )
    await db.commit()
