"""Standard Webhooks signing, so receivers can verify us with the `standardwebhooks` or `svix`
libraries unchanged (Codat tells its users to do exactly that).

A delivery carries `webhook-id`, `webhook-timestamp` (Unix seconds) and `webhook-signature`
(`v1,<base64 HMAC-SHA256>` of `"{id}.{timestamp}.{raw body}"`, keyed with the base64-decoded
secret). The id stays the same on every retry so receivers can drop duplicates; the timestamp is
the time of each attempt so receivers can reject stale replays.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from datetime import datetime

from qbdsync.errors import ConfigurationError

SECRET_PREFIX = "whsec_"  # noqa: S105 - the public prefix of every secret, not a secret
# Standard Webhooks asks for 24 to 64 random bytes; 32 gives a key as long as SHA-256's output.
SECRET_BYTES = 32


def new_secret() -> str:
    """A fresh signing secret in the `whsec_<base64>` form receivers paste into their code."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def secret_key(secret: str) -> bytes:
    """The HMAC key inside a `whsec_…` secret (the prefix is optional, as in the libraries)."""
    encoded = secret.removeprefix(SECRET_PREFIX)
    try:
        key = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ConfigurationError("a webhook secret must be whsec_ followed by base64") from exc
    if not key:
        raise ConfigurationError("a webhook secret must not be empty")
    return key


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """The `webhook-signature` value for one attempt: `v1,<base64 HMAC-SHA256>`."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


def headers(secret: str, msg_id: str, body: bytes, now: datetime) -> dict[str, str]:
    """Every header of one signed delivery attempt of `body` made at `now`."""
    timestamp = int(now.timestamp())
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secret, msg_id, timestamp, body),
        "content-type": "application/json",
    }
