"""Synced records, watermarks and sync errors: the only SQL for them.

Writes are batched ``INSERT … ON CONFLICT DO UPDATE`` keyed by the QuickBooks id. A re-sent record
whose EditSequence did not change (the overlap window of an incremental sync re-reads a few) is
left untouched, so ``modified_at`` moves only when QuickBooks' data really changed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import (
    ARRAY,
    Connection,
    Text,
    and_,
    case,
    func,
    insert,
    literal,
    null,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.sql.elements import ColumnElement

from qbdsync.qbxml.status import Recovery
from qbdsync.store.tables import records, sync_errors, watermarks
from qbdsync.sync.output import RecordRow, SyncErrorRow

_COLUMNS_SQL = (
    "connection_id, data_type, record_id, edit_sequence, source_modified, is_deleted, "
    "modified_at, raw, data, mapping_error, modified_date"
)


def _upsert_statement(dialect: str) -> str:
    postgres = dialect == "postgresql"
    mark = "%s" if postgres else "?"
    json_mark = "%s::jsonb" if postgres else "?"
    distinct = "IS DISTINCT FROM" if postgres else "IS NOT"
    values = ", ".join([mark] * 7 + [json_mark, json_mark, mark, mark])
    return (
        f"INSERT INTO records ({_COLUMNS_SQL}) VALUES ({values}) "
        "ON CONFLICT (connection_id, data_type, record_id) DO UPDATE SET "
        "edit_sequence = excluded.edit_sequence, source_modified = excluded.source_modified, "
        "is_deleted = excluded.is_deleted, modified_at = excluded.modified_at, "
        "raw = excluded.raw, data = excluded.data, mapping_error = excluded.mapping_error, "
        "modified_date = excluded.modified_date "
        f"WHERE records.edit_sequence {distinct} excluded.edit_sequence "
        "OR records.is_deleted OR records.mapping_error IS NOT NULL "
        "OR records.edit_sequence IS NULL"
    )


_UPSERT_SQL = {name: _upsert_statement(name) for name in ("sqlite", "postgresql")}


def _dumps(value: Any) -> str | None:
    return None if value is None else orjson.dumps(value).decode()


def upsert_records(
    conn: Connection, connection_id: str, rows: Sequence[RecordRow], now: datetime
) -> None:
    """Insert or update a batch; unchanged re-sends (same EditSequence) are skipped."""
    if not rows:
        return
    stamp = _stamp(now)
    postgres = conn.dialect.name == "postgresql"
    # SQLAlchemy stores SQLite datetimes as this text; PostgreSQL takes the datetime itself.
    when: Any = now if postgres else now.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
    deleted: Any = False if postgres else 0
    params = []
    for row in rows:
        if row.data is not None:
            # Codat's modifiedDate is our time of change; kept inside the JSON so that API
            # queries and orderBy can use it like any other field.
            row.data["modifiedDate"] = stamp
        params.append(
            (
                connection_id,
                row.data_type,
                row.record_id,
                row.edit_sequence,
                row.source_modified,
                deleted,
                when,
                orjson.dumps(row.raw).decode(),
                _dumps(row.data),
                row.mapping_error,
                None if row.data is None else stamp,
            )
        )
    conn.exec_driver_sql(_UPSERT_SQL[conn.dialect.name], params)


def mark_deleted(
    conn: Connection, connection_id: str, data_type: str, record_ids: Iterable[str], now: datetime
) -> int:
    """Mark records deleted in QuickBooks; they stay readable with ``isDeleted``."""
    ids = list(record_ids)
    if not ids:
        return 0
    result = conn.execute(
        update(records)
        .where(
            and_(
                records.c.connection_id == connection_id,
                records.c.data_type == data_type,
                records.c.record_id.in_(ids),
                records.c.is_deleted.is_(False),
            )
        )
        .values(
            is_deleted=True,
            modified_at=now,
            data=_deleted_json(conn, now),
            # Like the JSON's modifiedDate: set where there is JSON (it stays null where not).
            modified_date=case((records.c.data.is_not(None), _stamp(now)), else_=null()),
        )
    )
    return int(result.rowcount or 0)


def _stamp(now: datetime) -> str:
    """Codat's modifiedDate for a change at `now` (kept in the JSON and in modified_date)."""
    return now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _deleted_json(conn: Connection, now: datetime) -> Any:
    """The stored JSON with metadata.isDeleted = true and a new modifiedDate, set in SQL."""
    stamp = _stamp(now)
    if conn.dialect.name == "postgresql":
        return func.jsonb_set(
            func.jsonb_set(
                records.c.data,
                literal(["metadata", "isDeleted"], ARRAY(Text)),
                literal(True, JSONB),
            ),
            literal(["modifiedDate"], ARRAY(Text)),
            func.to_jsonb(literal(stamp, Text)),
        )
    return func.json_set(
        records.c.data, "$.metadata.isDeleted", func.json("true"), "$.modifiedDate", stamp
    )


def get_watermarks(conn: Connection, connection_id: str) -> dict[str, str]:
    rows = conn.execute(
        select(watermarks.c.dataset, watermarks.c.value).where(
            watermarks.c.connection_id == connection_id
        )
    )
    return {dataset: value for dataset, value in rows}


def set_watermarks(
    conn: Connection, connection_id: str, values: Mapping[str, str], now: datetime
) -> None:
    if not values:
        return
    stmt = (
        postgresql.insert(watermarks)
        if conn.dialect.name == "postgresql"
        else sqlite.insert(watermarks)
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=[watermarks.c.connection_id, watermarks.c.dataset],
        set_={"value": stmt.excluded.value, "updated_at": stmt.excluded.updated_at},
    )
    conn.execute(
        stmt,
        [
            {"connection_id": connection_id, "dataset": k, "value": v, "updated_at": now}
            for k, v in values.items()
        ],
    )


def add_errors(
    conn: Connection,
    connection_id: str,
    ticket: str | None,
    errors: Sequence[SyncErrorRow],
    now: datetime,
) -> None:
    if not errors:
        return
    conn.execute(
        insert(sync_errors),
        [
            _error_values(e)
            | {"connection_id": connection_id, "ticket": ticket, "occurred_at": now}
            for e in errors
        ],
    )


def _error_values(error: SyncErrorRow) -> dict[str, object]:
    """The row for one error, fitted to its columns.

    Recording an error must never fail (on PostgreSQL a value too long for its column would
    abort the session's transaction, and the error would be lost with everything else): a
    label that does not fit its column moves, whole, into the message.
    """
    message = error.message
    values: dict[str, object] = {}
    for column, value in (("dataset", error.dataset), ("hresult", error.hresult)):
        limit = sync_errors.c[column].type.length  # type: ignore[attr-defined]
        fits = value is None or len(value) <= limit
        if not fits:
            message = f"[{column} {value}] {message}"
        values[column] = value if fits else None
    return values | {
        "status_code": error.status_code,
        "recovery": error.recovery,
        "message": message,
        "count": error.count,
        "sample": list(error.sample) or None,
    }


def list_errors(conn: Connection, connection_id: str, limit: int = 50) -> list[SyncErrorRow]:
    rows = conn.execute(
        select(
            sync_errors.c.dataset,
            sync_errors.c.status_code,
            sync_errors.c.hresult,
            sync_errors.c.recovery,
            sync_errors.c.message,
            sync_errors.c.count,
            sync_errors.c.sample,
        )
        .where(sync_errors.c.connection_id == connection_id)
        .order_by(sync_errors.c.id.desc())
        .limit(limit)
    )
    return [
        SyncErrorRow(*row[:3], Recovery(row[3]), *row[4:6], sample=tuple(row[6] or ()))
        for row in rows
    ]


def count_by_type(
    conn: Connection, connection_id: str, *, include_deleted: bool = False
) -> dict[str, int]:
    query = (
        select(records.c.data_type, func.count())
        .where(records.c.connection_id == connection_id)
        .group_by(records.c.data_type)
    )
    if not include_deleted:
        query = query.where(records.c.is_deleted.is_(False))
    return {data_type: int(n) for data_type, n in conn.execute(query)}


def iter_records(
    conn: Connection, connection_id: str, data_type: str, *, include_deleted: bool = True
) -> list[dict[str, Any]]:
    """Every stored record of one type (tests and the CLI; the API pages in SQL)."""
    query = select(
        records.c.record_id,
        records.c.edit_sequence,
        records.c.is_deleted,
        records.c.raw,
        records.c.data,
        records.c.mapping_error,
        records.c.modified_at,
    ).where(and_(records.c.connection_id == connection_id, records.c.data_type == data_type))
    if not include_deleted:
        query = query.where(records.c.is_deleted.is_(False))
    return [
        {
            "id": r[0],
            "edit_sequence": r[1],
            "is_deleted": bool(r[2]),
            "raw": r[3],
            "data": r[4],
            "mapping_error": r[5],
            "modified_at": r[6],
        }
        for r in conn.execute(query.order_by(records.c.record_id))
    ]


def live_ids(conn: Connection, connection_id: str, data_type: str) -> list[str]:
    """Ids of the records of one type that are not deleted."""
    rows = conn.execute(
        select(records.c.record_id).where(
            and_(
                records.c.connection_id == connection_id,
                records.c.data_type == data_type,
                records.c.is_deleted.is_(False),
            )
        )
    )
    return [r[0] for r in rows]


def sorted_columns(dialect: str) -> dict[tuple[str, ...], ColumnElement[Any]]:
    """The JSON properties of every mapped record that a column holds too, always as a string
    equal to it (the mappers make `id` the QuickBooks id, the record's key; the store writes
    modifiedDate into both), for compile_order's `columns`: sorting by them uses the indexes
    of tables.records. Compared by code point, like JSON strings (PostgreSQL: COLLATE "C",
    the collation of those indexes)."""
    if dialect == "postgresql":
        return {
            ("id",): records.c.record_id.collate("C"),
            ("modifiedDate",): records.c.modified_date.collate("C"),
        }
    return {("id",): records.c.record_id, ("modifiedDate",): records.c.modified_date}


@dataclass(frozen=True, slots=True)
class RecordPage:
    total: int
    results: list[dict[str, Any]]


def page_records(
    conn: Connection,
    connection_ids: Sequence[str],
    data_type: str,
    *,
    where: Any,
    order_by: Sequence[Any],
    offset: int,
    limit: int,
) -> RecordPage:
    """One page of mapped records, filtered, sorted and counted in SQL."""
    base = and_(
        records.c.connection_id.in_(list(connection_ids)),
        records.c.data_type == data_type,
        records.c.data.is_not(None),
        where,
    )
    total = conn.execute(select(func.count()).select_from(records).where(base)).scalar_one()
    # The page's keys first, then their JSON: the sort carries three short keys per row
    # rather than each row's document (for a deep page, tens of thousands of them).
    keys = (
        select(records.c.connection_id, records.c.data_type, records.c.record_id)
        .where(base)
        .order_by(*order_by)
        .offset(offset)
        .limit(limit)
        .subquery("page")
    )
    rows = conn.execute(
        select(records.c.data)
        .join(
            keys,
            and_(
                records.c.connection_id == keys.c.connection_id,
                records.c.data_type == keys.c.data_type,
                records.c.record_id == keys.c.record_id,
            ),
        )
        .order_by(*order_by)
    )
    return RecordPage(total=int(total), results=[r[0] for r in rows])


def get_record(
    conn: Connection, connection_ids: Sequence[str], data_type: str, record_id: str
) -> dict[str, Any] | None:
    row = conn.execute(
        select(records.c.data).where(
            and_(
                records.c.connection_id.in_(list(connection_ids)),
                records.c.data_type == data_type,
                records.c.record_id == record_id,
                records.c.data.is_not(None),
            )
        )
    ).first()
    return row[0] if row is not None else None
