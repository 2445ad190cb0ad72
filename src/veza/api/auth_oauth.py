"""OAuth2/OIDC: the providers list, the browser redirects, the code exchange, linked accounts."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Cookie, Query, Response, status
from fastapi.responses import RedirectResponse
from pydantic import BaseModel, Field

from veza.api.auth import MfaRequiredOut, TokenOut, signed_in
from veza.api.deps import BackendsDep, ClientDep, CurrentUser, SessionDep
from veza.core.backends import Backends
from veza.core.oauth.providers import configured
from veza.core.services import oauth
from veza.core.services.oauth import STATE_SECONDS

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])

STATE_COOKIE = "veza_oauth_state"
COOKIE_PATH = "/api/v1/auth/oauth"
Param = Annotated[str, Query(max_length=2048)]


class ProviderOut(BaseModel):
    name: str
    label: str
    start_url: str = Field(description="Send the browser here to sign in.")


class AuthorizeOut(BaseModel):
    authorize_url: str = Field(description="Send the browser here to link the account.")


class ExchangeIn(BaseModel):
    code: str = Field(min_length=1, max_length=512, description="From /oauth/complete?code=.")


class IdentityOut(BaseModel):
    provider: str
    email: str | None
    created_at: datetime
    last_used_at: datetime | None


def _with_state_cookie(backends: Backends, response: Response, state: str) -> None:
    """Binds the flow to this browser: a callback without the matching cookie is refused."""
    response.set_cookie(
        STATE_COOKIE,
        state,
        max_age=STATE_SECONDS,
        path=COOKIE_PATH,
        httponly=True,
        samesite="lax",
        secure=backends.settings.public_url.startswith("https://"),
    )


@router.get("/providers")
async def providers(backends: BackendsDep) -> list[ProviderOut]:
    """The configured sign-in providers, for the web app's buttons."""
    return [
        ProviderOut(name=p.name, label=p.label, start_url=f"{COOKIE_PATH}/{p.name}/start")
        for p in configured(backends.settings).values()
    ]


@router.get("/oauth/{provider}/start", status_code=status.HTTP_302_FOUND)
async def start(provider: str, backends: BackendsDep) -> RedirectResponse:
    """Redirect the browser to the provider (with state and a PKCE challenge)."""
    url, state = await oauth.start(backends, provider)
    response = RedirectResponse(url, status_code=status.HTTP_302_FOUND)
    _with_state_cookie(backends, response, state)
    return response


@router.get("/oauth/{provider}/callback", status_code=status.HTTP_302_FOUND)
async def callback(
    provider: str,
    backends: BackendsDep,
    db: SessionDep,
    client: ClientDep,
    state: Param = "",
    code: Annotated[str | None, Query(max_length=2048)] = None,
    error: Annotated[str | None, Query(max_length=256)] = None,
    cookie_state: Annotated[str | None, Cookie(alias=STATE_COOKIE)] = None,
) -> RedirectResponse:
    """Where the provider sends the browser back; on to the web app with a one-time code."""
    result = await oauth.callback(
        backends,
        db,
        provider,
        code=code,
        state=state,
        cookie_state=cookie_state,
        error=error,
        client=client,
    )
    base = backends.settings.public_url.rstrip("/")
    target = (
        f"{base}/settings/sign-in?linked={result.provider}"
        if result.linked
        else f"{base}/oauth/complete?code={result.exchange_code}"
    )
    response = RedirectResponse(target, status_code=status.HTTP_302_FOUND)
    response.delete_cookie(STATE_COOKIE, path=COOKIE_PATH)
    return response


@router.post("/oauth/exchange")
async def exchange(
    body: ExchangeIn, backends: BackendsDep, db: SessionDep, client: ClientDep
) -> TokenOut | MfaRequiredOut:
    """Trade the one-time code of the callback for a token pair (or the 2FA step)."""
    user, result = await oauth.exchange(backends, db, body.code, client)
    return signed_in(user, result)


@router.post("/oauth/{provider}/link")
async def link(
    provider: str, response: Response, user: CurrentUser, backends: BackendsDep
) -> AuthorizeOut:
    """Start linking a provider to this account; the browser then visits `authorize_url`."""
    url, state = await oauth.start(backends, provider, link_user_id=user.id)
    _with_state_cookie(backends, response, state)
    return AuthorizeOut(authorize_url=url)


@router.get("/identities")
async def identities(user: CurrentUser, db: SessionDep) -> list[IdentityOut]:
    """The providers linked to this account."""
    return [
        IdentityOut(
            provider=i.provider, email=i.email, created_at=i.created_at, last_used_at=i.last_used_at
        )
        for i in await oauth.identities(db, user.id)
    ]


@router.delete("/identities/{provider}", status_code=status.HTTP_204_NO_CONTENT)
async def unlink(provider: str, user: CurrentUser, db: SessionDep, client: ClientDep) -> None:
    """Unlink a provider (never the account's last way to sign in)."""
    await oauth.unlink(db, user, provider, client)
