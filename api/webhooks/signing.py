"""Signing deliveries so receivers can tell they came from us and are fresh.

The signature is HMAC-SHA256, keyed with the subscription's secret, over
"<timestamp>.<body>": the timestamp is inside the signed text, so an old request
cannot be replayed with a new timestamp. Receivers recompute it over the raw
body, compare in constant time, reject timestamps more than five minutes away
from their clock, and drop delivery ids they have already processed.
"""

import hashlib
import hmac
import secrets

SIGNATURE_PREFIX = "sha256="
SECRET_PREFIX = "whsec_"
DEFAULT_TOLERANCE_SECONDS = 300


def new_secret() -> str:
    """A fresh subscription secret (256 random bits), shown to staff once."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The X-Laoyang-Signature value for a body sent at `timestamp` (Unix seconds)."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return SIGNATURE_PREFIX + digest.hexdigest()


def verify(
    secret: str,
    timestamp: str,
    body: bytes,
    signature: str,
    now: float,
    tolerance: int = DEFAULT_TOLERANCE_SECONDS,
) -> bool:
    """What a receiver does: a valid signature over a timestamp close to its clock."""
    try:
        sent = int(timestamp)
    except ValueError:
        return False
    if abs(now - sent) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, sent, body), signature)
