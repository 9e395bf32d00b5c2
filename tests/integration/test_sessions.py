"""Whole Web Connector sessions over real HTTP against the simulator, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest

from qbdsync.qbxml.values import parse_timestamp, wall_minus
from qbdsync.simulator.company import SimulatedCompany
from tests.conftest import LiveServer
from tests.integration.helpers import RET_OF_CODAT, assert_store_matches, link


@pytest.mark.slow
def test_medium_company_syncs_completely(live_server: LiveServer, tmp_path: Path) -> None:
    linked = link(live_server, tmp_path)
    result = linked.sync(size="medium")

    with SimulatedCompany.open(linked.company_file) as company:
        truth = {t: company.count(ret) for t, ret in RET_OF_CODAT.items()}
        everything = company.counts_by_codat_type()
    assert sum(everything.values()) >= 19_000  # "medium" is about 20,000 records
    assert {t: result.records.get(t, 0) for t in truth} == truth
    stored = linked.counts()
    assert {t: stored.get(t, 0) for t in truth} == truth
    assert stored["company"] == 1
    assert_store_matches(linked)  # every type: tests/integration/test_coverage.py
    assert result.result.startswith("qbdsync: synced")


def _versions(company: SimulatedCompany, ret: str) -> dict[str, str]:
    return {(r.get("ListID") or r.get("TxnID")): r["EditSequence"] for r in company.records(ret)}


def test_incremental_sync_after_churn_transfers_only_changes(
    live_server: LiveServer, tmp_path: Path
) -> None:
    linked = link(live_server, tmp_path)
    first = linked.sync()
    assert first.records["invoices"] > 0
    with SimulatedCompany.open(linked.company_file) as company:
        before = {ret: _versions(company, ret) for ret in RET_OF_CODAT.values()}
    stored_before = {t: {r["id"]: r["modified_at"] for r in linked.stored(t)} for t in RET_OF_CODAT}
    watermarks = linked.watermarks()

    linked.make_due()
    second = linked.sync(churn=40)

    overlap = live_server.settings.watermark_overlap_seconds
    with SimulatedCompany.open(linked.company_file) as company:
        for data_type, ret in RET_OF_CODAT.items():
            after = _versions(company, ret)
            changed = {k for k, v in after.items() if before[ret].get(k) != v}
            # QuickBooks re-sends what falls in the overlap window before the watermark;
            # everything older must not travel again.
            window = wall_minus(parse_timestamp(watermarks[data_type]).wall, overlap)
            in_window = {
                (r.get("ListID") or r.get("TxnID"))
                for r in company.records(ret)
                if parse_timestamp(r["TimeModified"]).wall >= window
            }
            assert changed <= in_window, data_type
            assert second.records.get(data_type, 0) == len(in_window), data_type
            assert len(in_window) < company.count(ret) / 2, data_type
            # Only what really changed (or was deleted) was rewritten in the store.
            rewritten = {
                r["id"]
                for r in linked.stored(data_type)
                if stored_before[data_type].get(r["id"]) != r["modified_at"]
            }
            deleted = {str(d.get("ListID") or d.get("TxnID")) for d in company.deleted(ret)}
            assert rewritten == changed | (deleted & set(stored_before[data_type])), data_type
    assert sum(second.records.values()) > 0
    assert_store_matches(linked)
    deleted = [r for t in RET_OF_CODAT for r in linked.stored(t) if r["is_deleted"]]
    assert deleted, "churn deletes records; they must be marked, not dropped"

    # Nothing changed since: a further sync rewrites nothing.
    snapshot = {t: linked.stored(t) for t in RET_OF_CODAT}
    linked.make_due()
    linked.sync()
    assert {t: linked.stored(t) for t in RET_OF_CODAT} == snapshot


def test_not_due_connection_gets_none_without_a_session(
    live_server: LiveServer, tmp_path: Path
) -> None:
    linked = link(live_server, tmp_path)
    linked.sync()
    again = linked.sync()
    assert again.auth == "none"
    assert again.requests == 0
    assert "up to date" in again.result
