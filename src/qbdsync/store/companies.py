"""Companies, connections and deployment metadata: the only SQL for them."""

from __future__ import annotations

import contextlib
import secrets
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine, Table, delete, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from qbdsync.errors import NotFound
from qbdsync.guids import braced_guid
from qbdsync.store.tables import companies, connections, meta
from qbdsync.store.types import stored_utc

OWNER_ID_KEY = "qbwc_owner_id"
TICKET_SECRET_KEY = "qbwc_ticket_secret"  # noqa: S105 (a key name, not a secret)


@dataclass(frozen=True, slots=True)
class CompanyRow:
    id: str
    name: str
    description: str | None
    created_at: datetime
    sync_mode: str | None = None
    sync_window: str | None = None
    sync_window_days: str | None = None
    timezone: str | None = None
    client_id: str | None = None
    tags: dict[str, str] | None = None
    updated_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ConnectionRow:
    id: str
    company_id: str
    username: str
    file_id: str
    status: str
    created_at: datetime
    linked_at: datetime | None
    last_sync_at: datetime | None
    next_sync_at: datetime | None
    qb_product: str | None
    qb_country: str | None
    qbxml_version: str | None
    company_file: str | None
    last_error: str | None
    paused_until: datetime | None
    link_expires_at: datetime | None
    password_revealed_at: datetime | None
    pending_pushes: int = 0  # push operations waiting to be sent (kept by store.pushes)
    # Until then a health check waits to be sent (kept by store.health_checks).
    health_check_until: datetime | None = None
    # The connector's last call, and its last session that completed (coalesced writes).
    last_request_at: datetime | None = None
    last_successful_request_at: datetime | None = None
    # The health state last announced by the health watch, and when it became that.
    health_state: str | None = None
    health_changed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class AuthRow:
    """Exactly what authenticate needs: one indexed read on the idle-poll hot path."""

    id: str
    password_digest: bytes
    status: str
    next_sync_at: datetime | None
    paused_until: datetime | None
    sync_window: str | None
    sync_window_days: str | None
    timezone: str | None
    pending_pushes: int = 0
    health_check_until: datetime | None = None


def _meta_value(conn: Connection, key: str, make: Callable[[], str]) -> str:
    """A deployment-wide value, made once. Several workers may start together on a fresh
    database, so the insert yields to whichever came first."""
    value = conn.execute(select(meta.c.value).where(meta.c.key == key)).scalar()
    if value is not None:
        return str(value)
    insert_stmt = (
        pg_insert(meta) if conn.dialect.name == "postgresql" else sqlite_insert(meta)
    ).values(key=key, value=make())
    conn.execute(insert_stmt.on_conflict_do_nothing(index_elements=[meta.c.key]))
    return str(conn.execute(select(meta.c.value).where(meta.c.key == key)).scalar_one())


def owner_id(conn: Connection) -> str:
    """The deployment's OwnerID: made once, never changed (QBWC keys its DataExt on it)."""
    return _meta_value(conn, OWNER_ID_KEY, braced_guid)


def ticket_secret(conn: Connection) -> bytes:
    """The deployment's ticket-signing secret, shared by every server process."""
    return bytes.fromhex(_meta_value(conn, TICKET_SECRET_KEY, lambda: secrets.token_hex(32)))


def create_company(
    conn: Connection,
    name: str,
    description: str | None,
    now: datetime,
    *,
    client_id: str | None = None,
    tags: dict[str, str] | None = None,
) -> str:
    company_id = str(uuid.uuid4())
    conn.execute(
        insert(companies).values(
            id=company_id,
            name=name,
            description=description,
            created_at=now,
            updated_at=now,
            client_id=client_id,
            tags=tags or {},
        )
    )
    return company_id


_COMPANY_COLUMNS = (
    companies.c.id,
    companies.c.name,
    companies.c.description,
    companies.c.created_at,
    companies.c.sync_mode,
    companies.c.sync_window,
    companies.c.sync_window_days,
    companies.c.timezone,
    companies.c.client_id,
    companies.c.tags,
    companies.c.updated_at,
)


def update_company(conn: Connection, company_id: str, now: datetime, **values: object) -> None:
    get_company(conn, company_id)
    conn.execute(
        update(companies).where(companies.c.id == company_id).values(updated_at=now, **values)
    )


def get_company(conn: Connection, company_id: str, client_id: str | None = None) -> CompanyRow:
    """A company; with `client_id`, only if that tenant owns it (else NotFound, never 403)."""
    query = select(*_COMPANY_COLUMNS).where(companies.c.id == company_id)
    if client_id is not None:
        query = query.where(companies.c.client_id == client_id)
    row = conn.execute(query).first()
    if row is None:
        raise NotFound(f"no company with id {company_id}")
    return CompanyRow(*row)


def _lock_row(conn: Connection, table: Table, key: str, columns: tuple[Any, ...]) -> Any:
    """Lock one row of `table` until the caller's transaction ends; the row, or None.

    Operator actions read a row and then write depending on what they read (is the type already
    queued? is there a window?); two at once must not both act on the same reading. PostgreSQL:
    SELECT … FOR NO KEY UPDATE, the lock an UPDATE of the row takes (so it does not block rows
    that merely reference it, such as a session's inserts). SQLite has one writer at a time, and
    its transaction begins at the first write: a no-op UPDATE first makes every read after it
    part of a write transaction no one else can interleave with.
    """
    query = select(*columns).where(table.c.id == key)
    if conn.dialect.name == "postgresql":
        return conn.execute(query.with_for_update(key_share=True)).first()
    # A column no key or index holds, set to itself: nothing changes, but the write lock is ours.
    touch = table.c.created_at
    touched = conn.execute(update(table).where(table.c.id == key).values({touch: touch}))
    return conn.execute(query).first() if touched.rowcount else None


def lock_company(conn: Connection, company_id: str, client_id: str | None = None) -> CompanyRow:
    """The company, locked until the transaction ends (NotFound as get_company)."""
    row = _lock_row(conn, companies, company_id, _COMPANY_COLUMNS)
    if row is None or (client_id is not None and row.client_id != client_id):
        raise NotFound(f"no company with id {company_id}")
    return CompanyRow(*row)


def lock_connection(conn: Connection, connection_id: str) -> ConnectionRow:
    """The connection, locked until the transaction ends: operator actions on one connection
    (and its pull queue) happen one after the other."""
    row = _lock_row(conn, connections, connection_id, _CONNECTION_COLUMNS)
    if row is None:
        raise NotFound(f"no connection with id {connection_id}")
    return _connection(row)


def delete_company(conn: Connection, company_id: str) -> None:
    conn.execute(delete(companies).where(companies.c.id == company_id))


def list_companies(conn: Connection, client_id: str | None = None) -> list[CompanyRow]:
    query = select(*_COMPANY_COLUMNS).order_by(companies.c.created_at, companies.c.id)
    if client_id is not None:
        query = query.where(companies.c.client_id == client_id)
    return [CompanyRow(*row) for row in conn.execute(query)]


def create_connection(
    conn: Connection,
    *,
    company_id: str,
    username: str,
    password_digest: bytes | None,
    now: datetime,
) -> ConnectionRow:
    get_company(conn, company_id)
    connection_id = str(uuid.uuid4())
    conn.execute(
        insert(connections).values(
            id=connection_id,
            company_id=company_id,
            username=username,
            password_digest=password_digest,
            file_id=braced_guid(),
            status="PendingAuth",
            created_at=now,
        )
    )
    return get_connection(conn, connection_id)


_CONNECTION_COLUMNS = (
    connections.c.id,
    connections.c.company_id,
    connections.c.username,
    connections.c.file_id,
    connections.c.status,
    connections.c.created_at,
    connections.c.linked_at,
    connections.c.last_sync_at,
    connections.c.next_sync_at,
    connections.c.qb_product,
    connections.c.qb_country,
    connections.c.qbxml_version,
    connections.c.company_file,
    connections.c.last_error,
    connections.c.paused_until,
    connections.c.link_expires_at,
    connections.c.password_revealed_at,
    connections.c.pending_pushes,
    connections.c.health_check_until,
    connections.c.last_request_at,
    connections.c.last_successful_request_at,
    connections.c.health_state,
    connections.c.health_changed_at,
)


def _connection(row: Any) -> ConnectionRow:
    return ConnectionRow(**row._asdict())


def get_connection(conn: Connection, connection_id: str) -> ConnectionRow:
    row = conn.execute(
        select(*_CONNECTION_COLUMNS).where(connections.c.id == connection_id)
    ).first()
    if row is None:
        raise NotFound(f"no connection with id {connection_id}")
    return _connection(row)


def list_connections(conn: Connection, company_id: str | None = None) -> list[ConnectionRow]:
    query = select(*_CONNECTION_COLUMNS).order_by(connections.c.created_at, connections.c.id)
    if company_id is not None:
        query = query.where(connections.c.company_id == company_id)
    return [_connection(row) for row in conn.execute(query)]


def _auth_sql(mark: str) -> str:
    return (
        "SELECT connections.id, connections.password_digest, connections.status, "
        "connections.next_sync_at, connections.paused_until, companies.sync_window, "
        "companies.sync_window_days, companies.timezone, connections.pending_pushes, "
        "connections.health_check_until "
        "FROM connections "
        "JOIN companies ON companies.id = connections.company_id "
        f"WHERE connections.username = {mark}"
    )


_AUTH_SQL = {"sqlite": _auth_sql("?"), "postgresql": _auth_sql("%s")}


def _driver_datetime(value: object) -> datetime | None:
    """A UTC column as the driver returns it (PostgreSQL a datetime, SQLite the text that
    SQLAlchemy wrote), as aware UTC like every other read."""
    if value is None:
        return None
    return stored_utc(value if isinstance(value, datetime) else datetime.fromisoformat(str(value)))


def _auth_row(row: Any) -> AuthRow | None:
    if row is None or row[1] is None:
        return None  # unknown, or no password revealed yet: nobody can authenticate
    return AuthRow(
        id=row[0],
        password_digest=bytes(row[1]),
        status=row[2],
        next_sync_at=_driver_datetime(row[3]),
        paused_until=_driver_datetime(row[4]),
        sync_window=row[5],
        sync_window_days=row[6],
        timezone=row[7],
        pending_pushes=int(row[8] or 0),
        health_check_until=_driver_datetime(row[9]),
    )


class AuthReader:
    """The idle-poll read on a connection of its own per thread, straight to the driver.

    authenticate runs on every poll of every Web Connector (thousands a second); a pool
    checkout, SQLAlchemy's statement machinery and the reset on return cost several times the
    query itself. Each thread keeps one DBAPI connection (autocommit on PostgreSQL, so no
    transaction stays open; a plain SELECT on SQLite opens none) and reconnects if it breaks.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._sql = _AUTH_SQL[engine.dialect.name]
        self._local = threading.local()

    def _connection(self) -> Any:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._engine.raw_connection()
            if self._engine.dialect.name == "postgresql":
                conn.driver_connection.autocommit = True  # type: ignore[union-attr]
            self._local.conn = conn
        return conn

    def find(self, username: str) -> AuthRow | None:
        for attempt in (1, 2):
            conn = self._connection()
            try:
                cursor = conn.cursor()
                try:
                    cursor.execute(self._sql, (username,))
                    return _auth_row(cursor.fetchone())
                finally:
                    cursor.close()
            except self._engine.dialect.loaded_dbapi.Error:
                # A dropped connection (database restart): start a fresh one, once.
                self._local.conn = None
                with contextlib.suppress(Exception):
                    conn.invalidate()
                if attempt == 2:
                    raise
        return None


def update_connection(conn: Connection, connection_id: str, **values: object) -> None:
    conn.execute(update(connections).where(connections.c.id == connection_id).values(**values))


def connection_by_link(conn: Connection, token_digest: bytes) -> ConnectionRow | None:
    row = conn.execute(
        select(*_CONNECTION_COLUMNS).where(connections.c.link_token_digest == token_digest)
    ).first()
    return _connection(row) if row is not None else None


def delete_connection(conn: Connection, connection_id: str) -> None:
    conn.execute(delete(connections).where(connections.c.id == connection_id))


def claim_password_reveal(
    conn: Connection, connection_id: str, password_digest: bytes, now: datetime
) -> bool:
    """Set a new password digest unless this link's password was already revealed (atomic)."""
    result = conn.execute(
        update(connections)
        .where(connections.c.id == connection_id)
        .where(connections.c.password_revealed_at.is_(None))
        .values(password_digest=password_digest, password_revealed_at=now)
    )
    return bool(result.rowcount)


def link_nonce(conn: Connection, connection_id: str) -> str | None:
    value = conn.execute(
        select(connections.c.link_nonce).where(connections.c.id == connection_id)
    ).scalar()
    return str(value) if value is not None else None
