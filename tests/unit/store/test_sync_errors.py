"""Recording an error never fails, on either database: a label too long for its column moves,
whole, into the message (on PostgreSQL a too-long value would abort the whole transaction)."""

from __future__ import annotations

from datetime import UTC, datetime

from qbdsync.linking import create_company, create_connection
from qbdsync.qbxml.status import Recovery
from qbdsync.settings import Settings
from qbdsync.store import records as record_store
from qbdsync.store.db import make_engine
from qbdsync.store.migrate import upgrade
from qbdsync.sync.output import SyncErrorRow


def test_an_error_whose_labels_do_not_fit_is_still_recorded(database_url: str) -> None:
    engine = make_engine(database_url)
    upgrade(engine)
    settings = Settings(database_url=database_url, public_url="https://sync.example.com")
    with engine.begin() as conn:
        connection_id = create_connection(
            conn, settings, create_company(conn, "Acme")
        ).connection.id
    datasets = ",".join(["accounts", "currencies", "paymentMethods", "taxRates", "employees"])
    error = SyncErrorRow(
        datasets, None, "0x" + "F" * 30, Recovery.RETRY_NEXT_SESSION, "QuickBooks failed"
    )
    with engine.begin() as conn:
        record_store.add_errors(conn, connection_id, None, [error], datetime.now(UTC))
    with engine.connect() as conn:
        (stored,) = record_store.list_errors(conn, connection_id)
    engine.dispose()
    assert (stored.dataset, stored.hresult) == (None, None)
    assert stored.message == f"[hresult 0x{'F' * 30}] [dataset {datasets}] QuickBooks failed"
