"""Administration: user listing, roles, suspension, deletion, export and the audit log."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from PIL import Image

from conftest import PASSWORD, Account, assert_error, client_for, register
from veza.core.errors import VezaError
from veza.core.models import Role
from veza.core.security.tokens import hash_token
from veza.core.services import users

ADMIN = "/api/v1/admin"

EVERY_ADMIN_ROUTE: list[tuple[str, str, dict[str, Any] | None]] = [
    ("GET", "/users", None),
    ("PUT", "/users/othello/role", {"role": "admin"}),
    ("POST", "/users/othello/suspend", {"reason": "spam"}),
    ("POST", "/users/othello/reinstate", None),
    ("DELETE", "/users/othello", None),
    ("GET", "/users/othello/export", None),
    ("GET", "/audit", None),
]


async def login(client: httpx.AsyncClient, username: str, **headers: str) -> httpx.Response:
    return await client.post(
        "/api/v1/auth/login", json={"login": username, "password": PASSWORD}, headers=headers
    )


async def audit_events(client: httpx.AsyncClient, auth: dict[str, str], **params: str) -> list[Any]:
    response = await client.get(f"{ADMIN}/audit", headers=auth, params=params)
    assert response.status_code == 200, response.text
    items: list[Any] = response.json()["items"]
    return items


@pytest.mark.parametrize(("method", "path", "body"), EVERY_ADMIN_ROUTE)
async def test_admin_routes_refuse_everyone_else(
    client: httpx.AsyncClient,
    hamlet: Account,
    othello: Account,
    method: str,
    path: str,
    body: dict[str, Any] | None,
) -> None:
    as_user = await client.request(method, ADMIN + path, headers=hamlet.auth, json=body)
    assert_error(as_user, 403, "admin_required")
    assert_error(await client.request(method, ADMIN + path, json=body), 401)
    me = (await client.get("/api/v1/auth/me", headers=othello.auth)).json()
    assert (me["role"], me["status"]) == ("user", "active")


async def test_list_and_filter_users(
    client: httpx.AsyncClient, iago: Account, hamlet: Account, othello: Account
) -> None:
    everyone = (await client.get(f"{ADMIN}/users", headers=iago.auth)).json()
    assert [u["username"] for u in everyone["items"]] == ["othello", "hamlet", "iago"]
    assert everyone["items"][0]["email"] == "othello@example.org"
    admins = (await client.get(f"{ADMIN}/users?role=admin", headers=iago.auth)).json()
    assert [u["username"] for u in admins["items"]] == ["iago"]
    prefixed = (await client.get(f"{ADMIN}/users?q=HAM", headers=iago.auth)).json()
    assert [u["username"] for u in prefixed["items"]] == ["hamlet"]
    await client.post(
        f"{ADMIN}/users/hamlet/suspend", headers=iago.auth, json={"reason": "spam links"}
    )
    suspended = (await client.get(f"{ADMIN}/users?status=suspended", headers=iago.auth)).json()
    assert [u["username"] for u in suspended["items"]] == ["hamlet"]
    assert suspended["items"][0]["status"] == "suspended"

    first = (await client.get(f"{ADMIN}/users?limit=2", headers=iago.auth)).json()
    rest = (
        await client.get(
            f"{ADMIN}/users", headers=iago.auth, params={"limit": 2, "cursor": first["next_cursor"]}
        )
    ).json()
    assert [u["username"] for u in first["items"] + rest["items"]] == [
        "othello",
        "hamlet",
        "iago",
    ]
    assert rest["next_cursor"] is None
    for bad in ("role=king", "status=banished", "limit=0", "limit=101"):
        assert_error(await client.get(f"{ADMIN}/users?{bad}", headers=iago.auth), 422)


async def test_role_change_applies_to_live_tokens_at_once(
    client: httpx.AsyncClient, iago: Account, hamlet: Account
) -> None:
    assert_error(await client.get(f"{ADMIN}/users", headers=hamlet.auth), 403, "admin_required")
    promoted = await client.put(
        f"{ADMIN}/users/hamlet/role",
        headers={**iago.auth, "User-Agent": "admin-console/2"},
        json={"role": "admin"},
    )
    assert promoted.status_code == 200, promoted.text
    assert promoted.json()["role"] == "admin"
    # The same access token, issued while hamlet was a user, now passes an admin route.
    assert (await client.get(f"{ADMIN}/users", headers=hamlet.auth)).status_code == 200
    await client.put(f"{ADMIN}/users/hamlet/role", headers=iago.auth, json={"role": "user"})
    assert_error(await client.get(f"{ADMIN}/users", headers=hamlet.auth), 403, "admin_required")

    changes = await audit_events(client, iago.auth, event="user.role_changed")
    assert [(e["details"]["old"], e["details"]["new"]) for e in changes] == [
        ("admin", "user"),
        ("user", "admin"),
    ]
    assert changes[1]["actor"] == "iago"
    assert changes[1]["target"] == "hamlet"
    assert changes[1]["ip"] == "127.0.0.1"
    assert changes[1]["user_agent"] == "admin-console/2"


async def test_nobody_changes_their_own_role(
    client: httpx.AsyncClient, iago: Account, hamlet: Account
) -> None:
    demote_self = await client.put(
        f"{ADMIN}/users/iago/role", headers=iago.auth, json={"role": "user"}
    )
    assert_error(demote_self, 403, "cannot_change_own_role")
    assert (await client.get("/api/v1/auth/me", headers=iago.auth)).json()["role"] == "admin"
    promote_self = await client.put(
        f"{ADMIN}/users/hamlet/role", headers=hamlet.auth, json={"role": "admin"}
    )
    assert_error(promote_self, 403, "admin_required")
    assert (await client.get("/api/v1/auth/me", headers=hamlet.auth)).json()["role"] == "user"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"role": "king"}, 422, "invalid_input"),
        ({"role": "ADMIN"}, 422, "invalid_input"),
        ({}, 422, "invalid_input"),
        ({"role": 1}, 422, "invalid_input"),
    ],
)
async def test_bad_role_changes(
    client: httpx.AsyncClient,
    iago: Account,
    hamlet: Account,
    body: dict[str, Any],
    status: int,
    code: str,
) -> None:
    response = await client.put(f"{ADMIN}/users/hamlet/role", headers=iago.auth, json=body)
    assert_error(response, status, code)
    assert (await client.get("/api/v1/auth/me", headers=hamlet.auth)).json()["role"] == "user"


async def test_role_change_of_unknown_user(client: httpx.AsyncClient, iago: Account) -> None:
    response = await client.put(
        f"{ADMIN}/users/nobody/role", headers=iago.auth, json={"role": "moderator"}
    )
    assert_error(response, 404, "user_not_found")


async def test_suspension_ends_sessions_and_blocks_sign_in(
    client: httpx.AsyncClient, iago: Account, hamlet: Account
) -> None:
    suspended = await client.post(
        f"{ADMIN}/users/hamlet/suspend", headers=iago.auth, json={"reason": "spamming rooms"}
    )
    assert suspended.status_code == 200, suspended.text
    assert suspended.json()["status"] == "suspended"
    assert_error(await client.get("/api/v1/auth/me", headers=hamlet.auth), 401)
    assert_error(
        await client.post("/api/v1/auth/refresh", json={"refresh_token": hamlet.refresh_token}),
        401,
    )
    assert_error(await login(client, "hamlet"), 401, "account_suspended")
    again = await client.post(
        f"{ADMIN}/users/hamlet/suspend", headers=iago.auth, json={"reason": "twice"}
    )
    assert_error(again, 409, "already_suspended")

    reinstated = await client.post(f"{ADMIN}/users/hamlet/reinstate", headers=iago.auth)
    assert reinstated.status_code == 200
    assert reinstated.json()["status"] == "active"
    signed_in = await login(client, "hamlet")
    assert signed_in.status_code == 200
    fresh = {"Authorization": f"Bearer {signed_in.json()['access_token']}"}
    assert (await client.get("/api/v1/auth/me", headers=fresh)).status_code == 200
    # The sessions that the suspension ended stay ended.
    assert_error(await client.get("/api/v1/auth/me", headers=hamlet.auth), 401)
    assert_error(
        await client.post(f"{ADMIN}/users/hamlet/reinstate", headers=iago.auth),
        409,
        "not_suspended",
    )

    events = [e["event"] for e in await audit_events(client, iago.auth, username="hamlet")]
    assert events.index("user.reinstated") < events.index("user.suspended")
    [suspension] = await audit_events(client, iago.auth, event="user.suspended")
    assert suspension["details"] == {"reason": "spamming rooms", "sessions_revoked": 1}
    assert (suspension["actor"], suspension["target"]) == ("iago", "hamlet")


@pytest.mark.parametrize(
    ("username", "body", "status", "code"),
    [
        ("iago", {"reason": "testing"}, 403, "cannot_suspend_self"),
        ("nobody", {"reason": "testing"}, 404, "user_not_found"),
        ("hamlet", {"reason": "   "}, 422, "invalid_input"),
        ("hamlet", {"reason": "x" * 501}, 422, "invalid_input"),
        ("hamlet", {"reason": "hidden\u202etext"}, 422, "invalid_input"),
        ("hamlet", {}, 422, "invalid_input"),
    ],
)
async def test_bad_suspensions(
    client: httpx.AsyncClient,
    iago: Account,
    hamlet: Account,
    username: str,
    body: dict[str, Any],
    status: int,
    code: str,
) -> None:
    response = await client.post(f"{ADMIN}/users/{username}/suspend", headers=iago.auth, json=body)
    assert_error(response, status, code)
    for account in (iago, hamlet):
        assert (await client.get("/api/v1/auth/me", headers=account.auth)).status_code == 200


async def test_delete_user_erases_personal_data_and_keeps_the_audit_trail(
    client: httpx.AsyncClient, app: FastAPI, iago: Account, hamlet: Account
) -> None:
    image = io.BytesIO()
    Image.new("RGB", (100, 100), "purple").save(image, "PNG")
    uploaded = await client.put(
        "/api/v1/users/me/avatar",
        headers=hamlet.auth,
        files={"file": ("a.png", image.getvalue(), "image/png")},
    )
    assert uploaded.status_code == 200
    avatar_dir = app.state.backends.storage.local_path(f"avatars/{hamlet.id}")
    assert len(list(avatar_dir.iterdir())) == 2
    before = await audit_events(client, iago.auth, username="hamlet")

    deleted = await client.delete(
        f"{ADMIN}/users/hamlet", headers={**iago.auth, "User-Agent": "admin-console/2"}
    )
    assert deleted.status_code == 204
    assert_error(await client.get("/api/v1/auth/me", headers=hamlet.auth), 401)
    assert_error(await login(client, "hamlet"), 401, "invalid_credentials")
    assert_error(await client.get("/api/v1/users/hamlet"), 404, "user_not_found")
    assert_error(await client.get("/api/v1/users/hamlet/avatar"), 404, "user_not_found")
    assert not avatar_dir.exists()
    assert_error(
        await client.delete(f"{ADMIN}/users/hamlet", headers=iago.auth), 404, "user_not_found"
    )

    remaining = {e["id"]: e for e in await audit_events(client, iago.auth, limit="100")}
    for event in before:  # every row stays, with the user's references and addresses cleared
        kept = remaining[event["id"]]
        assert kept["event"] == event["event"]
        if event["actor"] == "hamlet":
            assert (kept["actor"], kept["ip"], kept["user_agent"]) == (None, None, None)
    [deletion] = await audit_events(client, iago.auth, event="user.deleted")
    assert deletion["actor"] == "iago"
    assert deletion["details"] == {"username": "hamlet"}
    assert deletion["user_agent"] == "admin-console/2"
    # Everyone else's data is untouched.
    [iago_signup] = await audit_events(client, iago.auth, event="auth.register", username="iago")
    assert iago_signup["ip"] == "127.0.0.1"
    assert (await client.get("/api/v1/auth/me", headers=iago.auth)).status_code == 200
    # The name is free again.
    await register(client, "hamlet")


async def test_admins_cannot_delete_themselves(client: httpx.AsyncClient, iago: Account) -> None:
    assert_error(
        await client.delete(f"{ADMIN}/users/iago", headers=iago.auth), 403, "cannot_delete_self"
    )
    assert (await client.get("/api/v1/auth/me", headers=iago.auth)).status_code == 200


async def test_export_a_users_data(
    client: httpx.AsyncClient, iago: Account, hamlet: Account
) -> None:
    await login(client, "hamlet", **{"User-Agent": "veza-phone/1.0"})
    response = await client.get(f"{ADMIN}/users/HAMLET/export", headers=iago.auth)
    assert response.status_code == 200
    export = response.json()
    assert export["profile"]["username"] == "hamlet"
    assert export["profile"]["email"] == "hamlet@example.org"
    assert len(export["sessions"]) == 2
    assert "veza-phone/1.0" in {s["user_agent"] for s in export["sessions"]}
    assert {"auth.register", "auth.login"} <= {e["event"] for e in export["audit_events"]}
    for secret in (
        "password_hash",
        "$argon2",
        hamlet.refresh_token,
        hash_token(hamlet.refresh_token),
    ):
        assert secret not in response.text
    [exported] = await audit_events(client, iago.auth, event="user.exported")
    assert (exported["actor"], exported["target"]) == ("iago", "hamlet")
    assert_error(
        await client.get(f"{ADMIN}/users/nobody/export", headers=iago.auth), 404, "user_not_found"
    )


async def test_audit_log_records_failed_logins_with_address_and_agent(
    app: FastAPI, client: httpx.AsyncClient, iago: Account, hamlet: Account
) -> None:
    async with client_for(app, ip="203.0.113.9") as stranger:
        failed = await stranger.post(
            "/api/v1/auth/login",
            json={"login": "hamlet", "password": "not his password"},
            headers={"User-Agent": "curl/8.0"},
        )
        assert_error(failed, 401, "invalid_credentials")
    [event] = await audit_events(client, iago.auth, event="auth.login_failed")
    assert event["ip"] == "203.0.113.9"
    assert event["user_agent"] == "curl/8.0"
    assert event["target"] == "hamlet"
    assert event["actor"] is None
    assert "not his password" not in str(event)


async def test_audit_log_pages_newest_first_and_filters(
    client: httpx.AsyncClient, iago: Account, hamlet: Account, othello: Account
) -> None:
    for _ in range(3):
        await login(client, "hamlet")
        await login(client, "othello")
    everything = await audit_events(client, iago.auth, limit="100")
    assert len(everything) == 9  # three sign-ups and six sign-ins
    seen: list[dict[str, Any]] = []
    cursor = None
    while True:
        params = {"limit": "4", **({"cursor": cursor} if cursor else {})}
        page = (await client.get(f"{ADMIN}/audit", headers=iago.auth, params=params)).json()
        seen += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert [e["id"] for e in seen] == [e["id"] for e in everything]
    moments = [datetime.fromisoformat(e["at"]) for e in seen]
    assert moments == sorted(moments, reverse=True)

    hamlets = await audit_events(client, iago.auth, username="Hamlet")
    assert len(hamlets) == 4
    assert all("hamlet" in (e["actor"], e["target"]) for e in hamlets)
    logins = await audit_events(client, iago.auth, event="auth.login", username="othello")
    assert len(logins) == 3
    assert await audit_events(client, iago.auth, event="no.such.event") == []

    for params, status, code in (
        ({"username": "nobody"}, 404, "user_not_found"),
        ({"cursor": "garbage!"}, 400, "invalid_cursor"),
        ({"limit": "1000"}, 422, "invalid_input"),
        ({"event": "auth.login\x00"}, 422, "invalid_input"),
        ({"username": "ham\x00let"}, 404, "user_not_found"),
    ):
        response = await client.get(f"{ADMIN}/audit", headers=iago.auth, params=params)
        assert_error(response, status, code)


async def test_operator_creates_accounts_as_registration_does(
    app: FastAPI, client: httpx.AsyncClient, hamlet: Account
) -> None:
    """What `veza user create` runs."""
    backends = app.state.backends
    async with backends.db.session() as db:
        created = await users.create_user(
            backends,
            db,
            username=" Root_Admin ",
            email="Root@Example.ORG",
            password=PASSWORD,
            role="admin",
        )
    assert (created.username, created.email, created.role) == (
        "root_admin",
        "Root@example.org",
        Role.admin,
    )
    root = await login(client, "root@example.org")
    assert root.json()["user"]["role"] == "admin"
    root_auth = {"Authorization": f"Bearer {root.json()['access_token']}"}
    [event] = await audit_events(client, root_auth, event="user.created")
    assert (event["actor"], event["target"], event["ip"]) == (None, "root_admin", None)
    assert event["details"] == {"role": "admin"}

    bad_inputs = [
        ({"username": "HAMLET", "email": "new@example.org"}, "username_taken"),
        ({"username": "newbie", "email": "Hamlet@Example.org"}, "email_taken"),
        ({"username": "new\u202ebie", "email": "new@example.org"}, "invalid_username"),
        ({"username": "newbie", "email": "not an email"}, "invalid_email"),
        (
            {"username": "newbie", "email": "new@example.org", "password": "password1"},
            "weak_password",
        ),
        ({"username": "newbie", "email": "new@example.org", "role": "overlord"}, "invalid_role"),
    ]
    for fields, code in bad_inputs:
        async with backends.db.session() as db:
            with pytest.raises(VezaError) as refused:
                await users.create_user(backends, db, **{"password": PASSWORD, **fields})
        assert refused.value.code == code
    everyone = (await client.get(f"{ADMIN}/users", headers=root_auth)).json()["items"]
    assert {u["username"] for u in everyone} == {"root_admin", "hamlet"}


async def test_operator_sets_roles_with_immediate_effect(
    app: FastAPI, client: httpx.AsyncClient, iago: Account, hamlet: Account
) -> None:
    """What `veza user set-role` runs."""
    backends = app.state.backends
    assert_error(await client.get(f"{ADMIN}/users", headers=hamlet.auth), 403, "admin_required")
    async with backends.db.session() as db:
        promoted = await users.set_role_by_operator(backends, db, "HAMLET", "Moderator")
    assert promoted.role == Role.moderator
    me = (await client.get("/api/v1/auth/me", headers=hamlet.auth)).json()
    assert me["role"] == "moderator"
    async with backends.db.session() as db:
        await users.set_role_by_operator(backends, db, "hamlet", "admin")
    assert (await client.get(f"{ADMIN}/users", headers=hamlet.auth)).status_code == 200
    changes = await audit_events(client, iago.auth, event="user.role_changed")
    assert [(e["actor"], e["details"]["old"], e["details"]["new"]) for e in changes] == [
        (None, "moderator", "admin"),
        (None, "user", "moderator"),
    ]
    for username, role, code in (
        ("nobody", "admin", "user_not_found"),
        ("hamlet", "god", "invalid_role"),
    ):
        async with backends.db.session() as db:
            with pytest.raises(VezaError) as refused:
                await users.set_role_by_operator(backends, db, username, role)
        assert refused.value.code == code
