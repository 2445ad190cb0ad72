"""Liveness, readiness (every backend checked by name) and the Prometheus scrape endpoint."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from veza.core.backends import Backends
from veza.core.db import Database
from veza.core.web.errors import error_body

CHECK_TIMEOUT_SECONDS = 3.0

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True, slots=True)
class CheckResult:
    name: str
    ok: bool
    latency_ms: float
    error: str | None = None


async def ping_database(database: Database) -> None:
    async with database.session() as db:
        await db.execute(text("SELECT 1"))


def backend_checks(backends: Backends) -> dict[str, Callable[[], Awaitable[None]]]:
    """The named checks `/ready` runs (and `veza check`, backend by backend)."""
    return {
        "database": lambda: ping_database(backends.db),
        "cache": backends.cache.ping,
        "bus": backends.bus.ping,
        "storage": backends.storage.ping,
    }


async def run_check(name: str, check: Callable[[], Awaitable[None]]) -> CheckResult:
    began = time.perf_counter()
    try:
        await asyncio.wait_for(check(), CHECK_TIMEOUT_SECONDS)
    except TimeoutError:
        message = f"no answer within {CHECK_TIMEOUT_SECONDS:g} s"
        return CheckResult(name, False, round((time.perf_counter() - began) * 1000, 2), message)
    except Exception as exc:  # a check reports any failure; it never raises
        message = str(exc) or type(exc).__name__
        return CheckResult(name, False, round((time.perf_counter() - began) * 1000, 2), message)
    return CheckResult(name, True, round((time.perf_counter() - began) * 1000, 2))


async def run_checks(backends: Backends) -> list[CheckResult]:
    checks = backend_checks(backends)
    return list(await asyncio.gather(*(run_check(n, c) for n, c in checks.items())))


@router.get("/health")
async def health() -> dict[str, str]:
    """Liveness: the process answers."""
    return {"status": "ok"}


@router.get("/ready")
async def ready(request: Request) -> JSONResponse:
    """Readiness: every backend answers; 503 names the ones that do not."""
    results = await run_checks(request.app.state.backends)
    checks = {
        r.name: {"ok": r.ok, "latency_ms": r.latency_ms, **({"error": r.error} if r.error else {})}
        for r in results
    }
    failing = [r.name for r in results if not r.ok]
    if failing:
        body = error_body("not_ready", f"failing: {', '.join(failing)}", {"checks": checks})
        return JSONResponse(body, status_code=503)
    return JSONResponse({"status": "ok", "checks": checks})


@router.get("/metrics")
async def metrics() -> Response:
    """Prometheus text format."""
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
