"""OAuth2/OIDC sign-in end to end against a real provider on 127.0.0.1 (Authlib server parts)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from fastapi import FastAPI

from auth.oidc_provider import CLIENT_ID, CLIENT_SECRET, EndUser, Provider, start_provider
from auth.support import audit_events
from conftest import Account, AppFactory, assert_error, client_for

CALLBACK = "http://testserver/api/v1/auth/oauth/oidc/callback"
ALICE = EndUser(sub="alice-1", email="alice@example.org", preferred_username="Alice")


@pytest.fixture
async def provider() -> AsyncIterator[Provider]:
    running = await start_provider()
    running.register_client(CALLBACK)
    yield running
    await running.stop()


@pytest.fixture
async def app(app_factory: AppFactory, provider: Provider) -> FastAPI:
    return await app_factory(
        public_url="http://testserver",
        oidc_discovery_url=provider.discovery_url,
        oidc_client_id=CLIENT_ID,
        oidc_client_secret=CLIENT_SECRET,
        oidc_label="Test SSO",
    )


async def through_provider(
    client: httpx.AsyncClient, provider: Provider, user: EndUser, start: httpx.Response
) -> httpx.Response:
    """Follow the redirects as a browser would: to the provider, and back to the callback."""
    assert start.status_code in (200, 302), start.text
    url = start.headers["location"] if start.status_code == 302 else start.json()["authorize_url"]
    assert url.startswith(provider.issuer)
    query = parse_qs(urlparse(url).query)
    assert query["code_challenge_method"] == ["S256"]
    assert query["state"]
    assert query["code_challenge"]
    provider.state.user = user
    async with httpx.AsyncClient() as browser:
        at_provider = await browser.get(url)
    assert at_provider.status_code == 302, at_provider.text
    back = at_provider.headers["location"]
    assert back.startswith(CALLBACK)
    return await client.get(back)


async def sign_in(client: httpx.AsyncClient, provider: Provider, user: EndUser) -> httpx.Response:
    callback = await through_provider(
        client, provider, user, await client.get("/api/v1/auth/oauth/oidc/start")
    )
    assert callback.status_code == 302, callback.text
    target = urlparse(callback.headers["location"])
    assert target.path == "/oauth/complete"
    code = parse_qs(target.query)["code"][0]
    return await client.post("/api/v1/auth/oauth/exchange", json={"code": code})


async def test_providers_list_only_configured_ones(
    client: httpx.AsyncClient, app_factory: AppFactory
) -> None:
    listed = (await client.get("/api/v1/auth/providers")).json()
    assert listed == [
        {"name": "oidc", "label": "Test SSO", "start_url": "/api/v1/auth/oauth/oidc/start"}
    ]
    bare = await app_factory()
    async with client_for(bare) as other:
        assert (await other.get("/api/v1/auth/providers")).json() == []
        missing = await other.get("/api/v1/auth/oauth/github/start")
        assert_error(missing, 404, "provider_not_found")


async def test_sign_in_creates_a_verified_account_then_reuses_it(
    app: FastAPI, client: httpx.AsyncClient, provider: Provider
) -> None:
    first = await sign_in(client, provider, ALICE)
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["user"]["username"] == "alice"
    assert body["user"]["email_verified"] is True
    me = await client.get(
        "/api/v1/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert me.status_code == 200
    (token_request,) = provider.state.token_requests
    assert token_request["code_verifier"]  # PKCE: the verifier went with the code

    again = await sign_in(client, provider, ALICE)
    assert again.json()["user"]["id"] == body["user"]["id"]
    assert [e.details.get("method") for e in await audit_events(app, "auth.login")] == [
        "oauth:oidc",
        "oauth:oidc",
    ]
    identities = await client.get(
        "/api/v1/auth/identities", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert [i["provider"] for i in identities.json()] == ["oidc"]


async def test_existing_account_is_linked_only_by_a_verified_equal_email(
    app: FastAPI, client: httpx.AsyncClient, provider: Provider, hamlet: Account
) -> None:
    unverified = EndUser(sub="h-1", email=hamlet.email.upper(), email_verified=False)
    refused = await sign_in_callback(client, provider, unverified)
    assert_error(refused, 403, "provider_email_unverified")
    (event,) = await audit_events(app, "auth.oauth_refused")
    assert event.details["reason"] == "provider_email_unverified"

    verified = EndUser(sub="h-1", email=hamlet.email.upper())
    linked = await sign_in(client, provider, verified)
    assert linked.status_code == 200, linked.text
    assert linked.json()["user"]["id"] == hamlet.id
    assert len(await audit_events(app, "auth.oauth_linked")) == 1


async def sign_in_callback(
    client: httpx.AsyncClient, provider: Provider, user: EndUser
) -> httpx.Response:
    return await through_provider(
        client, provider, user, await client.get("/api/v1/auth/oauth/oidc/start")
    )


async def test_state_mismatch_and_a_foreign_browser_are_refused(
    app: FastAPI, client: httpx.AsyncClient, provider: Provider
) -> None:
    start = await client.get("/api/v1/auth/oauth/oidc/start")
    query = parse_qs(urlparse(start.headers["location"]).query)
    wrong = await client.get(f"{CALLBACK}?code=abc&state=not-{query['state'][0]}")
    assert_error(wrong, 400, "state_mismatch")
    provider.state.user = ALICE
    async with httpx.AsyncClient() as browser:
        back = (await browser.get(start.headers["location"])).headers["location"]
    async with client_for(app) as attacker:  # no state cookie: someone else's browser
        foreign = await attacker.get(back)
        assert_error(foreign, 400, "state_mismatch")
    replay = await client.get(back)  # the refusals did not spend the state; its owner can
    assert replay.status_code == 302
    again = await client.get(back)
    assert_error(again, 400, "state_mismatch")  # a state works once
    reasons = [e.details["reason"] for e in await audit_events(app, "auth.oauth_refused")]
    assert reasons == ["state_mismatch"] * 3


async def test_exchange_code_works_once_and_forged_ones_fail(
    app: FastAPI, client: httpx.AsyncClient, provider: Provider
) -> None:
    callback = await sign_in_callback(client, provider, ALICE)
    code = parse_qs(urlparse(callback.headers["location"]).query)["code"][0]
    ok = await client.post("/api/v1/auth/oauth/exchange", json={"code": code})
    assert ok.status_code == 200
    reused = await client.post("/api/v1/auth/oauth/exchange", json={"code": code})
    assert_error(reused, 401, "invalid_token")
    forged = await client.post("/api/v1/auth/oauth/exchange", json={"code": "x" * 43})
    assert_error(forged, 401, "invalid_token")


async def test_link_and_unlink_in_settings_never_the_last_way_in(
    app: FastAPI, client: httpx.AsyncClient, provider: Provider, hamlet: Account
) -> None:
    start = await client.post("/api/v1/auth/oauth/oidc/link", headers=hamlet.auth)
    other_email = EndUser(sub="h-2", email="prince@elsinore.example")
    callback = await through_provider(client, provider, other_email, start)
    assert callback.status_code == 302, callback.text
    assert urlparse(callback.headers["location"]).path == "/settings/sign-in"
    listed = (await client.get("/api/v1/auth/identities", headers=hamlet.auth)).json()
    assert [(i["provider"], i["email"]) for i in listed] == [("oidc", "prince@elsinore.example")]
    signed_in = await sign_in(client, provider, other_email)
    assert signed_in.json()["user"]["id"] == hamlet.id
    unlinked = await client.delete("/api/v1/auth/identities/oidc", headers=hamlet.auth)
    assert unlinked.status_code == 204  # the password remains

    alice = (await sign_in(client, provider, ALICE)).json()
    alice_auth = {"Authorization": f"Bearer {alice['access_token']}"}
    last = await client.delete("/api/v1/auth/identities/oidc", headers=alice_auth)
    assert_error(last, 409, "last_sign_in_method")
    missing = await client.delete("/api/v1/auth/identities/github", headers=alice_auth)
    assert_error(missing, 404, "identity_not_found")

    taken = await client.post("/api/v1/auth/oauth/oidc/link", headers=hamlet.auth)
    refused = await through_provider(client, provider, ALICE, taken)
    assert_error(refused, 409, "identity_taken")


async def test_provider_denial_is_a_clear_error(
    app: FastAPI, client: httpx.AsyncClient, provider: Provider
) -> None:
    start = await client.get("/api/v1/auth/oauth/oidc/start")
    state = parse_qs(urlparse(start.headers["location"]).query)["state"][0]
    denied = await client.get(f"{CALLBACK}?error=access_denied&state={state}")
    assert_error(denied, 400, "oauth_denied")
