"""One door for bearer credentials: access JWTs of a session, or personal access tokens."""

from __future__ import annotations

from datetime import datetime

from veza.core.backends import Backends
from veza.core.services import personal_tokens, sessions
from veza.core.services.audit import ClientInfo
from veza.core.services.sessions import Principal


async def authenticate(
    backends: Backends, token: str, client: ClientInfo | None = None
) -> tuple[Principal, datetime]:
    """Who the token speaks for, and until when it may (401 when it may not)."""
    if personal_tokens.looks_like(token):
        return await personal_tokens.authenticate(backends, token, client or ClientInfo())
    claims = backends.tokens.verify(token)
    return await sessions.authenticate(backends, token), claims.expires_at
