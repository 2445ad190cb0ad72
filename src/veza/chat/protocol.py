"""The chat wire protocol, sans I/O: client frames in, server frames out, errors mapped once."""

from __future__ import annotations

import json
import uuid
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from veza.core.errors import VezaError

MAX_FRAME_BYTES = 16 * 1024
REQUEST_ID = Annotated[str, Field(min_length=1, max_length=64)]
NONCE = Annotated[str, Field(min_length=1, max_length=64)]
SEQ = Annotated[int, Field(ge=0, le=2**62)]


class Frame(BaseModel):
    """Every client request: a `type` and an `id` the answer repeats. Unknown fields are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: REQUEST_ID


class Auth(Frame):
    type: Literal["auth"]
    token: str = Field(min_length=1, max_length=4096)


class Subscribe(Frame):
    type: Literal["subscribe"]
    room: uuid.UUID
    since_seq: SEQ | None = None


class Unsubscribe(Frame):
    type: Literal["unsubscribe"]
    room: uuid.UUID


class Send(Frame):
    type: Literal["send"]
    room: uuid.UUID
    body: str = Field(max_length=8000)  # the real rule (after trimming) is the service's
    nonce: NONCE
    reply_to: uuid.UUID | None = None


class Edit(Frame):
    type: Literal["edit"]
    message_id: uuid.UUID
    body: str = Field(max_length=8000)


class Delete(Frame):
    type: Literal["delete"]
    message_id: uuid.UUID


class React(Frame):
    type: Literal["react", "unreact"]
    message_id: uuid.UUID
    emoji: str = Field(min_length=1, max_length=64)


class Typing(Frame):
    type: Literal["typing"]
    room: uuid.UUID


class Read(Frame):
    type: Literal["read"]
    room: uuid.UUID
    seq: SEQ


class History(Frame):
    type: Literal["history"]
    room: uuid.UUID
    before_seq: SEQ | None = None
    limit: int = Field(50, ge=1, le=100)


class Ping(Frame):
    type: Literal["ping"]


ClientFrame = Annotated[
    Auth | Subscribe | Unsubscribe | Send | Edit | Delete | React | Typing | Read | History | Ping,
    Field(discriminator="type"),
]
_CLIENT_FRAME: TypeAdapter[ClientFrame] = TypeAdapter(ClientFrame)
VERBS: frozenset[str] = frozenset(
    verb
    for model in get_args(get_args(ClientFrame)[0])
    for verb in get_args(model.model_fields["type"].annotation)
)


class ProtocolError(VezaError):
    """A frame the server cannot act on; `request_id` is echoed when the frame had one."""

    def __init__(self, message: str, *, code: str, request_id: str | None = None) -> None:
        super().__init__(message, code=code)
        self.request_id = request_id


def _request_id(raw: dict[str, Any]) -> str | None:
    value = raw.get("id")
    return value if isinstance(value, str) and 0 < len(value) <= 64 else None


def parse(text: str) -> ClientFrame:
    """One text frame to a typed request, or ProtocolError saying what is wrong."""
    if len(text.encode()) > MAX_FRAME_BYTES:
        raise ProtocolError(f"frame is larger than {MAX_FRAME_BYTES} bytes", code="frame_too_large")
    try:
        raw = json.loads(text)
    except ValueError:
        raise ProtocolError("frame is not valid JSON", code="malformed_json") from None
    if not isinstance(raw, dict):
        raise ProtocolError("frame must be a JSON object", code="invalid_frame")
    request_id = _request_id(raw)
    if raw.get("type") not in VERBS:
        raise ProtocolError(
            f"unknown frame type {str(raw.get('type'))[:32]!r}",
            code="unknown_type",
            request_id=request_id,
        )
    try:
        return _CLIENT_FRAME.validate_python(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"][1:]) or "frame"
        raise ProtocolError(
            f"{where}: {first['msg']}", code="invalid_frame", request_id=request_id
        ) from None


def dumps(frame: dict[str, Any]) -> str:
    return json.dumps(frame, separators=(",", ":"), ensure_ascii=False)


def ack(request_id: str, data: Any = None) -> str:
    return dumps({"type": "ack", "id": request_id, "data": data})


def error(request_id: str | None, exc: VezaError) -> str:
    """The one mapping from domain errors to error frames."""
    frame: dict[str, Any] = {
        "type": "error",
        "id": request_id,
        "code": exc.code,
        "message": exc.message,
    }
    if exc.details:
        frame["details"] = exc.details
    return dumps(frame)


def internal_error(request_id: str | None) -> str:
    return error(request_id, VezaError("something went wrong on our side", code="internal_error"))
