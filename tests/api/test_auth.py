"""Registration, sign-in, refresh rotation, sign-out and sessions (the auth contract)."""

from __future__ import annotations

import httpx
from sqlalchemy import text

from conftest import PASSWORD, Account, AppFactory, assert_error, client_for, register


async def test_register_returns_user_and_token_pair(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/auth/register",
        json={"username": "Hamlet", "email": "Hamlet@Example.org", "password": PASSWORD},
    )
    assert response.status_code == 201
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 900
    assert body["user"]["username"] == "hamlet"
    assert body["user"]["email"] == "Hamlet@example.org"  # the domain is normalised
    assert body["user"]["role"] == "user"
    me = await client.get(
        "/api/v1/auth/me", headers={"Authorization": f"Bearer {body['access_token']}"}
    )
    assert me.status_code == 200
    assert me.json()["id"] == body["user"]["id"]


async def test_login_by_username_or_email_in_any_case(
    client: httpx.AsyncClient, hamlet: Account
) -> None:
    for login in ("hamlet", "HAMLET", "hamlet@example.org", "Hamlet@EXAMPLE.org"):
        response = await client.post(
            "/api/v1/auth/login", json={"login": login, "password": PASSWORD}
        )
        assert response.status_code == 200, login
        assert response.json()["user"]["username"] == "hamlet"


async def test_wrong_password_and_unknown_user_look_the_same(
    client: httpx.AsyncClient, hamlet: Account
) -> None:
    wrong = await client.post(
        "/api/v1/auth/login", json={"login": "hamlet", "password": "nope-nope-1"}
    )
    unknown = await client.post(
        "/api/v1/auth/login", json={"login": "nobody", "password": "nope-nope-1"}
    )
    assert (
        assert_error(wrong, 401, "invalid_credentials")["message"]
        == assert_error(unknown, 401, "invalid_credentials")["message"]
    )


async def test_refresh_rotates_and_reuse_revokes_the_session(
    client: httpx.AsyncClient, hamlet: Account
) -> None:
    first = await client.post("/api/v1/auth/refresh", json={"refresh_token": hamlet.refresh_token})
    assert first.status_code == 200
    rotated = first.json()
    assert rotated["refresh_token"] != hamlet.refresh_token
    new_auth = {"Authorization": f"Bearer {rotated['access_token']}"}
    assert (await client.get("/api/v1/auth/me", headers=new_auth)).status_code == 200

    reuse = await client.post("/api/v1/auth/refresh", json={"refresh_token": hamlet.refresh_token})
    assert_error(reuse, 401, "refresh_token_reused")
    # The whole session is gone: the rotated refresh token and the access tokens too.
    after = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": rotated["refresh_token"]}
    )
    assert_error(after, 401, "session_revoked")
    assert_error(await client.get("/api/v1/auth/me", headers=new_auth), 401, "session_revoked")
    assert_error(await client.get("/api/v1/auth/me", headers=hamlet.auth), 401, "session_revoked")


async def test_unknown_refresh_token_is_refused(client: httpx.AsyncClient, hamlet: Account) -> None:
    assert_error(
        await client.post("/api/v1/auth/refresh", json={"refresh_token": "not-a-token"}),
        401,
        "invalid_refresh_token",
    )
    # ...and does not disturb the real session.
    assert (await client.get("/api/v1/auth/me", headers=hamlet.auth)).status_code == 200


async def test_logout_stops_the_access_token_at_once(
    client: httpx.AsyncClient, hamlet: Account
) -> None:
    assert (await client.get("/api/v1/auth/me", headers=hamlet.auth)).status_code == 200
    assert (await client.post("/api/v1/auth/logout", headers=hamlet.auth)).status_code == 204
    assert_error(await client.get("/api/v1/auth/me", headers=hamlet.auth), 401, "session_revoked")
    assert_error(
        await client.post("/api/v1/auth/refresh", json={"refresh_token": hamlet.refresh_token}),
        401,
        "session_revoked",
    )


async def test_logout_all_ends_every_session(client: httpx.AsyncClient, hamlet: Account) -> None:
    second = await client.post("/api/v1/auth/login", json={"login": "hamlet", "password": PASSWORD})
    second_auth = {"Authorization": f"Bearer {second.json()['access_token']}"}
    assert (await client.post("/api/v1/auth/logout-all", headers=hamlet.auth)).status_code == 204
    for auth in (hamlet.auth, second_auth):
        assert_error(await client.get("/api/v1/auth/me", headers=auth), 401, "session_revoked")


async def test_sessions_list_and_revoke_one(client: httpx.AsyncClient, hamlet: Account) -> None:
    other = await client.post(
        "/api/v1/auth/login",
        json={"login": "hamlet", "password": PASSWORD},
        headers={"User-Agent": "veza-phone/1.0"},
    )
    other_auth = {"Authorization": f"Bearer {other.json()['access_token']}"}
    listed = (await client.get("/api/v1/auth/sessions", headers=hamlet.auth)).json()
    assert len(listed) == 2
    assert sum(s["current"] for s in listed) == 1
    phone = next(s for s in listed if s["user_agent"] == "veza-phone/1.0")
    assert phone["ip"] == "127.0.0.1"
    assert (
        await client.delete(f"/api/v1/auth/sessions/{phone['id']}", headers=hamlet.auth)
    ).status_code == 204
    assert_error(await client.get("/api/v1/auth/me", headers=other_auth), 401, "session_revoked")
    assert (await client.get("/api/v1/auth/me", headers=hamlet.auth)).status_code == 200
    remaining = (await client.get("/api/v1/auth/sessions", headers=hamlet.auth)).json()
    assert len(remaining) == 1
    assert remaining[0]["id"] != phone["id"]


async def test_cannot_revoke_another_users_session(
    client: httpx.AsyncClient, hamlet: Account, othello: Account
) -> None:
    theirs = (await client.get("/api/v1/auth/sessions", headers=othello.auth)).json()[0]["id"]
    assert_error(
        await client.delete(f"/api/v1/auth/sessions/{theirs}", headers=hamlet.auth),
        404,
        "session_not_found",
    )
    assert (await client.get("/api/v1/auth/me", headers=othello.auth)).status_code == 200


async def test_password_change_revokes_other_sessions(
    client: httpx.AsyncClient, hamlet: Account
) -> None:
    other = await client.post("/api/v1/auth/login", json={"login": "hamlet", "password": PASSWORD})
    other_auth = {"Authorization": f"Bearer {other.json()['access_token']}"}
    new_password = "a much newer passphrase"
    wrong = await client.post(
        "/api/v1/auth/password",
        headers=hamlet.auth,
        json={"current_password": "wrong-password", "new_password": new_password},
    )
    assert_error(wrong, 401, "invalid_credentials")
    changed = await client.post(
        "/api/v1/auth/password",
        headers=hamlet.auth,
        json={"current_password": PASSWORD, "new_password": new_password},
    )
    assert changed.status_code == 204
    assert (await client.get("/api/v1/auth/me", headers=hamlet.auth)).status_code == 200
    assert_error(await client.get("/api/v1/auth/me", headers=other_auth), 401, "session_revoked")
    old = await client.post("/api/v1/auth/login", json={"login": "hamlet", "password": PASSWORD})
    assert_error(old, 401, "invalid_credentials")
    new = await client.post(
        "/api/v1/auth/login", json={"login": "hamlet", "password": new_password}
    )
    assert new.status_code == 200


async def test_duplicate_username_or_email_in_any_case(
    client: httpx.AsyncClient, hamlet: Account
) -> None:
    same_name = await client.post(
        "/api/v1/auth/register",
        json={"username": "HaMlEt", "email": "other@example.org", "password": PASSWORD},
    )
    assert_error(same_name, 409, "username_taken")
    same_email = await client.post(
        "/api/v1/auth/register",
        json={"username": "ophelia", "email": "HAMLET@example.ORG", "password": PASSWORD},
    )
    assert_error(same_email, 409, "email_taken")


async def test_password_policy(client: httpx.AsyncClient) -> None:
    cases = {
        "short": "abc12",
        "common": "password123",
        "username": "ophelia_99",
        "email": "ophelia_99@example.org",
        "too long": "x" * 129,
    }
    for why, password in cases.items():
        response = await client.post(
            "/api/v1/auth/register",
            json={
                "username": "ophelia_99",
                "email": "ophelia_99@example.org",
                "password": password,
            },
        )
        assert_error(response, 422, "weak_password"), why
    assert (
        await client.post("/api/v1/auth/login", json={"login": "ophelia_99", "password": PASSWORD})
    ).status_code == 401


async def test_usernames_outside_the_alphabet_are_refused(client: httpx.AsyncClient) -> None:
    for username in (
        "ab",
        "x" * 33,
        "hélène",
        "bad name",
        "tab\tname",
        "nul\x00name",
        "a-b",
        "ʀᴏᴏᴛ",
    ):
        response = await client.post(
            "/api/v1/auth/register",
            json={"username": username, "email": "someone@example.org", "password": PASSWORD},
        )
        assert_error(response, 422, "invalid_username")


async def test_login_lockout_after_five_failures(
    client: httpx.AsyncClient, hamlet: Account
) -> None:
    for _ in range(5):
        response = await client.post(
            "/api/v1/auth/login", json={"login": "hamlet", "password": "wrong-password"}
        )
        assert_error(response, 401, "invalid_credentials")
    locked = await client.post("/api/v1/auth/login", json={"login": "hamlet", "password": PASSWORD})
    assert_error(locked, 429, "rate_limited")
    assert int(locked.headers["retry-after"]) > 0
    assert locked.headers["x-ratelimit-remaining"] == "0"


async def test_registration_limit_per_ip(app_factory: AppFactory) -> None:
    app = await app_factory(registrations_per_10min=5)
    async with client_for(app, ip="10.1.2.3") as http:
        for index in range(5):
            await register(http, f"user_{index}")
        response = await http.post(
            "/api/v1/auth/register",
            json={"username": "user_6", "email": "user_6@example.org", "password": PASSWORD},
        )
        assert_error(response, 429, "rate_limited")
        assert "retry-after" in response.headers
    async with client_for(app, ip="10.9.9.9") as other_ip:
        await register(other_ip, "user_7")


async def test_login_rehashes_when_hash_parameters_change(app_factory: AppFactory) -> None:

    cheap = await app_factory()
    async with client_for(cheap) as http:
        await register(http, "hamlet")
    stronger = await app_factory(argon2_time_cost=2, argon2_memory_kib=128)

    async def stored_hash() -> str:
        async with stronger.state.backends.db.session() as db:
            value = await db.scalar(
                text("SELECT password_hash FROM users WHERE username = 'hamlet'")
            )
            return str(value)

    before = await stored_hash()
    assert "t=1" in before
    async with client_for(stronger) as http:
        response = await http.post(
            "/api/v1/auth/login", json={"login": "hamlet", "password": PASSWORD}
        )
        assert response.status_code == 200
    after = await stored_hash()
    assert after != before
    assert "m=128,t=2" in after
