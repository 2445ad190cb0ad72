"""Bad input on the auth and users routes: a clear 4xx, nothing written, the service still up.

Each refusal is checked for the standard error body and X-Request-ID (`assert_error`), for
unchanged users, sessions and refresh tokens, and for `/health` answering afterwards.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import httpx
import jwt
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from conftest import PASSWORD, Account, AppFactory, assert_error, register
from veza.core.security.tokens import key_id

REGISTER = "/api/v1/auth/register"
LOGIN = "/api/v1/auth/login"
REFRESH = "/api/v1/auth/refresh"
PASSWORD_CHANGE = "/api/v1/auth/password"
ME = "/api/v1/auth/me"
PROFILE = "/api/v1/users/me"
USERS = "/api/v1/users"

SQL_PAYLOADS = (
    "' OR 1=1 --",
    '"; DROP TABLE users; --',
    "x' UNION SELECT password_hash FROM users --",
)
SCRIPT_PAYLOADS = ("<script>alert(1)</script>", '"><img src=x onerror=alert(1)>')
PAYLOADS = SQL_PAYLOADS + SCRIPT_PAYLOADS
# Rows that a refused request must never add, change the number of, or remove.
COUNTED_TABLES = ("users", "auth_sessions", "refresh_tokens")
JSON_HEADERS = {"Content-Type": "application/json"}


# -- helpers -----------------------------------------------------------------------------------


@pytest.fixture
async def app(app_factory: AppFactory) -> FastAPI:
    """Failed sign-ins are the point here, so the lockout (tested on its own) stands aside."""
    return await app_factory(login_failures_per_15min=10_000)


async def row_counts(app: FastAPI) -> dict[str, int]:
    async with app.state.backends.db.session() as db:
        return {
            table: int(await db.scalar(text(f"SELECT count(*) FROM {table}")) or 0)  # noqa: S608
            for table in COUNTED_TABLES
        }


@asynccontextmanager
async def nothing_written(app: FastAPI, client: httpx.AsyncClient) -> AsyncIterator[None]:
    """The block's requests leave users, sessions and refresh tokens as they were."""
    before = await row_counts(app)
    yield
    assert await row_counts(app) == before
    assert (await client.get("/health")).status_code == 200


def refused(response: httpx.Response, status: int, code: str | None = None) -> dict[str, Any]:
    """`assert_error`, saying which request failed it."""
    try:
        return assert_error(response, status, code)
    except AssertionError as exc:
        request = response.request
        try:
            body = request.content[:200]
        except httpx.RequestNotRead:
            body = b"(streamed)"
        raise AssertionError(f"{request.method} {request.url} {body!r}: {exc}") from None


def json_routes(account: Account) -> list[tuple[str, str, dict[str, str]]]:
    """Every auth/users route that takes a JSON body, with the headers it needs."""
    return [
        ("POST", REGISTER, {}),
        ("POST", LOGIN, {}),
        ("POST", REFRESH, {}),
        ("POST", PASSWORD_CHANGE, account.auth),
        ("PATCH", PROFILE, account.auth),
    ]


async def send_raw(
    client: httpx.AsyncClient,
    method: str,
    path: str,
    body: bytes | AsyncIterator[bytes],
    headers: dict[str, str],
) -> httpx.Response:
    return await client.request(method, path, content=body, headers=headers)


# -- malformed and mistyped bodies -------------------------------------------------------------


MALFORMED_BODIES = [
    b"{",
    b'{"login": "hamlet",}',
    b"not json at all",
    b"{'login': 'hamlet'}",
    b'{"login": "hamlet"} trailing',
    b'{"login": "\xe9t\xe9"}',  # Latin-1 bytes: not UTF-8
    b"[" * 100_000 + b"]" * 100_000,  # nesting deeper than any parser allows
]


async def test_malformed_json_is_a_400_on_every_json_route(
    client: httpx.AsyncClient, app: FastAPI, hamlet: Account
) -> None:
    async with nothing_written(app, client):
        for method, path, auth in json_routes(hamlet):
            for body in MALFORMED_BODIES:
                response = await send_raw(client, method, path, body, {**auth, **JSON_HEADERS})
                error = refused(response, 400, "malformed_json")
                assert error["details"] == {}  # the body is never echoed back
    assert (await client.get(ME, headers=hamlet.auth)).status_code == 200


async def test_a_json_body_that_is_not_an_object_is_a_422(
    client: httpx.AsyncClient, app: FastAPI, hamlet: Account
) -> None:
    async with nothing_written(app, client):
        for method, path, auth in json_routes(hamlet):
            for body in ([], ["hamlet", PASSWORD], "hamlet", 42, None, True):
                raw = json.dumps(body).encode()
                response = await send_raw(client, method, path, raw, {**auth, **JSON_HEADERS})
                error = refused(response, 422, "invalid_input")
                assert error["details"]["errors"][0]["loc"] == ["body"]


def signup(**fields: Any) -> dict[str, Any]:
    """A registration body, valid but for `fields`."""
    return {"username": "ophelia", "email": "ophelia@example.org", "password": PASSWORD, **fields}


WRONG_TYPES: list[tuple[str, dict[str, Any], str]] = [
    (REGISTER, signup(username=123), "username"),
    (REGISTER, signup(username=["ophelia"]), "username"),
    (REGISTER, signup(username={"$ne": ""}), "username"),
    (REGISTER, signup(username=None), "username"),
    (REGISTER, signup(email=7), "email"),
    (REGISTER, signup(password=12345678), "password"),
    (REGISTER, signup(password=True), "password"),
    (LOGIN, {"login": 1.5, "password": PASSWORD}, "login"),
    (LOGIN, {"login": "hamlet", "password": {"$gt": ""}}, "password"),
    (LOGIN, {"login": ["hamlet"], "password": PASSWORD}, "login"),
    (REFRESH, {"refresh_token": []}, "refresh_token"),
    (REFRESH, {"refresh_token": 0}, "refresh_token"),
    (PASSWORD_CHANGE, {"current_password": PASSWORD, "new_password": 123456789}, "new_password"),
    (PASSWORD_CHANGE, {"current_password": None, "new_password": "a new one"}, "current_password"),
]


async def test_wrong_types_are_a_422_naming_the_field(
    client: httpx.AsyncClient, app: FastAPI, hamlet: Account
) -> None:
    async with nothing_written(app, client):
        for path, body, field in WRONG_TYPES:
            response = await client.post(path, json=body, headers=hamlet.auth)
            error = refused(response, 422, "invalid_input")
            assert error["message"].startswith(f"{field}:"), error
            assert ["body", field] in [e["loc"][:2] for e in error["details"]["errors"]]
        for body in (
            {"display_name": 5},
            {"bio": ["a", "b"]},
            {"links": "https://example.org"},
            {"links": [{"title": 1, "url": "https://example.org"}]},
        ):
            refused(
                await client.patch(PROFILE, json=body, headers=hamlet.auth), 422, "invalid_input"
            )
    profile = (await client.get(f"{USERS}/hamlet")).json()
    assert (profile["display_name"], profile["bio"], profile["links"]) == ("hamlet", "", [])


async def test_a_password_is_never_echoed_in_an_error(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    secret = "sekrit-sekrit-sekrit"
    async with nothing_written(app, client):
        for body in (
            {"username": "ophelia", "email": "o@example.org", "password": [secret]},
            {"username": "ophelia", "email": "o@example.org", "password": secret * 60},
            {"username": "x" * 65, "email": "o@example.org", "password": secret},
            {"username": "ophelia", "email": "not an email", "password": secret},
        ):
            response = await client.post(REGISTER, json=body)
            refused(response, 422)
            assert secret not in response.text


VALID = {
    "username": "ophelia",
    "email": "ophelia@example.org",
    "password": PASSWORD,
    "login": "hamlet",
    "refresh_token": "some-token",
    "current_password": PASSWORD,
    "new_password": "a fresh passphrase",
}
REQUIRED = {
    REGISTER: {"username", "email", "password"},
    LOGIN: {"login", "password"},
    REFRESH: {"refresh_token"},
    PASSWORD_CHANGE: {"current_password", "new_password"},
}


async def test_missing_fields_are_a_422_listing_each_one(
    client: httpx.AsyncClient, app: FastAPI, hamlet: Account
) -> None:
    async with nothing_written(app, client):
        for path, fields in REQUIRED.items():
            for body in ({}, {"unrelated": "value"}):
                response = await client.post(path, json=body, headers=hamlet.auth)
                error = refused(response, 422, "invalid_input")
                missing = {
                    e["loc"][1] for e in error["details"]["errors"] if e["type"] == "missing"
                }
                assert missing == fields, (path, error)
            # One field short is still refused, and names just that one.
            for absent in fields:
                body = {name: VALID[name] for name in fields - {absent}}
                error = refused(await client.post(path, json=body, headers=hamlet.auth), 422)
                assert error["message"].startswith(f"{absent}:"), error
        # An empty body is a missing body, whatever it claims to be.
        refused(await send_raw(client, "POST", LOGIN, b"", JSON_HEADERS), 422, "invalid_input")


# -- media types and sizes ---------------------------------------------------------------------


async def test_a_body_that_is_not_json_is_a_415(
    client: httpx.AsyncClient, app: FastAPI, hamlet: Account
) -> None:
    login = json.dumps({"login": "hamlet", "password": PASSWORD}).encode()
    async with nothing_written(app, client):
        for method, path, auth in json_routes(hamlet):
            for content_type in (
                "text/plain",
                "application/x-www-form-urlencoded",
                "multipart/form-data; boundary=xyz",
                "application/xml",
                "",
            ):
                headers = {**auth, "Content-Type": content_type}
                response = await send_raw(client, method, path, login, headers)
                refused(response, 415, "unsupported_media_type")
        # A form post of the right fields is no way around it.
        form = await client.post(LOGIN, data={"login": "hamlet", "password": PASSWORD})
        refused(form, 415, "unsupported_media_type")
    # The same bytes as JSON do sign in, so the refusal was about the media type alone.
    accepted = await send_raw(client, "POST", LOGIN, login, JSON_HEADERS)
    assert accepted.status_code == 200, accepted.text


async def test_oversize_bodies_are_a_413_declared_or_streamed(
    client: httpx.AsyncClient, app: FastAPI, hamlet: Account
) -> None:
    limit = app.state.settings.max_json_body_kb * 1024
    huge = json.dumps(
        {"username": "ophelia", "email": "o@example.org", "password": "p" * (limit + 1)}
    ).encode()

    async def in_chunks() -> AsyncIterator[bytes]:
        """No Content-Length: the limit is kept while reading."""
        for start in range(0, len(huge), 16 * 1024):
            yield huge[start : start + 16 * 1024]

    async with nothing_written(app, client):
        for method, path, auth in json_routes(hamlet):
            declared = await send_raw(client, method, path, huge, {**auth, **JSON_HEADERS})
            error = refused(declared, 413, "payload_too_large")
            assert error["details"] == {"limit_bytes": limit}
            streamed = await send_raw(client, method, path, in_chunks(), {**auth, **JSON_HEADERS})
            assert "content-length" not in streamed.request.headers
            refused(streamed, 413, "payload_too_large")


async def test_oversize_fields_are_a_422(
    client: httpx.AsyncClient, app: FastAPI, hamlet: Account
) -> None:
    async with nothing_written(app, client):
        for path, body, code in (
            (REGISTER, signup(username="o" * 10_000), "invalid_input"),
            (REGISTER, signup(username="o" * 33), "invalid_username"),
            (REGISTER, signup(email="o" * 250 + "@example.org"), "invalid_input"),
            (REGISTER, signup(password="p" * 129), "weak_password"),
            (REGISTER, signup(password="p" * 5000), "invalid_input"),
            (LOGIN, {"login": "h" * 255, "password": PASSWORD}, "invalid_input"),
            (LOGIN, {"login": "hamlet", "password": "p" * 5000}, "invalid_input"),
            (REFRESH, {"refresh_token": "r" * 513}, "invalid_input"),
        ):
            refused(await client.post(path, json=body), 422, code)
        for body in ({"display_name": "d" * 65}, {"bio": "b" * 1001}):
            refused(await client.patch(PROFILE, json=body, headers=hamlet.auth), 422)
        refused(await client.get(USERS, params={"q": "q" * 65}), 422, "invalid_input")
        refused(await client.get(USERS, params={"limit": 10_000}), 422, "invalid_input")
        refused(await client.get(USERS, params={"limit": -1}), 422, "invalid_input")


# -- names: unicode and control characters -----------------------------------------------------


LOOK_ALIKE = "\u04bbamlet"  # Cyrillic shha for the h
ODD_USERNAMES = [
    "ham\x00let",  # NUL
    "ham\x1blet",  # escape
    "ham\nlet",
    "ham\u202elet",  # right-to-left override
    "ham\u200blet",  # zero-width space
    "\ufeffhamlet",  # byte order mark
    "\uff48\uff41\uff4d\uff4c\uff45\uff54",  # fullwidth letters
    LOOK_ALIKE,
    "hamlet\u0301",  # combining accent
    "hamlet😀",
    "İstanbul",  # lower-cases to two code points
    "straße",
    "٣٣٣",  # Arabic-Indic digits
    "\x00\x00\x00",
]


async def test_unicode_and_control_characters_in_usernames_are_refused(
    client: httpx.AsyncClient, app: FastAPI, hamlet: Account
) -> None:
    async with nothing_written(app, client):
        for index, username in enumerate(ODD_USERNAMES):
            response = await client.post(
                REGISTER,
                json={
                    "username": username,
                    "email": f"odd{index}@example.org",
                    "password": PASSWORD,
                },
            )
            error = refused(response, 422, "invalid_username")
            assert error["details"] == {"field": "username"}
            # Signing in with such a name is an ordinary failure, not a crash.
            response = await client.post(LOGIN, json={"login": username, "password": PASSWORD})
            refused(response, 401, "invalid_credentials")
            response = await client.get(f"{USERS}/{quote(username, safe='')}")
            refused(response, 404, "user_not_found")
            response = await client.get(USERS, params={"q": username})
            assert response.status_code == 200, response.text
            assert response.json()["items"] == []
    # A look-alike never signs in as the real account.
    response = await client.post(LOGIN, json={"login": LOOK_ALIKE, "password": PASSWORD})
    refused(response, 401, "invalid_credentials")


# Control characters (C0, DEL, C1), bidi override and isolate, zero-width space, BOM.
FORBIDDEN_IN_TEXT = [
    "\x00",
    "\x07",
    "\x1b[31m",
    "\x7f",
    "\x85",
    "\u202e",
    "\u2066",
    "\u200b",
    "\ufeff",
]


async def test_control_characters_in_display_names_and_bios_are_refused(
    client: httpx.AsyncClient, app: FastAPI, hamlet: Account
) -> None:
    async with nothing_written(app, client):
        for char in [*FORBIDDEN_IN_TEXT, "\n", "\t", "\r"]:
            response = await client.patch(
                PROFILE, json={"display_name": f"Ham{char}let"}, headers=hamlet.auth
            )
            error = refused(response, 422, "invalid_input")
            assert error["message"].startswith("display_name:"), error
        for char in [*FORBIDDEN_IN_TEXT, "\r"]:
            response = await client.patch(PROFILE, json={"bio": f"a{char}b"}, headers=hamlet.auth)
            error = refused(response, 422, "invalid_input")
            assert error["message"].startswith("bio:"), error
        # A patch with one bad field changes none of them.
        response = await client.patch(
            PROFILE, json={"display_name": "Fine Name", "bio": "bad\x00"}, headers=hamlet.auth
        )
        refused(response, 422, "invalid_input")
        for blank in ("", "   "):
            response = await client.patch(
                PROFILE, json={"display_name": blank}, headers=hamlet.auth
            )
            refused(response, 422, "invalid_input")
    profile = (await client.get(f"{USERS}/hamlet")).json()
    assert (profile["display_name"], profile["bio"]) == ("hamlet", "")


async def test_ordinary_unicode_in_display_names_and_bios_is_kept_as_is(
    client: httpx.AsyncClient, hamlet: Account
) -> None:
    for display_name, bio in (
        ("Ophélie 🎻", "Lines\nand\ttabs stay."),
        ("李白", "静夜思"),
        ("\uff48\uff41\uff4d\uff4c\uff45\uff54", "\u0645\u0631\u062d\u0628\u0627"),
    ):
        response = await client.patch(
            PROFILE, json={"display_name": display_name, "bio": bio}, headers=hamlet.auth
        )
        assert response.status_code == 200, response.text
        profile = (await client.get(f"{USERS}/hamlet")).json()
        assert (profile["display_name"], profile["bio"]) == (display_name, bio)


# -- SQL and script payloads -------------------------------------------------------------------


async def test_sql_and_script_payloads_are_refused_or_kept_verbatim(
    client: httpx.AsyncClient, app: FastAPI, hamlet: Account
) -> None:
    """Never interpreted: names and emails refuse them, free text keeps them byte for byte."""
    async with nothing_written(app, client):
        for payload in PAYLOADS:
            response = await client.post(
                REGISTER, json={"username": payload, "email": "p@example.org", "password": PASSWORD}
            )
            refused(response, 422, "invalid_username")
            response = await client.post(
                REGISTER, json={"username": "payload", "email": payload, "password": PASSWORD}
            )
            refused(response, 422, "invalid_input")
            for login in (payload, f"hamlet{payload}", f"hamlet@example.org{payload}"):
                response = await client.post(LOGIN, json={"login": login, "password": PASSWORD})
                refused(response, 401, "invalid_credentials")
            response = await client.post(LOGIN, json={"login": "hamlet", "password": payload})
            refused(response, 401, "invalid_credentials")
            response = await client.post(REFRESH, json={"refresh_token": payload})
            refused(response, 401, "invalid_refresh_token")
            response = await client.post(
                PASSWORD_CHANGE,
                json={"current_password": payload, "new_password": "a fresh passphrase"},
                headers=hamlet.auth,
            )
            refused(response, 401, "invalid_credentials")
            refused(await client.get(f"{USERS}/{quote(payload, safe='')}"), 404)
            search = await client.get(USERS, params={"q": payload})
            assert search.status_code == 200, search.text
            assert search.json()["items"] == []
            listed = await client.get(USERS, params={"q": "h"})
            assert [u["username"] for u in listed.json()["items"]] == ["hamlet"]

        for payload in PAYLOADS:
            response = await client.patch(
                PROFILE,
                json={
                    "display_name": payload,
                    "bio": f"{payload}\n{payload}",
                    "links": [{"title": payload, "url": "https://example.org/?q=%27--"}],
                },
                headers=hamlet.auth,
            )
            assert response.status_code == 200, response.text
            public = await client.get(f"{USERS}/hamlet")
            assert public.headers["content-type"] == "application/json"
            assert public.headers["x-content-type-options"] == "nosniff"
            profile = public.json()
            assert profile["display_name"] == payload
            assert profile["bio"] == f"{payload}\n{payload}"
            assert profile["links"] == [{"title": payload, "url": "https://example.org/?q=%27--"}]
            me = (await client.get(ME, headers=hamlet.auth)).json()
            assert (me["username"], me["display_name"]) == ("hamlet", payload)
        response = await client.patch(
            PROFILE,
            json={"links": [{"title": "x", "url": "javascript:alert(1)"}]},
            headers=hamlet.auth,
        )
        refused(response, 422, "invalid_input")
    # The table is whole: the account still signs in with its own password.
    response = await client.post(LOGIN, json={"login": "hamlet", "password": PASSWORD})
    assert response.status_code == 200, response.text


async def test_payloads_that_are_valid_passwords_and_emails_are_stored_not_run(
    client: httpx.AsyncClient, app: FastAPI, hamlet: Account
) -> None:
    """A password may be any text, and an email's local part may hold quotes and dashes."""
    before = await row_counts(app)
    accounts = []
    for index, password in enumerate(PAYLOADS):
        email = f"x'or'1'='1'--{index}@example.org"
        account = await register(client, f"payload_{index}", email=email, password=password)
        me = (await client.get(ME, headers=account.auth)).json()
        assert me["email"] == email
        accounts.append(account)
    assert (await row_counts(app))["users"] == before["users"] + len(PAYLOADS)
    for account in accounts:
        for login in (account.username, account.email):
            response = await client.post(LOGIN, json={"login": login, "password": account.password})
            assert response.status_code == 200, response.text
        # Another account's password, payload or not, does not open this one.
        wrong = await client.post(LOGIN, json={"login": account.username, "password": PASSWORD})
        refused(wrong, 401, "invalid_credentials")
    # ...nor does any payload open hamlet's.
    for password in PAYLOADS:
        response = await client.post(LOGIN, json={"login": "hamlet", "password": password})
        refused(response, 401, "invalid_credentials")


# -- duplicates --------------------------------------------------------------------------------


async def test_duplicate_usernames_and_emails_in_any_case_are_a_409(
    client: httpx.AsyncClient, app: FastAPI, hamlet: Account
) -> None:
    async with nothing_written(app, client):
        for username in ("hamlet", "HAMLET", "Hamlet", " hamlet ", "hAmLeT\t"):
            response = await client.post(
                REGISTER,
                json={"username": username, "email": "new@example.org", "password": PASSWORD},
            )
            error = refused(response, 409, "username_taken")
            assert error["details"] == {"field": "username"}
        for email in (
            "hamlet@example.org",
            "HAMLET@EXAMPLE.ORG",
            "Hamlet@Example.Org",
            " hamlet@example.org ",
        ):
            response = await client.post(
                REGISTER, json={"username": "ophelia", "email": email, "password": PASSWORD}
            )
            error = refused(response, 409, "email_taken")
            assert error["details"] == {"field": "email"}


async def test_concurrent_duplicate_registrations_make_one_account(
    client: httpx.AsyncClient, app: FastAPI
) -> None:
    names = ("ophelia", "OPHELIA", "Ophelia", "oPhElIa")
    responses = await asyncio.gather(
        *(
            client.post(
                REGISTER,
                json={"username": name, "email": f"o{i}@example.org", "password": PASSWORD},
            )
            for i, name in enumerate(names)
        )
    )
    emails = await asyncio.gather(
        *(
            client.post(
                REGISTER,
                json={"username": f"laertes_{i}", "email": email, "password": PASSWORD},
            )
            for i, email in enumerate(("L@example.org", "l@EXAMPLE.org", "l@example.org"))
        )
    )
    for batch in (responses, emails):
        statuses = sorted(r.status_code for r in batch)
        assert statuses == [201] + [409] * (len(batch) - 1), [r.text for r in batch]
        for response in batch:
            if response.status_code == 409:
                refused(response, 409)
    counts = await row_counts(app)
    assert counts["users"] == 2
    assert counts["auth_sessions"] == 2


# -- tokens ------------------------------------------------------------------------------------


def signing_key(app: FastAPI) -> str:
    key: str = app.state.backends.settings.signing_keys()[0]
    return key


def claims_of(account: Account) -> dict[str, Any]:
    claims: dict[str, Any] = jwt.decode(account.access_token, options={"verify_signature": False})
    return claims


def forge(
    app: FastAPI,
    claims: dict[str, Any],
    *,
    key: str | None = None,
    algorithm: str = "HS256",
    kid: str | None = "default",
) -> str:
    """A token signed as the app would sign it, but for what is changed."""
    key = key if key is not None else signing_key(app)
    headers = {} if kid is None else {"kid": key_id(signing_key(app)) if kid == "default" else kid}
    return jwt.encode(claims, key, algorithm=algorithm, headers=headers)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_a_well_forged_token_is_accepted_so_the_refusals_below_mean_something(
    client: httpx.AsyncClient, app: FastAPI, hamlet: Account
) -> None:
    response = await client.get(ME, headers=bearer(forge(app, claims_of(hamlet))))
    assert response.status_code == 200, response.text
    assert response.json()["username"] == "hamlet"


async def test_an_expired_access_token_is_a_401(
    client: httpx.AsyncClient, app: FastAPI, hamlet: Account
) -> None:
    now = datetime.now(UTC)
    claims = {
        **claims_of(hamlet),
        "iat": now - timedelta(hours=1),
        "exp": now - timedelta(minutes=1),
    }
    async with nothing_written(app, client):
        response = await client.get(ME, headers=bearer(forge(app, claims)))
        refused(response, 401, "token_expired")
        assert response.headers["www-authenticate"] == "Bearer"
        response = await client.post("/api/v1/auth/logout", headers=bearer(forge(app, claims)))
        refused(response, 401, "token_expired")
    assert (await client.get(ME, headers=hamlet.auth)).status_code == 200


async def test_forged_and_tampered_tokens_are_a_401(
    client: httpx.AsyncClient, app: FastAPI, hamlet: Account, othello: Account
) -> None:
    claims = claims_of(hamlet)
    header, payload, signature = hamlet.access_token.split(".")
    as_admin = base64.urlsafe_b64encode(json.dumps({**claims, "role": "admin"}).encode())
    as_othello = base64.urlsafe_b64encode(json.dumps({**claims, "sub": othello.id}).encode())
    none_header = base64.urlsafe_b64encode(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    kid = key_id(signing_key(app))
    tokens = {
        "forged signature": forge(app, claims, key="not-the-servers-key-" * 3),
        "tampered role": f"{header}.{as_admin.decode().rstrip('=')}.{signature}",
        "tampered subject": f"{header}.{as_othello.decode().rstrip('=')}.{signature}",
        "signature stripped": f"{header}.{payload}.",
        "alg none": jwt.encode(claims, None, algorithm="none", headers={"kid": kid}),
        "alg none, no kid": f"{none_header.decode().rstrip('=')}.{payload}.",
        "HS512 with the right key": forge(app, claims, algorithm="HS512"),
        "wrong audience": forge(app, {**claims, "aud": "someone-else"}),
        "wrong issuer": forge(app, {**claims, "iss": "https://evil.example"}),
        "unknown kid": forge(app, claims, kid="0123456789ab"),
        "no kid": forge(app, claims, kid=None),
        "no expiry": forge(app, {k: v for k, v in claims.items() if k != "exp"}),
        "no session": forge(app, {k: v for k, v in claims.items() if k != "sid"}),
        "not an access token": forge(app, {**claims, "typ": "refresh"}),
        "subject not a uuid": forge(app, {**claims, "sub": "' OR 1=1 --"}),
        "session not a uuid": forge(app, {**claims, "sid": "<script>alert(1)</script>"}),
    }
    async with nothing_written(app, client):
        for why, token in tokens.items():
            response = await client.get(ME, headers=bearer(token))
            assert response.status_code == 401, (why, response.text)
            refused(response, 401, "invalid_token")
            response = await client.get("/api/v1/admin/users", headers=bearer(token))
            assert response.status_code == 401, (why, response.text)
            refused(response, 401, "invalid_token")
    assert (await client.get(ME, headers=hamlet.auth)).status_code == 200


async def test_a_validly_signed_token_cannot_grant_what_the_session_does_not_have(
    client: httpx.AsyncClient, app: FastAPI, hamlet: Account, othello: Account
) -> None:
    """Role and session come from the database: the token's claims only point at them."""
    claims = claims_of(hamlet)
    async with nothing_written(app, client):
        admin_claim = forge(app, {**claims, "role": "admin"})
        refused(await client.get("/api/v1/admin/users", headers=bearer(admin_claim)), 403)
        # Another user's id with my session, or a session that does not exist.
        mixed = forge(app, {**claims, "sub": othello.id})
        refused(await client.get(ME, headers=bearer(mixed)), 401)
        ghost = forge(app, {**claims, "sid": "00000000-0000-4000-8000-000000000000"})
        refused(await client.get(ME, headers=bearer(ghost)), 401, "session_revoked")


async def test_refresh_and_access_tokens_do_not_stand_in_for_each_other(
    client: httpx.AsyncClient, app: FastAPI, hamlet: Account
) -> None:
    async with nothing_written(app, client):
        refused(await client.get(ME, headers=bearer(hamlet.refresh_token)), 401, "invalid_token")
        response = await client.post("/api/v1/auth/logout", headers=bearer(hamlet.refresh_token))
        refused(response, 401, "invalid_token")
        response = await client.post(REFRESH, json={"refresh_token": hamlet.access_token})
        refused(response, 401, "invalid_refresh_token")
    # Both still work for what they are.
    assert (await client.get(ME, headers=hamlet.auth)).status_code == 200
    response = await client.post(REFRESH, json={"refresh_token": hamlet.refresh_token})
    assert response.status_code == 200, response.text


async def test_garbage_authorization_headers_are_a_401(
    client: httpx.AsyncClient, app: FastAPI, hamlet: Account
) -> None:
    basic = base64.b64encode(f"hamlet:{PASSWORD}".encode()).decode()
    garbage = [
        "Bearer",
        "Bearer ",
        "Bearer    ",
        f"Basic {basic}",
        "Basic abc",
        "Token abc",
        hamlet.access_token,  # no scheme at all
        f"Bearer {hamlet.access_token} extra",
        f"Bearer {hamlet.access_token}.extra",
        f"Bearer {hamlet.access_token[:-1]}",
        "Bearer a.b.c",
        "Bearer ...",
        "Bearer " + "A" * 16_000,
        "Bearer " + ".".join(["A" * 4000] * 3),
        "Bearer ' OR 1=1 --",
        "Bearer <script>alert(1)</script>",
    ]
    async with nothing_written(app, client):
        for value in garbage:
            for method, path in (("GET", ME), ("POST", "/api/v1/auth/logout")):
                response = await client.request(method, path, headers={"Authorization": value})
                refused(response, 401)
                assert response.headers["www-authenticate"] == "Bearer"
        refused(await client.get(ME), 401, "unauthorized")
    # After all that, the real token still works, and a lower-case scheme is the same scheme.
    assert (await client.get(ME, headers=hamlet.auth)).status_code == 200
    lower = await client.get(ME, headers={"Authorization": f"bearer {hamlet.access_token}"})
    assert lower.status_code == 200, lower.text


# -- found by fuzzing --------------------------------------------------------------------------


async def test_control_characters_in_a_track_title_are_a_422_not_a_crash(
    client: httpx.AsyncClient, app: FastAPI, hamlet: Account
) -> None:
    """Schemathesis found this one: the form field was checked inside the route, as a 500."""
    response = await client.post(
        "/api/v1/tracks",
        headers=hamlet.auth,
        files={"file": ("song.wav", b"RIFF\x00\x00\x00\x00WAVE", "audio/wav")},
        data={"title": "bad\x01title"},
    )
    error = refused(response, 422, "invalid_input")
    assert error["message"].startswith("title:"), error
    async with app.state.backends.db.session() as db:
        assert await db.scalar(text("SELECT count(*) FROM tracks")) == 0


def cursor_of(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


async def test_forged_cursors_are_a_400_or_plain_data(
    client: httpx.AsyncClient, app: FastAPI, hamlet: Account
) -> None:
    async with nothing_written(app, client):
        for cursor in (
            "!!!not base64!!!",
            "e30",  # {}
            cursor_of([]),
            cursor_of(["a", "b"]),
            cursor_of(["ham\x00"]),  # PostgreSQL refuses NUL in text: refused before the query
        ):
            response = await client.get(USERS, params={"cursor": cursor})
            refused(response, 400, "invalid_cursor")
        # A payload inside a well-formed cursor is a value to compare with, nothing more.
        for payload in PAYLOADS:
            response = await client.get(USERS, params={"cursor": cursor_of([payload])})
            assert response.status_code == 200, response.text
            # Which side of the payload "hamlet" sorts on is the database collation's business.
            assert {u["username"] for u in response.json()["items"]} <= {"hamlet"}
        for query in ("\x00", "ham\x00", "%", "_", "h%", "h_mlet"):
            response = await client.get(USERS, params={"q": query})
            assert response.status_code == 200, response.text
            assert response.json()["items"] == []
