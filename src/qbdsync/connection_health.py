"""The health of a connection: is its connector calling, is its work succeeding, and if not,
what the SMB user is told, what the operator is told, since when and who must act.

Worked out when read, from stored times only (`assess` is pure and takes `now`), so it needs
no timer: a connector that stops calling turns `late` by the clock alone. The background
worker's health watch (`watch`) compares it with the state last announced and emits
`connection.health.changed` once per change, whichever server process sees it first.

States, first match wins: `unlinked`, `deauthorized`, `paused`, `notConnected` (its Web
Connector never called), `late` (silent for `LATE_SCHEDULES` schedules plus the lag of the
coalesced last-call writes), `failing` (an error since the last success that retrying alone has
not cleared), `healthy`. A silent connector is `late` even when its last session failed: the
connector not running is what must be fixed first.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy import Connection, select, update

from qbdsync.connection_errors import ExplainedError, connection_errors
from qbdsync.diagnosis import entries_connection
from qbdsync.diagnosis.catalogue import explain
from qbdsync.diagnosis.explanation import Actor
from qbdsync.qbxml.status import Recovery
from qbdsync.settings import Settings
from qbdsync.statuses import ConnectionStatus, HealthState
from qbdsync.store import companies as company_store
from qbdsync.store import pulls as pull_store
from qbdsync.store.companies import CompanyRow, ConnectionRow
from qbdsync.store.tables import connections, sync_errors
from qbdsync.views import codat_data_type, connection_event_payload, connection_view, iso
from qbdsync.webhooks import events

# "Missed about three schedules" before a silent connector is late.
LATE_SCHEDULES: Final = 3
# qbwc/polls.py writes a connection's last call at most once a minute, flushed within seconds:
# the stored time may lag the true one by this much, so it is allowed for.
RECORDING_LAG: Final = timedelta(seconds=90)
# How many of the newest errors are read to decide `failing` and to list dataConnectionErrors.
ERRORS_READ: Final = 50
DATA_CONNECTION_ERRORS: Final = 10
# Errors of a data set that make a connection failing: reads that did not happen. Warnings,
# data an edition lacks and refused records do not.
_FAILING_RECOVERIES: Final = frozenset(
    {
        Recovery.RETRY_NEXT_SESSION,
        Recovery.RESTART_DATASET,
        Recovery.PERMISSION,
        Recovery.FATAL_REQUEST,
    }
)
# A whole session refused or failed (QuickBooks not opened, the wrong company file, no qbXML
# version in common, busy) is failing whatever its recovery, unless it was only a warning.
_NOT_FAILING_SESSION: Final = frozenset({Recovery.OK, Recovery.EMPTY, Recovery.KEEP_WARN})
_STATE_ENTRY: Final = {
    HealthState.LATE: entries_connection.LATE,
    HealthState.PAUSED: entries_connection.PAUSED,
    HealthState.DEAUTHORIZED: entries_connection.DEAUTHORIZED,
    HealthState.UNLINKED: entries_connection.UNLINKED,
    HealthState.NOT_CONNECTED: entries_connection.NOT_CONNECTED,
}
_HEALTHY_MESSAGE: Final = (
    "QuickBooks is connected: the Web Connector is calling on schedule and syncs are working."
)


@dataclass(frozen=True, slots=True)
class Health:
    state: HealthState
    since: datetime | None  # when it became this state, as far as the stored times tell
    user_message: str  # for the SMB user: plain words
    operator_detail: str
    who_acts: Actor
    code: str | None = None  # the catalogue code (qbdsync:late) or the failing error's code
    title: str | None = None
    fix_steps: tuple[str, ...] = ()
    can_be_retried: bool = False
    last_request_at: datetime | None = None
    last_successful_request_at: datetime | None = None
    late_at: datetime | None = None  # when it turns late if its connector stays silent
    failing: tuple[ExplainedError, ...] = ()  # the errors that make it failing, newest first

    @property
    def is_healthy(self) -> bool:
        return self.state is HealthState.HEALTHY


def late_after(settings: Settings) -> timedelta:
    """How long a connector may stay silent before its connection is late."""
    return timedelta(minutes=settings.run_every_minutes * LATE_SCHEDULES) + RECORDING_LAG


def last_seen(row: ConnectionRow) -> datetime | None:
    """The connector's last call as stored (older rows, from before calls were recorded, fall
    back to the last sync or the link)."""
    times = [
        t
        for t in (row.last_request_at, row.last_successful_request_at, row.last_sync_at)
        if t is not None
    ]
    if not times and row.status == ConnectionStatus.LINKED and row.linked_at is not None:
        times.append(row.linked_at)
    return max(times) if times else None


def assess(
    row: ConnectionRow,
    errors: Sequence[ExplainedError],
    successes: Mapping[str, datetime],
    *,
    silent_for: timedelta,
    now: datetime,
) -> Health:
    """The connection's health at `now`: pure. `errors` are its newest errors (newest first)
    and `successes` when each data type last completed."""
    seen = last_seen(row)
    common: dict[str, Any] = {
        "last_request_at": row.last_request_at or seen,
        "last_successful_request_at": row.last_successful_request_at or row.last_sync_at,
        "late_at": seen + silent_for if seen is not None else None,
    }
    if row.status == ConnectionStatus.UNLINKED:
        return _from_entry(HealthState.UNLINKED, row, None, common)
    if row.status == ConnectionStatus.DEAUTHORIZED:
        return _from_entry(HealthState.DEAUTHORIZED, row, None, common)
    if row.paused_until is not None and row.paused_until > now:
        health = _from_entry(HealthState.PAUSED, row, None, common)
        detail = f"Paused until {iso(row.paused_until)}. {health.operator_detail}"
        return replace(health, operator_detail=detail)
    if seen is None:
        return _from_entry(HealthState.NOT_CONNECTED, row, row.created_at, common)
    if now - seen > silent_for:
        health = _from_entry(HealthState.LATE, row, seen, common)
        minutes = int((now - seen).total_seconds() // 60)
        detail = (
            f"No call from the Web Connector since {iso(seen)} ({minutes} minutes; late after "
            f"{int(silent_for.total_seconds() // 60)}). {health.operator_detail}"
        )
        return replace(health, operator_detail=detail)
    failing = tuple(e for e in errors if _still_failing(e, successes))
    if failing:
        return _failing(failing, common)
    return Health(
        state=HealthState.HEALTHY,
        since=row.last_successful_request_at or row.last_sync_at or row.linked_at,
        user_message=_HEALTHY_MESSAGE,
        operator_detail=f"Last call {iso(seen)}; calls are due every schedule.",
        who_acts=Actor.NOBODY,
        **common,
    )


def _stops_work(item: ExplainedError) -> bool:
    if item.error.dataset is None:
        return item.error.recovery not in _NOT_FAILING_SESSION
    return item.error.recovery in _FAILING_RECOVERIES


def _still_failing(item: ExplainedError, successes: Mapping[str, datetime]) -> bool:
    if item.resolved_at is not None or not _stops_work(item):
        return False
    # A data type read completely after the error (even in the same session: a restarted
    # data set) has recovered, whatever the error list says about resolving it.
    done = successes.get(item.data_type) if item.data_type is not None else None
    return done is None or done < item.occurred_at


def _failing(failing: tuple[ExplainedError, ...], common: dict[str, Any]) -> Health:
    newest = failing[0]
    explained = newest.explained
    where = (
        f"{codat_data_type(newest.data_type)}: " if newest.data_type is not None else "session: "
    )
    detail = f"{where}{newest.error.summary}"
    if explained.operator_detail:
        detail = f"{detail} — {explained.operator_detail}"
    if len(failing) > 1:
        detail += f" ({len(failing)} unresolved errors; `qbdsync connection errors` lists them.)"
    return Health(
        state=HealthState.FAILING,
        since=min(e.occurred_at for e in failing),
        user_message=explained.user_message,
        operator_detail=detail,
        # Nobody named: the person at the QuickBooks PC is the one who can look.
        who_acts=explained.who_acts or Actor.SMB_USER,
        code=explained.code,
        title=explained.title,
        fix_steps=explained.fix_steps,
        can_be_retried=explained.can_be_retried,
        failing=failing,
        **common,
    )


def _from_entry(
    state: HealthState, row: ConnectionRow, since: datetime | None, common: dict[str, Any]
) -> Health:
    """A state the catalogue says in full; `since` is known for late and notConnected, and
    for the others only once the health watch has seen the state begin."""
    entry = explain(_STATE_ENTRY[state])
    assert entry is not None  # the entries are ours (entries_connection)
    if since is None and row.health_state == state:
        since = row.health_changed_at
    return Health(
        state=state,
        since=since,
        user_message=entry.user_message,
        operator_detail=entry.operator_detail,
        who_acts=entry.who_acts,
        code=entry.codes[0],
        title=entry.title,
        fix_steps=entry.fix_steps,
        can_be_retried=entry.can_be_retried,
        **common,
    )


# -- reading it ------------------------------------------------------------------------------


def connection_health(
    conn: Connection, settings: Settings, row: ConnectionRow, now: datetime
) -> Health:
    """The connection's health at `now`, from what is stored."""
    errors = connection_errors(conn, row, ERRORS_READ)
    successes = pull_store.last_success(conn, row.id)
    return assess(row, errors, successes, silent_for=late_after(settings), now=now)


def health_json(health: Health) -> dict[str, Any]:
    """The API's `health` object of a connection (also `qbdsync connection health --json`)."""
    return {
        "state": health.state.value,
        "since": iso(health.since),
        "title": health.title,
        "userFacingMessage": health.user_message,
        "fixSteps": list(health.fix_steps),
        "operatorDetail": health.operator_detail,
        "whoActs": health.who_acts.value,
        "canBeRetried": health.can_be_retried,
        "code": health.code,
        "lastRequestAt": iso(health.last_request_at),
        "lastSuccessfulRequestAt": iso(health.last_successful_request_at),
        "lateAt": iso(health.late_at),
    }


def data_connection_errors(
    errors: Sequence[ExplainedError], limit: int = DATA_CONNECTION_ERRORS
) -> list[dict[str, Any]]:
    """Codat's dataConnectionErrors: the newest errors that stopped work, Active until
    resolved (then Resolved, with when)."""
    shown = []
    for item in errors:
        if not _stops_work(item):
            continue
        error = item.error
        code = error.hresult or (str(error.status_code) if error.status_code is not None else "")
        shown.append(
            {
                "statusCode": code,
                "statusText": (item.explained.title or error.message)[:200],
                "errorMessage": item.explained.user_message,
                "erroredOnUtc": iso(item.occurred_at),
                "status": "Active" if item.resolved_at is None else "Resolved",
                "resolvedOnUtc": iso(item.resolved_at),
            }
        )
        if len(shown) == limit:
            break
    return shown


def with_health(
    conn: Connection,
    settings: Settings,
    row: ConnectionRow,
    view: dict[str, Any],
    now: datetime,
) -> dict[str, Any]:
    """A connection view with its `health` and its dataConnectionErrors from the error log."""
    errors = connection_errors(conn, row, ERRORS_READ)
    successes = pull_store.last_success(conn, row.id)
    health = assess(row, errors, successes, silent_for=late_after(settings), now=now)
    return {
        **view,
        "dataConnectionErrors": data_connection_errors(errors),
        "health": health_json(health),
    }


# -- watching it -----------------------------------------------------------------------------


def watch(conn: Connection, settings: Settings, now: datetime) -> int:
    """Announce every connection whose health changed since it was last announced
    (`connection.health.changed`), in the caller's transaction; how many changed.

    The stored state is moved with a compare-and-set, so when several processes watch one
    database each change is announced by exactly one of them.
    """
    changed = 0
    companies: dict[str, CompanyRow] = {}
    # The watch runs in every server process beside the Web Connector's calls: the error log
    # is read only for connections that have errors at all (one query finds them), so a
    # deployment of quiet connections costs two queries a pass.
    with_errors = set(conn.execute(select(sync_errors.c.connection_id).distinct()).scalars())
    silent_for = late_after(settings)
    for row in company_store.list_connections(conn):
        if row.id in with_errors:
            health = connection_health(conn, settings, row, now)
        else:
            health = assess(row, (), {}, silent_for=silent_for, now=now)
        if row.health_state == health.state:
            continue
        moved = conn.execute(
            update(connections)
            .where(connections.c.id == row.id)
            .where(
                connections.c.health_state.is_(None)
                if row.health_state is None
                else connections.c.health_state == row.health_state
            )
            .values(health_state=health.state.value, health_changed_at=now)
        )
        if moved.rowcount != 1:
            continue  # another process announced it
        changed += 1
        if row.health_state is None and health.is_healthy:
            continue  # first look at a connection that is fine: nothing to announce
        company = companies.get(row.company_id)
        if company is None:
            company = companies[row.company_id] = company_store.get_company(conn, row.company_id)
        if company.client_id is None:
            continue
        view = connection_view(conn, settings, row)
        payload = {
            **connection_event_payload(company, view),
            "previousState": row.health_state,
            "health": health_json(replace(health, since=health.since or now)),
        }
        events.emit(
            conn,
            client_id=company.client_id,
            event_type=events.CONNECTION_HEALTH_CHANGED,
            payload=payload,
            company_tags=company.tags,
            now=now,
        )
    return changed
