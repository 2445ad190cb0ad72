"""The session-liveness cache is shared: revocation on one instance stops tokens on every other.

Two app instances share the database and the cache (Redis on the scaled stack), as two
`veza serve api` processes behind nginx do. One of them has checked, and so cached, a session;
the other revokes it; the first must refuse the token on the very next request.
"""

from __future__ import annotations

import uuid

import httpx
import pytest
from fastapi import FastAPI

from conftest import AppFactory, Stack, assert_error, client_for, make_admin, register

ME = "/api/v1/auth/me"


@pytest.fixture
async def two_instances(stack: Stack, app_factory: AppFactory) -> tuple[FastAPI, FastAPI]:
    if stack.name == "embedded":
        pytest.skip("the embedded stack is one process with an in-process cache")
    shared = {"redis_prefix": f"veza-test-{uuid.uuid4().hex[:12]}:", "secret_key": "k" * 48}
    return await app_factory(**shared), await app_factory(**shared)


async def _current_session(client: httpx.AsyncClient, auth: dict[str, str]) -> str:
    listed = (await client.get("/api/v1/auth/sessions", headers=auth)).json()
    return str(next(s["id"] for s in listed if s["current"]))


async def _cached_on(app: FastAPI, session_id: str) -> str | None:
    value: str | None = await app.state.backends.cache.get(f"auth:sid:{session_id}")
    return value


async def test_logout_on_one_instance_stops_the_token_on_the_other(
    two_instances: tuple[FastAPI, FastAPI],
) -> None:
    first, second = two_instances
    async with client_for(first) as a, client_for(second) as b:
        hamlet = await register(a, "hamlet")
        assert (await a.get(ME, headers=hamlet.auth)).status_code == 200
        session_id = await _current_session(a, hamlet.auth)
        cached = await _cached_on(first, session_id)
        assert cached is not None
        assert "hamlet" not in cached  # the session check, not the profile
        assert (await b.post("/api/v1/auth/logout", headers=hamlet.auth)).status_code == 204
        assert await _cached_on(first, session_id) == "revoked"
        assert_error(await a.get(ME, headers=hamlet.auth), 401, "session_revoked")
        assert_error(await b.get(ME, headers=hamlet.auth), 401, "session_revoked")


async def test_revoking_one_session_on_the_other_instance_stops_it_at_once(
    two_instances: tuple[FastAPI, FastAPI],
) -> None:
    first, second = two_instances
    async with client_for(first) as a, client_for(second) as b:
        laptop = await register(a, "hamlet")
        phone = await a.post(
            "/api/v1/auth/login", json={"login": "hamlet", "password": laptop.password}
        )
        phone_auth = {"Authorization": f"Bearer {phone.json()['access_token']}"}
        assert (await a.get(ME, headers=phone_auth)).status_code == 200
        phone_session = await _current_session(a, phone_auth)
        assert await _cached_on(first, phone_session) is not None
        revoked = await b.delete(f"/api/v1/auth/sessions/{phone_session}", headers=laptop.auth)
        assert revoked.status_code == 204
        assert_error(await a.get(ME, headers=phone_auth), 401, "session_revoked")
        assert (await a.get(ME, headers=laptop.auth)).status_code == 200


async def test_suspension_on_one_instance_stops_the_user_on_the_other(
    two_instances: tuple[FastAPI, FastAPI],
) -> None:
    first, second = two_instances
    async with client_for(first) as a, client_for(second) as b:
        othello = await register(a, "othello")
        iago = await register(b, "iago")
        await make_admin(second, "iago")
        assert (await a.get(ME, headers=othello.auth)).status_code == 200
        assert await _cached_on(first, await _current_session(a, othello.auth)) is not None
        suspended = await b.post(
            "/api/v1/admin/users/othello/suspend", headers=iago.auth, json={"reason": "spam"}
        )
        assert suspended.status_code == 200, suspended.text
        assert_error(await a.get(ME, headers=othello.auth), 401, "session_revoked")
        assert_error(
            await a.post("/api/v1/auth/login", json={"login": "othello", "password": "x" * 12}),
            401,
        )


async def test_role_change_on_one_instance_applies_on_the_other(
    two_instances: tuple[FastAPI, FastAPI],
) -> None:
    first, second = two_instances
    async with client_for(first) as a, client_for(second) as b:
        hamlet = await register(a, "hamlet")
        iago = await register(b, "iago")
        await make_admin(second, "iago")
        assert (await a.get(ME, headers=hamlet.auth)).json()["role"] == "user"
        assert_error(await a.get("/api/v1/admin/users", headers=hamlet.auth), 403)
        changed = await b.put(
            "/api/v1/admin/users/hamlet/role", headers=iago.auth, json={"role": "admin"}
        )
        assert changed.status_code == 200, changed.text
        assert (await a.get("/api/v1/admin/users", headers=hamlet.auth)).status_code == 200
