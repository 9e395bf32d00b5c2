"""Operator actions on the sync lifecycle: queue syncs, pause and resume, re-link, modes,
unlink and delete.

Shared by the CLI and the REST API so both behave the same. Each action works on the caller's
connection inside the caller's transaction (the caller opens one `engine.begin()` per unit of
work) and emits its webhook event there, so the change and its event commit together or not at
all. Each locks the row it acts on first (store.companies.lock_connection / lock_company), so
two actions on one connection at once take turns instead of acting on the same stale reading.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection

from qbdsync.errors import InvalidValue, NotFound
from qbdsync.linking import NewConnection, build_qwc, emit_connection_event, queue_first_link
from qbdsync.qbwc.credentials import digest_password, generate_password
from qbdsync.qbwc.qwc import render_qwc
from qbdsync.settings import Settings
from qbdsync.statuses import INACTIVE_CONNECTION_STATUSES, ConnectionStatus
from qbdsync.store import companies as company_store
from qbdsync.store import pulls as pull_store
from qbdsync.store.companies import CompanyRow, ConnectionRow
from qbdsync.store.pulls import PullRow
from qbdsync.sync.datatypes import data_types
from qbdsync.sync.schedule import SyncWindow
from qbdsync.views import company_reference
from qbdsync.webhooks import events

SYNC_MODES = ("ongoing", "one-time")


def _now() -> datetime:
    return datetime.now(UTC)


def queue_sync(
    conn: Connection,
    company_id: str,
    *,
    data_type: str | None = None,
    connection_id: str | None = None,
    now: datetime | None = None,
) -> list[PullRow]:
    """Queue a pull of one data type (or of every one) on the company's active connections.

    The next Web Connector poll picks it up; until then each operation is Queued with
    "Waiting for the connector". A derived type (bankAccounts) queues its source.
    """
    now = now or _now()
    known = data_types()
    if data_type is not None and data_type not in known:
        raise InvalidValue(f"unknown data type {data_type!r}; known: {', '.join(sorted(known))}")
    company_store.get_company(conn, company_id)
    connections = [
        c
        for c in company_store.list_connections(conn, company_id)
        if connection_id is None or c.id == connection_id
    ]
    if connection_id is not None and not connections:
        raise NotFound(f"no connection {connection_id} in company {company_id}")
    types = [data_type] if data_type is not None else list(known)
    queued: list[PullRow] = []
    for listed in connections:
        # Locked before its status is trusted: an unlink committed meanwhile is seen.
        connection = company_store.lock_connection(conn, listed.id)
        if connection.status in INACTIVE_CONNECTION_STATUSES:
            continue
        queued += pull_store.queue(
            conn,
            company_id=company_id,
            connection_id=connection.id,
            data_types=types,
            now=now,
        )
        company_store.update_connection(conn, connection.id, next_sync_at=None)
    return queued


def request_sync(conn: Connection, connection_id: str) -> list[PullRow]:
    """Queue every data type on one connection (a manual refresh of everything)."""
    connection = company_store.get_connection(conn, connection_id)
    return queue_sync(conn, connection.company_id, connection_id=connection_id)


def pause(conn: Connection, connection_id: str, until: datetime) -> ConnectionRow:
    """No sync until `until`: authenticate answers "none" and a session already running
    stops at its next request (the session re-reads the connection)."""
    company_store.lock_connection(conn, connection_id)
    company_store.update_connection(conn, connection_id, paused_until=until)
    return company_store.get_connection(conn, connection_id)


def resume(conn: Connection, connection_id: str) -> ConnectionRow:
    company_store.lock_connection(conn, connection_id)
    company_store.update_connection(conn, connection_id, paused_until=None)
    return company_store.get_connection(conn, connection_id)


def relink(conn: Connection, settings: Settings, connection_id: str) -> NewConnection:
    """Link the same company file again (e.g. after a one-time sync): same ids, same data.

    A new password replaces the old one; the FileID stays, so the file QuickBooks already
    carries keeps matching.
    """
    settings.checked_public_url()
    password = generate_password()
    now = _now()
    company_store.lock_connection(conn, connection_id)
    company_store.update_connection(
        conn,
        connection_id,
        password_digest=digest_password(password),
        status=ConnectionStatus.PENDING_AUTH,
        last_error=None,
        paused_until=None,
    )
    connection = company_store.get_connection(conn, connection_id)
    queue_first_link(conn, connection, now)
    connection = company_store.get_connection(conn, connection_id)
    owner_id = company_store.owner_id(conn)
    company = company_store.get_company(conn, connection.company_id)
    # Rendered before the caller commits: a .qwc that cannot be made rolls the new password
    # back instead of replacing the old one with one nobody was shown.
    qwc = render_qwc(build_qwc(settings, connection, owner_id, company.name))
    return NewConnection(connection=connection, password=password, qwc=qwc)


@dataclass(frozen=True, slots=True)
class CompanySyncOptions:
    sync_mode: str | None = None
    sync_window: str | None = None  # "" clears it
    sync_window_days: str | None = None
    timezone: str | None = None


def set_company_options(conn: Connection, company_id: str, options: CompanySyncOptions) -> None:
    # Locked: new days are checked against the window read here, not one changed meanwhile.
    company = company_store.lock_company(conn, company_id)
    values: dict[str, object] = {}
    if options.sync_mode is not None:
        if options.sync_mode not in (*SYNC_MODES, ""):
            raise InvalidValue(f"sync mode must be one of {', '.join(SYNC_MODES)}")
        values["sync_mode"] = options.sync_mode or None
    if options.sync_window is not None:
        if options.sync_window:
            SyncWindow.parse(options.sync_window, options.sync_window_days, options.timezone)
        values["sync_window"] = options.sync_window or None
        values["sync_window_days"] = options.sync_window_days or None
    if options.timezone is not None:
        SyncWindow.parse("00:00-00:01", None, options.timezone)  # validates the zone
        values["timezone"] = options.timezone or None
    if options.sync_window is None and options.sync_window_days is not None:
        # New days for the window the company already has.
        window = company.sync_window
        if window is None and options.sync_window_days:
            raise InvalidValue("window days need a sync window: give the window too")
        if window is not None:
            SyncWindow.parse(window, options.sync_window_days or None, options.timezone)
        values["sync_window_days"] = options.sync_window_days or None
    if values:
        company_store.update_company(conn, company_id, _now(), **values)


# -- unlink and delete: the same for the API (scoped to the caller's tenant) and the CLI ------


def _company_and_connection(
    conn: Connection, connection_id: str, company_id: str | None, client_id: str | None
) -> tuple[CompanyRow, ConnectionRow]:
    """The connection (locked) and its company; NotFound when either is not there for this
    caller.

    With `company_id` (the API's path) the company is checked first, so another tenant's
    company reads as missing before anything about its connections is said.
    """
    if company_id is not None:
        company = company_store.get_company(conn, company_id, client_id=client_id)
    connection = company_store.lock_connection(conn, connection_id)
    if company_id is None:
        company = company_store.get_company(conn, connection.company_id, client_id=client_id)
    elif connection.company_id != company_id:
        raise NotFound(f"no connection with id {connection_id}")
    return company, connection


def unlink_connection(
    conn: Connection,
    settings: Settings,
    connection_id: str,
    *,
    company_id: str | None = None,
    client_id: str | None = None,
) -> ConnectionRow:
    """Stop syncing a connection (status Unlinked; its data stays). The Web Connector is told
    there is nothing to do; `relink` links the same company file again."""
    company, connection = _company_and_connection(conn, connection_id, company_id, client_id)
    company_store.update_connection(conn, connection.id, status=ConnectionStatus.UNLINKED)
    connection = company_store.get_connection(conn, connection.id)
    emit_connection_event(
        conn, settings, events.CONNECTION_DISCONNECTED, company, connection, _now()
    )
    return connection


def delete_connection(
    conn: Connection,
    settings: Settings,
    connection_id: str,
    *,
    company_id: str | None = None,
    client_id: str | None = None,
) -> ConnectionRow:
    """Delete a connection with its records, pull history and errors; returns what it was."""
    company, connection = _company_and_connection(conn, connection_id, company_id, client_id)
    # The event describes the connection as it was, so it is built before the delete.
    emit_connection_event(conn, settings, events.CONNECTION_DELETED, company, connection, _now())
    company_store.delete_connection(conn, connection.id)
    return connection


def delete_company(
    conn: Connection, company_id: str, *, client_id: str | None = None
) -> CompanyRow:
    """Delete a company with its connections and all their data; returns what it was."""
    company = company_store.lock_company(conn, company_id, client_id=client_id)
    company_store.delete_company(conn, company_id)
    if company.client_id is not None:
        events.emit(
            conn,
            client_id=company.client_id,
            event_type=events.COMPANY_DELETED,
            payload={"referenceCompany": company_reference(company)},
            company_tags=company.tags,
            now=_now(),
        )
    return company
