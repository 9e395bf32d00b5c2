"""The sync errors of a connection with when and in which session each happened, and when
those sessions ended: what the operator's views need to tell whether an error is resolved."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, select

from qbdsync.qbxml.status import Recovery
from qbdsync.store.tables import qbwc_sessions, sync_errors
from qbdsync.sync.output import SyncErrorRow


@dataclass(frozen=True, slots=True)
class LoggedError:
    occurred_at: datetime
    ticket: str | None  # the session it happened in (None: outside any)
    error: SyncErrorRow


def recent(conn: Connection, connection_id: str, limit: int) -> list[LoggedError]:
    """The connection's newest `limit` sync errors, newest first."""
    rows = conn.execute(
        select(
            sync_errors.c.occurred_at,
            sync_errors.c.ticket,
            sync_errors.c.dataset,
            sync_errors.c.status_code,
            sync_errors.c.hresult,
            sync_errors.c.recovery,
            sync_errors.c.message,
            sync_errors.c.count,
            sync_errors.c.sample,
        )
        .where(sync_errors.c.connection_id == connection_id)
        .order_by(sync_errors.c.id.desc())
        .limit(limit)
    )
    return [
        LoggedError(
            row[0],
            row[1],
            SyncErrorRow(*row[2:5], Recovery(row[5]), *row[6:8], sample=tuple(row[8] or ())),
        )
        for row in rows
    ]


def session_ends(conn: Connection, tickets: Collection[str]) -> dict[str, datetime]:
    """When each of these sessions was last written (its end, once it is over)."""
    if not tickets:
        return {}
    rows = conn.execute(
        select(qbwc_sessions.c.ticket, qbwc_sessions.c.updated_at).where(
            qbwc_sessions.c.ticket.in_(sorted(tickets))
        )
    )
    return {ticket: updated for ticket, updated in rows}
