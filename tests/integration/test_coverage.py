"""Read coverage over real Web Connector sessions: every data type, exactly as QuickBooks has it.

The simulator is the ground truth: after a sync, each Codat data type holds exactly the
company's live records (raw qbXML data unchanged), the mapped values agree with the raw ones,
and after churn an incremental sync brings the store level again with deletions marked.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from qbdsync.simulator.company import SimulatedCompany
from qbdsync.sync.datatypes import data_types
from tests.conftest import LiveServer, start_server
from tests.integration.helpers import (
    GroundTruth,
    Linked,
    assert_every_type_matches,
    assert_mapped_values,
    link,
)


def stored_total(linked: Linked) -> int:
    """Records stored under their source type (derived types and company info left out)."""
    derived = {t.name for t in data_types().values() if t.derived}
    return sum(n for t, n in linked.counts().items() if t not in derived and t != "company")


def assert_complete(linked: Linked) -> GroundTruth:
    """Counts, raw records and mapped values of every type equal the simulator's."""
    with SimulatedCompany.open(linked.company_file) as company:
        expected = company.counts_by_codat_type()
    stored = linked.counts()
    assert {t: stored.get(t, 0) for t in expected} == expected
    assert stored["company"] == 1
    truth = assert_every_type_matches(linked)
    checked = assert_mapped_values(linked, truth)
    for data_type, records in truth.live.items():
        assert checked.get(data_type, 0) == len(records), data_type
    return truth


def test_small_company_syncs_every_type_completely(
    sqlite_server: LiveServer, tmp_path: Path
) -> None:
    linked = link(sqlite_server, tmp_path)
    result = linked.sync()
    assert result.result.startswith("qbdsync: synced 1,000 records"), result.result
    assert "Not complete" not in result.result
    truth = assert_complete(linked)
    # A US Enterprise company has every kind of record.
    empty = {t for t, records in truth.live.items() if not records}
    assert empty <= {"currencies"}, empty


@pytest.mark.slow
def test_medium_company_syncs_every_type_completely(
    live_server: LiveServer, tmp_path: Path
) -> None:
    linked = link(live_server, tmp_path)
    started = time.perf_counter()
    result = linked.sync(size="medium")
    seconds = time.perf_counter() - started
    total = stored_total(linked)
    assert total == 20_000
    print(f"\nmedium sync: {total:,} records in {seconds:.1f} s ({result.requests} round trips)")
    truth = assert_complete(linked)
    assert len(truth.live["bankTransactions"]) > 1_000


LARGE = os.environ.get("QBDSYNC_TEST_SKIP_LARGE") != "1"


@pytest.fixture
def unhurried_server(sqlite_url: str) -> Iterator[LiveServer]:
    """A server whose sessions may run past the 300 s default budget: on a loaded machine (the
    suite runs on one worker per core) the large sync can take longer, and would then end at a
    clean point and resume on the next poll; this test checks one session syncs everything."""
    yield from start_server(sqlite_url, session_time_budget_seconds=1500)


@pytest.mark.slow
@pytest.mark.skipif(not LARGE, reason="QBDSYNC_TEST_SKIP_LARGE=1")
def test_large_company_syncs_every_type_completely(
    unhurried_server: LiveServer, tmp_path: Path
) -> None:
    linked = link(unhurried_server, tmp_path)
    with SimulatedCompany.open(linked.company_file, size="large"):
        pass  # generating the company is not part of the sync's time
    started = time.perf_counter()
    result = linked.sync(size="large")
    seconds = time.perf_counter() - started
    total = stored_total(linked)
    assert total == 200_000
    print(
        f"\nlarge sync: {total:,} records in {seconds:.1f} s = {total / seconds:,.0f} records/s, "
        f"{result.requests} round trips"
    )
    assert "Not complete" not in result.result
    assert_complete(linked)


def test_churn_then_incremental_sync_levels_every_type(
    sqlite_server: LiveServer, tmp_path: Path
) -> None:
    linked = link(sqlite_server, tmp_path)
    linked.sync()
    with SimulatedCompany.open(linked.company_file) as company:
        summaries = [company.churn(150) for _ in range(3)]
    deleted_kinds = {k for s in summaries for k, n in s.deleted.items() if n}
    changed_kinds = {k for s in summaries for k in (*s.created, *s.modified, *s.deleted)}
    # Churn reaches lists and transactions of many kinds, transfers among them.
    assert len(changed_kinds) >= 25, changed_kinds
    assert {"InvoiceRet", "CustomerRet", "TransferRet"} <= deleted_kinds, deleted_kinds

    linked.make_due()
    second = linked.sync()
    assert "Not complete" not in second.result, second.result
    assert "deletions applied" in second.result
    truth = assert_every_type_matches(linked)
    assert_mapped_values(linked, truth)

    for data_type, gone in truth.deleted.items():
        stored = linked.stored(data_type)
        marked = {r["id"] for r in stored if r["is_deleted"]}
        hidden = truth.undetectable.get(data_type, set())
        # Exactly the deletions QuickBooks reports of records synced before, and nothing else.
        assert marked == (set(gone) - hidden) & {r["id"] for r in stored}, data_type
    for data_type in ("invoices", "payments", "bills", "bankTransactions"):
        assert any(r["is_deleted"] for r in linked.stored(data_type)), data_type
    # QuickBooks cannot report deleted transfers (Transfer is no TxnDelType): the ones synced
    # before their deletion stay live in the store, with their derived bank transactions.
    stale = truth.undetectable["transfers"] & {r["id"] for r in linked.stored("transfers")}
    assert stale, "churn deleted no transfer that had been synced"
    live_transfers = {r["id"] for r in linked.stored("transfers", include_deleted=False)}
    assert stale <= live_transfers
    stale_sides = {t + side for t in stale for side in ("-from", "-to")}
    live_bank = {r["id"] for r in linked.stored("bankTransactions", include_deleted=False)}
    assert stale_sides & live_bank


def test_a_receipt_moved_out_of_the_bank_leaves_bank_transactions(
    sqlite_server: LiveServer, tmp_path: Path
) -> None:
    """A sales receipt's deposit-to account changed from a bank account to Undeposited Funds: it
    is no longer a bank transaction, so the next sync must take it out of the derived types."""
    linked = link(sqlite_server, tmp_path)
    linked.sync()
    with SimulatedCompany.open(linked.company_file) as company:
        bank_ids = {
            a["ListID"]
            for a in company.records("AccountRet")
            if a["AccountType"] in ("Bank", "CreditCard")
        }
        undeposited = next(
            a for a in company.records("AccountRet") if a["FullName"] == "Undeposited Funds"
        )
        receipt = next(
            p
            for p in company.records("SalesReceiptRet")
            if p.get("DepositToAccountRef", {}).get("ListID") in bank_ids
        )
        moment = company.now + 3600
        receipt["DepositToAccountRef"] = {
            "ListID": undeposited["ListID"],
            "FullName": undeposited["FullName"],
        }
        receipt["TimeModified"] = company.clock.stamp(moment)
        receipt["EditSequence"] = company.clock.edit_sequence(moment)
        company.put("SalesReceiptRet", receipt)
        company.set_meta("clock", moment)
    assert receipt["TxnID"] in {r["id"] for r in linked.stored("bankTransactions")}

    linked.make_due()
    linked.sync()
    stored = {r["id"]: r for r in linked.stored("directIncomes")}
    assert stored[receipt["TxnID"]]["raw"] == receipt
    live_bank = {r["id"] for r in linked.stored("bankTransactions", include_deleted=False)}
    assert receipt["TxnID"] not in live_bank
    live_account = {r["id"] for r in linked.stored("accountTransactions", include_deleted=False)}
    assert receipt["TxnID"] not in live_account
