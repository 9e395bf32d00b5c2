"""Web Connector credentials: generated secrets, stored as SHA-256 digests.

Why not argon2 here: QBWC authenticates on *every* scheduled poll. A default argon2 verify costs
about 87 ms of CPU on our 2-core machines (≈20 polls/s per node), while SHA-256 plus a
constant-time compare costs about 0.3 µs. The password is generated with at least 128 random
bits, so its digest cannot be brute-forced anyway. Passwords that people choose (operator logins)
use argon2 instead.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid

PASSWORD_BYTES = 24  # 192 random bits, comfortably above the 128-bit floor


def generate_password() -> str:
    """A new Web Connector password, shown to the user once and never stored in clear."""
    return secrets.token_urlsafe(PASSWORD_BYTES)


def digest_password(password: str) -> bytes:
    return hashlib.sha256(password.encode("utf-8")).digest()


def verify_password(password: str, digest: bytes) -> bool:
    return hmac.compare_digest(digest_password(password), digest)


def generate_username() -> str:
    """A Web Connector user name: unique, typed by nobody (it comes in the .qwc file)."""
    return "qbd-" + secrets.token_hex(8)


def new_ticket() -> str:
    """A session ticket: random, never derived from anything guessable."""
    return str(uuid.uuid4())
