"""Fuzzing the whole REST API from its OpenAPI schema: no 5xx, and every answer as documented.

A small budget (a handful of examples per operation) on the embedded stack; it is a net for
crashes and undocumented answers, not a per-backend check.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import text

from conftest import PASSWORD, Stack, _empty_tables, make_settings
from veza.app import create_app
from veza.config import load_settings
from veza.core.db import Database

# Raise VEZA_FUZZ_EXAMPLES (and set VEZA_FUZZ_RANDOM=1) for a longer hunt.
MAX_EXAMPLES = int(os.environ.get("VEZA_FUZZ_EXAMPLES", "15"))
RANDOM = os.environ.get("VEZA_FUZZ_RANDOM") == "1"


@schemathesis.check
def answers_carry_a_request_id(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: schemathesis.Case
) -> bool | None:
    """Every response carries X-Request-ID, refusals included."""
    assert response.headers.get("x-request-id"), "no X-Request-ID header"
    return None


CHECKS = [
    not_a_server_error,
    answers_carry_a_request_id,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
FUZZER = "fuzz_admin"
# Operations that may end the fuzzer's session; a fresh sign-in follows each.
SESSION_ENDERS = {
    ("POST", "/api/v1/auth/logout"),
    ("POST", "/api/v1/auth/logout-all"),
    ("POST", "/api/v1/auth/password"),
    ("DELETE", "/api/v1/auth/sessions/{session_id}"),
}


async def _empty(url: str) -> None:
    database = Database(url)
    try:
        await _empty_tables(database)
    finally:
        await database.close()


async def _promote(url: str, username: str) -> None:
    database = Database(url)
    try:
        async with database.session() as db:
            await db.execute(
                text("UPDATE users SET role = 'admin' WHERE username = :u"), {"u": username}
            )
            await db.commit()
    finally:
        await database.close()


@pytest.fixture(scope="module")
def fuzz_app(embedded_stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    """The all-in-one app; schemathesis' ASGI client runs its lifespan in its own thread."""
    media = tmp_path_factory.mktemp("fuzz") / "media"
    app = create_app(
        make_settings(embedded_stack, media, embedded_workers=False, log_level="WARNING")
    )
    yield app
    asgi.shutdown_lifespans()
    asyncio.run(_empty(embedded_stack.database_url))


class Tokens:
    """An administrator's access token, renewed after anything that may have ended the session."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self.token = self._sign_up()

    def _sign_up(self) -> str:
        with asgi.get_client(self.app) as http:
            response = http.post(
                "/api/v1/auth/register",
                json={"username": FUZZER, "email": "fuzz@example.org", "password": PASSWORD},
            )
            assert response.status_code == 201, response.text
        asyncio.run(_promote(self.app.state.settings.database_url, FUZZER))
        return str(response.json()["access_token"])

    def renew(self) -> None:
        with asgi.get_client(self.app) as http:
            response = http.post("/api/v1/auth/login", json={"login": FUZZER, "password": PASSWORD})
            assert response.status_code == 200, response.text
            self.token = str(response.json()["access_token"])

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@pytest.fixture(scope="module")
def tokens(fuzz_app: FastAPI) -> Tokens:
    return Tokens(fuzz_app)


def _openapi() -> dict[str, Any]:
    """The schema the app serves; building it needs no backends, so it is read at collection.

    (`schemathesis.pytest.from_fixture` would load it lazily, but schemathesis 4.32 reads
    `request.node._nodeid`, which pytest 9.2 no longer has.)
    """
    app = create_app(load_settings(env="test", database_url="sqlite+aiosqlite:///:memory:"))
    return app.openapi()


OPENAPI = _openapi()
# The live analytics stream answers for as long as asked (up to an hour): not fuzzable here;
# tests/analytics reads it over a real server.
schema = schemathesis.openapi.from_dict(OPENAPI).exclude(path="/api/v1/analytics/live")


def test_the_fuzzed_schema_is_the_served_one(fuzz_app: FastAPI) -> None:
    with asgi.get_client(fuzz_app) as http:
        served = http.get("/api/openapi.json")
    assert served.status_code == 200
    assert served.json() == json.loads(json.dumps(OPENAPI))
    # Refusals are documented once for every operation, with the one error body.
    for path, operations in OPENAPI["paths"].items():
        for method, operation in operations.items():
            error = operation["responses"].get("4XX", {})
            assert error.get("content", {}).get("application/json", {}).get("schema") == {
                "$ref": "#/components/schemas/ErrorBody"
            }, (method, path)


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    derandomize=not RANDOM,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_schema(case: schemathesis.Case, tokens: Tokens) -> None:
    case.call_and_validate(headers=tokens.headers, checks=CHECKS, app=tokens.app)
    if (case.method.upper(), case.path) in SESSION_ENDERS:
        tokens.renew()
