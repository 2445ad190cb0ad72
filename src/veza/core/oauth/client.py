"""Talking to a provider with Authlib: the authorize URL (state, PKCE S256), the code exchange,
and the profile with the provider's word on whether the email is verified.

The profile comes from the userinfo endpoint, called over the back channel with the access
token the code was traded for; an OIDC `id_token` in the token answer is not used.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import httpx
from authlib.common.errors import AuthlibBaseError
from authlib.deprecate import AuthlibDeprecationWarning

from veza.core.errors import BadRequest
from veza.core.oauth.providers import Provider

with warnings.catch_warnings():
    # Authlib would rather have httpx2; this project pins httpx, whose API Authlib still uses.
    # (Importing Authlib's warning class first lets this filter go in front of Authlib's own.)
    warnings.filterwarnings("ignore", "The httpx module", AuthlibDeprecationWarning)
    from authlib.integrations.httpx_client import AsyncOAuth2Client

TIMEOUT_SECONDS = 10.0


@dataclass(frozen=True, slots=True)
class Profile:
    subject: str
    email: str | None
    email_verified: bool
    username_hint: str
    name: str


@dataclass(frozen=True, slots=True)
class Endpoints:
    authorize_url: str
    token_url: str
    userinfo_url: str


def _failed(what: str) -> BadRequest:
    return BadRequest(f"the sign-in provider failed: {what}", code="oauth_failed")


async def endpoints(provider: Provider) -> Endpoints:
    """Fixed endpoints, or those of the provider's discovery document."""
    if provider.discovery_url is None:
        return Endpoints(
            provider.authorize_url or "", provider.token_url or "", provider.userinfo_url or ""
        )
    try:
        async with httpx.AsyncClient(timeout=TIMEOUT_SECONDS) as http:
            response = await http.get(provider.discovery_url)
            response.raise_for_status()
            document = response.json()
        return Endpoints(
            str(document["authorization_endpoint"]),
            str(document["token_endpoint"]),
            str(document["userinfo_endpoint"]),
        )
    except (httpx.HTTPError, ValueError, KeyError, TypeError):
        raise _failed("its discovery document could not be read") from None


def _session(provider: Provider, redirect_uri: str) -> AsyncOAuth2Client:
    return AsyncOAuth2Client(
        client_id=provider.client_id,
        client_secret=provider.client_secret,
        scope=provider.scope,
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        timeout=TIMEOUT_SECONDS,
    )


async def authorize_url(
    provider: Provider, redirect_uri: str, *, state: str, code_verifier: str
) -> str:
    found = await endpoints(provider)
    async with _session(provider, redirect_uri) as session:
        url, _ = session.create_authorization_url(
            found.authorize_url, state=state, code_verifier=code_verifier
        )
    return str(url)


def _profile(provider: Provider, info: dict[str, Any], emails: list[dict[str, Any]]) -> Profile:
    if provider.kind == "github":
        primary = next((e for e in emails if e.get("primary")), None)
        return Profile(
            subject=str(info["id"]),
            email=primary.get("email") if primary else None,
            email_verified=bool(primary and primary.get("verified") is True),
            username_hint=str(info.get("login") or ""),
            name=str(info.get("name") or info.get("login") or ""),
        )
    if provider.kind == "discord":
        return Profile(
            subject=str(info["id"]),
            email=info.get("email"),
            email_verified=info.get("verified") is True,
            username_hint=str(info.get("username") or ""),
            name=str(info.get("global_name") or info.get("username") or ""),
        )
    return Profile(
        subject=str(info["sub"]),
        email=info.get("email"),
        email_verified=info.get("email_verified") is True,
        username_hint=str(info.get("preferred_username") or ""),
        name=str(info.get("name") or ""),
    )


async def fetch_profile(
    provider: Provider, redirect_uri: str, *, code: str, code_verifier: str
) -> Profile:
    """Trade the code (with the PKCE verifier) for a token, then read who signed in."""
    found = await endpoints(provider)
    try:
        async with _session(provider, redirect_uri) as session:
            await session.fetch_token(found.token_url, code=code, code_verifier=code_verifier)
            response = await session.get(found.userinfo_url)
            response.raise_for_status()
            info = response.json()
            emails: list[dict[str, Any]] = []
            if provider.kind == "github":
                listed = await session.get(found.userinfo_url.rstrip("/") + "/emails")
                listed.raise_for_status()
                emails = listed.json()
        return _profile(provider, info, emails)
    except (AuthlibBaseError, httpx.HTTPError, ValueError, KeyError, TypeError):
        raise _failed("the code could not be exchanged for a profile") from None
