"""Tokens and passwords: the primitives every sign-in path relies on."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from veza.core.errors import InvalidInput, Unauthorized
from veza.core.security.passwords import Passwords, check_password_policy
from veza.core.security.tokens import AccessTokens, hash_token, key_id, new_opaque_token

OLD_KEY = "old-key-" + "x" * 40
NEW_KEY = "new-key-" + "y" * 40


def tokens(*keys: str, ttl: int = 900) -> AccessTokens:
    return AccessTokens(list(keys), issuer="veza", audience="veza", ttl_seconds=ttl)


def test_access_token_round_trip_carries_the_contract_claims() -> None:
    user_id, session_id = uuid.uuid4(), uuid.uuid4()
    token = tokens(NEW_KEY).issue(user_id=user_id, session_id=session_id, role="moderator")
    header = jwt.get_unverified_header(token)
    assert header == {"alg": "HS256", "typ": "JWT", "kid": key_id(NEW_KEY)}
    claims = jwt.decode(token, NEW_KEY, algorithms=["HS256"], audience="veza")
    assert {"sub", "sid", "role", "iat", "exp", "iss", "aud"} <= set(claims)
    assert claims["exp"] - claims["iat"] == 900
    verified = tokens(NEW_KEY).verify(token)
    assert (verified.user_id, verified.session_id, verified.role) == (
        user_id,
        session_id,
        "moderator",
    )


def test_key_rotation_accepts_old_tokens_and_signs_with_the_new_key() -> None:
    before = tokens(OLD_KEY).issue(user_id=uuid.uuid4(), session_id=uuid.uuid4(), role="user")
    ring = tokens(NEW_KEY, OLD_KEY)
    assert ring.verify(before).role == "user"
    after = ring.issue(user_id=uuid.uuid4(), session_id=uuid.uuid4(), role="user")
    assert jwt.get_unverified_header(after)["kid"] == key_id(NEW_KEY)
    # Once the old key leaves the ring, its tokens stop working.
    with pytest.raises(Unauthorized) as refused:
        tokens(NEW_KEY).verify(before)
    assert refused.value.code == "invalid_token"


def test_expired_token_is_refused_with_its_own_code() -> None:
    now = datetime.now(UTC)
    claims = {
        "sub": str(uuid.uuid4()),
        "sid": str(uuid.uuid4()),
        "role": "user",
        "typ": "access",
        "iat": now - timedelta(hours=1),
        "exp": now - timedelta(minutes=1),
        "iss": "veza",
        "aud": "veza",
    }
    token = jwt.encode(claims, NEW_KEY, algorithm="HS256", headers={"kid": key_id(NEW_KEY)})
    with pytest.raises(Unauthorized) as refused:
        tokens(NEW_KEY).verify(token)
    assert refused.value.code == "token_expired"


def test_a_token_verified_before_is_still_refused_once_it_expires() -> None:
    """Verified tokens are remembered per process; the memory must not outlive `exp`."""
    ring = tokens(NEW_KEY, ttl=1)
    token = ring.issue(user_id=uuid.uuid4(), session_id=uuid.uuid4(), role="user")
    assert ring.verify(token).role == "user"
    assert ring.verify(token).role == "user"  # from the cache of checked tokens
    expires_at = ring.verify(token).expires_at
    time.sleep(max(0.0, (expires_at - datetime.now(UTC)).total_seconds()) + 0.05)
    with pytest.raises(Unauthorized) as refused:
        ring.verify(token)
    assert refused.value.code == "token_expired"


def test_a_tampered_copy_of_a_verified_token_is_refused() -> None:
    ring = tokens(NEW_KEY)
    token = ring.issue(user_id=uuid.uuid4(), session_id=uuid.uuid4(), role="user")
    ring.verify(token)
    head, _body, signature = token.split(".")
    forged_claims = jwt.decode(token, options={"verify_signature": False}) | {"role": "admin"}
    forged_body = jwt.encode(forged_claims, "another-key-" + "z" * 40, algorithm="HS256")
    forged = f"{head}.{forged_body.split('.')[1]}.{signature}"
    with pytest.raises(Unauthorized) as refused:
        ring.verify(forged)
    assert refused.value.code == "invalid_token"


@given(st.text(max_size=300))
@settings(max_examples=200)
def test_arbitrary_strings_are_never_accepted_as_tokens(garbage: str) -> None:
    with pytest.raises(Unauthorized):
        tokens(NEW_KEY).verify(garbage)


def test_opaque_tokens_are_random_and_stored_only_hashed() -> None:
    first, second = new_opaque_token(), new_opaque_token()
    assert first != second
    assert len(first) >= 43  # 256 bits, url-safe base64
    assert hash_token(first) == hash_token(first)
    assert first not in hash_token(first)


async def test_password_hash_verify_and_rehash_when_parameters_change() -> None:
    cheap = Passwords(time_cost=1, memory_kib=64, parallelism=1)
    stronger = Passwords(time_cost=2, memory_kib=128, parallelism=1)
    stored = await cheap.hash("a long passphrase")
    assert stored.startswith("$argon2id$")
    assert await cheap.verify(stored, "a long passphrase")
    assert not await cheap.verify(stored, "a long passphrasE")
    assert not await cheap.verify(None, "anything at all")
    assert not await cheap.verify("not-a-hash", "anything at all")
    assert not cheap.needs_rehash(stored)
    assert stronger.needs_rehash(stored)


@pytest.mark.parametrize(
    "password",
    [
        "short1",
        "x" * 129,
        "password1",
        "iloveyou",
        "Qwertyuiop",
        "hamlet_01",
        "HAMLET_01@example.org",
    ],
)
def test_password_policy_refuses(password: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        check_password_policy(password, username="hamlet_01", email="hamlet_01@example.org")
    assert refused.value.code == "weak_password"


def test_password_policy_accepts_a_passphrase() -> None:
    check_password_policy("correct horse battery staple", username="hamlet", email="h@example.org")
