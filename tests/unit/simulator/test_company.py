from __future__ import annotations

import shutil
from pathlib import Path

from qbdsync.simulator.catalogue import RECORD_TYPES
from qbdsync.simulator.company import SimulatedCompany
from qbdsync.simulator.generator import generate

TYPES = RECORD_TYPES


def snapshot(company: SimulatedCompany) -> dict[str, object]:
    return {
        ret_type: (list(company.records(ret_type, include_deleted=True)), company.deleted(ret_type))
        for ret_type in TYPES
    } | {"clock": company.now_wall, "counters": company.counters}


def test_open_generates_then_loads(tmp_path: Path) -> None:
    path = tmp_path / "acme.qbsim"
    with SimulatedCompany.open(path, size="small", seed=3, country="UK") as company:
        before = snapshot(company)
        counts = company.counts_by_codat_type()
        assert counts["accounts"] == company.count("Account")
        assert counts["customers"] == company.count("CustomerRet")
        assert counts["suppliers"] == company.count("Vendor")
        assert counts["items"] > company.count("ItemService")
        assert counts["invoices"] == company.count("Invoice") > 250
        assert counts["billPayments"] == company.count("BillPaymentCheck") + company.count(
            "BillPaymentCreditCard"
        )
        assert counts["bankAccounts"] == 6  # 3 bank + 3 credit card accounts
        assert counts["salesOrders"] == 0  # a UK company is QuickBooks Pro
        assert sum(v for k, v in counts.items() if k != "bankAccounts") == 1_000
    # The file's own size/seed/country win over the arguments.
    with SimulatedCompany.open(path, size="medium", seed=99, country="US") as company:
        assert (company.size, company.seed, company.country) == ("small", 3, "UK")
        assert snapshot(company) == before


def test_ground_truth_matches_the_generator(company: SimulatedCompany) -> None:
    data = generate("small", 7, "US")
    expected = sorted(data.invoices(), key=lambda r: (r["TimeModified"][:19], r["TxnID"]))
    assert list(company.records("Invoice")) == expected


def test_churn_creates_modifies_and_deletes(company: SimulatedCompany) -> None:
    start = company.now_wall
    before = {t: company.count(t) for t in TYPES}
    summary = company.churn(100)
    assert summary.total == 100
    assert summary.total_created == 40
    assert summary.total_deleted == 20
    assert summary.total_modified == 40
    assert company.now_wall == "2026-06-02T09:00:00"
    assert summary.clock == "2026-06-02T09:00:00-08:00"
    for ret_type in TYPES:
        expected = (
            before[ret_type] + summary.created.get(ret_type, 0) - summary.deleted.get(ret_type, 0)
        )
        assert company.count(ret_type) == expected
    changed = [r for t in TYPES for r in company.records(t) if r["TimeModified"][:19] > start]
    cascaded = summary.total_cascaded
    assert len(changed) == summary.total_created + summary.total_modified + cascaded
    assert all(
        r["EditSequence"] != "" and r["TimeModified"][:19] <= company.now_wall for r in changed
    )
    deleted = company.deleted("Invoice")
    assert len(deleted) == summary.deleted.get("InvoiceRet", 0)
    assert all(d["TimeDeleted"][:19] > start for d in deleted)
    deleted_ids = {d["TxnID"] for d in deleted}
    assert not deleted_ids & {r["TxnID"] for r in company.records("Invoice")}


def test_modified_records_get_a_new_edit_sequence(company: SimulatedCompany) -> None:
    before = {r["TxnID"]: r for r in company.records("Invoice")}
    company.churn(50)
    after = {r["TxnID"]: r for r in company.records("Invoice")}
    modified = [i for i in after if i in before and after[i] != before[i]]
    assert modified
    for txn_id in modified:
        assert after[txn_id]["EditSequence"] > before[txn_id]["EditSequence"]
        assert after[txn_id]["TimeModified"] > before[txn_id]["TimeModified"]


def test_customers_with_invoices_or_jobs_are_never_deleted(company: SimulatedCompany) -> None:
    for _ in range(5):
        company.churn(100)
    deleted_customers = {d["ListID"] for d in company.deleted("Customer")}
    assert deleted_customers
    for invoice in company.records("Invoice"):
        assert invoice["CustomerRef"]["ListID"] not in deleted_customers
    for customer in company.records("Customer"):
        assert customer.get("ParentRef", {}).get("ListID") not in deleted_customers


def test_churn_survives_reopening_and_is_deterministic(tmp_path: Path) -> None:
    first, second = tmp_path / "a.qbsim", tmp_path / "b.qbsim"
    with SimulatedCompany.open(first, size="small", seed=11) as company:
        pass
    shutil.copy(first, second)
    for path in (first, second):
        with SimulatedCompany.open(path) as company:
            company.churn(60)
        with SimulatedCompany.open(path) as company:
            company.churn(30)
    with SimulatedCompany.open(first) as a, SimulatedCompany.open(second) as b:
        assert a.now_wall == "2026-06-03T09:00:00"
        assert snapshot(a) == snapshot(b)


def test_stamp_file_id_keeps_the_first_stamp(company: SimulatedCompany) -> None:
    assert company.stamp_file_id("{owner}", "{file-1}") == "{file-1}"
    assert company.stamp_file_id("{owner}", "{file-2}") == "{file-1}"
    assert company.stamp_file_id("{other}", "{file-3}") == "{file-3}"
    assert company.data_ext() == {"{owner}": "{file-1}", "{other}": "{file-3}"}


def test_stamp_is_persisted(tmp_path: Path) -> None:
    path = tmp_path / "c.qbsim"
    with SimulatedCompany.open(path) as company:
        company.stamp_file_id("{owner}", "{file-1}")
        company.set_unsupported({"InvoiceQueryRq"})
    with SimulatedCompany.open(path) as company:
        assert company.data_ext() == {"{owner}": "{file-1}"}
        assert company.unsupported == {"InvoiceQueryRq"}
