"""Pure ASGI middleware shared by every service: request ids, access logs, metrics, limits."""

from __future__ import annotations

import itertools
import json
import logging
import re
import secrets
import time
from collections.abc import Callable
from typing import Any

import structlog
from opentelemetry import trace
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from veza.core.errors import PayloadTooLarge, RateLimited
from veza.core.observability.logging import REDACTED, get_logger, is_secret_name
from veza.core.observability.metrics import HTTP_IN_FLIGHT, count_request
from veza.core.observability.tracing import scrub_url
from veza.core.ratelimit import Limit, RateLimiter
from veza.core.web.errors import error_body, error_headers

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
log = get_logger("veza.http")
# The access log's level, read from the standard library logger structlog writes through.
_access_level = logging.getLogger("veza.http")
# Request ids need to be unique, not secret: a random per-process prefix and a counter cost
# far less per request than uuid4 (measured in bench/README.md).
_ID_PREFIX = secrets.token_hex(8)
_ID_COUNTER = itertools.count(1)

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
]
# Unmetered so that probes and scrapes never count against a client.
UNLIMITED_PATHS = frozenset({"/health", "/ready", "/metrics"})


def loggable_path(scope: Scope) -> str:
    """The request path with secret path parameters (signed stream tokens) blanked."""
    path: str = scope["path"]
    for name, value in (scope.get("path_params") or {}).items():
        if is_secret_name(name) and isinstance(value, str) and value:
            path = path.replace(value, REDACTED)
    return path


def route_template(scope: Scope) -> str:
    """The matched route's path template (a bounded label), or "unmatched"."""
    path = getattr(scope.get("route"), "path", None)
    if path:
        return str(path)
    # Plain Starlette routes (the OpenAPI schema, the docs) leave only their endpoint behind.
    endpoint = scope.get("endpoint")
    if endpoint is not None:
        for route in getattr(scope.get("router"), "routes", ()):
            if endpoint in (getattr(route, "endpoint", None), getattr(route, "app", None)):
                path = getattr(route, "path", None)
                if path:
                    return str(path)
    return "unmatched"


def client_ip(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


async def send_json_error(
    send: Send, status: int, body: dict[str, Any], headers: dict[str, str]
) -> None:
    payload = json.dumps(body).encode()
    raw_headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(payload)).encode()),
    ]
    raw_headers += [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": payload})


class RequestContextMiddleware:
    """Gives each request an id, logs one line for it, counts it, and hides crashes.

    A 500 answer carries the request id and never a traceback; the traceback goes to the log.
    """

    def __init__(self, app: ASGIApp, *, metrics: bool = True) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = next(
            (value for name, value in scope["headers"] if name == b"x-request-id"), b""
        ).decode("latin-1")
        request_id = (
            incoming if _REQUEST_ID.match(incoming) else f"{_ID_PREFIX}{next(_ID_COUNTER):x}"
        )
        scope.setdefault("state", {})["request_id"] = request_id
        structlog.contextvars.bind_contextvars(request_id=request_id)
        status = 500
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal status, started
            if message["type"] == "http.response.start":
                started = True
                status = message["status"]
                # Routed by now; the span ends with the response, so blank its path here.
                scrub_url(trace.get_current_span(), loggable_path(scope))
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode()))
                headers.extend(SECURITY_HEADERS)
                message["headers"] = headers
            await send(message)

        began = time.perf_counter()
        if self.metrics:
            HTTP_IN_FLIGHT.inc()
        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            log.exception("unhandled_error", method=scope["method"], path=loggable_path(scope))
            if not started:
                await send_internal_error(send_with_headers, request_id)
        finally:
            elapsed = time.perf_counter() - began
            template = route_template(scope)
            method = scope["method"]
            if self.metrics:
                HTTP_IN_FLIGHT.dec()
                count_request(method, template, status, elapsed)
            if _access_level.isEnabledFor(logging.INFO):  # spares the event its processors
                log.info(
                    "request",
                    method=method,
                    path=loggable_path(scope),
                    route=template,
                    status=status,
                    latency_ms=round(elapsed * 1000, 2),
                    user_id=scope["state"].get("user_id"),
                    ip=client_ip(scope),
                )
            structlog.contextvars.unbind_contextvars("request_id")


async def send_internal_error(send: Send, request_id: str) -> None:
    body = error_body(
        "internal_error", "something went wrong on our side", {"request_id": request_id}
    )
    await send_json_error(send, 500, body, {})


class BodySizeLimitMiddleware:
    """Refuses bodies over the route's cap: at once by Content-Length, else while reading."""

    def __init__(self, app: ASGIApp, *, limit_for: Callable[[str], int]) -> None:
        self.app = app
        self.limit_for = limit_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        limit = self.limit_for(scope["path"])
        too_large = PayloadTooLarge(
            f"request body is larger than {limit} bytes", details={"limit_bytes": limit}
        )
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await send_json_error(send, 413, too_large.to_body(), {"Connection": "close"})
            return
        received = 0
        refused = False

        async def counting_receive() -> Message:
            # Past the cap: answer 413 now and tell the app the client has gone.
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    refused = True
                    await send_json_error(send, 413, too_large.to_body(), {"Connection": "close"})
                    return {"type": "http.disconnect"}
            return message

        async def send_unless_refused(message: Message) -> None:
            if not refused:
                await send(message)

        await self.app(scope, counting_receive, send_unless_refused)


class IPRateLimitMiddleware:
    """The global per-IP request cap, with X-RateLimit-* headers on every answer."""

    def __init__(
        self, app: ASGIApp, *, limiter: Callable[[], RateLimiter], per_minute: int
    ) -> None:
        self.app = app
        self.limiter = limiter
        self.limit = Limit("ip", per_minute, 60)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in UNLIMITED_PATHS:
            await self.app(scope, receive, send)
            return
        limiter = self.limiter()
        if not limiter.enabled:
            await self.app(scope, receive, send)
            return
        try:
            state = await limiter.hit(self.limit, client_ip(scope))
        except RateLimited as exc:
            await send_json_error(send, 429, exc.to_body(), error_headers(exc))
            return
        extra = [(k.lower().encode(), v.encode()) for k, v in state.headers().items()]

        async def send_with_limits(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                # A route's own, stricter limit (e.g. login) speaks for itself.
                message["headers"] = headers + [(k, v) for k, v in extra if k not in present]
            await send(message)

        await self.app(scope, receive, send_with_limits)
