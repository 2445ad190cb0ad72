"""TOTP two-factor sign-in: the second login step and the settings that turn it on and off."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, status
from pydantic import BaseModel, Field

from veza.api.auth import TokenOut
from veza.api.deps import BackendsDep, ClientDep, CurrentUser, SessionDep
from veza.core.services import mfa

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])

Code = Annotated[
    str, Field(min_length=1, max_length=32, description="A 6-digit app code or a recovery code.")
]


class LoginMfaIn(BaseModel):
    mfa_token: str = Field(min_length=1, max_length=512)
    code: Code


class CodeIn(BaseModel):
    code: str = Field(min_length=1, max_length=32, description="A 6-digit code from the app.")


class DisableIn(BaseModel):
    password: str = Field(min_length=1, max_length=1024)
    code: Code


class MfaStatusOut(BaseModel):
    enabled: bool
    recovery_codes_left: int


class TotpSetupOut(BaseModel):
    secret: str = Field(description="Base32, for typing into an app by hand.")
    otpauth_uri: str
    qr_png: str = Field(description="The otpauth URI as a QR code, a data: URI of a PNG.")


class RecoveryCodesOut(BaseModel):
    recovery_codes: list[str] = Field(description="Ten single-use codes, shown this once.")


@router.post("/login/mfa")
async def login_mfa(
    body: LoginMfaIn, backends: BackendsDep, db: SessionDep, client: ClientDep
) -> TokenOut:
    """Second sign-in step: the `mfa_token` of the first step and a code give a token pair."""
    user, pair = await mfa.complete(backends, db, body.mfa_token, body.code, client)
    return TokenOut.of(user, pair)


@router.get("/mfa")
async def mfa_status(user: CurrentUser, db: SessionDep) -> MfaStatusOut:
    """Whether two-factor sign-in is on."""
    enabled, left = await mfa.status(db, user.id)
    return MfaStatusOut(enabled=enabled, recovery_codes_left=left)


@router.post("/mfa/totp/setup")
async def totp_setup(
    user: CurrentUser, backends: BackendsDep, db: SessionDep, client: ClientDep
) -> TotpSetupOut:
    """Start setting up an authenticator app (again, until enabled); nothing changes at sign-in
    until `/mfa/totp/enable` sees a code."""
    setup = await mfa.setup(backends, db, user, client)
    return TotpSetupOut(secret=setup.secret, otpauth_uri=setup.otpauth_uri, qr_png=setup.qr_png)


@router.post("/mfa/totp/enable")
async def totp_enable(
    body: CodeIn, user: CurrentUser, backends: BackendsDep, db: SessionDep, client: ClientDep
) -> RecoveryCodesOut:
    """Turn two-factor sign-in on with a first code; returns the recovery codes."""
    codes = await mfa.enable(backends, db, user, body.code, client)
    return RecoveryCodesOut(recovery_codes=codes)


@router.post("/mfa/totp/disable", status_code=status.HTTP_204_NO_CONTENT)
async def totp_disable(
    body: DisableIn, user: CurrentUser, backends: BackendsDep, db: SessionDep, client: ClientDep
) -> None:
    """Turn two-factor sign-in off; needs the password and a code (or a recovery code)."""
    await mfa.disable(backends, db, user, body.password, body.code, client)


@router.post("/mfa/recovery-codes")
async def new_recovery_codes(
    body: CodeIn, user: CurrentUser, backends: BackendsDep, db: SessionDep, client: ClientDep
) -> RecoveryCodesOut:
    """Replace every recovery code with ten new ones; needs a code from the app."""
    codes = await mfa.regenerate_recovery_codes(backends, db, user, body.code, client)
    return RecoveryCodesOut(recovery_codes=codes)
