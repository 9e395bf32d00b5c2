"""Link tokens: the secret in a connection's link URL, and the URL itself.

A token is an HMAC of the connection id and its current nonce, so regenerating the nonce
invalidates the old URL; only the token's digest is stored, to find the connection by it.
Here, below the views and the operator actions, because both show the current link URL.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from sqlalchemy import Connection

from qbdsync.settings import Settings
from qbdsync.store import companies as company_store


def token_digest(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8")).digest()


def link_secret(conn: Connection, settings: Settings) -> bytes:
    if settings.secret_key:
        return settings.secret_key.encode("utf-8")
    return company_store.ticket_secret(conn)


def link_token(secret: bytes, connection_id: str, nonce: str) -> str:
    mac = hmac.new(secret, f"link:{connection_id}:{nonce}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode("ascii")


def link_url(conn: Connection, settings: Settings, connection_id: str) -> str | None:
    """The current link URL of a connection, or None if it has none."""
    nonce = company_store.link_nonce(conn, connection_id)
    if nonce is None:
        return None
    token = link_token(link_secret(conn, settings), connection_id, nonce)
    return f"{settings.checked_public_url()}/link/{token}"
