"""Web Connector sessions: tickets and engine state, so any server process answers any call."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select, insert, select, update
from sqlalchemy.exc import IntegrityError

from qbdsync.errors import SessionNotStarted
from qbdsync.qbxml.status import Recovery
from qbdsync.statuses import SessionStatus
from qbdsync.store.tables import connections, qbwc_sessions, sync_errors


@dataclass(frozen=True, slots=True)
class SessionRow:
    """A session without its state (read only by the calls that advance the engine)."""

    ticket: str
    connection_id: str
    status: SessionStatus
    created_at: datetime
    updated_at: datetime
    pending_request: str | None
    request_sent: bool  # pending_request was handed out: QuickBooks is working on it
    last_error: str | None
    close_message: str | None

    @property
    def in_flight(self) -> bool:
        return self.pending_request is not None and self.request_sent


@dataclass(frozen=True, slots=True)
class Liveness:
    """What authenticate needs of an active session to tell live from abandoned (no state)."""

    ticket: str
    created_at: datetime
    updated_at: datetime
    in_flight: bool  # QuickBooks is working on a request of it


_COLUMNS = (
    qbwc_sessions.c.ticket,
    qbwc_sessions.c.connection_id,
    qbwc_sessions.c.status,
    qbwc_sessions.c.created_at,
    qbwc_sessions.c.updated_at,
    qbwc_sessions.c.pending_request,
    qbwc_sessions.c.request_sent,
    qbwc_sessions.c.last_error,
    qbwc_sessions.c.close_message,
)


def create_session(conn: Connection, ticket: str, connection_id: str, now: datetime) -> None:
    """Insert an active session; SessionNotStarted when the database refuses it.

    The unique index on active sessions makes a second one for the same connection fail here
    (on PostgreSQL the loser waits for the winner's transaction, then fails), and a deleted
    connection fails its foreign key. The statement error aborts the caller's transaction, so
    this must be the transaction's first write: the caller lets it roll back and explains.
    """
    try:
        conn.execute(
            insert(qbwc_sessions).values(
                ticket=ticket,
                connection_id=connection_id,
                status=SessionStatus.ACTIVE,
                created_at=now,
                updated_at=now,
                state=None,
            )
        )
    except IntegrityError as exc:
        raise SessionNotStarted(
            f"the database refused a new session for connection {connection_id}"
        ) from exc


def get_session(conn: Connection, ticket: str, *, for_update: bool = False) -> SessionRow | None:
    """The session without its state."""
    row = conn.execute(_by_ticket(conn, select(*_COLUMNS), ticket, for_update)).first()
    return None if row is None else _session(row)


def get_session_and_state(
    conn: Connection, ticket: str, *, for_update: bool = False
) -> tuple[SessionRow, dict[str, Any] | None] | None:
    """The session and its stored state (the engine's, or a pending host query), in one read."""
    query = select(*_COLUMNS, qbwc_sessions.c.state)
    row = conn.execute(_by_ticket(conn, query, ticket, for_update)).first()
    return None if row is None else (_session(row[:-1]), row[-1])


def _by_ticket(conn: Connection, query: Select[Any], ticket: str, for_update: bool) -> Select[Any]:
    query = query.where(qbwc_sessions.c.ticket == ticket)
    if for_update and conn.dialect.name == "postgresql":
        # Two calls for one ticket never interleave across server processes.
        query = query.with_for_update()
    return query


def _session(row: Sequence[Any]) -> SessionRow:
    values = list(row)
    values[2] = SessionStatus(values[2])
    return SessionRow(*values)


def save_session(conn: Connection, ticket: str, now: datetime, **values: Any) -> None:
    conn.execute(
        update(qbwc_sessions)
        .where(qbwc_sessions.c.ticket == ticket)
        .values(updated_at=now, **values)
    )


def mark_sent(conn: Connection, ticket: str, now: datetime) -> None:
    """The pending request was handed out (again): QuickBooks is working on it from now."""
    conn.execute(
        update(qbwc_sessions)
        .where(qbwc_sessions.c.ticket == ticket)
        .values(request_sent=True, updated_at=now)
    )


def abandon(conn: Connection, seen: Liveness, message: str, now: datetime) -> bool:
    """Mark an active session abandoned if nothing has happened in it since `seen` was read
    (a Web Connector that only seemed gone may have called meanwhile): True when it was."""
    done = conn.execute(
        update(qbwc_sessions)
        .where(qbwc_sessions.c.ticket == seen.ticket)
        .where(qbwc_sessions.c.status == SessionStatus.ACTIVE)
        .where(qbwc_sessions.c.updated_at == seen.updated_at)
        .values(
            status=SessionStatus.ABANDONED,
            last_error=message,
            pending_request=None,
            request_sent=False,
            updated_at=now,
        )
    )
    return done.rowcount == 1


def active_session_for(conn: Connection, connection_id: str) -> Liveness | None:
    """The connection's active session (the unique index allows one), read without its state."""
    row = conn.execute(
        select(
            qbwc_sessions.c.ticket,
            qbwc_sessions.c.created_at,
            qbwc_sessions.c.updated_at,
            qbwc_sessions.c.pending_request.is_not(None) & qbwc_sessions.c.request_sent,
        )
        .where(qbwc_sessions.c.connection_id == connection_id)
        .where(qbwc_sessions.c.status == SessionStatus.ACTIVE)
        .limit(1)
    ).first()
    if row is None:
        return None
    ticket, created_at, updated_at, in_flight = row
    return Liveness(ticket, created_at, updated_at, bool(in_flight))


BUSY_PREFIX = "qbdsync: busy:"


def note_busy(
    conn: Connection,
    connection_id: str,
    holder_ticket: str,
    message: str,
    recovery: Recovery,
    now: datetime,
) -> None:
    """Record that a Web Connector was turned away while `holder_ticket`'s session is live: the
    connection's last error, and one sync error per live session whose count goes up with each
    repeat (a second Web Connector polling every minute must not write a row a minute)."""
    existing = conn.execute(
        select(sync_errors.c.id)
        .where(sync_errors.c.connection_id == connection_id)
        .where(sync_errors.c.ticket == holder_ticket)
        .where(sync_errors.c.message.startswith(BUSY_PREFIX))
        .limit(1)
    ).first()
    if existing is None:
        conn.execute(
            insert(sync_errors).values(
                connection_id=connection_id,
                ticket=holder_ticket,
                occurred_at=now,
                recovery=recovery,
                message=message,
                count=1,
            )
        )
    else:
        conn.execute(
            update(sync_errors)
            .where(sync_errors.c.id == existing.id)
            .values(occurred_at=now, message=message, count=sync_errors.c.count + 1)
        )
    conn.execute(
        update(connections).where(connections.c.id == connection_id).values(last_error=message)
    )
