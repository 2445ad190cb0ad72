"""TOTP (RFC 6238, 30-second steps, 6 digits) as authenticator apps compute it, via pyotp."""

from __future__ import annotations

import time

import pyotp
import segno

STEP_SECONDS = 30
# Codes one step early or late are accepted: clocks drift and people type slowly.
DRIFT_STEPS = 1


def new_secret() -> str:
    """A 160-bit base32 secret, the length RFC 4226 recommends."""
    return pyotp.random_base32(length=32)


def provisioning_uri(secret: str, *, account: str, issuer: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=issuer)


def qr_png_data_uri(uri: str) -> str:
    """The otpauth URI as a QR code an authenticator app can scan, inline as a PNG."""
    return str(segno.make(uri, error="m").png_data_uri(scale=5, border=2))


def matching_step(
    secret: str, code: str, *, after_step: int, now: float | None = None
) -> int | None:
    """The time step whose code equals `code`, if it is later than `after_step` (no replay)."""
    code = code.strip().replace(" ", "")
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    current = int((time.time() if now is None else now) // STEP_SECONDS)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if step > after_step and pyotp.utils.strings_equal(totp.generate_otp(step), code):
            return step
    return None
