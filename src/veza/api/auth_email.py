"""Links by email: address verification, password reset and magic sign-in links."""

from __future__ import annotations

from fastapi import APIRouter, status
from pydantic import BaseModel, EmailStr, Field

from veza.api.auth import MfaRequiredOut, TokenOut, signed_in
from veza.api.deps import BackendsDep, ClientDep, CurrentPrincipal, SessionDep
from veza.core.models import EmailTokenPurpose
from veza.core.services import email_auth, email_tokens, magic_links

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


class EmailIn(BaseModel):
    email: EmailStr = Field(max_length=254)


class LinkTokenIn(BaseModel):
    token: str = Field(min_length=1, max_length=512, description="The `token` of the mailed link.")


class PasswordResetIn(LinkTokenIn):
    new_password: str = Field(min_length=1, max_length=1024)


class AcceptedOut(BaseModel):
    """The same answer whether or not an account has the address."""

    detail: str = "if an account has this address, a mail is on its way"


@router.post("/email/verify", status_code=status.HTTP_204_NO_CONTENT)
async def verify_email(
    body: LinkTokenIn, backends: BackendsDep, db: SessionDep, client: ClientDep
) -> None:
    """Confirm the account's address with the token of the mailed link (works once)."""
    await email_auth.verify_email(backends, db, body.token, client)


@router.post("/email/resend", status_code=status.HTTP_202_ACCEPTED)
async def resend_verification(
    principal: CurrentPrincipal, backends: BackendsDep, db: SessionDep, client: ClientDep
) -> AcceptedOut:
    """Mail a new verification link to the signed-in user."""
    await email_auth.resend_verification(backends, db, principal.user_id, client)
    return AcceptedOut()


@router.post("/password/forgot", status_code=status.HTTP_202_ACCEPTED)
async def forgot_password(
    body: EmailIn, backends: BackendsDep, db: SessionDep, client: ClientDep
) -> AcceptedOut:
    """Mail a password reset link (valid 30 minutes) to the account with this address."""
    await email_tokens.request_by_email(
        backends, db, EmailTokenPurpose.reset_password, str(body.email), client
    )
    return AcceptedOut()


@router.post("/password/reset", status_code=status.HTTP_204_NO_CONTENT)
async def reset_password(
    body: PasswordResetIn, backends: BackendsDep, db: SessionDep, client: ClientDep
) -> None:
    """Set a new password with the token of a reset link; every session is signed out."""
    await email_auth.reset_password(backends, db, body.token, body.new_password, client)


@router.post("/magic-link", status_code=status.HTTP_202_ACCEPTED)
async def request_magic_link(
    body: EmailIn, backends: BackendsDep, db: SessionDep, client: ClientDep
) -> AcceptedOut:
    """Mail a single-use sign-in link (valid 15 minutes) to the account with this address."""
    await magic_links.request(backends, db, str(body.email), client)
    return AcceptedOut()


@router.post("/magic-link/verify")
async def verify_magic_link(
    body: LinkTokenIn, backends: BackendsDep, db: SessionDep, client: ClientDep
) -> TokenOut | MfaRequiredOut:
    """Sign in with the token of a magic link; with 2FA on, a second step follows."""
    user, result = await magic_links.verify(backends, db, body.token, client)
    return signed_in(user, result)
