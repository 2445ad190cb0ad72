"""Logs are JSON lines that say who did what, and never carry a password or a token."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
import structlog
from fastapi import FastAPI
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from tracing_helpers import spans

from conftest import AppFactory, client_for, register
from veza.core.observability.logging import REDACTED, configure_logging, redact_secrets

__all__ = ["spans"]  # a fixture

REQUEST_KEYS = {"request_id", "method", "path", "status", "latency_ms", "user_id"}


@contextmanager
def json_logs(capsys: pytest.CaptureFixture[str]) -> Iterator[Callable[[], list[dict[str, Any]]]]:
    """Log as `veza serve` does (JSON to stderr) and hand back a reader of the lines written.

    Everything configure_logging changes is put back afterwards, so other tests see the
    logging they started with.
    """
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    uvicorn_state = {
        name: (logging.getLogger(name).handlers[:], logging.getLogger(name).propagate)
        for name in ("uvicorn", "uvicorn.error")
    }
    access_disabled = logging.getLogger("uvicorn.access").disabled
    levels = {name: logging.getLogger(name).level for name in ("httpx", "httpcore")}
    saved_structlog = structlog.get_config()
    capsys.readouterr()  # start from nothing
    configure_logging(level="INFO", fmt="json", service="api")
    # Module-level loggers must not freeze this configuration for the tests that follow.
    structlog.configure(cache_logger_on_first_use=False)
    captured: list[str] = []

    def read() -> list[dict[str, Any]]:
        captured.append(capsys.readouterr().err)
        lines = [line for line in "".join(captured).splitlines() if line.strip()]
        return [json.loads(line) for line in lines]

    try:
        yield read
    finally:
        structlog.configure(**saved_structlog)
        structlog.contextvars.clear_contextvars()
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)
        for name, (handlers, propagate) in uvicorn_state.items():
            logging.getLogger(name).handlers[:] = handlers
            logging.getLogger(name).propagate = propagate
        logging.getLogger("uvicorn.access").disabled = access_disabled
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


async def test_request_logs_are_json_and_never_hold_secrets(
    client: httpx.AsyncClient, capsys: pytest.CaptureFixture[str]
) -> None:
    first_password = "Quartz-Lantern-Zebra-4471"
    second_password = "Marigold-Anvil-Cobalt-9902"
    wrong_password = "Nimbus-Ferret-Oyster-3318"
    secrets: list[str] = [first_password, second_password, wrong_password]

    with json_logs(capsys) as read_logs:
        account = await register(client, "ophelia", password=first_password)
        secrets += [account.access_token, account.refresh_token]

        failed = await client.post(
            "/api/v1/auth/login", json={"login": "ophelia", "password": wrong_password}
        )
        assert failed.status_code == 401
        # A password typed into the login field by mistake is not logged either.
        typo = await client.post(
            "/api/v1/auth/login", json={"login": wrong_password, "password": wrong_password}
        )
        assert typo.status_code == 401

        login = await client.post(
            "/api/v1/auth/login", json={"login": "ophelia", "password": first_password}
        )
        assert login.status_code == 200
        secrets += [login.json()["access_token"], login.json()["refresh_token"]]

        refreshed = await client.post(
            "/api/v1/auth/refresh", json={"refresh_token": login.json()["refresh_token"]}
        )
        assert refreshed.status_code == 200
        pair = refreshed.json()
        secrets += [pair["access_token"], pair["refresh_token"]]
        auth = {"Authorization": f"Bearer {pair['access_token']}"}

        me = await client.get("/api/v1/auth/me", headers=auth)
        assert me.status_code == 200
        # A token in a query string (as WebSocket clients send it) stays out of the log too.
        query = await client.get("/api/v1/auth/me", params={"token": pair["access_token"]})
        assert query.status_code == 401

        # Signed playback URLs carry their token in the path.
        stream_token = "c2lnbmVkLXN0cmVhbS10b2tlbi1mb3ItdGVzdA.Zm9yZ2VkLXNpZ25hdHVyZQ"
        secrets.append(stream_token)
        stream = await client.get(f"/stream/{stream_token}/master.m3u8")
        assert 400 <= stream.status_code < 500

        changed = await client.post(
            "/api/v1/auth/password",
            json={"current_password": first_password, "new_password": second_password},
            headers=auth,
        )
        assert changed.status_code == 204, changed.text
        weak = await client.post(
            "/api/v1/auth/password",
            json={"current_password": second_password, "new_password": "ophelia"},
            headers=auth,
        )
        assert weak.status_code == 422

        records = read_logs()

    text = json.dumps(records)
    for secret in secrets:
        assert secret not in text, f"a secret reached the log: {secret[:6]}..."
    # Nor any part of a JWT (header and payload would reveal the user and session).
    for token in (account.access_token, pair["access_token"]):
        for part in token.split("."):
            assert part not in text

    requests = [r for r in records if r.get("event") == "request"]
    assert len(requests) == 10, [r.get("path") for r in requests]
    for record in requests:
        assert set(record) >= REQUEST_KEYS, record
        assert record["service"] == "api"
        assert record["level"] == "info"
        assert record["timestamp"]
        assert isinstance(record["latency_ms"], int | float)
        assert record["request_id"]
        assert "trace_id" not in record  # tracing is off without VEZA_OTLP_ENDPOINT
    # Each request has its own id.
    assert len({r["request_id"] for r in requests}) == len(requests)

    by_path_status = {(r["method"], r["path"], r["status"]): r for r in requests}
    me_line = by_path_status[("GET", "/api/v1/auth/me", 200)]
    assert me_line["user_id"] == account.id
    assert me_line["route"] == "/api/v1/auth/me"
    assert by_path_status[("POST", "/api/v1/auth/password", 204)]["user_id"] == account.id
    assert by_path_status[("POST", "/api/v1/auth/register", 201)]["user_id"] is None
    assert by_path_status[("GET", "/api/v1/auth/me", 401)]["user_id"] is None
    stream_line = next(r for r in requests if r["path"].startswith("/stream/"))
    assert stream_line["path"] == f"/stream/{REDACTED}/master.m3u8"
    assert stream_line["route"] == "/stream/{token}/{name:path}"


async def test_a_crash_is_logged_with_its_request_id(
    app: FastAPI, client: httpx.AsyncClient, capsys: pytest.CaptureFixture[str]
) -> None:
    async def explode() -> None:
        raise RuntimeError("boom for the log")

    app.add_api_route("/api/v1/test-log-explode", explode, methods=["GET"])
    with json_logs(capsys) as read_logs:
        response = await client.get("/api/v1/test-log-explode", headers={"X-Request-ID": "req-77"})
        assert response.status_code == 500
        records = read_logs()
    crash = next(r for r in records if r.get("event") == "unhandled_error")
    assert crash["request_id"] == "req-77"
    assert crash["level"] == "error"
    # The traceback belongs in the log (not in the answer).
    assert "boom for the log" in crash["exception"]
    line = next(r for r in records if r.get("event") == "request")
    assert (line["status"], line["request_id"]) == (500, "req-77")


async def test_the_request_line_carries_the_trace_id_of_its_span(
    spans: InMemorySpanExporter, app_factory: AppFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    app = await app_factory()
    async with client_for(app) as client:
        with json_logs(capsys) as read_logs:
            account = await register(client, "ophelia")
            me = await client.get("/api/v1/auth/me", headers=account.auth)
            assert me.status_code == 200
            records = read_logs()
    server_spans = [s for s in spans.get_finished_spans() if s.kind == SpanKind.SERVER]
    traced = {f"{s.context.trace_id:032x}": s for s in server_spans if s.context}
    lines = [r for r in records if r.get("event") == "request"]
    assert len(lines) == 2
    for line in lines:
        span = traced[line["trace_id"]]  # the line names a real, exported trace
        assert span.context is not None
        assert line["span_id"] == f"{span.context.span_id:016x}"
        assert (span.attributes or {})["http.route"] == line["route"]
    assert len({line["trace_id"] for line in lines}) == 2
    assert [line["user_id"] for line in lines] == [None, account.id]


def test_redact_secrets_blanks_secret_keys_at_any_depth() -> None:
    event = {
        "event": "password_reset",
        "user": "hamlet",
        "password": "hunter2",
        "Authorization": "Bearer abc",
        "request": {
            "headers": {"cookie": "sid=1", "accept": "text/html"},
            "body": {
                "refresh_token": "r-123",
                "new_password": "p-456",
                "profile": {"bio": "hi", "api_key": "k-789"},
            },
            "attempts": [{"otp": "123456", "ok": False}, {"totp_code": "654321"}],
        },
        "tokens": ("a", "b"),
    }
    out = redact_secrets(None, "info", dict(event))
    assert out["event"] == "password_reset"  # the event name itself is kept
    assert out["user"] == "hamlet"
    assert out["password"] == REDACTED
    assert out["Authorization"] == REDACTED
    assert out["tokens"] == REDACTED
    request = out["request"]
    assert request["headers"] == {"cookie": REDACTED, "accept": "text/html"}
    assert request["body"]["refresh_token"] == REDACTED
    assert request["body"]["new_password"] == REDACTED
    assert request["body"]["profile"] == {"bio": "hi", "api_key": REDACTED}
    assert request["attempts"] == [{"otp": REDACTED, "ok": False}, {"totp_code": REDACTED}]
    rendered = json.dumps(out)
    for secret in ("hunter2", "abc", "sid=1", "r-123", "p-456", "k-789", "123456", "654321"):
        assert secret not in rendered
