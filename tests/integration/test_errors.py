"""QuickBooks errors over real Web Connector sessions: each class recovers as it should.

Failures are injected into the simulated QuickBooks (``parse_failures``). A failure is scoped
to one session's QuickBooks: a ":1" spec fails only the first matching request of that session,
and a session run without failures is QuickBooks working again.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import pytest

from qbdsync.simulator.company import SimulatedCompany
from qbdsync.simulator.quickbooks import parse_failures
from qbdsync.simulator.runner import SimulationResult
from qbdsync.sync.datasets import DATASETS
from tests.conftest import LiveServer, start_server
from tests.integration.helpers import Linked, assert_every_type_matches, link

# A page is never smaller than this (the engine's floor for MaxReturned).
MIN_PAGE = 10


def request_bound(linked: Linked, *, restarts: int = 0) -> int:
    """The most message sets one session may need: each dataset's pages (at the smallest page
    size, plus the empty last one), a whole dataset again per restart, and a little slack."""
    with SimulatedCompany.open(linked.company_file) as company:
        pages = {
            name: math.ceil(sum(company.count(ret) for ret in d.ret_names) / MIN_PAGE) + 1
            for name, d in DATASETS.items()
        }
        # ItemQueryRq also pages through the sales tax items.
        pages["items"] += math.ceil(
            (company.count("ItemSalesTaxRet") + company.count("ItemSalesTaxGroupRet")) / MIN_PAGE
        )
    return sum(pages.values()) + restarts * max(pages.values()) + 3


def assert_bounded(linked: Linked, result: SimulationResult, *, restarts: int = 0) -> None:
    assert 0 < result.requests <= request_bound(linked, restarts=restarts), result.requests


def statuses(linked: Linked) -> dict[str, str]:
    return {t: p.status for t, p in linked.pulls().items()}


def assert_others_complete(linked: Linked, *failing: str) -> None:
    others = {t: s for t, s in statuses(linked).items() if t not in failing}
    assert set(others.values()) == {"Complete"}, others


@pytest.mark.parametrize("code", [3175, 3170, 3176, 1000])
def test_transient_error_retries_the_type_next_session(
    sqlite_server: LiveServer, tmp_path: Path, code: int
) -> None:
    linked = link(sqlite_server, tmp_path)
    first = linked.sync(failures=parse_failures([f"{code}:invoices:1"]))
    assert_bounded(linked, first)
    assert "invoices (retry)" in first.result
    invoices = linked.pulls()["invoices"]
    assert invoices.status == "Queued"
    assert (invoices.status_description or "").startswith("Will retry")
    assert f"status {code}" in (invoices.status_description or "")
    assert invoices.attempts == 1
    assert_others_complete(linked, "invoices")
    assert linked.counts().get("invoices", 0) == 0
    (error,) = [e for e in linked.errors() if e.dataset == "invoices"]
    assert error.status_code == code
    assert error.recovery == "retry_next_session"

    second = linked.sync()  # QuickBooks is free again; the queued type is due at once
    assert second.auth == ""
    assert set(second.records) == {"company", "invoices"}
    assert_bounded(linked, second)
    assert set(statuses(linked).values()) == {"Complete"}
    assert_every_type_matches(linked)


def test_permanent_lock_gives_up_after_max_attempts_without_looping(
    sqlite_server: LiveServer, tmp_path: Path
) -> None:
    linked = link(sqlite_server, tmp_path)
    failures = parse_failures(["3175:bills"])
    limit = sqlite_server.settings.max_pull_attempts
    sessions: list[SimulationResult] = []
    while linked.pulls()["bills"].status not in ("FetchError", "Complete"):
        assert len(sessions) < limit, "the failing type is retried beyond max_pull_attempts"
        sessions.append(linked.sync(failures=failures))
        assert_bounded(linked, sessions[-1])
    assert len(sessions) == limit
    bills = linked.pulls()["bills"]
    assert bills.status == "FetchError"
    assert bills.status_description == f"Gave up after {limit} connector sessions"
    assert "3175" in (bills.error_message or "")
    assert_others_complete(linked, "bills")
    # Later sessions only fetch bills (the others completed in the first one).
    for session in sessions[1:]:
        assert set(session.records) == {"company"}, session.records
        assert session.requests == 1
    # Given up: the connector is not asked to come back for it.
    after = linked.sync(failures=failures)
    assert after.auth == "none"
    assert after.requests == 0


@pytest.fixture
def small_pages_server(sqlite_url: str) -> Iterator[LiveServer]:
    yield from start_server(sqlite_url, max_returned=20)


def test_stale_iterator_restarts_the_dataset_in_the_same_session(
    small_pages_server: LiveServer, tmp_path: Path
) -> None:
    linked = link(small_pages_server, tmp_path)
    result = linked.sync(failures=parse_failures(["3391:invoices:1"]))
    assert_bounded(linked, result, restarts=1)
    assert "Not complete" not in result.result, result.result
    assert set(statuses(linked).values()) == {"Complete"}
    with SimulatedCompany.open(linked.company_file) as company:
        invoices = company.count("InvoiceRet")
    # The first page came twice: once before the iterator died, once after the restart.
    assert result.records["invoices"] == invoices + 20
    assert linked.counts()["invoices"] == invoices
    (error,) = [e for e in linked.errors() if e.dataset == "invoices"]
    assert error.status_code == 3391
    assert error.recovery == "restart_dataset"
    assert_every_type_matches(linked)


def test_stale_iterator_every_time_restarts_once_then_waits(
    small_pages_server: LiveServer, tmp_path: Path
) -> None:
    linked = link(small_pages_server, tmp_path)
    result = linked.sync(failures=parse_failures(["3391:invoices"]))
    assert_bounded(linked, result, restarts=1)
    assert result.records["invoices"] == 40  # one page, restarted once, one page: no loop
    assert "invoices (retry)" in result.result
    invoices = linked.pulls()["invoices"]
    assert invoices.status == "Queued"
    assert (invoices.status_description or "").startswith("Will retry")
    assert_others_complete(linked, "invoices")
    assert [e.status_code for e in linked.errors() if e.dataset == "invoices"] == [3391, 3391]

    again = linked.sync()
    assert_bounded(linked, again)
    assert set(statuses(linked).values()) == {"Complete"}
    assert_every_type_matches(linked)


def test_unsupported_type_is_not_supported_and_the_rest_completes(
    sqlite_server: LiveServer, tmp_path: Path
) -> None:
    linked = link(sqlite_server, tmp_path)
    result = linked.sync(failures=parse_failures(["3250:purchaseOrders"]))
    assert_bounded(linked, result)
    orders = linked.pulls()["purchaseOrders"]
    assert orders.status == "NotSupported"
    assert_others_complete(linked, "purchaseOrders")
    assert "purchaseOrders" not in linked.counts()
    (error,) = [e for e in linked.errors() if e.dataset == "purchaseOrders"]
    assert (error.status_code, error.recovery) == (3250, "not_supported")


def test_refused_request_is_a_fetch_error_recorded_with_its_code(
    sqlite_server: LiveServer, tmp_path: Path
) -> None:
    linked = link(sqlite_server, tmp_path)
    result = linked.sync(failures=parse_failures(["3150:creditNotes"]))
    assert_bounded(linked, result)
    notes = linked.pulls()["creditNotes"]
    assert notes.status == "FetchError"
    assert "3150" in (notes.error_message or "")
    assert_others_complete(linked, "creditNotes")
    (error,) = [e for e in linked.errors() if e.dataset == "creditNotes"]
    assert (error.status_code, error.recovery) == (3150, "fatal_request")
    # Not retried: the next session has nothing to do.
    assert linked.sync().auth == "none"


def test_hresult_for_one_request_fails_that_type_and_the_session_goes_on(
    sqlite_server: LiveServer, tmp_path: Path
) -> None:
    linked = link(sqlite_server, tmp_path)
    result = linked.sync(failures=parse_failures(["0x80040400:estimates"]))
    assert_bounded(linked, result)
    assert any(e.startswith("0x80040400") for e in result.errors)
    estimates = linked.pulls()["estimates"]
    assert estimates.status == "FetchError"
    assert_others_complete(linked, "estimates")
    (error,) = [e for e in linked.errors() if e.dataset == "estimates"]
    assert error.hresult == "0x80040400"
    assert error.recovery == "fatal_request"
    assert "estimates" not in linked.counts()


def test_retryable_hresult_ends_the_session_and_the_next_completes(
    sqlite_server: LiveServer, tmp_path: Path
) -> None:
    linked = link(sqlite_server, tmp_path)
    first = linked.sync(failures=parse_failures(["0x8004041B:bills:1"]))
    assert_bounded(linked, first)
    assert first.errors, "QBWC is told the session failed"
    assert "bills" not in linked.counts()
    (error,) = [e for e in linked.errors() if e.dataset == "bills"]
    assert error.hresult == "0x8004041B"
    assert linked.row().last_error and "0x8004041B" in linked.row().last_error

    second = linked.sync()
    assert second.auth == ""
    assert_bounded(linked, second)
    assert "Not complete" not in second.result, second.result
    assert set(statuses(linked).values()) == {"Complete"}
    assert_every_type_matches(linked)


def test_hresult_for_one_batched_list_query_spares_the_other_lists(
    sqlite_server: LiveServer, tmp_path: Path
) -> None:
    linked = link(sqlite_server, tmp_path)
    failures = parse_failures(["0x80040400:AccountQueryRq"])
    result = linked.sync(failures=failures)
    # The batch failed as a whole; each list was then asked alone in the same session, so
    # only the one QuickBooks refuses is lost.
    assert "Not complete: accounts (failed)." in result.result
    assert_others_complete(linked, "accounts", "bankAccounts")
    assert linked.pulls()["accounts"].status == "FetchError"
