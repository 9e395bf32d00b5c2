"""Signed session tickets: the issue time is part of what is signed."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from qbdsync.qbwc.tickets import TicketSigner

ISSUED = datetime(2026, 12, 1, 22, 30, 5, tzinfo=UTC)


def test_a_ticket_carries_its_connection_kind_and_issue_time() -> None:
    signer = TicketSigner(secrets.token_bytes(32))
    for kind in ("work", "idle", "busy"):
        claims = signer.verify(signer.issue("conn-1", kind, ISSUED))
        assert claims is not None
        assert (claims.connection_id, claims.kind, claims.issued_at) == ("conn-1", kind, ISSUED)


def test_a_ticket_made_younger_or_signed_elsewhere_is_refused() -> None:
    signer = TicketSigner(secrets.token_bytes(32))
    ticket = signer.issue("conn-1", "work", ISSUED)
    kind, connection_id, issued, nonce, mac = ticket.split(".")
    younger = ".".join([kind, connection_id, str(int(issued) + 3600), nonce, mac])
    assert signer.verify(younger) is None
    assert signer.verify(ticket.replace("w.", "b.", 1)) is None
    assert TicketSigner(secrets.token_bytes(32)).verify(ticket) is None
    # The format before issue times were signed: refused, the next update starts fresh.
    assert signer.verify(".".join([kind, connection_id, nonce, mac])) is None
    assert signer.verify("w.conn-1.notatime.00.00") is None
