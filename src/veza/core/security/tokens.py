"""Access tokens (JWT HS256 with a key ring) and opaque random tokens stored hashed."""

from __future__ import annotations

import functools
import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt

from veza.core.errors import Unauthorized

ALGORITHM = "HS256"
# Tokens whose signature and claims were checked, kept per process: a client sends the same
# access token on every request, and decoding it is most of a cached request's own work.
VERIFIED_CACHE_SIZE = 4096


def key_id(key: str) -> str:
    """A short public fingerprint of a signing key, put in the JWT header as `kid`."""
    return hashlib.sha256(key.encode()).hexdigest()[:12]


def new_opaque_token() -> str:
    """A random token for a client to hold (refresh tokens, later links); 256 bits."""
    return secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """What the database keeps of an opaque token."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class AccessClaims:
    user_id: uuid.UUID
    session_id: uuid.UUID
    role: str
    expires_at: datetime


class AccessTokens:
    """Signs with the newest key; verifies with any key of the ring, chosen by `kid`."""

    def __init__(self, keys: list[str], *, issuer: str, audience: str, ttl_seconds: int) -> None:
        if not keys:
            raise ValueError("at least one signing key is needed")
        self._signing_key = keys[0]
        self._keys = {key_id(key): key for key in keys}
        self.issuer = issuer
        self.audience = audience
        self.ttl_seconds = ttl_seconds
        # Only successes are kept (lru_cache keeps no exception); expiry is checked on each use.
        self._checked = functools.lru_cache(maxsize=VERIFIED_CACHE_SIZE)(self._decode)

    def issue(self, *, user_id: uuid.UUID, session_id: uuid.UUID, role: str) -> str:
        now = datetime.now(UTC)
        claims = {
            "sub": str(user_id),
            "sid": str(session_id),
            "role": role,
            "typ": "access",
            "iat": now,
            "exp": now + timedelta(seconds=self.ttl_seconds),
            "iss": self.issuer,
            "aud": self.audience,
        }
        return jwt.encode(
            claims,
            self._signing_key,
            algorithm=ALGORITHM,
            headers={"kid": key_id(self._signing_key)},
        )

    def verify(self, token: str) -> AccessClaims:
        """Check signature, expiry, issuer, audience and type; 401 otherwise."""
        claims = self._checked(token)
        if claims.expires_at <= datetime.now(UTC):
            raise Unauthorized("access token expired", code="token_expired")
        return claims

    def _decode(self, token: str) -> AccessClaims:
        try:
            header = jwt.get_unverified_header(token)
            key = self._keys.get(str(header.get("kid")))
            if key is None:
                raise Unauthorized("unknown signing key", code="invalid_token")
            claims = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=self.audience,
                issuer=self.issuer,
                options={"require": ["sub", "sid", "exp", "iat", "iss", "aud"]},
            )
            if claims.get("typ") != "access":
                raise Unauthorized("not an access token", code="invalid_token")
            return AccessClaims(
                user_id=uuid.UUID(claims["sub"]),
                session_id=uuid.UUID(claims["sid"]),
                role=str(claims.get("role", "user")),
                expires_at=datetime.fromtimestamp(claims["exp"], UTC),
            )
        except jwt.ExpiredSignatureError:
            raise Unauthorized("access token expired", code="token_expired") from None
        except (jwt.PyJWTError, ValueError, TypeError, KeyError):
            raise Unauthorized("invalid access token", code="invalid_token") from None
