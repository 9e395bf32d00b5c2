"""The columns API lists sort by hold exactly what the JSON holds: modified_date is
data.modifiedDate after every write (insert, update, deletion) and null where data is null, so
orderBy=modifiedDate from its index gives the order of the JSON; the migration fills it in for
rows written before it existed."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from sqlalchemy import Connection, select, text

from qbdsync.linking import create_company, create_connection
from qbdsync.settings import Settings
from qbdsync.store import records as record_store
from qbdsync.store.db import make_engine
from qbdsync.store.migrate import alembic_config, upgrade
from qbdsync.store.tables import records
from qbdsync.sync.output import RecordRow

T1 = datetime(2026, 3, 4, 5, 6, 7, 891_000, tzinfo=UTC)
T2 = datetime(2026, 3, 5, 0, 0, 1, tzinfo=UTC)
T3 = datetime(2026, 3, 6, 12, 0, 0, tzinfo=UTC)


def _row(record_id: str, edit: str, data: dict[str, object] | None) -> RecordRow:
    return RecordRow("invoices", record_id, edit, None, {"TxnID": record_id}, data)


def _stored(conn: Connection) -> dict[str, tuple[str | None, str | None]]:
    rows = conn.execute(select(records.c.record_id, records.c.data, records.c.modified_date))
    return {
        rid: ((data or {}).get("modifiedDate") if data else None, modified)
        for rid, data, modified in rows
    }


def test_modified_date_follows_the_json_through_every_write(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    settings = Settings(database_url=database_url, public_url="https://sync.example.com")
    with engine.begin() as conn:
        connection_id = create_connection(
            conn, settings, create_company(conn, "Acme")
        ).connection.id
        rows = [_row("A-1", "1", {"id": "A-1"}), _row("B-1", "1", None)]
        record_store.upsert_records(conn, connection_id, rows, T1)
    with engine.begin() as conn:
        assert _stored(conn) == {"A-1": ("2026-03-04T05:06:07Z",) * 2, "B-1": (None, None)}
        changed = [_row("A-1", "2", {"id": "A-1"}), _row("C-1", "1", {"id": "C-1"})]
        record_store.upsert_records(conn, connection_id, changed, T2)
        assert _stored(conn)["A-1"] == ("2026-03-05T00:00:01Z",) * 2
        record_store.mark_deleted(conn, connection_id, "invoices", ["C-1", "B-1"], T3)
    with engine.connect() as conn:
        assert _stored(conn) == {
            "A-1": ("2026-03-05T00:00:01Z",) * 2,
            "B-1": (None, None),
            "C-1": ("2026-03-06T12:00:00Z",) * 2,
        }
    engine.dispose()


def test_the_migration_fills_modified_date_from_the_json(database_url: str) -> None:
    engine = make_engine(database_url)
    config = alembic_config(engine)
    command.upgrade(config, "0014")  # the revision before 0015_read_indexes
    settings = Settings(database_url=database_url, public_url="https://sync.example.com")
    with engine.begin() as conn:
        connection_id = create_connection(
            conn, settings, create_company(conn, "Acme")
        ).connection.id
        cast = "CAST(:data AS JSONB)" if engine.dialect.name == "postgresql" else ":data"
        for record_id, data in (("A-1", '{"id": "A-1", "modifiedDate": "2025-01-02T03:04:05Z"}'),
                                ("B-1", None)):  # fmt: skip
            conn.execute(
                text(
                    "INSERT INTO records (connection_id, data_type, record_id, is_deleted, "
                    f"modified_at, raw, data) VALUES (:c, 'invoices', :r, false, :t, '{{}}', "
                    f"{cast})"
                ),
                {"c": connection_id, "r": record_id, "t": T1, "data": data},
            )
    upgrade(engine)
    with engine.connect() as conn:
        assert _stored(conn) == {"A-1": ("2025-01-02T03:04:05Z",) * 2, "B-1": (None, None)}
    engine.dispose()
