"""Personal access tokens on the REST API: shown once, hashed, scoped, expiring, revocable."""

from __future__ import annotations

from datetime import timedelta

import httpx
from fastapi import FastAPI
from sqlalchemy import select, update

from auth.support import audit_events
from conftest import Account, assert_error
from veza.core.db import utcnow
from veza.core.models import PersonalToken
from veza.core.security.tokens import hash_token


async def create(
    client: httpx.AsyncClient, account: Account, scopes: list[str], **extra: object
) -> dict[str, str]:
    response = await client.post(
        "/api/v1/auth/tokens",
        json={"name": "my script", "scopes": scopes, **extra},
        headers=account.auth,
    )
    assert response.status_code == 201, response.text
    body: dict[str, str] = response.json()
    return body


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_token_is_shown_once_stored_hashed_and_listed_with_last_use(
    app: FastAPI, client: httpx.AsyncClient, hamlet: Account
) -> None:
    created = await create(client, hamlet, ["read"], expires_in_days=30)
    token = created["token"]
    assert token.startswith("vzp_")
    async with app.state.backends.db.session() as db:
        row = await db.scalar(select(PersonalToken))
        assert row is not None
        assert row.token_hash == hash_token(token) != token
    listed = (await client.get("/api/v1/auth/tokens", headers=hamlet.auth)).json()
    assert [t["name"] for t in listed] == ["my script"]
    assert "token" not in listed[0]
    assert listed[0]["last_used_at"] is None
    assert listed[0]["expires_at"] is not None

    me = await client.get("/api/v1/auth/me", headers=bearer(token))
    assert me.status_code == 200, me.text
    assert me.json()["username"] == "hamlet"
    listed = (await client.get("/api/v1/auth/tokens", headers=hamlet.auth)).json()
    assert listed[0]["last_used_at"] is not None
    assert len(await audit_events(app, "auth.personal_token_created")) == 1


async def test_scopes_are_enforced_and_refusals_audited(
    app: FastAPI, client: httpx.AsyncClient, hamlet: Account
) -> None:
    read = (await create(client, hamlet, ["read"]))["token"]
    write = (await create(client, hamlet, ["write"]))["token"]
    change = {"display_name": "Prince"}
    refused = await client.patch("/api/v1/users/me", json=change, headers=bearer(read))
    assert_error(refused, 403, "insufficient_scope")
    allowed = await client.patch("/api/v1/users/me", json=change, headers=bearer(write))
    assert allowed.status_code == 200, allowed.text
    assert (await client.get("/api/v1/auth/me", headers=bearer(write))).status_code == 200
    (event,) = await audit_events(app, "auth.personal_token_refused")
    assert event.details["reason"] == "insufficient_scope"
    assert event.details["needed"] == "write"

    # A token never manages sign-in: no new tokens, no password change, no logout.
    more = await client.post(
        "/api/v1/auth/tokens", json={"name": "x", "scopes": ["read"]}, headers=bearer(write)
    )
    assert_error(more, 403, "token_not_allowed")
    assert (await client.get("/api/v1/auth/me", headers=bearer(read))).status_code == 200


async def test_admin_scope_only_for_staff_and_needed_for_admin_routes(
    client: httpx.AsyncClient, hamlet: Account, iago: Account
) -> None:
    denied = await client.post(
        "/api/v1/auth/tokens", json={"name": "x", "scopes": ["admin"]}, headers=hamlet.auth
    )
    assert_error(denied, 403, "scope_denied")
    plain = (await create(client, iago, ["write"]))["token"]
    admin = (await create(client, iago, ["admin"]))["token"]
    as_user = await client.get("/api/v1/admin/users", headers=bearer(plain))
    assert_error(as_user, 403, "admin_required")
    as_admin = await client.get("/api/v1/admin/users", headers=bearer(admin))
    assert as_admin.status_code == 200, as_admin.text


async def test_revoked_expired_and_forged_tokens_are_refused(
    app: FastAPI, client: httpx.AsyncClient, hamlet: Account, othello: Account
) -> None:
    created = await create(client, hamlet, ["read"])
    token = created["token"]
    assert (await client.get("/api/v1/auth/me", headers=bearer(token))).status_code == 200
    not_mine = await client.delete(f"/api/v1/auth/tokens/{created['id']}", headers=othello.auth)
    assert_error(not_mine, 404, "token_not_found")
    revoked = await client.delete(f"/api/v1/auth/tokens/{created['id']}", headers=hamlet.auth)
    assert revoked.status_code == 204
    assert_error(await client.get("/api/v1/auth/me", headers=bearer(token)), 401, "token_revoked")
    assert (await client.get("/api/v1/auth/tokens", headers=hamlet.auth)).json() == []

    expiring = (await create(client, hamlet, ["read"], expires_in_days=1))["token"]
    async with app.state.backends.db.session() as db:
        await db.execute(
            update(PersonalToken)
            .where(PersonalToken.token_hash == hash_token(expiring))
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
        await db.commit()
    expired = await client.get("/api/v1/auth/me", headers=bearer(expiring))
    assert_error(expired, 401, "token_expired")
    forged = await client.get("/api/v1/auth/me", headers=bearer("vzp_" + "A" * 43))
    assert_error(forged, 401, "invalid_token")
    reasons = [e.details["reason"] for e in await audit_events(app, "auth.personal_token_refused")]
    assert reasons == ["token_revoked", "token_expired", "invalid_token"]


async def test_bad_token_requests_are_refused(client: httpx.AsyncClient, hamlet: Account) -> None:
    for body in (
        {"name": "x", "scopes": []},
        {"name": "x", "scopes": ["root"]},
        {"name": "   ", "scopes": ["read"]},
        {"name": "x", "scopes": ["read"], "expires_in_days": 0},
    ):
        response = await client.post("/api/v1/auth/tokens", json=body, headers=hamlet.auth)
        assert response.status_code == 422, body


async def test_tokens_work_where_signing_in_is_optional(
    client: httpx.AsyncClient, hamlet: Account
) -> None:
    token = (await create(client, hamlet, ["read"]))["token"]
    listed = await client.get("/api/v1/tracks", headers=bearer(token))
    assert listed.status_code == 200, listed.text
    forged = await client.get("/api/v1/tracks", headers=bearer("vzp_" + "B" * 43))
    assert_error(forged, 401, "invalid_token")
