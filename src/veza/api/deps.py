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
from veza.core.services import sessions
from veza.core.services.audit import ClientInfo
from veza.core.services.sessions import Principal

_bearer = HTTPBearer(auto_error=False, description="An access token from /api/v1/auth/login.")


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


async def get_principal(
    request: Request,
    backends: BackendsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None:
        raise Unauthorized("sign in first: send Authorization: Bearer <access token>")
    principal = await sessions.authenticate(backends, credentials.credentials)
    request.state.user_id = str(principal.user_id)
    return principal


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]


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
