"""The Alembic migrations build exactly the schema the code declares, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from qbdsync.store.db import make_engine
from qbdsync.store.migrate import alembic_config, is_declared, upgrade
from qbdsync.store.tables import metadata


def test_migrated_schema_matches_the_tables(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    upgrade(engine)  # idempotent
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_name": is_declared})
        diff = compare_metadata(context, metadata)
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


def test_only_the_newest_of_several_active_sessions_stays_active(database_url: str) -> None:
    """Before 0006 two Web Connectors could both hold an active session of one connection; the
    unique index of 0006 needs one at most, so the older ones become abandoned."""
    engine = make_engine(database_url)
    command.upgrade(alembic_config(engine), "0005")
    now = datetime(2026, 12, 1, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO companies (id, name, created_at, updated_at)"
                " VALUES ('co', 'Acme', :now, :now)"
            ),
            {"now": now},
        )
        for connection_id in ("a", "b"):
            conn.execute(
                text(
                    "INSERT INTO connections (id, company_id, username, password_digest, file_id,"
                    " status, created_at) VALUES (:id, 'co', :id, :digest, '{F}', 'Linked', :now)"
                ),
                {"id": connection_id, "digest": b"\0" * 32, "now": now},
            )
        sessions = [
            ("a-old", "a", "active", datetime(2026, 12, 1, 1, tzinfo=UTC)),
            ("a-new", "a", "active", datetime(2026, 12, 1, 2, tzinfo=UTC)),
            ("a-done", "a", "complete", datetime(2026, 12, 1, 3, tzinfo=UTC)),
            ("b-only", "b", "active", datetime(2026, 12, 1, 1, tzinfo=UTC)),
        ]
        for ticket, connection_id, status, created in sessions:
            conn.execute(
                text(
                    "INSERT INTO qbwc_sessions (ticket, connection_id, status, created_at,"
                    " updated_at) VALUES (:ticket, :connection, :status, :at, :at)"
                ),
                {"ticket": ticket, "connection": connection_id, "status": status, "at": created},
            )
    upgrade(engine)
    with engine.connect() as conn:
        found = dict(conn.execute(text("SELECT ticket, status FROM qbwc_sessions")).all())
    engine.dispose()
    assert found == {
        "a-old": "abandoned",
        "a-new": "active",
        "a-done": "complete",
        "b-only": "active",
    }


def test_a_pending_request_stored_before_0008_counts_as_sent(database_url: str) -> None:
    """Before 0008 the next request was asked for only when it was handed out, so a stored
    pending request is one QuickBooks was given; from 0008 one may be only prepared."""
    engine = make_engine(database_url)
    command.upgrade(alembic_config(engine), "0007")
    now = datetime(2026, 12, 1, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO companies (id, name, created_at, updated_at)"
                " VALUES ('co', 'Acme', :now, :now)"
            ),
            {"now": now},
        )
        conn.execute(
            text(
                "INSERT INTO connections (id, company_id, username, password_digest, file_id,"
                " status, created_at) VALUES ('a', 'co', 'a', :digest, '{F}', 'Linked', :now)"
            ),
            {"digest": b"\0" * 32, "now": now},
        )
        for ticket, status, pending in [
            ("asked", "active", "<QBXML/>"),
            ("between", "closed", None),
        ]:
            conn.execute(
                text(
                    "INSERT INTO qbwc_sessions (ticket, connection_id, status, created_at,"
                    " updated_at, pending_request) VALUES (:ticket, 'a', :status, :at, :at,"
                    " :pending)"
                ),
                {"ticket": ticket, "status": status, "at": now, "pending": pending},
            )
    upgrade(engine)
    with engine.connect() as conn:
        found = dict(conn.execute(text("SELECT ticket, request_sent FROM qbwc_sessions")).all())
    command.downgrade(alembic_config(engine), "0007")
    with engine.connect() as conn:
        columns = conn.execute(text("SELECT * FROM qbwc_sessions")).keys()
    engine.dispose()
    assert {ticket: bool(sent) for ticket, sent in found.items()} == {
        "asked": True,
        "between": False,
    }
    assert "request_sent" not in columns
