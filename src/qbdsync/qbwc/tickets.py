"""Session tickets that need no database write to issue.

authenticate runs on every idle poll, inline in the event loop, so it must not write (on SQLite a
write could wait behind a long ingest transaction). A ticket therefore carries the connection id,
its kind and the time it was issued, with a random nonce and an HMAC under a deployment secret:
it is unguessable and unforgeable, and sendRequestXML creates the session row when the first
request is asked for. The issue time is signed too, so a ticket cannot be made younger: one that
was never used within its lifetime starts nothing (a replay window of minutes, not forever).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

# work: a session may start; idle: "none", closeConnection says why; busy: another session of
# the connection is live, closeConnection (or getLastError) says which and until when.
TicketKind = Literal["work", "idle", "busy"]
_KIND_CODE: dict[str, str] = {"work": "w", "idle": "n", "busy": "b"}
_CODE_KIND: dict[str, TicketKind] = {"w": "work", "n": "idle", "b": "busy"}
_MAC_CHARS = 32


@dataclass(frozen=True, slots=True)
class TicketClaims:
    connection_id: str
    kind: TicketKind
    issued_at: datetime


class TicketSigner:
    def __init__(self, secret: bytes) -> None:
        if len(secret) < 32:
            raise ValueError("the ticket secret needs at least 256 bits")
        self._secret = secret

    def _mac(self, body: str) -> str:
        return hmac.new(self._secret, body.encode(), hashlib.sha256).hexdigest()[:_MAC_CHARS]

    def issue(self, connection_id: str, kind: TicketKind, now: datetime) -> str:
        body = f"{_KIND_CODE[kind]}.{connection_id}.{int(now.timestamp())}.{secrets.token_hex(16)}"
        return f"{body}.{self._mac(body)}"

    def verify(self, ticket: str) -> TicketClaims | None:
        """The claims of a ticket this deployment issued, or None for anything else."""
        body, _, mac = ticket.rpartition(".")
        parts = body.split(".")
        if len(parts) != 4 or parts[0] not in _CODE_KIND or not parts[2].isdigit():
            return None
        if not hmac.compare_digest(mac, self._mac(body)):
            return None
        issued_at = datetime.fromtimestamp(int(parts[2]), UTC)
        return TicketClaims(connection_id=parts[1], kind=_CODE_KIND[parts[0]], issued_at=issued_at)
