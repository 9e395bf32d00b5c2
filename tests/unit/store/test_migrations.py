"""The Alembic migrations build exactly the schema the code declares, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from qbdsync.store.db import make_engine
from qbdsync.store.migrate import alembic_config, upgrade
from qbdsync.store.tables import metadata


def test_migrated_schema_matches_the_tables(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    upgrade(engine)  # idempotent
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    engine.dispose()
    assert diff == []


def test_delivery_errors_written_by_older_versions_lose_the_consumers_answer(
    database_url: str,
) -> None:
    """Before 0005 a failed delivery kept up to 512 bytes of what the destination answered."""
    engine = make_engine(database_url)
    config = alembic_config(engine)
    command.upgrade(config, "0004")
    now = datetime(2026, 12, 1, tzinfo=UTC)
    rows = [
        ("d1", 500, "HTTP 500: root:x:0:0:root:/root:/bin/bash"),
        ("d2", None, "ConnectError: [Errno 111] Connection refused to 10.0.0.7:6379"),
        ("d3", 299, "HTTP 299: internal"),
        ("d4", 200, None),
    ]
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO clients (id, name, created_at) VALUES ('c', 'c', :now)"),
            {"now": now},
        )
        conn.execute(
            text(
                "INSERT INTO webhooks (id, client_id, url, event_types, secret, created_at,"
                " disabled) VALUES ('w', 'c', 'https://example.com', '[]', 's', :now, false)"
            ),
            {"now": now},
        )
        for delivery_id, code, error in rows:
            conn.execute(
                text(
                    "INSERT INTO webhook_deliveries (id, webhook_id, event_id, event_type,"
                    " payload, status, attempts, last_status_code, last_error, created_at)"
                    " VALUES (:id, 'w', 'e', 'read.completed', '{}', 'failed', 1, :code,"
                    " :error, :now)"
                ),
                {"id": delivery_id, "code": code, "error": error, "now": now},
            )
    upgrade(engine)
    with engine.connect() as conn:
        found = dict(conn.execute(text("SELECT id, last_error FROM webhook_deliveries")).all())
    engine.dispose()
    assert found == {
        "d1": "HTTP 500 Internal Server Error",
        "d2": "could not deliver (the details an older qbdsync kept were removed)",
        "d3": "HTTP 299",
        "d4": None,
    }
