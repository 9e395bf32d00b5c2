"""Push operations (writes into QuickBooks waiting for, or done by, the connector): the only SQL
for them.

Every function works on the caller's connection inside the caller's transaction. Whatever
changes which pushes are Pending ends with `refresh_pending_count`, so the connection's
`pending_pushes` (what authenticate reads to decide whether a poll has work) commits with it.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, func, insert, select, update

from qbdsync.push.kinds import PushAction
from qbdsync.statuses import PushStatus
from qbdsync.store.tables import connections, push_operations

# What a pending push's statusCode says (Codat's: accepted, not yet done).
PENDING_STATUS_CODE = 202
# A provisional record id: never a QuickBooks ListID/TxnID ("80000001-1234567890").
PROVISIONAL_PREFIX = "qbdsync-pending-"


@dataclass(frozen=True, slots=True)
class PushRow:
    seq: int
    push_key: str
    company_id: str
    connection_id: str
    data_type: str
    action: str
    payload: dict[str, Any]
    record_id: str | None
    provisional_id: str | None
    external_guid: str | None
    status: str
    status_code: int
    error_message: str | None
    validation: dict[str, Any] | None
    changes: list[dict[str, Any]] | None
    requested_at: datetime
    completed_at: datetime | None
    timeout_in_minutes: int | None
    expires_at: datetime | None
    force_update: bool
    depends_on: list[str]
    message_set_id: str | None
    sent_at: datetime | None
    attempts: int  # sends QuickBooks may have applied
    lock_retries: int  # sessions in which QuickBooks refused it as locked (never applied)
    result_record_id: str | None

    @property
    def pending(self) -> bool:
        return self.status == PushStatus.PENDING


_COLUMNS = tuple(push_operations.c[name] for name in PushRow.__slots__)


def _row(row: Any) -> PushRow:
    values = row._asdict()
    values["depends_on"] = list(values["depends_on"] or [])
    values["force_update"] = bool(values["force_update"])
    return PushRow(**values)


def is_provisional(record_id: str) -> bool:
    return record_id.startswith(PROVISIONAL_PREFIX)


def new_provisional_id() -> str:
    return PROVISIONAL_PREFIX + uuid.uuid4().hex


def insert_push(
    conn: Connection,
    *,
    company_id: str,
    connection_id: str,
    data_type: str,
    action: PushAction,
    payload: dict[str, Any],
    now: datetime,
    record_id: str | None = None,
    provisional_id: str | None = None,
    external_guid: str | None = None,
    timeout_in_minutes: int | None = None,
    force_update: bool = False,
    depends_on: Sequence[str] = (),
    validation: dict[str, Any] | None = None,
) -> PushRow:
    """A new Pending push; the caller refreshes the connection's pending count."""
    push_key = str(uuid.uuid4())
    expires_at = None if timeout_in_minutes is None else now + timedelta(minutes=timeout_in_minutes)
    conn.execute(
        insert(push_operations).values(
            push_key=push_key,
            company_id=company_id,
            connection_id=connection_id,
            data_type=data_type,
            action=str(action),
            payload=payload,
            record_id=record_id,
            provisional_id=provisional_id,
            external_guid=external_guid,
            status=PushStatus.PENDING,
            status_code=PENDING_STATUS_CODE,
            validation=validation,
            requested_at=now,
            timeout_in_minutes=timeout_in_minutes,
            expires_at=expires_at,
            force_update=force_update,
            depends_on=list(depends_on),
            attempts=0,
            lock_retries=0,
        )
    )
    found = get_push(conn, push_key)
    assert found is not None  # just inserted, in this transaction
    return found


def get_push(conn: Connection, push_key: str) -> PushRow | None:
    row = conn.execute(select(*_COLUMNS).where(push_operations.c.push_key == push_key)).first()
    return _row(row) if row is not None else None


def get_pushes(conn: Connection, push_keys: Sequence[str]) -> dict[str, PushRow]:
    if not push_keys:
        return {}
    rows = conn.execute(select(*_COLUMNS).where(push_operations.c.push_key.in_(list(push_keys))))
    return {r.push_key: r for r in map(_row, rows)}


def by_provisional_id(conn: Connection, provisional_id: str) -> PushRow | None:
    row = conn.execute(
        select(*_COLUMNS).where(push_operations.c.provisional_id == provisional_id)
    ).first()
    return _row(row) if row is not None else None


def pending_for_connection(
    conn: Connection,
    connection_id: str,
    *,
    data_types: Sequence[str] | None = None,
    actions: Sequence[PushAction] | None = None,
) -> list[PushRow]:
    """The connection's Pending pushes in creation order, which puts every prerequisite before
    the pushes that wait for it (the order the outbox sends them in); only of these data types
    and actions when given."""
    query = (
        select(*_COLUMNS)
        .where(push_operations.c.connection_id == connection_id)
        .where(push_operations.c.status == PushStatus.PENDING)
    )
    if data_types is not None:
        query = query.where(push_operations.c.data_type.in_(list(data_types)))
    if actions is not None:
        query = query.where(push_operations.c.action.in_([str(a) for a in actions]))
    rows = conn.execute(query.order_by(push_operations.c.seq))
    return [_row(r) for r in rows]


def list_for_company(
    conn: Connection, company_id: str, *, limit: int = 10_000, offset: int = 0
) -> list[PushRow]:
    """A company's pushes, newest first."""
    rows = conn.execute(
        select(*_COLUMNS)
        .where(push_operations.c.company_id == company_id)
        .order_by(push_operations.c.requested_at.desc(), push_operations.c.seq.desc())
        .limit(limit)
        .offset(offset)
    )
    return [_row(r) for r in rows]


def expired(
    conn: Connection,
    now: datetime,
    *,
    connection_id: str | None = None,
    company_id: str | None = None,
    limit: int = 500,
) -> list[PushRow]:
    """Pending pushes past their expiry that were never sent (a sent one may have been applied
    by QuickBooks: only its recovery may settle it), oldest first."""
    query = (
        select(*_COLUMNS)
        .where(push_operations.c.status == PushStatus.PENDING)
        .where(push_operations.c.expires_at <= now)
        .where(push_operations.c.sent_at.is_(None))
    )
    if connection_id is not None:
        query = query.where(push_operations.c.connection_id == connection_id)
    if company_id is not None:
        query = query.where(push_operations.c.company_id == company_id)
    rows = conn.execute(query.order_by(push_operations.c.seq).limit(limit))
    return [_row(r) for r in rows]


def pending_target(
    conn: Connection, connection_id: str, data_type: str, record_id: str
) -> list[PushRow]:
    """Pending updates and deletes of one record (a later change to it waits for them)."""
    rows = conn.execute(
        select(*_COLUMNS).where(
            and_(
                push_operations.c.connection_id == connection_id,
                push_operations.c.status == PushStatus.PENDING,
                push_operations.c.data_type == data_type,
                push_operations.c.record_id == record_id,
            )
        )
    )
    return [_row(r) for r in rows]


def update_push(conn: Connection, push_key: str, **values: Any) -> None:
    conn.execute(
        update(push_operations).where(push_operations.c.push_key == push_key).values(**values)
    )


def finish(
    conn: Connection,
    push_key: str,
    *,
    status: PushStatus,
    status_code: int,
    now: datetime,
    error_message: str | None = None,
    validation: dict[str, Any] | None = None,
    changes: list[dict[str, Any]] | None = None,
    result_record_id: str | None = None,
) -> bool:
    """Move a Pending push to its final status; False when it was not Pending any more (another
    process settled it first: the first answer stands)."""
    result = conn.execute(
        update(push_operations)
        .where(push_operations.c.push_key == push_key)
        .where(push_operations.c.status == PushStatus.PENDING)
        .values(
            status=status,
            status_code=status_code,
            completed_at=now,
            error_message=error_message,
            validation=validation,
            changes=changes,
            result_record_id=result_record_id,
        )
    )
    return bool(result.rowcount)


# Keys per statement in `finish_many`: well inside SQLite's limit of bound parameters.
_FINISH_BATCH = 500


def finish_many(
    conn: Connection,
    push_keys: Sequence[str],
    *,
    status: PushStatus,
    status_code: int,
    now: datetime,
    error_message: str | None = None,
    validation: dict[str, Any] | None = None,
) -> list[str]:
    """Move the Pending ones of `push_keys` to one final status with one message, as `finish`
    does one push; returns the keys it moved (the others were settled first by another
    process: the first answer stands)."""
    moved: list[str] = []
    for start in range(0, len(push_keys), _FINISH_BATCH):
        batch = list(push_keys[start : start + _FINISH_BATCH])
        result = conn.execute(
            update(push_operations)
            .where(push_operations.c.push_key.in_(batch))
            .where(push_operations.c.status == PushStatus.PENDING)
            .values(
                status=status,
                status_code=status_code,
                completed_at=now,
                error_message=error_message,
                validation=validation,
                changes=None,
                result_record_id=None,
            )
            .returning(push_operations.c.push_key)
        )
        moved += result.scalars()
    return moved


def mark_sent(conn: Connection, push_key: str, message_set_id: str, now: datetime) -> None:
    """The session step sent it in `message_set_id`: from now on only recovery settles it."""
    conn.execute(
        update(push_operations)
        .where(push_operations.c.push_key == push_key)
        .values(
            message_set_id=message_set_id,
            sent_at=now,
            attempts=push_operations.c.attempts + 1,
        )
    )


def refresh_pending_count(conn: Connection, connection_id: str) -> int:
    """Count the connection's Pending pushes again (an indexed count) and store it on the
    connection: recounted, never incremented, so it cannot drift."""
    count = conn.execute(
        select(func.count())
        .select_from(push_operations)
        .where(push_operations.c.connection_id == connection_id)
        .where(push_operations.c.status == PushStatus.PENDING)
    ).scalar_one()
    conn.execute(
        update(connections)
        .where(connections.c.id == connection_id)
        .values(pending_pushes=int(count))
    )
    return int(count)


def release_sent(conn: Connection, push_key: str) -> None:
    """QuickBooks answered the push's message set without applying it and asked to be tried
    again later (a record locked by another user): it is unsent again, so the next session sends
    it afresh instead of recovering a message set whose answer is already known. That send is
    counted as a lock retry, not an attempt: QuickBooks never ran it."""
    conn.execute(
        update(push_operations)
        .where(push_operations.c.push_key == push_key)
        .values(
            message_set_id=None,
            attempts=push_operations.c.attempts - 1,
            lock_retries=push_operations.c.lock_retries + 1,
        )
    )
