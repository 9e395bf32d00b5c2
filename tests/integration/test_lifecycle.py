"""The sync lifecycle over real Web Connector sessions: modes, pauses, windows, budgets, queues."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest

from qbdsync import lifecycle
from qbdsync.diagnosis.catalogue import web_connector_text
from qbdsync.lifecycle import CompanySyncOptions
from qbdsync.simulator.company import SimulatedCompany
from qbdsync.store import companies as company_store
from qbdsync.store import pulls as pull_store
from qbdsync.sync.datasets import DATASETS
from qbdsync.views import pull_view
from tests.conftest import LiveServer, start_server
from tests.integration.helpers import Linked, assert_store_matches, link

T = TypeVar("T")


def act(server: LiveServer, action: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """One operator action in a transaction of its own, as the CLI and the API run them."""
    with server.engine.begin() as conn:
        return action(conn, *args, **kwargs)


def connection_status(linked: Linked) -> str:
    with linked.server.engine.connect() as conn:
        return company_store.get_connection(conn, linked.connection.connection.id).status


def pulls(linked: Linked) -> list[dict[str, object]]:
    with linked.server.engine.connect() as conn:
        connection = company_store.get_connection(conn, linked.connection.connection.id)
        rows = pull_store.list_for_company(conn, connection.company_id)
    return [pull_view(r, connection) for r in rows]


def test_first_link_queues_and_completes_every_type(
    sqlite_server: LiveServer, tmp_path: Path
) -> None:
    linked = link(sqlite_server, tmp_path)
    queued = pulls(linked)
    assert {p["status"] for p in queued} == {"Queued"}
    assert {p["statusDescription"] for p in queued} == {"Waiting for the connector"}
    linked.sync()
    done = {p["dataType"]: p for p in pulls(linked)}
    assert done["invoices"]["status"] == "Complete"
    assert done["company"]["status"] == "Complete"
    assert all(p["isCompleted"] for p in done.values())
    assert connection_status(linked) == "Linked"
    # A first sync stores everything QuickBooks sent, so each operation's record count is what
    # its data type now holds: derived types count the rows made, not the records looked at.
    stored, operations = linked.counts(), linked.pulls()
    for derived in ("bankAccounts", "accountTransactions", "bankTransactions"):
        assert operations[derived].records == stored[derived] > 0, derived
    assert operations["invoices"].records == stored["invoices"]


def test_one_time_mode_deauthorizes_after_the_first_sync_and_relink_keeps_data(
    sqlite_server: LiveServer, tmp_path: Path
) -> None:
    linked = link(sqlite_server, tmp_path)
    act(
        sqlite_server,
        lifecycle.set_company_options,
        linked.connection.connection.company_id,
        CompanySyncOptions(sync_mode="one-time"),
    )
    first = linked.sync()
    assert "one-time sync" in first.result
    assert connection_status(linked) == "Deauthorized"
    counts = linked.counts()

    later = linked.sync()
    assert later.auth == "none"
    assert "remove this application from the Web Connector" in later.result
    assert later.requests == 0

    relinked = act(
        sqlite_server, lifecycle.relink, sqlite_server.settings, linked.connection.connection.id
    )
    assert relinked.connection.id == linked.connection.connection.id
    assert relinked.connection.file_id == linked.connection.connection.file_id
    old = linked.sync()  # the old password no longer works
    assert old.auth == "nvu"
    again = linked.sync(password=relinked.password)
    assert again.records["invoices"] > 0
    assert linked.counts() == counts
    assert connection_status(linked) == "Deauthorized"  # still one-time mode


def test_pause_blocks_syncs_until_resumed(sqlite_server: LiveServer, tmp_path: Path) -> None:
    linked = link(sqlite_server, tmp_path)
    until = datetime.now(UTC) + timedelta(hours=2)
    act(sqlite_server, lifecycle.pause, linked.connection.connection.id, until)
    paused = linked.sync()
    assert paused.auth == "none"
    assert paused.requests == 0
    assert paused.result == web_connector_text(
        "qbdsync:paused", f"Paused until {until:%Y-%m-%d %H:%M} UTC."
    )
    views = pulls(linked)
    assert {v["status"] for v in views} == {"Initial"}
    assert all(str(v["statusDescription"]).startswith("Paused until ") for v in views)
    assert linked.counts() == {}

    act(
        sqlite_server,
        lifecycle.pause,
        linked.connection.connection.id,
        datetime.now(UTC) - timedelta(seconds=1),
    )  # a pause whose time has passed no longer blocks
    assert linked.sync().records["invoices"] > 0


def test_sync_window_blocks_outside_and_allows_inside(
    sqlite_server: LiveServer, tmp_path: Path
) -> None:
    linked = link(sqlite_server, tmp_path)
    company_id = linked.connection.connection.company_id
    now = datetime.now(UTC)
    closed = f"{(now + timedelta(hours=2)):%H:%M}-{(now + timedelta(hours=3)):%H:%M}"
    act(
        sqlite_server,
        lifecycle.set_company_options,
        company_id,
        CompanySyncOptions(sync_window=closed, timezone="UTC"),
    )
    outside = linked.sync()
    assert outside.auth == "none"
    assert "outside the sync window" in outside.result
    wrapping = f"{(now - timedelta(hours=1)):%H:%M}-{(now - timedelta(hours=2)):%H:%M}"
    act(
        sqlite_server,
        lifecycle.set_company_options,
        company_id,
        CompanySyncOptions(sync_window=wrapping, timezone="Pacific/Auckland"),
    )
    assert linked.sync().records["invoices"] > 0


@pytest.fixture
def budget_server(sqlite_url: str) -> Iterator[LiveServer]:
    # A zero budget: every session stops at its first clean point.
    yield from start_server(sqlite_url, session_time_budget_seconds=0, max_returned=50)


def test_a_session_over_its_time_budget_stops_cleanly_and_the_next_completes(
    budget_server: LiveServer, tmp_path: Path
) -> None:
    linked = link(budget_server, tmp_path)
    first = linked.sync()
    assert "Not complete" in first.result
    assert "deferred" in first.result
    whole_lists = {d.data_type for d in DATASETS.values() if not d.iterator}
    # The first session sends every whole-list query in one message set, then stops.
    assert set(first.records) - {"company"} <= whole_lists
    assert first.requests == 1
    views = {p["dataType"]: p for p in pulls(linked)}
    assert views["chartOfAccounts"]["status"] == "Complete"
    assert str(views["invoices"]["statusDescription"]).startswith("Will continue")
    sessions = [first]
    while "Not complete" in sessions[-1].result:
        assert len(sessions) < 40, "the sync never completed"
        sessions.append(linked.sync())
    # Each later session ran exactly one iterator query to its end, whatever the budget.
    iterating = [d for d in DATASETS.values() if d.iterator]
    assert len(sessions) - 1 <= len(iterating)
    for session in sessions[1:]:
        # (ItemQueryRq also returns the sales-tax items that taxRates reads on its own.)
        assert len(set(session.records) - {"company", "taxRates"}) <= 1, session.records
    with SimulatedCompany.open(linked.company_file) as company:
        invoices = company.count("InvoiceRet")
    (invoice_session,) = [s for s in sessions if "invoices" in s.records]
    assert invoice_session.records["invoices"] == invoices
    assert invoice_session.requests == -(-invoices // 50)  # 50 a page, one session
    assert_store_matches(linked)
    assert all(p["status"] == "Complete" for p in pulls(linked))


def test_queueing_one_type_syncs_only_that_type(sqlite_server: LiveServer, tmp_path: Path) -> None:
    linked = link(sqlite_server, tmp_path)
    linked.sync()
    queued = act(
        sqlite_server,
        lifecycle.queue_sync,
        linked.connection.connection.company_id,
        data_type="suppliers",
    )
    assert [q.data_type for q in queued] == ["suppliers"]
    again = act(
        sqlite_server,
        lifecycle.queue_sync,
        linked.connection.connection.company_id,
        data_type="suppliers",
    )
    assert [q.id for q in again] == [q.id for q in queued]  # no duplicate while queued
    result = linked.sync()
    assert set(result.records) <= {"suppliers", "company"}
    assert result.requests == 1
