from __future__ import annotations

import re
from collections import Counter
from typing import Any

import pytest

from qbdsync.qbxml.schema import ADDRESS_ORDER, RET_ORDER
from qbdsync.simulator.catalogue import LIST_RET_TYPES, RECORD_TYPES
from qbdsync.simulator.clock import parse_wall
from qbdsync.simulator.factories import cents_of
from qbdsync.simulator.generator import CompanyData, generate

LIST_ID = re.compile(r"[0-9A-F]{8}-\d{10}")
TXN_ID = re.compile(r"[0-9A-F]+-\d{10}")


def all_records(data: CompanyData) -> list[tuple[str, dict[str, Any]]]:
    return list(data.records())


@pytest.fixture(scope="module")
def small_us() -> list[tuple[str, dict[str, Any]]]:
    return all_records(generate("small", 1, "US"))


def test_same_arguments_give_the_same_company() -> None:
    first = generate("small", 5, "UK")
    second = generate("small", 5, "UK")
    assert all_records(first) == all_records(second)
    assert (first.company, first.host, first.preferences) == (
        second.company,
        second.host,
        second.preferences,
    )


def test_a_different_seed_gives_a_different_company(small_us: list[Any]) -> None:
    assert all_records(generate("small", 2, "US")) != small_us


def test_invoices_can_be_streamed_twice_identically() -> None:
    data = generate("small", 3, "CA")
    assert list(data.invoices()) == list(data.invoices())


def test_small_company_has_a_thousand_records_of_every_type(small_us: list[Any]) -> None:
    counts = Counter(ret_type for ret_type, _ in small_us)
    assert sum(counts.values()) == 1_000
    assert 250 <= counts["InvoiceRet"] <= 350
    # A US company is QuickBooks Enterprise with multi-currency off: no currencies.
    assert set(counts) == set(RECORD_TYPES) - {"CurrencyRet"}
    assert 8 <= counts["ItemServiceRet"] <= 20


def test_medium_company_has_about_twenty_thousand_records() -> None:
    data = generate("medium", 1, "US")
    counts = Counter(ret_type for ret_type, _ in data.records())
    assert sum(counts.values()) == 20_000
    share = {kind: count / 20_000 for kind, count in counts.items()}
    assert 0.32 <= share["InvoiceRet"] <= 0.38
    assert 0.10 <= share["ReceivePaymentRet"] <= 0.14
    assert 0.10 <= share["BillRet"] <= 0.14
    assert 0.05 <= share["BillPaymentCheckRet"] + share["BillPaymentCreditCardRet"] <= 0.07
    assert 0.05 <= share["CheckRet"] <= 0.07
    assert 0.04 <= share["SalesReceiptRet"] <= 0.06
    assert 0.05 <= sum(share.get(kind, 0) for kind in LIST_RET_TYPES) <= 0.09
    assert data.preferences["MultiCurrencyPreferences"]["IsMultiCurrencyOn"] == "false"


def test_some_seeds_turn_multi_currency_on() -> None:
    data = generate("small", 3, "US")
    assert data.preferences["MultiCurrencyPreferences"]["IsMultiCurrencyOn"] == "true"
    invoice = next(data.invoices())
    assert {"CurrencyRef", "ExchangeRate", "BalanceRemainingInHomeCurrency"} <= set(invoice)


def test_invoice_amounts_add_up(small_us: list[Any]) -> None:
    invoices = [r for t, r in small_us if t == "InvoiceRet"]
    line_counts = [len(i["InvoiceLineRet"]) for i in invoices]
    assert min(line_counts) == 1
    assert max(line_counts) >= 4
    assert 2.6 <= sum(line_counts) / len(line_counts) <= 3.4
    partially_paid = 0
    for invoice in invoices:
        lines = invoice["InvoiceLineRet"]
        assert cents_of(invoice["Subtotal"]) == sum(cents_of(line["Amount"]) for line in lines)
        total = cents_of(invoice["Subtotal"]) + cents_of(invoice["SalesTaxTotal"])
        balance = cents_of(invoice["BalanceRemaining"])
        assert balance == total + cents_of(invoice["AppliedAmount"])
        assert invoice["IsPaid"] == ("true" if balance == 0 else "false")
        partially_paid += 0 < balance < total
        assert len(invoice["RefNumber"]) <= 11
        for amount in (invoice["Subtotal"], invoice["SalesTaxTotal"], invoice["BalanceRemaining"]):
            assert re.fullmatch(r"-?\d+\.\d{2}", amount)
    assert partially_paid > 0


def test_records_follow_the_schema_element_order(small_us: list[Any]) -> None:
    def check(order: tuple[str, ...], record: dict[str, Any]) -> None:
        positions = [order.index(key) for key in record]
        assert positions == sorted(positions), list(record)

    for ret_type, record in small_us:
        check(RET_ORDER[ret_type], record)
        for key, value in record.items():
            for child in value if isinstance(value, list) else [value]:
                if key in RET_ORDER and isinstance(child, dict):
                    check(RET_ORDER[key], child)
        for key in ("BillAddress", "ShipAddress", "VendorAddress", "Address"):
            if key in record:
                check(ADDRESS_ORDER, record[key])


def test_ids_and_times_look_like_quickbooks(small_us: list[Any]) -> None:
    for _, record in small_us:
        if "TxnID" in record:
            assert TXN_ID.fullmatch(record["TxnID"])
        else:
            assert LIST_ID.fullmatch(record["ListID"])
        modified = record["TimeModified"]
        # The offset never follows daylight saving, as on a real QuickBooks PC.
        assert modified.endswith("-08:00")
        unix = parse_wall(modified[:19]) + 8 * 3600
        assert record["EditSequence"] == str(unix)
        assert record["TimeCreated"][:19] <= modified[:19]
        assert modified[:19] < "2026-06-01T09:00:00"
    summer = [r for _, r in small_us if r["TimeModified"][5:7] in ("06", "07")]
    assert summer


def test_names_carry_quickbooks_text_quirks() -> None:
    records = [
        r for t, r in generate("medium", 2, "US").records() if "FullName" in r or "Name" in r
    ]
    names = [r.get("FullName", r.get("Name", "")) for r in records]
    assert any("?" in name for name in names)  # characters outside Latin-1
    assert any(not name.isascii() and "?" not in name for name in names)  # é, ü, ë kept
    assert any("&" in name for name in names)
    assert any('"' in name or "'" in name for name in names)
    assert any(len(name) > 41 and ":" in name for name in names)
    assert all(len(r["Name"]) <= 41 for r in records)
    for name in names:
        name.encode("latin-1")  # never anything QuickBooks could not store


def test_customer_jobs_are_hierarchical(small_us: list[Any]) -> None:
    customers = {r["ListID"]: r for t, r in small_us if t == "CustomerRet"}
    jobs = [c for c in customers.values() if "ParentRef" in c]
    assert jobs
    for job in jobs:
        parent = customers[job["ParentRef"]["ListID"]]
        assert job["FullName"] == f"{parent['FullName']}:{job['Name']}"
        assert job["Sublevel"] == "1"


def test_inactive_records_exist(small_us: list[Any]) -> None:
    assert any(r.get("IsActive") == "false" for t, r in small_us if t == "CustomerRet")


def test_host_supports_country_prefixed_versions() -> None:
    assert "16.0" in generate("small", 1, "US").host["SupportedQBXMLVersion"]
    ca = generate("small", 1, "CA").host
    assert ca["Country"] == "CA"
    assert {"CA3.0", "16.0"} <= set(ca["SupportedQBXMLVersion"])
    assert "UK3.0" in generate("small", 1, "UK").host["SupportedQBXMLVersion"]
