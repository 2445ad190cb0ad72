"""Password hashing (argon2id) and the password policy."""

from __future__ import annotations

import asyncio
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from veza.core.errors import InvalidInput

MIN_LENGTH = 8
MAX_LENGTH = 128


@cache
def _common_passwords() -> frozenset[str]:
    """The 30,000 most common passwords, as zxcvbn ships them."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(word.lower() for word in FREQUENCY_LISTS["passwords"])


def check_password_policy(password: str, *, username: str, email: str) -> None:
    """8-128 characters, not a common password, not the username or the email."""
    if not MIN_LENGTH <= len(password) <= MAX_LENGTH:
        raise InvalidInput(
            f"password must be {MIN_LENGTH} to {MAX_LENGTH} characters",
            code="weak_password",
            details={"field": "password"},
        )
    lowered = password.lower()
    if lowered in _common_passwords():
        raise InvalidInput(
            "this password is too common; choose another",
            code="weak_password",
            details={"field": "password"},
        )
    local_part = email.split("@", 1)[0].lower()
    if lowered in {username.lower(), email.lower(), local_part}:
        raise InvalidInput(
            "password must not be your username or email",
            code="weak_password",
            details={"field": "password"},
        )


class Passwords:
    """argon2id with configured cost; hashing runs in a thread so the event loop keeps serving."""

    def __init__(self, *, time_cost: int, memory_kib: int, parallelism: int) -> None:
        self._hasher = PasswordHasher(
            time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism
        )

    async def hash(self, password: str) -> str:
        return await asyncio.to_thread(self._hasher.hash, password)

    async def verify(self, password_hash: str | None, password: str) -> bool:
        if password_hash is None:
            # Spend the same time as a real check, so timing does not reveal missing accounts.
            await asyncio.to_thread(self._hasher.hash, password)
            return False
        try:
            return await asyncio.to_thread(self._hasher.verify, password_hash, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        return self._hasher.check_needs_rehash(password_hash)
