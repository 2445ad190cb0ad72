"""Sign-up, sign-in, token refresh, sign-out and session management."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from fastapi import APIRouter, status
from pydantic import BaseModel, EmailStr, Field

from veza.api.deps import (
    BackendsDep,
    ClientDep,
    CurrentPrincipal,
    CurrentUser,
    SessionDep,
)
from veza.api.schemas import UserMe
from veza.core.models import User
from veza.core.services import accounts, audit, sessions
from veza.core.services.mfa import MfaChallenge
from veza.core.services.sessions import TokenPair

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


class RegisterIn(BaseModel):
    username: str = Field(min_length=1, max_length=64, examples=["hamlet"])
    email: EmailStr = Field(max_length=254)
    password: str = Field(min_length=1, max_length=1024)


class LoginIn(BaseModel):
    login: str = Field(min_length=1, max_length=254, description="Username or email.")
    password: str = Field(min_length=1, max_length=1024)


class RefreshIn(BaseModel):
    refresh_token: str = Field(min_length=1, max_length=512)


class PasswordChangeIn(BaseModel):
    current_password: str = Field(min_length=1, max_length=1024)
    new_password: str = Field(min_length=1, max_length=1024)


class TokenOut(BaseModel):
    user: UserMe
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 (a scheme name, not a secret)
    expires_in: int = Field(description="Seconds until the access token expires.")

    @classmethod
    def of(cls, user: User, pair: TokenPair) -> TokenOut:
        return cls(
            user=UserMe.of(user),
            access_token=pair.access_token,
            refresh_token=pair.refresh_token,
            expires_in=pair.expires_in,
        )


class MfaRequiredOut(BaseModel):
    """The password (or link) was right; send a code to `/auth/login/mfa` with this token."""

    mfa_required: Literal[True] = True
    mfa_token: str
    expires_in: int = Field(description="Seconds left to send the code.")


def signed_in(user: User, result: TokenPair | MfaChallenge) -> TokenOut | MfaRequiredOut:
    """The answer of every sign-in: a token pair, or the 2FA step when the account has 2FA."""
    if isinstance(result, MfaChallenge):
        return MfaRequiredOut(mfa_token=result.mfa_token, expires_in=result.expires_in)
    return TokenOut.of(user, result)


class SessionOut(BaseModel):
    id: uuid.UUID
    created_at: datetime
    last_used_at: datetime
    expires_at: datetime
    ip: str | None
    user_agent: str | None
    method: str
    current: bool


@router.post("/register", status_code=status.HTTP_201_CREATED)
async def register(
    body: RegisterIn, backends: BackendsDep, db: SessionDep, client: ClientDep
) -> TokenOut:
    """Create an account and sign in."""
    user, pair = await accounts.register(
        backends,
        db,
        username=body.username,
        email=str(body.email),
        password=body.password,
        client=client,
    )
    return TokenOut.of(user, pair)


@router.post("/login")
async def login(
    body: LoginIn, backends: BackendsDep, db: SessionDep, client: ClientDep
) -> TokenOut | MfaRequiredOut:
    """Sign in with a username or email and a password; with 2FA on, a second step follows."""
    user, result = await accounts.login(
        backends, db, login=body.login, password=body.password, client=client
    )
    return signed_in(user, result)


@router.post("/refresh")
async def refresh(
    body: RefreshIn, backends: BackendsDep, db: SessionDep, client: ClientDep
) -> TokenOut:
    """Trade a refresh token for a new pair; the old refresh token is spent."""
    user, pair = await sessions.refresh(backends, db, body.refresh_token, client)
    return TokenOut.of(user, pair)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(
    principal: CurrentPrincipal, backends: BackendsDep, db: SessionDep, client: ClientDep
) -> None:
    """End this session; its access and refresh tokens stop working at once."""
    await sessions.revoke_one(backends, db, principal.user_id, principal.session_id)
    audit.record(
        db, "auth.logout", client, actor_id=principal.user_id, target_user_id=principal.user_id
    )
    await db.commit()


@router.post("/logout-all", status_code=status.HTTP_204_NO_CONTENT)
async def logout_all(
    principal: CurrentPrincipal, backends: BackendsDep, db: SessionDep, client: ClientDep
) -> None:
    """End every session of this account, this one included."""
    count = await sessions.revoke_user_sessions(
        backends, db, principal.user_id, reason="logout_all"
    )
    audit.record(
        db,
        "auth.logout_all",
        client,
        actor_id=principal.user_id,
        target_user_id=principal.user_id,
        sessions_revoked=count,
    )
    await db.commit()


@router.get("/me")
async def me(user: CurrentUser) -> UserMe:
    """The signed-in user."""
    return UserMe.of(user)


@router.get("/sessions")
async def list_sessions(principal: CurrentPrincipal, db: SessionDep) -> list[SessionOut]:
    """Live sessions of this account (at most one per device sign-in), most recent first."""
    return [
        SessionOut(
            id=s.id,
            created_at=s.created_at,
            last_used_at=s.last_used_at,
            expires_at=s.expires_at,
            ip=s.ip,
            user_agent=s.user_agent,
            method=s.method,
            current=s.id == principal.session_id,
        )
        for s in await sessions.active_sessions(db, principal.user_id)
    ]


@router.delete("/sessions/{session_id}", status_code=status.HTTP_204_NO_CONTENT)
async def revoke_session(
    session_id: uuid.UUID,
    principal: CurrentPrincipal,
    backends: BackendsDep,
    db: SessionDep,
    client: ClientDep,
) -> None:
    """Sign out one device."""
    await sessions.revoke_one(backends, db, principal.user_id, session_id)
    audit.record(
        db,
        "auth.session_revoked",
        client,
        actor_id=principal.user_id,
        target_user_id=principal.user_id,
        session_id=str(session_id),
    )
    await db.commit()


@router.post("/password", status_code=status.HTTP_204_NO_CONTENT)
async def change_password(
    body: PasswordChangeIn,
    principal: CurrentPrincipal,
    backends: BackendsDep,
    db: SessionDep,
    client: ClientDep,
) -> None:
    """Change the password; every other session is signed out."""
    await accounts.change_password(
        backends, db, principal, current=body.current_password, new=body.new_password, client=client
    )
