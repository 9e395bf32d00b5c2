"""Whole Web Connector sessions over real HTTP against the simulator, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest

from qbdsync.simulator.company import SimulatedCompany
from tests.conftest import LiveServer
from tests.integration.helpers import RET_OF_CODAT, assert_store_matches, link


@pytest.mark.slow
def test_medium_company_syncs_completely(live_server: LiveServer, tmp_path: Path) -> None:
    linked = link(live_server, tmp_path)
    result = linked.sync(size="medium")

    with SimulatedCompany.open(linked.company_file) as company:
        truth = {t: company.count(ret) for t, ret in RET_OF_CODAT.items()}
    assert sum(truth.values()) > 15_000
    assert {t: result.records.get(t, 0) for t in truth} == truth
    stored = linked.counts()
    assert {t: stored.get(t, 0) for t in truth} == truth
    assert stored["company"] == 1
    assert_store_matches(linked)
    assert result.result.startswith("qbdsync: synced")
    assert f"{sum(truth.values()):,} records" in result.result


def test_incremental_sync_after_churn_transfers_only_changes(
    live_server: LiveServer, tmp_path: Path
) -> None:
    linked = link(live_server, tmp_path)
    first = linked.sync()
    assert first.records["invoices"] > 0

    with SimulatedCompany.open(linked.company_file) as company:
        before = {
            ret: {
                (r.get("ListID") or r.get("TxnID")): r.get("EditSequence")
                for r in company.records(ret)
            }
            for ret in RET_OF_CODAT.values()
        }
    linked.make_due()
    second = linked.sync(churn=40)
    with SimulatedCompany.open(linked.company_file) as company:
        changed = {}
        for data_type, ret in RET_OF_CODAT.items():
            now = {
                (r.get("ListID") or r.get("TxnID")): r.get("EditSequence")
                for r in company.records(ret)
            }
            changed[data_type] = sum(1 for k, v in now.items() if before[ret].get(k) != v)
    assert sum(changed.values()) > 0
    assert {t: second.records.get(t, 0) for t in changed} == changed
    assert_store_matches(linked)
    deleted = [r for t in RET_OF_CODAT for r in linked.stored(t) if r["is_deleted"]]
    assert deleted, "churn deletes records; they must be marked, not dropped"

    # The overlap window re-reads the newest changes; de-duplication keeps the store identical.
    linked.make_due()
    third = linked.sync()
    assert all(third.records.get(t, 0) <= n for t, n in changed.items())
    assert_store_matches(linked)


def test_not_due_connection_gets_none_without_a_session(
    live_server: LiveServer, tmp_path: Path
) -> None:
    linked = link(live_server, tmp_path)
    linked.sync()
    again = linked.sync()
    assert again.auth == "none"
    assert again.requests == 0
    assert "up to date" in again.result
