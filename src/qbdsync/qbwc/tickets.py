"""Session tickets that need no database write to issue.

authenticate runs on every idle poll, inline in the event loop, so it must not write (on SQLite a
write could wait behind a long ingest transaction). A ticket therefore carries the connection id
and its kind, with a random nonce and an HMAC under a deployment secret: it is unguessable and
unforgeable, and sendRequestXML creates the session row when the first request is asked for.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Literal

TicketKind = Literal["work", "idle"]
_KIND_CODE: dict[str, str] = {"work": "w", "idle": "n"}
_CODE_KIND: dict[str, TicketKind] = {"w": "work", "n": "idle"}
_MAC_CHARS = 32


@dataclass(frozen=True, slots=True)
class TicketClaims:
    connection_id: str
    kind: TicketKind


class TicketSigner:
    def __init__(self, secret: bytes) -> None:
        if len(secret) < 32:
            raise ValueError("the ticket secret needs at least 256 bits")
        self._secret = secret

    def _mac(self, body: str) -> str:
        return hmac.new(self._secret, body.encode(), hashlib.sha256).hexdigest()[:_MAC_CHARS]

    def issue(self, connection_id: str, kind: TicketKind) -> str:
        body = f"{_KIND_CODE[kind]}.{connection_id}.{secrets.token_hex(16)}"
        return f"{body}.{self._mac(body)}"

    def verify(self, ticket: str) -> TicketClaims | None:
        """The claims of a ticket this deployment issued, or None for anything else."""
        body, _, mac = ticket.rpartition(".")
        parts = body.split(".")
        if len(parts) != 3 or parts[0] not in _CODE_KIND:
            return None
        if not hmac.compare_digest(mac, self._mac(body)):
            return None
        return TicketClaims(connection_id=parts[1], kind=_CODE_KIND[parts[0]])
