"""The one mapper from errors to HTTP answers: `{"error": {code, message, details}}`."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from veza.core.errors import RateLimited, VezaError

_STATUS_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    416: "range_not_satisfiable",
    422: "invalid_input",
    429: "rate_limited",
    500: "internal_error",
    503: "unavailable",
}


def error_body(code: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "details": details or {}}}


def error_headers(exc: VezaError) -> dict[str, str]:
    if isinstance(exc, RateLimited):
        return {
            "Retry-After": str(exc.retry_after),
            "X-RateLimit-Limit": str(exc.limit),
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": str(exc.retry_after),
        }
    if exc.status == 401:
        return {"WWW-Authenticate": "Bearer"}
    return {}


async def _veza_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, VezaError)
    return JSONResponse(exc.to_body(), status_code=exc.status, headers=error_headers(exc))


def _declares_json(request: Request) -> bool:
    media_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    return media_type == "application/json" or media_type.endswith("+json")


def _malformed_json() -> JSONResponse:
    return JSONResponse(
        error_body("malformed_json", "request body is not valid JSON"), status_code=400
    )


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    # Inputs are never echoed back: they may hold a password.
    problems = [
        {
            "loc": [str(part) for part in error["loc"]],
            "message": error["msg"],
            "type": error["type"],
        }
        for error in exc.errors()
    ]
    if any(problem["type"] == "json_invalid" for problem in problems):
        return _malformed_json()
    # A JSON route given some other media type sees raw bytes where it wants an object.
    if not _declares_json(request) and any(
        problem["loc"] == ["body"] and problem["type"] == "model_attributes_type"
        for problem in problems
    ):
        return JSONResponse(
            error_body(
                "unsupported_media_type", "send the body as JSON (Content-Type: application/json)"
            ),
            status_code=415,
        )
    first = problems[0] if problems else {"loc": [], "message": "invalid request"}
    where = ".".join(part for part in first["loc"] if part != "body")
    message = f"{where}: {first['message']}" if where else str(first["message"])
    return JSONResponse(error_body("invalid_input", message, {"errors": problems}), status_code=422)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    # FastAPI's body parser gives up on bytes that are not UTF-8, or nesting too deep, as a 400.
    if (
        exc.status_code == 400
        and isinstance(exc.__cause__, UnicodeDecodeError | RecursionError)
        and _declares_json(request)
    ):
        return _malformed_json()
    code = _STATUS_CODES.get(exc.status_code, "http_error")
    message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
    return JSONResponse(error_body(code, message), status_code=exc.status_code, headers=exc.headers)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(VezaError, _veza_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
