"""Who holds a connection: whether a session may start, whether the active one is still live,
and taking over one a crashed or stopped driver left behind.

A driver calls back within seconds, except while QuickBooks works on a request of it; a session
silent longer than that counts as abandoned, and the next start takes it over.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection

from qbdsync.diagnosis import entries_service
from qbdsync.diagnosis.catalogue import web_connector_text
from qbdsync.errors import NotFound
from qbdsync.qbxml.status import Recovery
from qbdsync.session.context import Context
from qbdsync.settings import Settings
from qbdsync.store import companies as company_store
from qbdsync.store import records as record_store
from qbdsync.store import sessions as session_store
from qbdsync.sync.availability import idle_reason
from qbdsync.sync.output import SyncErrorRow

log = logging.getLogger(__name__)

_DELETED = web_connector_text(entries_service.DELETED, "qbdsync:")


def takeover_at(settings: Settings, active: session_store.Liveness) -> datetime:
    """When a silent session counts as abandoned and the next start may take over."""
    silence = (
        settings.session_response_silence_seconds
        if active.in_flight
        else settings.session_call_silence_seconds
    )
    return active.updated_at + timedelta(seconds=silence)


def live_holder(
    conn: Connection, settings: Settings, connection_id: str, now: datetime
) -> session_store.Liveness | None:
    """The connection's active session, if it is not yet silent long enough to take over."""
    active = session_store.active_session_for(conn, connection_id)
    return active if active is not None and now < takeover_at(settings, active) else None


def busy_text(settings: Settings, active: session_store.Liveness) -> str:
    doing = (
        "QuickBooks is working on a request of it" if active.in_flight else "it is between calls"
    )
    detail = (
        f"Its session started {active.created_at:%Y-%m-%d %H:%M} UTC and was last heard from "
        f"at {active.updated_at:%H:%M:%S} UTC ({doing}). If that Web Connector has stopped, "
        f"the first update after {takeover_at(settings, active):%Y-%m-%d %H:%M:%S} UTC takes "
        "over."
    )
    # The prefix stays first: the store finds busy notes by it.
    return web_connector_text(entries_service.BUSY, session_store.BUSY_PREFIX, detail=detail)


def connection_stop(
    conn: Connection, connection_id: str, now: datetime, *, schedule: bool
) -> tuple[str | None, Context | None]:
    """Why the connection may not sync now: deleted, unlinked or deauthorized, and with
    `schedule` also paused or outside its sync window (None: it may). With the connection
    and company it read, so the rest of the call needs not read them again."""
    try:
        connection = company_store.get_connection(conn, connection_id)
        company = company_store.get_company(conn, connection.company_id)
    except NotFound:
        return _DELETED, None
    idle = idle_reason(
        status=connection.status,
        next_sync_at=None,  # being due was the driver's question; a session may finish
        paused_until=connection.paused_until if schedule else None,
        sync_window=company.sync_window if schedule else None,
        sync_window_days=company.sync_window_days,
        timezone=company.timezone,
        now=now,
    )
    return (idle.text if idle is not None else None), Context(connection, company)


@dataclass(frozen=True, slots=True)
class Admission:
    """Whether a session may start for a connection now, as one read of it found."""

    refusal: str | None  # why not (None: it may)
    context: Context | None
    # The connection's active session, found silent past its limit: the one to take over.
    silent: session_store.Liveness | None = None


def admission(conn: Connection, settings: Settings, connection_id: str, now: datetime) -> Admission:
    """Whether a session may start for the connection now."""
    stop, context = connection_stop(conn, connection_id, now, schedule=True)
    if stop is not None:
        return Admission(stop, context)
    active = session_store.active_session_for(conn, connection_id)
    if active is not None and now < takeover_at(settings, active):
        return Admission(busy_text(settings, active), context)
    return Admission(None, context, active)


def stop_reason(
    conn: Connection,
    settings: Settings,
    session: session_store.SessionRow,
    now: datetime,
    *,
    in_flight: bool,
    schedule: bool,
) -> tuple[str | None, Context | None]:
    """Why an active session must end now: the connection changed, or the session was silent
    so long that it counts as abandoned (a later run may already have taken over)."""
    liveness = session_store.Liveness(
        session.ticket, session.created_at, session.updated_at, in_flight
    )
    if now >= takeover_at(settings, liveness):
        fact = (
            f"qbdsync: this session went silent at {session.updated_at:%H:%M:%S} UTC; nothing "
            "more is stored from it."
        )
        return web_connector_text(entries_service.SESSION_SILENT, fact), None
    return connection_stop(conn, session.connection_id, now, schedule=schedule)


def take_over(
    conn: Connection, previous: session_store.Liveness, connection_id: str, key: str, now: datetime
) -> None:
    """Mark the session `admission` found silent past its limit abandoned, so this one may
    start. Only that one, as it was read: a session that started meanwhile (a racing driver)
    or one that called back is left active, and the unique index refuses this start."""
    message = (
        f"The Web Connector session started {previous.created_at:%Y-%m-%d %H:%M} "
        f"UTC went silent at {previous.updated_at:%H:%M:%S} UTC (a crashed or "
        "stopped Web Connector); the next update took over and resumed its work."
    )
    if not session_store.abandon(conn, previous, message, now):
        return  # it came back: still active, so the unique index refuses this session
    log.warning("connection %s: %s", connection_id, message)
    record_store.add_errors(
        conn,
        connection_id,
        key,
        [SyncErrorRow(None, None, None, Recovery.RETRY_NEXT_SESSION, message)],
        now,
    )
