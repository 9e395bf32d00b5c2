"""How a session ends: complete (the connection updated, its next sync scheduled, the webhook
events emitted), failed, or stopped early at a clean point. All inside the caller's transaction,
from what the call already read."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection

from qbdsync.errors import UnreadableState
from qbdsync.qbxml.status import Recovery
from qbdsync.session import health_check
from qbdsync.session.context import Context, Env
from qbdsync.session.outcomes import Ended
from qbdsync.session.pulls import still_active
from qbdsync.session.summary import close_text, problems_text
from qbdsync.session.writing.phase import phase_of
from qbdsync.settings import Settings
from qbdsync.statuses import ConnectionStatus, SessionStatus
from qbdsync.store import companies as company_store
from qbdsync.store import pulls as pull_store
from qbdsync.store import records as record_store
from qbdsync.store import sessions as session_store
from qbdsync.store import sync_settings
from qbdsync.store.pulls import PullRow
from qbdsync.sync.engine import SyncEngine
from qbdsync.sync.output import SyncErrorRow
from qbdsync.sync.schedule import next_due
from qbdsync.views import connection_event_payload, connection_view
from qbdsync.webhooks.events import READ_COMPLETED, READ_COMPLETED_INITIAL, emit

log = logging.getLogger(__name__)

_NOTHING_SCHEDULED = timedelta(days=3650)  # wait for a queued pull operation


def finish(
    conn: Connection,
    env: Env,
    context: Context,
    engine: SyncEngine,
    pulls: list[PullRow],
    now: datetime,
) -> str:
    """Update the connection, schedule its next sync and emit the webhook events of a
    complete session; its summary. Works from what the call already read: the connection,
    its company and its pull operations as settled."""
    connection, company = context.connection, context.company
    summary = engine.summary()
    left = still_active(pulls)
    values: dict[str, Any] = {
        "last_sync_at": now,
        "last_error": problems_text(summary),
        # The session completed its work: what "healthy" is measured from.
        "last_request_at": now,
        "last_successful_request_at": now,
    }
    first = connection.status == ConnectionStatus.PENDING_AUTH
    if first:
        values["status"] = ConnectionStatus.LINKED
        values["linked_at"] = now
    text = close_text(summary)
    written = phase_of(engine).settled
    if written:  # a session of writes alone must not read as one that did nothing
        text += f" Settled {written} push operation" + ("s." if written != 1 else ".")
    mode = company.sync_mode or env.settings.sync_mode
    if mode == "one-time" and not left:
        values["status"] = ConnectionStatus.DEAUTHORIZED
        text += (
            " This was a one-time sync: the connection is now closed and you can remove "
            "this entry from the Web Connector."
        )
    values["next_sync_at"] = next_sync_at(conn, context, left, now)
    company_store.update_connection(conn, connection.id, **values)
    after = Context(replace(connection, **values), company)
    if first:
        emit_event(conn, env.settings, "connection.connected", after, now)
    read = {
        "dataTypes": sorted(t for t, n in summary.records.items() if n),
        "recordsSynced": summary.total_records,
    }
    # As Codat: read.completed for every completed read, and read.completed.initial in
    # addition for the first one (a consumer may subscribe to either alone).
    emit_event(conn, env.settings, READ_COMPLETED, after, now, extra=read)
    if first:
        emit_event(conn, env.settings, READ_COMPLETED_INITIAL, after, now, extra=read)
    if values.get("status") == ConnectionStatus.DEAUTHORIZED:
        emit_event(conn, env.settings, "connection.disconnected", after, now)
    return text


def next_sync_at(
    conn: Connection, context: Context, left: list[PullRow], now: datetime
) -> datetime | None:
    """When the connection should next find work: now if anything is queued, else the
    earliest scheduled refresh."""
    if left:
        return None
    connection = context.connection
    settings = sync_settings.effective(conn, connection.company_id)
    schedule = {t: s.sync_schedule_hours for t, s in settings.items()}
    next_at = next_due(schedule, pull_store.last_success(conn, connection.id))
    return next_at if next_at is not None else now + _NOTHING_SCHEDULED


def emit_event(
    conn: Connection,
    settings: Settings,
    event_type: str,
    context: Context,
    now: datetime,
    extra: dict[str, Any] | None = None,
) -> None:
    """Queue a webhook event in this transaction (delivered by the background worker)."""
    company = context.company
    if company.client_id is None:
        return
    view = connection_view(conn, settings, context.connection)
    payload = {**connection_event_payload(company, view), **(extra or {})}
    emit(
        conn,
        client_id=company.client_id,
        event_type=event_type,
        payload=payload,
        company_tags=company.tags,
        now=now,
    )


def record_failure(
    conn: Connection,
    env: Env,
    key: str,
    context: Context,
    message: str,
    recovery: Recovery,
    now: datetime,
    *,
    code: str | None = None,
) -> None:
    """End the session as failed: the session, a sync error, the connection's last error and
    a connection.failed event; health checks waiting on the connection fail with it (`code`:
    the problem's, when the caller knows it)."""
    connection_id = context.connection.id
    health_check.fail_waiting(conn, connection_id, code, message, now)
    emit_event(conn, env.settings, "connection.failed", context, now, extra={"error": message})
    log.warning("connection %s session failed: %s", connection_id, message)
    session_store.save_session(conn, key, now, status=SessionStatus.FAILED, last_error=message)
    record_store.add_errors(
        conn, connection_id, key, [SyncErrorRow(None, None, None, recovery, message)], now
    )
    company_store.update_connection(conn, connection_id, last_error=message)


def end_early(
    conn: Connection, session: session_store.SessionRow, reason: str, now: datetime
) -> Ended:
    """End a session at a clean point: its pull operations stay queued for the next one."""
    log.info("connection %s session ended: %s", session.connection_id, reason)
    session_store.save_session(
        conn,
        session.ticket,
        now,
        status=SessionStatus.CLOSED,
        last_error=reason,
        pending_request=None,
    )
    return Ended(reason)


def end_unreadable(
    conn: Connection, session: session_store.SessionRow, error: UnreadableState, now: datetime
) -> Ended:
    """End a session whose stored state this qbdsync cannot read (written by a newer one, or
    damaged): recorded as a sync error of the session. Nothing is lost: the next session plans
    afresh from the committed watermarks."""
    message = (
        f"qbdsync: this session's saved state could not be read ({error}), so the session "
        "was ended. The next update starts afresh from what was already stored."
    )
    log.warning("connection %s: %s", session.connection_id, message)
    record_store.add_errors(
        conn,
        session.connection_id,
        session.ticket,
        [SyncErrorRow(None, None, None, Recovery.RETRY_NEXT_SESSION, message)],
        now,
    )
    return end_early(conn, session, message, now)
