"""Health checks asked for on demand, and on each connection until when an unsent one waits.

`connections.health_check_until` is what authenticate reads (no join on the idle-poll hot path):
every change to a connection's unsent checks recounts it in the same transaction, so it cannot
drift. A check goes Pending → (sent by a session) → Success / Failed, or TimedOut when nobody
answered before its timeout; readers see a Pending check past its timeout as TimedOut at once
(`effective_status`), and the writes below never pick one up.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy import Connection, and_, delete, func, select, update

from qbdsync.statuses import HealthCheckStatus
from qbdsync.store.tables import connections, health_checks

# Results kept per connection (the newest); older finished ones are removed as new ones come,
# so a script asking for a check every minute cannot grow the table without end.
KEPT_PER_CONNECTION: Final = 50


@dataclass(frozen=True, slots=True)
class HealthCheckRow:
    id: str
    connection_id: str
    status: HealthCheckStatus
    requested_at: datetime
    timeout_seconds: int
    expires_at: datetime
    session_ticket: str | None
    sent_at: datetime | None
    completed_at: datetime | None
    code: str | None
    message: str | None
    answer: dict[str, Any] | None

    def effective_status(self, now: datetime) -> HealthCheckStatus:
        """Its status as of `now`: a Pending check past its timeout is TimedOut."""
        if self.status == HealthCheckStatus.PENDING and now >= self.expires_at:
            return HealthCheckStatus.TIMED_OUT
        return self.status


_COLUMNS = (
    health_checks.c.id,
    health_checks.c.connection_id,
    health_checks.c.status,
    health_checks.c.requested_at,
    health_checks.c.timeout_seconds,
    health_checks.c.expires_at,
    health_checks.c.session_ticket,
    health_checks.c.sent_at,
    health_checks.c.completed_at,
    health_checks.c.code,
    health_checks.c.message,
    health_checks.c.answer,
)


def _row(row: Any) -> HealthCheckRow:
    values = row._asdict()
    values["status"] = HealthCheckStatus(values["status"])
    return HealthCheckRow(**values)


def create(
    conn: Connection,
    connection_id: str,
    timeout_seconds: int,
    now: datetime,
    *,
    failed: tuple[str | None, str] | None = None,
) -> HealthCheckRow:
    """A new check, Pending for the next poll; or, with `failed` (code, message), one that
    failed at once (nothing can answer it: the connection is paused or unlinked)."""
    values: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "connection_id": connection_id,
        "status": HealthCheckStatus.PENDING,
        "requested_at": now,
        "timeout_seconds": timeout_seconds,
        "expires_at": now + timedelta(seconds=timeout_seconds),
    }
    if failed is not None:
        values.update(
            status=HealthCheckStatus.FAILED, completed_at=now, code=failed[0], message=failed[1]
        )
    conn.execute(health_checks.insert().values(**values))
    _prune(conn, connection_id)
    refresh_due(conn, connection_id, now)
    found = get(conn, values["id"])
    assert found is not None
    return found


def get(conn: Connection, check_id: str) -> HealthCheckRow | None:
    row = conn.execute(select(*_COLUMNS).where(health_checks.c.id == check_id)).first()
    return _row(row) if row is not None else None


def latest(conn: Connection, connection_id: str) -> HealthCheckRow | None:
    """The connection's newest check, whatever its status."""
    row = conn.execute(
        select(*_COLUMNS)
        .where(health_checks.c.connection_id == connection_id)
        .order_by(health_checks.c.requested_at.desc(), health_checks.c.id.desc())
        .limit(1)
    ).first()
    return _row(row) if row is not None else None


def _waiting(connection_id: str, now: datetime) -> Any:
    """The connection's checks still waiting for an answer (sent or not), not timed out."""
    return and_(
        health_checks.c.connection_id == connection_id,
        health_checks.c.status == HealthCheckStatus.PENDING,
        health_checks.c.expires_at > now,
    )


def refresh_due(conn: Connection, connection_id: str, now: datetime) -> datetime | None:
    """Store on the connection until when an unsent check waits (NULL: none does)."""
    until = conn.execute(
        select(func.max(health_checks.c.expires_at)).where(
            _waiting(connection_id, now), health_checks.c.sent_at.is_(None)
        )
    ).scalar()
    conn.execute(
        update(connections)
        .where(connections.c.id == connection_id)
        .values(health_check_until=until)
    )
    return until


def take_due(conn: Connection, connection_id: str, ticket: str, now: datetime) -> int:
    """Mark every unsent, unexpired check of the connection sent by session `ticket` (one
    request answers them all); how many there were."""
    result = conn.execute(
        update(health_checks)
        .where(_waiting(connection_id, now), health_checks.c.sent_at.is_(None))
        .values(session_ticket=ticket, sent_at=now)
    )
    refresh_due(conn, connection_id, now)
    return int(result.rowcount or 0)


def sent_by(conn: Connection, ticket: str) -> list[HealthCheckRow]:
    """The Pending checks session `ticket` sent (its request's answer settles them)."""
    rows = conn.execute(
        select(*_COLUMNS).where(
            health_checks.c.session_ticket == ticket,
            health_checks.c.status == HealthCheckStatus.PENDING,
        )
    )
    return [_row(r) for r in rows]


def settle(
    conn: Connection,
    check_id: str,
    status: HealthCheckStatus,
    now: datetime,
    *,
    code: str | None = None,
    message: str | None = None,
    answer: dict[str, Any] | None = None,
) -> None:
    """Record a check's result (only while it is Pending: a result is never rewritten)."""
    conn.execute(
        update(health_checks)
        .where(
            health_checks.c.id == check_id,
            health_checks.c.status == HealthCheckStatus.PENDING,
        )
        .values(status=status, completed_at=now, code=code, message=message, answer=answer)
    )


def fail_waiting(
    conn: Connection, connection_id: str, code: str | None, message: str, now: datetime
) -> int:
    """Fail every check of the connection still waiting (the connector reported that
    QuickBooks could not be opened, or the session was refused); how many there were."""
    result = conn.execute(
        update(health_checks)
        .where(_waiting(connection_id, now))
        .values(status=HealthCheckStatus.FAILED, completed_at=now, code=code, message=message)
    )
    if result.rowcount:
        refresh_due(conn, connection_id, now)
    return int(result.rowcount or 0)


def _prune(conn: Connection, connection_id: str) -> None:
    """Keep the connection's newest KEPT_PER_CONNECTION checks (and every one still Pending)."""
    kept = (
        select(health_checks.c.id)
        .where(health_checks.c.connection_id == connection_id)
        .order_by(health_checks.c.requested_at.desc(), health_checks.c.id.desc())
        .limit(KEPT_PER_CONNECTION)
    )
    conn.execute(
        delete(health_checks).where(
            health_checks.c.connection_id == connection_id,
            health_checks.c.status != HealthCheckStatus.PENDING,
            health_checks.c.id.not_in(kept),
        )
    )


def expired_pending(conn: Connection, now: datetime, limit: int = 500) -> list[HealthCheckRow]:
    """Up to `limit` checks still stored Pending although their timeout has passed."""
    rows = conn.execute(
        select(*_COLUMNS)
        .where(
            health_checks.c.status == HealthCheckStatus.PENDING,
            health_checks.c.expires_at <= now,
        )
        .order_by(health_checks.c.expires_at)
        .limit(limit)
    )
    return [_row(r) for r in rows]
