"""TOTP 2FA: codes computed from the secret as an app does, recovery codes, lockout."""

from __future__ import annotations

import base64
import time
from urllib.parse import parse_qs, urlparse

import httpx
import pyotp
from fastapi import FastAPI

from auth.support import Inbox, audit_events, link_token
from conftest import PASSWORD, Account, AppFactory, assert_error, client_for, register


def app_code(secret: str, offset_steps: int = 0) -> str:
    """What an authenticator app shows now (or `offset_steps` later)."""
    return pyotp.TOTP(secret).at(time.time() + 30 * offset_steps)


async def enable_totp(client: httpx.AsyncClient, account: Account) -> tuple[str, list[str]]:
    setup = await client.post("/api/v1/auth/mfa/totp/setup", headers=account.auth)
    assert setup.status_code == 200, setup.text
    secret = setup.json()["secret"]
    enabled = await client.post(
        "/api/v1/auth/mfa/totp/enable", json={"code": app_code(secret)}, headers=account.auth
    )
    assert enabled.status_code == 200, enabled.text
    return secret, enabled.json()["recovery_codes"]


async def first_step(client: httpx.AsyncClient, login: str = "hamlet") -> str:
    response = await client.post("/api/v1/auth/login", json={"login": login, "password": PASSWORD})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body == {"mfa_required": True, "mfa_token": body["mfa_token"], "expires_in": 300}
    return str(body["mfa_token"])


async def test_setup_gives_secret_uri_and_qr_and_needs_a_code(
    client: httpx.AsyncClient, hamlet: Account
) -> None:
    setup = (await client.post("/api/v1/auth/mfa/totp/setup", headers=hamlet.auth)).json()
    uri = urlparse(setup["otpauth_uri"])
    assert (uri.scheme, uri.netloc) == ("otpauth", "totp")
    assert parse_qs(uri.query)["secret"] == [setup["secret"]]
    assert parse_qs(uri.query)["issuer"] == ["Veza"]
    prefix = "data:image/png;base64,"
    assert setup["qr_png"].startswith(prefix)
    assert base64.b64decode(setup["qr_png"][len(prefix) :]).startswith(b"\x89PNG")

    wrong = await client.post(
        "/api/v1/auth/mfa/totp/enable", json={"code": "000000"}, headers=hamlet.auth
    )
    if app_code(setup["secret"]) != "000000":
        assert_error(wrong, 401, "invalid_mfa_code")
    status = await client.get("/api/v1/auth/mfa", headers=hamlet.auth)
    assert status.json() == {"enabled": False, "recovery_codes_left": 0}
    login = await client.post("/api/v1/auth/login", json={"login": "hamlet", "password": PASSWORD})
    assert "access_token" in login.json()  # not on until enabled


async def test_login_with_2fa_takes_two_steps(
    app: FastAPI, client: httpx.AsyncClient, hamlet: Account
) -> None:
    secret, codes = await enable_totp(client, hamlet)
    assert len(codes) == len(set(codes)) == 10
    status = await client.get("/api/v1/auth/mfa", headers=hamlet.auth)
    assert status.json() == {"enabled": True, "recovery_codes_left": 10}

    mfa_token = await first_step(client)
    code = app_code(secret, 1)  # a step ahead of the one enabling used
    done = await client.post("/api/v1/auth/login/mfa", json={"mfa_token": mfa_token, "code": code})
    assert done.status_code == 200, done.text
    access = done.json()["access_token"]
    me = await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {access}"})
    assert me.json()["username"] == "hamlet"
    assert (await audit_events(app, "auth.login"))[-1].details["mfa"] == "totp"

    again = await client.post("/api/v1/auth/login/mfa", json={"mfa_token": mfa_token, "code": code})
    assert_error(again, 401, "invalid_mfa_token")  # the step token is spent
    replay_token = await first_step(client)
    replay = await client.post(
        "/api/v1/auth/login/mfa", json={"mfa_token": replay_token, "code": code}
    )
    assert_error(replay, 401, "invalid_mfa_code")  # a code works once
    forged = await client.post("/api/v1/auth/login/mfa", json={"mfa_token": "x" * 43, "code": "1"})
    assert_error(forged, 401, "invalid_mfa_token")
    failures = await audit_events(app, "auth.mfa_failed")
    assert len(failures) == 3


async def test_recovery_code_works_once(
    app: FastAPI, client: httpx.AsyncClient, hamlet: Account
) -> None:
    _, codes = await enable_totp(client, hamlet)
    token = await first_step(client)
    used = await client.post(
        "/api/v1/auth/login/mfa", json={"mfa_token": token, "code": codes[0].upper()}
    )
    assert used.status_code == 200, used.text
    assert (await audit_events(app, "auth.login"))[-1].details["mfa"] == "recovery_code"
    token = await first_step(client)
    twice = await client.post("/api/v1/auth/login/mfa", json={"mfa_token": token, "code": codes[0]})
    assert_error(twice, 401, "invalid_mfa_code")
    status = await client.get("/api/v1/auth/mfa", headers=hamlet.auth)
    assert status.json()["recovery_codes_left"] == 9


async def test_wrong_codes_lock_the_second_step_out(
    app_factory: AppFactory, smtp: tuple[Inbox, str]
) -> None:
    app = await app_factory(smtp_url=smtp[1], mfa_failures_per_15min=3)
    async with client_for(app) as client:
        hamlet = await register(client, "hamlet")
        secret, _ = await enable_totp(client, hamlet)
        token = await first_step(client)
        good = app_code(secret)
        wrong = "999999" if good != "999999" else "888888"
        for _ in range(3):
            response = await client.post(
                "/api/v1/auth/login/mfa", json={"mfa_token": token, "code": wrong}
            )
            assert_error(response, 401, "invalid_mfa_code")
        locked = await client.post(
            "/api/v1/auth/login/mfa", json={"mfa_token": token, "code": good}
        )
        assert_error(locked, 429, "rate_limited")
        assert int(locked.headers["retry-after"]) > 0
        assert len(await audit_events(app, "auth.mfa_failed")) == 3


async def test_magic_link_also_asks_for_the_second_factor(
    client: httpx.AsyncClient, inbox: Inbox, hamlet: Account
) -> None:
    secret, _ = await enable_totp(client, hamlet)
    await client.post("/api/v1/auth/magic-link", json={"email": hamlet.email})
    token = link_token((await inbox.wait_for(hamlet.email, 2))[1], "/magic")
    step = await client.post("/api/v1/auth/magic-link/verify", json={"token": token})
    assert step.json()["mfa_required"] is True
    done = await client.post(
        "/api/v1/auth/login/mfa",
        json={"mfa_token": step.json()["mfa_token"], "code": app_code(secret, 1)},
    )
    assert done.status_code == 200


async def test_disabling_needs_password_and_code(
    app: FastAPI, client: httpx.AsyncClient, hamlet: Account
) -> None:
    secret, _ = await enable_totp(client, hamlet)
    path = "/api/v1/auth/mfa/totp/disable"
    bad_password = await client.post(
        path, json={"password": "wrong password", "code": app_code(secret, 1)}, headers=hamlet.auth
    )
    assert_error(bad_password, 401, "invalid_credentials")
    bad_code = await client.post(
        path, json={"password": PASSWORD, "code": "12345x"}, headers=hamlet.auth
    )
    assert_error(bad_code, 401, "invalid_mfa_code")
    assert len(await audit_events(app, "auth.mfa_disable_failed")) == 1
    off = await client.post(
        path, json={"password": PASSWORD, "code": app_code(secret, 1)}, headers=hamlet.auth
    )
    assert off.status_code == 204
    login = await client.post("/api/v1/auth/login", json={"login": "hamlet", "password": PASSWORD})
    assert "access_token" in login.json()
    assert len(await audit_events(app, "auth.mfa_disabled")) == 1


async def test_setup_twice_once_enabled_is_a_conflict(
    client: httpx.AsyncClient, hamlet: Account
) -> None:
    secret, old_codes = await enable_totp(client, hamlet)
    again = await client.post("/api/v1/auth/mfa/totp/setup", headers=hamlet.auth)
    assert_error(again, 409, "mfa_already_enabled")
    fresh = await client.post(
        "/api/v1/auth/mfa/recovery-codes", json={"code": app_code(secret, 1)}, headers=hamlet.auth
    )
    assert fresh.status_code == 200
    assert set(fresh.json()["recovery_codes"]).isdisjoint(old_codes)
    token = await first_step(client)
    old = await client.post(
        "/api/v1/auth/login/mfa", json={"mfa_token": token, "code": old_codes[1]}
    )
    assert_error(old, 401, "invalid_mfa_code")
