"""Magic sign-in links through a real SMTP server; limits and the unverified-account option."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from auth.support import Inbox, audit_events, expire_tokens, link_token
from conftest import Account, AppFactory, assert_error, client_for, register


async def test_magic_link_signs_in_once_and_verifies_the_address(
    app: FastAPI, client: httpx.AsyncClient, inbox: Inbox, hamlet: Account
) -> None:
    asked = await client.post("/api/v1/auth/magic-link", json={"email": hamlet.email})
    assert asked.status_code == 202
    mail = (await inbox.wait_for(hamlet.email, 2))[1]
    assert mail["Subject"] == "Your sign-in link"
    token = link_token(mail, "/magic")

    signed_in = await client.post("/api/v1/auth/magic-link/verify", json={"token": token})
    assert signed_in.status_code == 200, signed_in.text
    body = signed_in.json()
    assert body["user"]["username"] == "hamlet"
    assert body["user"]["email_verified"] is True
    sessions = await client.get(
        "/api/v1/auth/sessions", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert "magic_link" in [s["method"] for s in sessions.json()]
    logins = await audit_events(app, "auth.login")
    assert logins[-1].details == {"method": "magic_link"}

    reused = await client.post("/api/v1/auth/magic-link/verify", json={"token": token})
    assert_error(reused, 400, "token_used")
    forged = await client.post("/api/v1/auth/magic-link/verify", json={"token": token[:-2] + "xx"})
    assert_error(forged, 400, "invalid_token")
    reasons = [e.details["reason"] for e in await audit_events(app, "auth.email_token_refused")]
    assert reasons == ["token_used", "invalid_token"]


async def test_expired_magic_link_is_refused(
    app: FastAPI, client: httpx.AsyncClient, inbox: Inbox, hamlet: Account
) -> None:
    await client.post("/api/v1/auth/magic-link", json={"email": hamlet.email})
    token = link_token((await inbox.wait_for(hamlet.email, 2))[1], "/magic")
    await expire_tokens(app)
    expired = await client.post("/api/v1/auth/magic-link/verify", json={"token": token})
    assert_error(expired, 400, "token_expired")
    (event,) = await audit_events(app, "auth.email_token_refused")
    assert event.details == {"purpose": "magic_link", "reason": "token_expired"}


async def test_magic_link_for_an_unknown_address_looks_the_same(
    app: FastAPI, client: httpx.AsyncClient, inbox: Inbox, hamlet: Account
) -> None:
    known = await client.post("/api/v1/auth/magic-link", json={"email": hamlet.email})
    unknown = await client.post("/api/v1/auth/magic-link", json={"email": "ghost@example.org"})
    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()
    await inbox.wait_for(hamlet.email, 2)
    await app.state.backends.outbox.drain()
    assert inbox.to("ghost@example.org") == []


async def test_magic_links_are_limited_per_ip(
    app_factory: AppFactory, smtp: tuple[Inbox, str]
) -> None:
    app = await app_factory(smtp_url=smtp[1], mail_requests_per_ip_per_hour=3)
    async with client_for(app, ip="10.0.0.7") as client:
        for n in range(3):
            response = await client.post("/api/v1/auth/magic-link", json={"email": f"u{n}@x.org"})
            assert response.status_code == 202
        limited = await client.post("/api/v1/auth/magic-link", json={"email": "u9@x.org"})
        assert_error(limited, 429, "rate_limited")
    async with client_for(app, ip="10.0.0.8") as other:
        ok = await other.post("/api/v1/auth/magic-link", json={"email": "u9@x.org"})
        assert ok.status_code == 202


async def test_unverified_accounts_can_be_limited_to_reading(
    app_factory: AppFactory, smtp: tuple[Inbox, str]
) -> None:
    inbox, url = smtp
    app = await app_factory(smtp_url=url, require_verified_email=True)
    async with client_for(app) as client:
        hamlet = await register(client, "hamlet")
        profile = {"display_name": "Prince"}
        refused = await client.patch("/api/v1/users/me", json=profile, headers=hamlet.auth)
        assert_error(refused, 403, "email_not_verified")
        assert (await client.get("/api/v1/auth/me", headers=hamlet.auth)).status_code == 200

        token = link_token((await inbox.wait_for(hamlet.email))[0], "/verify-email")
        await client.post("/api/v1/auth/email/verify", json={"token": token})
        allowed = await client.patch("/api/v1/users/me", json=profile, headers=hamlet.auth)
        assert allowed.status_code == 200, allowed.text
