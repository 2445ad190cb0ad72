"""Domain errors. Services raise these; one mapper per transport turns them into answers."""

from __future__ import annotations

from typing import Any, ClassVar


class VezaError(Exception):
    """A failure a client caused or can act on, with a stable snake_case code."""

    status: ClassVar[int] = 400
    default_code: ClassVar[str] = "bad_request"

    def __init__(
        self, message: str, *, code: str | None = None, details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code or self.default_code
        self.details = details or {}

    def to_body(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, "details": self.details}}


class BadRequest(VezaError):
    status = 400
    default_code = "bad_request"


class Unauthorized(VezaError):
    status = 401
    default_code = "unauthorized"


class Forbidden(VezaError):
    status = 403
    default_code = "forbidden"


class NotFound(VezaError):
    status = 404
    default_code = "not_found"


class Conflict(VezaError):
    status = 409
    default_code = "conflict"


class PayloadTooLarge(VezaError):
    status = 413
    default_code = "payload_too_large"


class UnsupportedMediaType(VezaError):
    status = 415
    default_code = "unsupported_media_type"


class InvalidInput(VezaError):
    status = 422
    default_code = "invalid_input"


class RateLimited(VezaError):
    status = 429
    default_code = "rate_limited"

    def __init__(self, message: str, *, retry_after: int, limit: int, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = max(1, retry_after)
        self.limit = limit
        self.details.setdefault("retry_after", self.retry_after)


class Unavailable(VezaError):
    status = 503
    default_code = "unavailable"
