"""TOTP two-factor sign-in: setup, enabling, the second login step, recovery codes, disabling."""

from __future__ import annotations

import json
import secrets
import uuid
from dataclasses import dataclass

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from veza.core.backends import Backends
from veza.core.db import utcnow
from veza.core.errors import Conflict, Unauthorized
from veza.core.models import RecoveryCode, TotpCredential, User, UserStatus
from veza.core.observability import business
from veza.core.ratelimit import Limit
from veza.core.security import totp
from veza.core.security.tokens import hash_token, new_opaque_token
from veza.core.services import audit, sessions
from veza.core.services.audit import ClientInfo
from veza.core.services.sessions import TokenPair

MFA_CHALLENGE_SECONDS = 300
RECOVERY_CODE_COUNT = 10
ISSUER = "Veza"


@dataclass(frozen=True, slots=True)
class MfaChallenge:
    """The first factor passed; the holder of `mfa_token` still has to send a code."""

    mfa_token: str
    expires_in: int


@dataclass(frozen=True, slots=True)
class TotpSetup:
    secret: str
    otpauth_uri: str
    qr_png: str


def _challenge_key(mfa_token: str) -> str:
    return f"mfa:challenge:{hash_token(mfa_token)}"


def _failure_limit(backends: Backends) -> Limit:
    return Limit("mfa_fail", backends.settings.mfa_failures_per_15min, 15 * 60)


async def _enabled(db: AsyncSession, user_id: uuid.UUID) -> TotpCredential | None:
    credential = await db.get(TotpCredential, user_id)
    return credential if credential is not None and credential.enabled_at is not None else None


async def sign_in(
    backends: Backends, db: AsyncSession, user: User, client: ClientInfo, *, method: str
) -> TokenPair | MfaChallenge:
    """After a first factor: a session, or a challenge when 2FA is on. The caller commits."""
    if await _enabled(db, user.id) is None:
        pair = await sessions.start_session(backends, db, user, client, method=method)
        _count_login(method)
        return pair
    token = new_opaque_token()
    await backends.cache.set(
        _challenge_key(token), json.dumps([str(user.id), method]), ttl=MFA_CHALLENGE_SECONDS
    )
    audit.record(db, "auth.mfa_challenged", client, target_user_id=user.id, method=method)
    return MfaChallenge(token, MFA_CHALLENGE_SECONDS)


def _count_login(method: str) -> None:
    """Count a completed sign-in by its kind (`oauth:<provider>` counts as `oauth`)."""
    business.count_login(method.split(":", 1)[0])


def _recovery_hash(code: str) -> str:
    return hash_token(code.strip().lower().replace("-", "").replace(" ", ""))


async def _check_code(
    backends: Backends,
    db: AsyncSession,
    user_id: uuid.UUID,
    code: str,
    client: ClientInfo,
    *,
    credential: TotpCredential | None,
    recovery: bool,
) -> str:
    """Accept a fresh TOTP code (or an unused recovery code); wrong ones count towards a
    lockout, are audited, and are a 401 (429 once locked out). Returns what was used."""
    limit = _failure_limit(backends)
    await backends.limiter.ensure_below(limit, str(user_id))
    if credential is not None:
        step = totp.matching_step(credential.secret, code, after_step=credential.last_step)
        if step is not None:
            won = await db.execute(
                update(TotpCredential)
                .where(TotpCredential.user_id == user_id, TotpCredential.last_step < step)
                .values(last_step=step)
            )
            if won.rowcount == 1:  # type: ignore[attr-defined]
                await backends.limiter.reset(limit, str(user_id))
                return "totp"
    if recovery:
        used = await db.execute(
            update(RecoveryCode)
            .where(
                RecoveryCode.code_hash == _recovery_hash(code),
                RecoveryCode.user_id == user_id,
                RecoveryCode.used_at.is_(None),
            )
            .values(used_at=utcnow())
        )
        if used.rowcount == 1:  # type: ignore[attr-defined]
            return "recovery_code"
    await db.rollback()
    audit.record(db, "auth.mfa_failed", client, target_user_id=user_id)
    await db.commit()
    await backends.limiter.hit(limit, str(user_id))
    raise Unauthorized("wrong or already used code", code="invalid_mfa_code")


async def complete(
    backends: Backends, db: AsyncSession, mfa_token: str, code: str, client: ClientInfo
) -> tuple[User, TokenPair]:
    """The second login step: the challenge token and a code give the usual token pair."""
    key = _challenge_key(mfa_token)
    raw = await backends.cache.get(key)
    user_id, method = json.loads(raw) if raw else (None, "")
    user = await db.get(User, uuid.UUID(user_id)) if user_id else None
    credential = await _enabled(db, user.id) if user is not None else None
    if user is None or credential is None or user.status != UserStatus.active:
        audit.record(db, "auth.mfa_failed", client, reason="invalid_mfa_token")
        await db.commit()
        raise Unauthorized("sign in again: this step has expired", code="invalid_mfa_token")
    used = await _check_code(
        backends, db, user.id, code, client, credential=credential, recovery=True
    )
    if await backends.cache.delete(key) != 1:  # a concurrent request finished it first
        await db.rollback()
        raise Unauthorized("sign in again: this step has expired", code="invalid_mfa_token")
    pair = await sessions.start_session(backends, db, user, client, method=method)
    audit.record(
        db, "auth.login", client, actor_id=user.id, target_user_id=user.id, method=method, mfa=used
    )
    await db.commit()
    _count_login(method)
    return user, pair


async def setup(backends: Backends, db: AsyncSession, user: User, client: ClientInfo) -> TotpSetup:
    """A new secret to put in an authenticator app; 2FA is on only once `enable` sees a code."""
    if await _enabled(db, user.id) is not None:
        raise Conflict("two-factor sign-in is already on", code="mfa_already_enabled")
    secret = totp.new_secret()
    credential = await db.get(TotpCredential, user.id)
    if credential is None:
        db.add(TotpCredential(user_id=user.id, secret=secret))
    else:
        credential.secret, credential.last_step, credential.created_at = secret, 0, utcnow()
    audit.record(db, "auth.mfa_setup", client, actor_id=user.id, target_user_id=user.id)
    await db.commit()
    uri = totp.provisioning_uri(secret, account=user.email, issuer=ISSUER)
    return TotpSetup(secret, uri, totp.qr_png_data_uri(uri))


async def _new_recovery_codes(db: AsyncSession, user_id: uuid.UUID) -> list[str]:
    await db.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
    codes = ["-".join(secrets.token_hex(2) for _ in range(4)) for _ in range(RECOVERY_CODE_COUNT)]
    db.add_all(RecoveryCode(code_hash=_recovery_hash(code), user_id=user_id) for code in codes)
    return codes


async def enable(
    backends: Backends, db: AsyncSession, user: User, code: str, client: ClientInfo
) -> list[str]:
    """Turn 2FA on with a first code from the app; returns the recovery codes, shown once."""
    credential = await db.get(TotpCredential, user.id)
    if credential is None:
        raise Conflict("set up an authenticator first", code="mfa_not_set_up")
    if credential.enabled_at is not None:
        raise Conflict("two-factor sign-in is already on", code="mfa_already_enabled")
    await _check_code(backends, db, user.id, code, client, credential=credential, recovery=False)
    credential.enabled_at = utcnow()
    codes = await _new_recovery_codes(db, user.id)
    audit.record(db, "auth.mfa_enabled", client, actor_id=user.id, target_user_id=user.id)
    await db.commit()
    return codes


async def _require_password(
    backends: Backends, db: AsyncSession, user: User, password: str, client: ClientInfo, what: str
) -> None:
    if not await backends.passwords.verify(user.password_hash, password):
        audit.record(db, f"auth.{what}_failed", client, actor_id=user.id, target_user_id=user.id)
        await db.commit()
        raise Unauthorized("password is wrong", code="invalid_credentials")


async def disable(
    backends: Backends, db: AsyncSession, user: User, password: str, code: str, client: ClientInfo
) -> None:
    """Turn 2FA off; needs the password and a code (or a recovery code)."""
    credential = await _enabled(db, user.id)
    if credential is None:
        raise Conflict("two-factor sign-in is off", code="mfa_not_enabled")
    await _require_password(backends, db, user, password, client, "mfa_disable")
    await _check_code(backends, db, user.id, code, client, credential=credential, recovery=True)
    await db.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    await db.execute(delete(TotpCredential).where(TotpCredential.user_id == user.id))
    audit.record(db, "auth.mfa_disabled", client, actor_id=user.id, target_user_id=user.id)
    await db.commit()


async def regenerate_recovery_codes(
    backends: Backends, db: AsyncSession, user: User, code: str, client: ClientInfo
) -> list[str]:
    """Replace every recovery code (the old ones stop working); needs a current TOTP code."""
    credential = await _enabled(db, user.id)
    if credential is None:
        raise Conflict("two-factor sign-in is off", code="mfa_not_enabled")
    await _check_code(backends, db, user.id, code, client, credential=credential, recovery=False)
    codes = await _new_recovery_codes(db, user.id)
    audit.record(db, "auth.mfa_recovery_codes", client, actor_id=user.id, target_user_id=user.id)
    await db.commit()
    return codes


async def status(db: AsyncSession, user_id: uuid.UUID) -> tuple[bool, int]:
    """Whether 2FA is on, and how many recovery codes are left."""
    left = await db.scalar(
        select(func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None))
    )
    return await _enabled(db, user_id) is not None, int(left or 0)
