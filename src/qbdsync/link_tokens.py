"""The link URL's secret: an HMAC of the connection id and a per-link nonce.

Apart from linking.py so the read side (views.connection_view shows linkUrl) can derive the
current URL without importing the operator actions that make links.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

from sqlalchemy import Connection

from qbdsync.settings import Settings
from qbdsync.store import companies as company_store


def token_digest(token: str) -> bytes:
    """What the database keeps of a link token (the token itself is never stored)."""
    return hashlib.sha256(token.encode("utf-8")).digest()


def link_token(conn: Connection, settings: Settings, connection_id: str, nonce: str) -> str:
    mac = hmac.new(
        _link_secret(conn, settings), f"link:{connection_id}:{nonce}".encode(), hashlib.sha256
    ).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode("ascii")


def link_url(conn: Connection, settings: Settings, connection_id: str) -> str | None:
    """The current link URL of a connection, or None if it has none."""
    nonce = company_store.link_nonce(conn, connection_id)
    if nonce is None:
        return None
    token = link_token(conn, settings, connection_id, nonce)
    return f"{settings.checked_public_url()}/link/{token}"


def _link_secret(conn: Connection, settings: Settings) -> bytes:
    # With QBDSYNC_SECRET_KEY set, the database alone cannot produce a link URL.
    if settings.secret_key:
        return settings.secret_key.encode("utf-8")
    return company_store.ticket_secret(conn)
