"""Web Connector sessions: tickets and engine state, so any server process answers any call."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from qbdsync.store.tables import qbwc_sessions


@dataclass(frozen=True, slots=True)
class SessionRow:
    ticket: str
    connection_id: str
    status: str
    created_at: datetime
    updated_at: datetime
    state: dict[str, Any] | None
    last_error: str | None
    close_message: str | None


def create_session(conn: Connection, ticket: str, connection_id: str, now: datetime) -> None:
    conn.execute(
        insert(qbwc_sessions).values(
            ticket=ticket,
            connection_id=connection_id,
            status="active",
            created_at=now,
            updated_at=now,
            state=None,
        )
    )


def get_session(conn: Connection, ticket: str, *, for_update: bool = False) -> SessionRow | None:
    query = select(
        qbwc_sessions.c.ticket,
        qbwc_sessions.c.connection_id,
        qbwc_sessions.c.status,
        qbwc_sessions.c.created_at,
        qbwc_sessions.c.updated_at,
        qbwc_sessions.c.state,
        qbwc_sessions.c.last_error,
        qbwc_sessions.c.close_message,
    ).where(qbwc_sessions.c.ticket == ticket)
    if for_update and conn.dialect.name == "postgresql":
        # Two calls for one ticket never interleave across server processes.
        query = query.with_for_update()
    row = conn.execute(query).first()
    return SessionRow(*row) if row is not None else None


def save_session(conn: Connection, ticket: str, now: datetime, **values: Any) -> None:
    conn.execute(
        update(qbwc_sessions)
        .where(qbwc_sessions.c.ticket == ticket)
        .values(updated_at=now, **values)
    )


def active_session_for(conn: Connection, connection_id: str) -> SessionRow | None:
    row = conn.execute(
        select(qbwc_sessions.c.ticket)
        .where(qbwc_sessions.c.connection_id == connection_id)
        .where(qbwc_sessions.c.status == "active")
        .order_by(qbwc_sessions.c.created_at.desc())
        .limit(1)
    ).scalar()
    return get_session(conn, str(row)) if row is not None else None
