"""Health checks on demand, as the API and the CLI ask for them and show them.

A check is queued for the connection's next poll (the session core sends it first: see
qbdsync.session.health_check) and answered there, or fails at once when no poll can answer it:
the connection is unlinked or deauthorized (it authenticates no more), paused, or outside its
sync window (the Web Connector is told there is nothing to do). A check still Pending past its
timeout shows as TimedOut: the Web Connector did not call (it is not running, or its schedule is
longer than the timeout), or QuickBooks did not answer the request it was given.

Failures are explained from the code recorded with them (qbdsync.explaining: the catalogue's
entry, else qbdsync's own wording); the recorded message is kept as the detail.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy import Connection

from qbdsync.diagnosis.entries_health_check import NO_ANSWER, UNANSWERED
from qbdsync.diagnosis.explanation import Actor
from qbdsync.errors import InvalidValue, NotFound
from qbdsync.explaining import explain_problem, explained_json
from qbdsync.session.opening import WRONG_COMPANY_FILE
from qbdsync.settings import Settings
from qbdsync.statuses import ConnectionStatus, HealthCheckStatus
from qbdsync.store import companies as company_store
from qbdsync.store import health_checks as check_store
from qbdsync.store.companies import CompanyRow, ConnectionRow
from qbdsync.store.health_checks import HealthCheckRow
from qbdsync.sync.availability import IdleReason, idle_reason
from qbdsync.views import iso

MIN_TIMEOUT_SECONDS: Final = 1
MAX_TIMEOUT_SECONDS: Final = 86_400  # a day: beyond it nobody is waiting for the answer
# Past the Web Connector's schedule, by this much: its next scheduled poll answers the check.
_SCHEDULE_GRACE_SECONDS: Final = 120
# qbdsync's codes for a check that cannot be answered (the catalogue explains them).
PAUSED: Final = "qbdsync:paused"
OUTSIDE_WINDOW: Final = "qbdsync:outside-sync-window"
_INACTIVE: Final = {
    ConnectionStatus.UNLINKED: "qbdsync:unlinked",
    ConnectionStatus.DEAUTHORIZED: "qbdsync:deauthorized",
}
# Who acts and whether asking again can pass, for a code the catalogue has no entry for: a
# check fails for something at the QuickBooks PC, unless the connection's settings stop it.
_OTHERWISE: Final[dict[str, tuple[Actor, bool]]] = {
    WRONG_COMPANY_FILE: (Actor.SMB_USER, False),
    PAUSED: (Actor.OPERATOR, False),
    OUTSIDE_WINDOW: (Actor.NOBODY, True),
    **{code: (Actor.OPERATOR, False) for code in _INACTIVE.values()},
}
_AT_THE_PC: Final = (Actor.SMB_USER, True)


def default_timeout_seconds(settings: Settings) -> int:
    """Long enough for the Web Connector's next scheduled poll to answer."""
    return min(settings.run_every_minutes * 60 + _SCHEDULE_GRACE_SECONDS, MAX_TIMEOUT_SECONDS)


def request_check(
    conn: Connection,
    settings: Settings,
    connection_id: str,
    now: datetime,
    timeout_seconds: int | None = None,
) -> HealthCheckRow:
    """Queue a health check for the connection's next poll (or record why none can run)."""
    timeout = default_timeout_seconds(settings) if timeout_seconds is None else timeout_seconds
    if not MIN_TIMEOUT_SECONDS <= timeout <= MAX_TIMEOUT_SECONDS:
        raise InvalidValue(
            f"a health check's timeout is {MIN_TIMEOUT_SECONDS} to {MAX_TIMEOUT_SECONDS} "
            f"seconds, not {timeout}"
        )
    connection = company_store.get_connection(conn, connection_id)
    company = company_store.get_company(conn, connection.company_id)
    return check_store.create(
        conn, connection.id, timeout, now, failed=_cannot_run(connection, company, now)
    )


def _cannot_run(
    connection: ConnectionRow, company: CompanyRow, now: datetime
) -> tuple[str, str] | None:
    """(code, message) when no poll can answer a check now; None when the next one can."""
    idle = idle_reason(
        status=connection.status,
        next_sync_at=None,
        paused_until=connection.paused_until,
        sync_window=company.sync_window,
        sync_window_days=company.sync_window_days,
        timezone=company.timezone,
        now=now,
    )
    if idle is None:
        return None
    if idle.reason is IdleReason.INACTIVE:
        code = _INACTIVE.get(ConnectionStatus(connection.status), "qbdsync:unlinked")
        return code, (
            f"The connection is {connection.status}: its Web Connector entry no longer syncs, "
            "so nothing can answer a health check. Link the company file again to check it."
        )
    if idle.reason is IdleReason.PAUSED:
        return PAUSED, (
            f"The connection is paused ({idle.text}): the Web Connector is told there is "
            "nothing to do, so nothing can answer a health check until it is resumed."
        )
    return OUTSIDE_WINDOW, (
        f"No session starts now ({idle.text}), so nothing can answer a health check until "
        "the sync window opens."
    )


def find_check(conn: Connection, connection_id: str, check_id: str | None = None) -> HealthCheckRow:
    """The connection's check with this id, or its newest one; NotFound when there is none."""
    if check_id is None:
        row = check_store.latest(conn, connection_id)
        if row is None:
            raise NotFound(f"no health check of connection {connection_id} yet")
        return row
    row = check_store.get(conn, check_id)
    if row is None or row.connection_id != connection_id:
        raise NotFound(f"no health check with id {check_id}")
    return row


def is_final(row: HealthCheckRow, now: datetime) -> bool:
    return row.effective_status(now) != HealthCheckStatus.PENDING


def check_view(row: HealthCheckRow, company_id: str, now: datetime) -> dict[str, Any]:
    """A health check as the API (and the CLI's --json) show it."""
    status = row.effective_status(now)
    code, message, completed = row.code, row.message, row.completed_at
    if status == HealthCheckStatus.TIMED_OUT and row.status == HealthCheckStatus.PENDING:
        code, message = _timed_out(row)
        completed = row.expires_at
    error = None
    if status in (HealthCheckStatus.FAILED, HealthCheckStatus.TIMED_OUT):
        otherwise = _OTHERWISE.get(code or "", _AT_THE_PC)
        error = explained_json(explain_problem(code, message or "", otherwise=otherwise), message)
    answered = status in (HealthCheckStatus.SUCCESS, HealthCheckStatus.FAILED)
    duration = None
    if answered and completed is not None and row.sent_at is not None:
        duration = round((completed - row.sent_at) / timedelta(milliseconds=1))
    return {
        "id": row.id,
        "companyId": company_id,
        "connectionId": row.connection_id,
        "status": status.value,
        "statusDescription": _description(row, status, error),
        "requestedUtc": iso(row.requested_at),
        "timeoutInSeconds": row.timeout_seconds,
        "expiresUtc": iso(row.expires_at),
        "sentUtc": iso(row.sent_at),
        "completedUtc": iso(completed),
        "durationInMs": duration,
        "quickBooks": row.answer,
        "error": error,
    }


def _timed_out(row: HealthCheckRow) -> tuple[str, str]:
    if row.sent_at is None:
        return UNANSWERED, (
            f"The Web Connector did not call within the check's {row.timeout_seconds} s "
            f"(until {row.expires_at:%Y-%m-%d %H:%M:%S} UTC)."
        )
    return NO_ANSWER, (
        f"The request was handed to the Web Connector at {row.sent_at:%H:%M:%S} UTC; "
        f"QuickBooks did not answer within the check's {row.timeout_seconds} s."
    )


def _description(
    row: HealthCheckRow, status: HealthCheckStatus, error: dict[str, Any] | None
) -> str:
    if status == HealthCheckStatus.PENDING:
        if row.sent_at is None:
            return (
                "Waiting for the Web Connector's next call (until "
                f"{row.expires_at:%Y-%m-%d %H:%M:%S} UTC)."
            )
        return f"Sent to QuickBooks at {row.sent_at:%H:%M:%S} UTC; waiting for its answer."
    if status == HealthCheckStatus.SUCCESS:
        return "QuickBooks answered with the linked company file open."
    assert error is not None
    return str(error["userFacingMessage"])


def time_out_expired(conn: Connection, now: datetime) -> int:
    """Store TimedOut, with what `check_view` shows for it, on the Pending checks past their
    timeout (the `health_checks.time_out` background job); how many there were.

    Readers already see such a check as TimedOut (`effective_status`); storing it lets the
    store's pruning remove it later (it keeps every Pending check), so checks that nobody
    answers cannot pile up.
    """
    expired = check_store.expired_pending(conn, now)
    for row in expired:
        code, message = _timed_out(row)
        check_store.settle(
            conn, row.id, HealthCheckStatus.TIMED_OUT, row.expires_at, code=code, message=message
        )
    for connection_id in sorted({row.connection_id for row in expired}):
        check_store.refresh_due(conn, connection_id, now)
    return len(expired)
