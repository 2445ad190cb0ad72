"""The operational surface every service shares: health, readiness, metrics, headers, limits."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
from fastapi import FastAPI

from conftest import PASSWORD, Account, AppFactory, assert_error, client_for, register
from prometheus_text import scrape

REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
BACKENDS = {"database", "cache", "bus", "storage"}


# --- health and readiness ---------------------------------------------------------------


async def test_health_answers(client: httpx.AsyncClient) -> None:
    response = await client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_ready_checks_every_backend(client: httpx.AsyncClient) -> None:
    response = await client.get("/ready")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == BACKENDS
    for name, check in body["checks"].items():
        assert check["ok"] is True, name
        assert check["latency_ms"] >= 0
        assert "error" not in check


async def test_ready_is_503_naming_a_broken_backend(
    app: FastAPI, client: httpx.AsyncClient
) -> None:
    # The media volume goes away under the running server.
    media_root: Path = app.state.backends.storage.root
    shutil.rmtree(media_root)
    try:
        response = await client.get("/ready")
        error = assert_error(response, 503, "not_ready")
        assert "storage" in error["message"]
        checks = error["details"]["checks"]
        assert set(checks) == BACKENDS
        assert checks["storage"]["ok"] is False
        assert checks["storage"]["error"]
        assert all(checks[name]["ok"] for name in BACKENDS - {"storage"})
        # Liveness is not readiness: the process still answers.
        assert (await client.get("/health")).status_code == 200
    finally:
        os.makedirs(media_root, exist_ok=True)
    assert (await client.get("/ready")).status_code == 200


# --- metrics ----------------------------------------------------------------------------


async def test_metrics_label_requests_by_route_template(
    client: httpx.AsyncClient, hamlet: Account
) -> None:
    assert (await client.get("/api/v1/users/hamlet")).status_code == 200
    sessions = (await client.get("/api/v1/auth/sessions", headers=hamlet.auth)).json()
    session_id = sessions[0]["id"]
    revoked = await client.delete(f"/api/v1/auth/sessions/{session_id}", headers=hamlet.auth)
    assert revoked.status_code == 204

    metrics = await scrape(client)
    assert metrics.types["http_requests"] == "counter"
    routes = metrics.label_values("http_requests_total", "route")
    assert "/api/v1/users/{username}" in routes
    assert "/api/v1/auth/sessions/{session_id}" in routes
    # Raw paths would make a label per user and per session.
    assert not any("hamlet" in route or session_id in route for route in routes)
    user_reads = metrics.value(
        "http_requests_total", method="GET", route="/api/v1/users/{username}", status="200"
    )
    assert user_reads >= 1
    revocations = metrics.value(
        "http_requests_total",
        method="DELETE",
        route="/api/v1/auth/sessions/{session_id}",
        status="204",
    )
    assert revocations >= 1


async def test_metrics_label_plain_routes_and_misses(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/openapi.json")).status_code == 200
    assert (await client.get("/api/no/such/page/42")).status_code == 404
    metrics = await scrape(client)
    openapi = metrics.value(
        "http_requests_total", method="GET", route="/api/openapi.json", status="200"
    )
    assert openapi >= 1
    assert metrics.value("http_requests_total", method="GET", route="unmatched", status="404") >= 1
    assert "/api/no/such/page/42" not in metrics.label_values("http_requests_total", "route")


async def test_metrics_expose_latency_in_flight_and_pool(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/v1/users/nobody")).status_code == 404
    metrics = await scrape(client)

    assert metrics.types["http_request_duration_seconds"] == "histogram"
    route = "/api/v1/users/{username}"
    assert metrics.value("http_request_duration_seconds_count", method="GET", route=route) >= 1
    buckets = {
        labels["le"]
        for name, labels, _ in metrics.samples
        if name == "http_request_duration_seconds_bucket" and labels.get("route") == route
    }
    assert "+Inf" in buckets
    assert len(buckets) > 5
    assert "/api/v1/users/nobody" not in metrics.label_values(
        "http_request_duration_seconds_count", "route"
    )

    assert metrics.types["http_requests_in_flight"] == "gauge"
    # The scrape itself is being answered while the gauge is read.
    assert metrics.value("http_requests_in_flight") >= 1

    for suffix in ("size", "checked_out", "checked_in", "overflow"):
        assert metrics.types.get(f"veza_db_pool_{suffix}") == "gauge", suffix


async def test_auth_attempts_counter_moves(client: httpx.AsyncClient, hamlet: Account) -> None:
    name = "veza_auth_attempts_total"
    before = await scrape(client)
    failed = await client.post(
        "/api/v1/auth/login", json={"login": "hamlet", "password": "wrong-password-1"}
    )
    assert_error(failed, 401, "invalid_credentials")
    middle = await scrape(client)
    ok = await client.post("/api/v1/auth/login", json={"login": "hamlet", "password": PASSWORD})
    assert ok.status_code == 200
    after = await scrape(client)

    assert middle.value(name, result="failure") == before.value(name, result="failure") + 1
    assert middle.value(name, result="success") == before.value(name, result="success")
    assert after.value(name, result="success") == middle.value(name, result="success") + 1
    assert after.value(name, result="failure") == middle.value(name, result="failure")


# --- request ids and headers ------------------------------------------------------------


async def test_every_response_carries_a_request_id_and_security_headers(
    client: httpx.AsyncClient,
) -> None:
    responses = [
        await client.get("/health"),
        await client.get("/ready"),
        await client.get("/metrics"),
        await client.get("/api/v1/auth/me"),  # 401
        await client.get("/api/no/such/page"),  # 404
        await client.post("/api/v1/auth/login", content=b"{not json"),  # 400
    ]
    seen = set()
    for response in responses:
        request_id = response.headers.get("x-request-id")
        assert request_id, response.request.url
        assert REQUEST_ID.match(request_id)
        seen.add(request_id)
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["referrer-policy"]
    assert len(seen) == len(responses), "request ids must be unique"


async def test_a_sane_client_request_id_is_echoed(client: httpx.AsyncClient) -> None:
    response = await client.get("/health", headers={"X-Request-ID": "lb-4f2a.9_c-01"})
    assert response.headers["x-request-id"] == "lb-4f2a.9_c-01"


async def test_an_insane_client_request_id_is_replaced(client: httpx.AsyncClient) -> None:
    for bad in ("x" * 65, "has spaces in it", "semi;colon", "<script>", ""):
        response = await client.get("/health", headers={"X-Request-ID": bad})
        assert response.status_code == 200
        echoed = response.headers["x-request-id"]
        assert echoed != bad
        assert REQUEST_ID.match(echoed)


# --- CORS -------------------------------------------------------------------------------


async def test_cors_allows_only_configured_origins(app_factory: AppFactory) -> None:
    app = await app_factory(cors_origins=["https://app.example"])
    preflight = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "Content-Type, Authorization",
    }
    async with client_for(app) as http:
        allowed = await http.options(
            "/api/v1/auth/login", headers={"Origin": "https://app.example", **preflight}
        )
        assert allowed.status_code == 200
        assert allowed.headers["access-control-allow-origin"] == "https://app.example"
        assert "POST" in allowed.headers["access-control-allow-methods"]
        assert "authorization" in allowed.headers["access-control-allow-headers"].lower()

        refused = await http.options(
            "/api/v1/auth/login", headers={"Origin": "https://evil.example", **preflight}
        )
        assert refused.status_code >= 400
        assert "access-control-allow-origin" not in refused.headers

        simple = await http.get("/health", headers={"Origin": "https://app.example"})
        assert simple.headers["access-control-allow-origin"] == "https://app.example"
        assert "x-request-id" in simple.headers["access-control-expose-headers"].lower()
        other = await http.get("/health", headers={"Origin": "https://evil.example"})
        assert other.status_code == 200
        assert "access-control-allow-origin" not in other.headers


async def test_without_configured_origins_there_is_no_cors(client: httpx.AsyncClient) -> None:
    response = await client.get("/health", headers={"Origin": "https://app.example"})
    assert "access-control-allow-origin" not in response.headers


# --- crashes ----------------------------------------------------------------------------


async def test_a_crash_is_a_clean_500_without_a_traceback(app_factory: AppFactory) -> None:
    app = await app_factory()

    async def explode() -> None:
        raise RuntimeError("database password is hunter2 in /work/main/src/veza/secret.py")

    app.add_api_route("/api/v1/test-explode", explode, methods=["GET"])
    async with client_for(app) as http:
        response = await http.get("/api/v1/test-explode", headers={"X-Request-ID": "crash-1"})
        error = assert_error(response, 500, "internal_error")
        assert response.headers["x-request-id"] == "crash-1"
        assert error["details"]["request_id"] == "crash-1"
        assert response.headers["x-content-type-options"] == "nosniff"
        for leak in ("Traceback", "RuntimeError", "hunter2", ".py", "/work/", 'File "'):
            assert leak not in response.text, leak
        # The server is still up after the crash.
        assert (await http.get("/health")).status_code == 200
        metrics = await scrape(http)
    crashes = metrics.value(
        "http_requests_total", method="GET", route="/api/v1/test-explode", status="500"
    )
    assert crashes >= 1


# --- global per-IP rate limit -----------------------------------------------------------


async def test_global_per_ip_rate_limit(app_factory: AppFactory) -> None:
    app = await app_factory(rate_limit_per_ip_per_minute=3)
    async with client_for(app, ip="10.1.1.1") as first, client_for(app, ip="10.2.2.2") as second:
        remaining = []
        for _ in range(3):
            response = await first.get("/api/v1/users/nobody")
            assert response.status_code == 404
            assert response.headers["x-ratelimit-limit"] == "3"
            remaining.append(response.headers["x-ratelimit-remaining"])
        assert remaining == ["2", "1", "0"]

        limited = await first.get("/api/v1/users/nobody")
        assert_error(limited, 429, "rate_limited")
        assert int(limited.headers["retry-after"]) >= 1
        assert limited.headers["x-ratelimit-limit"] == "3"
        assert limited.headers["x-ratelimit-remaining"] == "0"
        assert int(limited.headers["x-ratelimit-reset"]) >= 1
        assert limited.headers["x-content-type-options"] == "nosniff"
        # Any route counts, not just the one hammered.
        assert (await first.post("/api/v1/auth/login", json={})).status_code == 429

        # Another address has its own budget.
        assert (await second.get("/api/v1/users/nobody")).status_code == 404

        # Probes and scrapes are never limited.
        for _ in range(10):
            assert (await first.get("/health")).status_code == 200
        assert (await first.get("/ready")).status_code == 200
        assert (await first.get("/metrics")).status_code == 200


# --- request body size ------------------------------------------------------------------


def _oversized_registration(size: int) -> bytes:
    body = (
        '{"username": "bigbody", "email": "bigbody@example.org", '
        f'"password": "{PASSWORD}", "padding": "'
    )
    return (body + "x" * size + '"}').encode()


async def test_a_declared_oversize_body_is_413(app_factory: AppFactory) -> None:
    app = await app_factory(max_json_body_kb=1)
    payload = _oversized_registration(2048)
    async with client_for(app) as http:
        response = await http.post(
            "/api/v1/auth/register",
            content=payload,
            headers={"Content-Type": "application/json"},
        )
        assert response.request.headers["content-length"] == str(len(payload))
        error = assert_error(response, 413, "payload_too_large")
        assert error["details"]["limit_bytes"] == 1024
        # Nothing was written: the name is still free.
        account = await register(http, "bigbody")
        assert account.username == "bigbody"


async def test_a_chunked_oversize_body_is_413(app_factory: AppFactory) -> None:
    app = await app_factory(max_json_body_kb=1)
    payload = _oversized_registration(4096)

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(payload), 500):
            yield payload[start : start + 500]

    async with client_for(app) as http:
        response = await http.post(
            "/api/v1/auth/register",
            content=chunks(),
            headers={"Content-Type": "application/json"},
        )
        assert "content-length" not in response.request.headers
        assert_error(response, 413, "payload_too_large")
        assert (await http.get("/health")).status_code == 200
        account = await register(http, "bigbody")
        assert account.username == "bigbody"


async def test_a_chunked_body_under_the_limit_is_accepted(app_factory: AppFactory) -> None:
    app = await app_factory(max_json_body_kb=1)
    payload = (
        f'{{"username": "smallbody", "email": "smallbody@example.org", "password": "{PASSWORD}"}}'
    ).encode()

    async def chunks() -> AsyncIterator[bytes]:
        yield payload[:20]
        yield payload[20:]

    async with client_for(app) as http:
        response = await http.post(
            "/api/v1/auth/register",
            content=chunks(),
            headers={"Content-Type": "application/json"},
        )
        assert response.status_code == 201, response.text
