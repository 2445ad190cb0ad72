"""Dependencies every router shares, as `Annotated` aliases."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from veza.core.backends import Backends
from veza.core.errors import Forbidden, Unauthorized
from veza.core.models import User
from veza.core.services import credentials, personal_tokens
from veza.core.services.audit import ClientInfo
from veza.core.services.sessions import Principal

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Sign-in and account security stay open to unverified accounts (so they can verify).
AUTH_PREFIX = "/api/v1/auth/"
_bearer = HTTPBearer(
    auto_error=False,
    description="An access token from /api/v1/auth/login, or a personal access token (vzp_...).",
)
# The one sign-in route a personal access token may call.
TOKEN_ALLOWED_AUTH_PATHS = frozenset({"/api/v1/auth/me"})


# Dependencies are `async def` even when they never await: FastAPI runs plain `def`
# dependencies in its thread pool, a hop that costs more than the work they do.


async def get_backends(request: Request) -> Backends:
    backends: Backends = request.app.state.backends
    return backends


BackendsDep = Annotated[Backends, Depends(get_backends)]


async def get_db(backends: BackendsDep) -> AsyncIterator[AsyncSession]:
    async with backends.db.session() as db:
        yield db


SessionDep = Annotated[AsyncSession, Depends(get_db)]


async def get_client(request: Request) -> ClientInfo:
    return ClientInfo(
        ip=request.client.host if request.client else None,
        user_agent=request.headers.get("user-agent"),
    )


ClientDep = Annotated[ClientInfo, Depends(get_client)]


async def _check_token_scope(
    request: Request, backends: Backends, principal: Principal, client: ClientInfo
) -> None:
    """A personal token reaches no sign-in management, and only what its scopes allow."""
    path = request.url.path
    if path.startswith(AUTH_PREFIX) and path not in TOKEN_ALLOWED_AUTH_PATHS:
        raise Forbidden(
            "personal access tokens cannot manage sign-in; sign in with a password",
            code="token_not_allowed",
        )
    needed = "read" if request.method in SAFE_METHODS else "write"
    if principal.scopes is not None and needed not in principal.scopes:
        await personal_tokens.refuse_scope(backends, principal, needed, client)


async def get_principal(
    request: Request,
    backends: BackendsDep,
    client: ClientDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if bearer is None:
        raise Unauthorized("sign in first: send Authorization: Bearer <access token>")
    principal, _ = await credentials.authenticate(backends, bearer.credentials, client)
    request.state.user_id = str(principal.user_id)
    if principal.scopes is not None:
        await _check_token_scope(request, backends, principal, client)
    if (
        backends.settings.require_verified_email
        and not principal.email_verified
        and request.method not in SAFE_METHODS
        and not request.url.path.startswith(AUTH_PREFIX)
    ):
        raise Forbidden(
            "confirm your email address first (see the mail, or ask for a new one)",
            code="email_not_verified",
        )
    return principal


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]


async def get_optional_principal(
    request: Request,
    backends: BackendsDep,
    client: ClientDep,
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal | None:
    """The caller if a token is sent (a bad token is still a 401), else anonymous."""
    if bearer is None:
        return None
    return await get_principal(request, backends, client, bearer)


async def get_current_user(principal: CurrentPrincipal, db: SessionDep) -> User:
    user = await db.get(User, principal.user_id)
    if user is None:
        raise Unauthorized("account not found", code="invalid_token")
    return user


CurrentUser = Annotated[User, Depends(get_current_user)]


async def require_admin(principal: CurrentPrincipal) -> Principal:
    if not principal.is_admin:
        raise Forbidden("administrators only", code="admin_required")
    return principal


AdminPrincipal = Annotated[Principal, Depends(require_admin)]
