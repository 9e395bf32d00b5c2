"""Pull operations (one queued or scheduled sync of one data type): the only SQL for them."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, func, insert, select, update

from qbdsync.statuses import ACTIVE_PULL_STATUSES, PullStatus
from qbdsync.store import companies as company_store
from qbdsync.store.tables import pull_operations


@dataclass(frozen=True, slots=True)
class PullRow:
    id: str
    company_id: str
    connection_id: str
    data_type: str
    status: str
    status_description: str | None
    error_message: str | None
    requested: datetime
    completed: datetime | None
    progress: int
    attempts: int
    ticket: str | None
    records: int
    datasets_done: list[str] | None


_COLUMNS = tuple(pull_operations.c[name] for name in PullRow.__slots__)


def _row(row: Any) -> PullRow:
    return PullRow(**row._asdict())


def queue(
    conn: Connection,
    *,
    company_id: str,
    connection_id: str,
    data_types: Iterable[str],
    now: datetime,
    description: str = "Waiting for the connector",
) -> list[PullRow]:
    """Queue each type unless it is already queued or being fetched (no duplicates).

    "Already queued" is a read before the insert: the connection's row is locked first, so two
    queuings at once (an API refresh beside a CLI one, or beside the scheduler) take turns and
    the second sees the first's rows.
    """
    company_store.lock_connection(conn, connection_id)
    active = {r.data_type: r for r in active_for(conn, connection_id)}
    result: list[PullRow] = []
    for data_type in data_types:
        if data_type in active:
            result.append(active[data_type])
            continue
        pull_id = str(uuid.uuid4())
        conn.execute(
            insert(pull_operations).values(
                id=pull_id,
                company_id=company_id,
                connection_id=connection_id,
                data_type=data_type,
                status=PullStatus.QUEUED,
                status_description=description,
                requested=now,
                progress=0,
                attempts=0,
                records=0,
            )
        )
        result.append(get(conn, pull_id))
    return result


def get(conn: Connection, pull_id: str) -> PullRow:
    row = conn.execute(select(*_COLUMNS).where(pull_operations.c.id == pull_id)).one()
    return _row(row)


def get_if(conn: Connection, pull_id: str) -> PullRow | None:
    row = conn.execute(select(*_COLUMNS).where(pull_operations.c.id == pull_id)).first()
    return _row(row) if row is not None else None


def active_for(conn: Connection, connection_id: str) -> list[PullRow]:
    rows = conn.execute(
        select(*_COLUMNS)
        .where(pull_operations.c.connection_id == connection_id)
        .where(pull_operations.c.status.in_(ACTIVE_PULL_STATUSES))
        .order_by(pull_operations.c.requested, pull_operations.c.id)
    )
    return [_row(r) for r in rows]


def list_for_company(
    conn: Connection,
    company_id: str,
    *,
    limit: int = 200,
    offset: int = 0,
    data_type: str | None = None,
) -> list[PullRow]:
    query = select(*_COLUMNS).where(pull_operations.c.company_id == company_id)
    if data_type is not None:
        query = query.where(pull_operations.c.data_type == data_type)
    rows = conn.execute(
        query.order_by(pull_operations.c.requested.desc(), pull_operations.c.data_type)
        .limit(limit)
        .offset(offset)
    )
    return [_row(r) for r in rows]


def update_pull(conn: Connection, pull_id: str, **values: Any) -> None:
    conn.execute(update(pull_operations).where(pull_operations.c.id == pull_id).values(**values))


def last_success(conn: Connection, connection_id: str) -> dict[str, datetime]:
    """When each data type last completed on this connection."""
    rows = conn.execute(
        select(pull_operations.c.data_type, func.max(pull_operations.c.completed))
        .where(
            and_(
                pull_operations.c.connection_id == connection_id,
                pull_operations.c.status == PullStatus.COMPLETE,
            )
        )
        .group_by(pull_operations.c.data_type)
    )
    return {data_type: when for data_type, when in rows if when is not None}


def latest_by_type(conn: Connection, company_id: str) -> dict[str, PullRow]:
    """The newest operation of each data type (for dataStatus-like views)."""
    latest: dict[str, PullRow] = {}
    for row in list_for_company(conn, company_id, limit=10_000):
        latest.setdefault(row.data_type, row)
    return latest
