"""Email verification and password reset, through a real SMTP server and the mailed links."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from auth.support import Inbox, audit_events, expire_tokens, link_token
from conftest import PASSWORD, Account, assert_error, register

NEW_PASSWORD = "a brand new pass phrase"


async def test_register_mails_a_verification_link_that_works_once(
    app: FastAPI, client: httpx.AsyncClient, inbox: Inbox
) -> None:
    hamlet = await register(client, "hamlet")
    (mail,) = await inbox.wait_for(hamlet.email)
    assert mail["Subject"] == "Confirm your email address"
    assert mail.get_body(("html",)) is not None  # plain text and HTML
    me = await client.get("/api/v1/auth/me", headers=hamlet.auth)
    assert me.json()["email_verified"] is False

    token = link_token(mail, "/verify-email")
    assert (
        await client.post("/api/v1/auth/email/verify", json={"token": token})
    ).status_code == 204
    me = await client.get("/api/v1/auth/me", headers=hamlet.auth)
    assert me.json()["email_verified"] is True
    assert len(await audit_events(app, "auth.email_verified")) == 1

    again = await client.post("/api/v1/auth/email/verify", json={"token": token})
    assert_error(again, 400, "token_used")
    resend = await client.post("/api/v1/auth/email/resend", headers=hamlet.auth)
    assert_error(resend, 409, "already_verified")
    refused = await audit_events(app, "auth.email_token_refused")
    assert [e.details["reason"] for e in refused] == ["token_used"]


async def test_forged_and_expired_verification_links_are_refused(
    app: FastAPI, client: httpx.AsyncClient, inbox: Inbox
) -> None:
    hamlet = await register(client, "hamlet")
    (mail,) = await inbox.wait_for(hamlet.email)
    forged = await client.post("/api/v1/auth/email/verify", json={"token": "x" * 43})
    assert_error(forged, 400, "invalid_token")
    await expire_tokens(app)
    expired = await client.post(
        "/api/v1/auth/email/verify", json={"token": link_token(mail, "/verify-email")}
    )
    assert_error(expired, 400, "token_expired")
    reasons = [e.details["reason"] for e in await audit_events(app, "auth.email_token_refused")]
    assert reasons == ["invalid_token", "token_expired"]
    me = await client.get("/api/v1/auth/me", headers=hamlet.auth)
    assert me.json()["email_verified"] is False

    resend = await client.post("/api/v1/auth/email/resend", headers=hamlet.auth)
    assert resend.status_code == 202
    second = (await inbox.wait_for(hamlet.email, 2))[1]
    token = link_token(second, "/verify-email")
    assert (
        await client.post("/api/v1/auth/email/verify", json={"token": token})
    ).status_code == 204


async def test_password_reset_sets_the_password_and_ends_every_session(
    app: FastAPI, client: httpx.AsyncClient, inbox: Inbox
) -> None:
    hamlet = await register(client, "hamlet")
    await inbox.wait_for(hamlet.email)
    asked = await client.post("/api/v1/auth/password/forgot", json={"email": "HAMLET@example.org"})
    assert asked.status_code == 202
    mail = (await inbox.wait_for(hamlet.email, 2))[1]
    assert mail["Subject"] == "Reset your password"
    token = link_token(mail, "/reset-password")

    weak = await client.post(
        "/api/v1/auth/password/reset", json={"token": token, "new_password": "short"}
    )
    assert_error(weak, 422, "weak_password")  # the link still works after a refused password
    reset = await client.post(
        "/api/v1/auth/password/reset", json={"token": token, "new_password": NEW_PASSWORD}
    )
    assert reset.status_code == 204
    assert_error(await client.get("/api/v1/auth/me", headers=hamlet.auth), 401, "session_revoked")
    old = await client.post("/api/v1/auth/login", json={"login": "hamlet", "password": PASSWORD})
    assert_error(old, 401, "invalid_credentials")
    new = await client.post(
        "/api/v1/auth/login", json={"login": "hamlet", "password": NEW_PASSWORD}
    )
    assert new.status_code == 200
    (event,) = await audit_events(app, "auth.password_reset")
    assert event.details["sessions_revoked"] == 1

    reused = await client.post(
        "/api/v1/auth/password/reset", json={"token": token, "new_password": "yet another phrase"}
    )
    assert_error(reused, 400, "token_used")


async def test_reset_link_expires(app: FastAPI, client: httpx.AsyncClient, inbox: Inbox) -> None:
    hamlet = await register(client, "hamlet")
    await client.post("/api/v1/auth/password/forgot", json={"email": hamlet.email})
    token = link_token((await inbox.wait_for(hamlet.email, 2))[1], "/reset-password")
    await expire_tokens(app)
    expired = await client.post(
        "/api/v1/auth/password/reset", json={"token": token, "new_password": NEW_PASSWORD}
    )
    assert_error(expired, 400, "token_expired")
    login = await client.post("/api/v1/auth/login", json={"login": "hamlet", "password": PASSWORD})
    assert login.status_code == 200


async def test_a_verification_link_is_not_a_reset_link(
    client: httpx.AsyncClient, inbox: Inbox
) -> None:
    hamlet = await register(client, "hamlet")
    token = link_token((await inbox.wait_for(hamlet.email))[0], "/verify-email")
    wrong = await client.post(
        "/api/v1/auth/password/reset", json={"token": token, "new_password": NEW_PASSWORD}
    )
    assert_error(wrong, 400, "invalid_token")


async def test_forgot_password_answers_alike_for_unknown_addresses(
    app: FastAPI, client: httpx.AsyncClient, inbox: Inbox, hamlet: Account
) -> None:
    known = await client.post("/api/v1/auth/password/forgot", json={"email": hamlet.email})
    unknown = await client.post(
        "/api/v1/auth/password/forgot", json={"email": "nobody@example.org"}
    )
    assert known.status_code == unknown.status_code == 202
    assert known.json() == unknown.json()
    await inbox.wait_for(hamlet.email, 2)
    await app.state.backends.outbox.drain()
    assert inbox.to("nobody@example.org") == []
    sent = [e.details["sent"] for e in await audit_events(app, "auth.reset_password_requested")]
    assert sent == [True, False]


async def test_mailed_links_are_rate_limited_per_address(
    app_factory: object, smtp: tuple[Inbox, str]
) -> None:
    from conftest import client_for

    app = await app_factory(smtp_url=smtp[1], mail_requests_per_hour=2)  # type: ignore[operator]
    async with client_for(app) as client:
        for _ in range(2):
            response = await client.post("/api/v1/auth/password/forgot", json={"email": "a@b.org"})
            assert response.status_code == 202
        limited = await client.post("/api/v1/auth/password/forgot", json={"email": "a@b.org"})
        assert_error(limited, 429, "rate_limited")
        assert limited.headers["retry-after"]
        other = await client.post("/api/v1/auth/password/forgot", json={"email": "c@b.org"})
        assert other.status_code == 202
