"""Every type of docs/TYPES is held and served: shapes, links, editions, failures, churn."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from qbdsync.qbxml.schema import QUERY_REQUEST_ORDER, RET_ORDER
from qbdsync.simulator.catalogue import CODAT_TYPES, LIST_QUERIES, NO_ITERATOR_QUERIES, TXN_QUERIES
from qbdsync.simulator.company import SimulatedCompany
from qbdsync.simulator.factories import cents_of
from qbdsync.simulator.generator import generate
from qbdsync.simulator.quickbooks import (
    QuickBooksHResultError,
    SimulatedQuickBooks,
    parse_failures,
)
from tests.unit.simulator.helpers import one, qbxml, responses

ALL_QUERIES = sorted({*LIST_QUERIES, *TXN_QUERIES})


def ask(quickbooks: SimulatedQuickBooks, name: str, body: str = "", attrs: str = "") -> Any:
    return one(quickbooks.process(qbxml(f"<{name}{attrs}>{body}</{name}>")))


def full_body(name: str) -> str:
    """Ask for everything: all records, lines and links where the request allows them."""
    slots = {s if isinstance(s, str) else "" for s in QUERY_REQUEST_ORDER[name]}
    body = "<ActiveStatus>All</ActiveStatus>" if "ActiveStatus" in slots else ""
    if "IncludeLineItems" in slots:
        body += "<IncludeLineItems>true</IncludeLineItems>"
    if "IncludeLinkedTxns" in slots:
        body += "<IncludeLinkedTxns>true</IncludeLinkedTxns>"
    return body


def check_order(ret_name: str, record: dict[str, Any]) -> None:
    order = RET_ORDER[ret_name]
    positions = [order.index(key) for key in record]
    assert positions == sorted(positions), (ret_name, list(record))
    for key, value in record.items():
        for child in value if isinstance(value, list) else [value]:
            if key in RET_ORDER and isinstance(child, dict):
                check_order(key, child)


@pytest.fixture(scope="module")
def us_company(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimulatedCompany]:
    path = tmp_path_factory.mktemp("us") / "us.qbsim"
    with SimulatedCompany.open(path, size="small", seed=5, country="US") as company:
        yield company


@pytest.fixture
def us(us_company: SimulatedCompany) -> Iterator[SimulatedQuickBooks]:
    quickbooks = SimulatedQuickBooks(us_company)
    quickbooks.begin_session()
    yield quickbooks
    quickbooks.end_session()


@pytest.mark.parametrize("name", ALL_QUERIES)
def test_every_query_answers_in_schema_order(us: SimulatedQuickBooks, name: str) -> None:
    rs = ask(us, name, full_body(name))
    if name == "CurrencyQueryRq":  # multi-currency is off in this company
        assert rs.status == 1
        return
    assert rs.status == 0, rs.attributes
    assert rs.records
    expected = set(LIST_QUERIES.get(name) or TXN_QUERIES[name])
    assert set(rs.ret_names) <= expected
    document = us.process(qbxml(f"<{name}>{full_body(name)}</{name}>"))
    assert document.count("<") > 0
    for ret_name, record in zip(rs.ret_names, rs.records, strict=True):
        check_order(ret_name, record)


def test_responses_equal_the_ground_truth(
    us_company: SimulatedCompany, us: SimulatedQuickBooks
) -> None:
    for name in ("BillQueryRq", "JournalEntryQueryRq", "DepositQueryRq", "TransferQueryRq"):
        (ret_type,) = TXN_QUERIES[name]
        assert ask(us, name, full_body(name)).records == list(us_company.records(ret_type))


@pytest.mark.parametrize("name", [n for n in ALL_QUERIES if n not in NO_ITERATOR_QUERIES])
def test_iterators_page_through_every_iterable_query(
    us_company: SimulatedCompany, us: SimulatedQuickBooks, name: str
) -> None:
    body = "<MaxReturned>7</MaxReturned>" + full_body(name)
    if "ActiveStatus" in body:
        body = body.replace("<MaxReturned>7</MaxReturned><ActiveStatus>All</ActiveStatus>", "")
        body = "<MaxReturned>7</MaxReturned><ActiveStatus>All</ActiveStatus>" + body
    page = ask(us, name, body, ' iterator="Start"')
    if page.status == 1:
        return
    ids = [r.get("TxnID") or r["ListID"] for r in page.records]
    while int(page.attributes["iteratorRemainingCount"]) > 0:
        attrs = f' iterator="Continue" iteratorID="{page.attributes["iteratorID"]}"'
        page = ask(us, name, body, attrs)
        ids += [r.get("TxnID") or r["ListID"] for r in page.records]
    ret_types = LIST_QUERIES.get(name) or TXN_QUERIES[name]
    truth = [r.get("TxnID") or r["ListID"] for t in ret_types for r in us_company.records(t)]
    assert sorted(ids) == sorted(truth)
    assert len(ids) == len(set(ids))


def test_whole_list_queries_ignore_iterators(us: SimulatedQuickBooks) -> None:
    for name in ("ClassQueryRq", "TermsQueryRq", "SalesTaxCodeQueryRq", "EmployeeQueryRq"):
        rs = ask(us, name, "<MaxReturned>100</MaxReturned>", ' iterator="Start"')
        assert "iteratorID" not in rs.attributes
    terms = ask(us, "TermsQueryRq")
    assert set(terms.ret_names) == {"StandardTermsRet", "DateDrivenTermsRet"}
    classes = ask(us, "ClassQueryRq", "<ActiveStatus>All</ActiveStatus>").records
    assert any(c["FullName"] == "Region:North" and c["Sublevel"] == "1" for c in classes)


def test_lines_and_links_only_when_asked(us: SimulatedQuickBooks) -> None:
    for name, line in (
        ("BillQueryRq", "ExpenseLineRet"),
        ("ReceivePaymentQueryRq", "AppliedToTxnRet"),
        ("JournalEntryQueryRq", "JournalDebitLine"),
        ("DepositQueryRq", "DepositLineRet"),
    ):
        bare = ask(us, name).records
        assert all(line not in r and "LinkedTxn" not in r for r in bare)
        assert any(line in r for r in ask(us, name, full_body(name)).records)
    lines_only = ask(us, "BillQueryRq", "<IncludeLineItems>true</IncludeLineItems>").records
    assert all("LinkedTxn" not in r for r in lines_only)


def test_payments_and_invoices_agree(us_company: SimulatedCompany) -> None:
    applied: dict[str, int] = {}
    for payment in us_company.records("ReceivePayment"):
        rows = payment["AppliedToTxnRet"]
        assert cents_of(payment["TotalAmount"]) == sum(cents_of(r["Amount"]) for r in rows)
        for row in rows:
            applied[row["TxnID"]] = applied.get(row["TxnID"], 0) + cents_of(row["Amount"])
    paid = partial = 0
    for invoice in us_company.records("Invoice"):
        total = cents_of(invoice["Subtotal"]) + cents_of(invoice["SalesTaxTotal"])
        balance = cents_of(invoice["BalanceRemaining"])
        assert applied.get(invoice["TxnID"], 0) == total - balance
        links = invoice.get("LinkedTxn", [])
        assert -sum(cents_of(link["Amount"]) for link in links) == total - balance
        paid += balance == 0
        partial += 0 < balance < total
    assert paid and partial


def test_bill_payments_and_bills_agree(us_company: SimulatedCompany) -> None:
    applied: dict[str, int] = {}
    for kind in ("BillPaymentCheck", "BillPaymentCreditCard"):
        for payment in us_company.records(kind):
            rows = payment["AppliedToTxnRet"]
            assert cents_of(payment["Amount"]) == sum(cents_of(r["Amount"]) for r in rows)
            for row in rows:
                assert row["TxnType"] == "Bill"
                applied[row["TxnID"]] = applied.get(row["TxnID"], 0) + cents_of(row["Amount"])
    assert applied
    for bill in us_company.records("Bill"):
        open_amount = cents_of(bill["OpenAmount"])
        assert applied.get(bill["TxnID"], 0) == cents_of(bill["AmountDue"]) - open_amount
        assert bill["IsPaid"] == ("true" if open_amount == 0 else "false")


def test_journal_entries_balance(us_company: SimulatedCompany) -> None:
    for entry in us_company.records("JournalEntry"):
        debits = sum(cents_of(line["Amount"]) for line in entry["JournalDebitLine"])
        credits = sum(cents_of(line["Amount"]) for line in entry["JournalCreditLine"])
        assert debits == credits > 0


def test_txn_date_range_filter(us_company: SimulatedCompany, us: SimulatedQuickBooks) -> None:
    body = (
        "<TxnDateRangeFilter><FromTxnDate>2026-01-01</FromTxnDate>"
        "<ToTxnDate>2026-03-31</ToTxnDate></TxnDateRangeFilter>"
    )
    records = ask(us, "CheckQueryRq", body).records
    expected = [
        r for r in us_company.records("Check") if "2026-01-01" <= r["TxnDate"] <= "2026-03-31"
    ]
    assert records == [
        {k: v for k, v in r.items() if k != "ExpenseLineRet" and k != "ItemLineRet"}
        for r in expected
    ]


def test_editions_answer_3250_for_what_they_lack(tmp_path: Path) -> None:
    cases = {"US": set(), "CA": {"InventorySiteQueryRq"}, "UK": {"SalesOrderQueryRq"}}
    for country, missing in cases.items():
        with SimulatedCompany.open(tmp_path / f"{country}.qbsim", country=country) as company:  # type: ignore[arg-type]
            quickbooks = SimulatedQuickBooks(company)
            quickbooks.begin_session()
            for name in ("InventorySiteQueryRq", "SalesOrderQueryRq"):
                status = ask(quickbooks, name).status
                assert (status == 3250) == (name in missing or (country == "UK")), (country, name)


def test_ca_and_uk_tax_codes(tmp_path: Path) -> None:
    ca = {r["Name"]: r for t, r in generate("small", 1, "CA").records() if t == "SalesTaxCodeRet"}
    assert {"G", "H", "E"} <= set(ca)
    assert ca["H"]["ItemSalesTaxRef"]["FullName"] == "HST ON"
    uk_data = generate("small", 1, "UK")
    uk = {r["Name"]: r for t, r in uk_data.records() if t == "SalesTaxCodeRet"}
    assert {"S", "Z", "E"} <= set(uk)
    assert uk["S"]["IsTaxable"] == "true" and uk["E"]["IsTaxable"] == "false"
    rates = {r["Name"]: r["TaxRate"] for t, r in uk_data.records() if t == "ItemSalesTaxRet"}
    assert rates["VAT Standard"] == "20.00"
    us = [r for t, r in generate("small", 1, "US").records() if t == "ItemSalesTaxGroupRet"]
    assert us and all(len(g["ItemSalesTaxRef"]) >= 2 for g in us)


def test_multi_currency_fields() -> None:
    data = generate("medium", 1, "CA")  # CA/UK medium companies are multi-currency
    assert data.preferences["MultiCurrencyPreferences"]["IsMultiCurrencyOn"] == "true"
    seen: set[str] = set()
    foreign = False
    for ret_type, record in data.records():
        if ret_type in ("InvoiceRet", "BillRet", "ReceivePaymentRet", "CustomerRet"):
            assert "CurrencyRef" in record
            seen.add(ret_type)
            foreign |= record.get("ExchangeRate", "1") != "1"
    assert foreign and len(seen) == 4
    assert sum(1 for t, _ in data.records() if t == "CurrencyRet") == 3
    us = generate("small", 1, "US")
    assert not any("CurrencyRef" in r for t, r in us.records() if t == "InvoiceRet")


def test_parse_failures() -> None:
    assert parse_failures(["3175:invoices"]) == {"InvoiceQueryRq": 3175}
    assert parse_failures(["3250:InvoiceQueryRq"]) == {"InvoiceQueryRq": 3250}
    assert parse_failures(["3175:billPayments:1"]) == {
        "BillPaymentCheckQueryRq:1": 3175,
        "BillPaymentCreditCardQueryRq:1": 3175,
    }
    assert parse_failures(["0x80040400:customers"]) == {"CustomerQueryRq": 0x80040400}
    assert set(parse_failures(["500:directCosts"])) == {"CheckQueryRq", "CreditCardChargeQueryRq"}
    for bad in ("3175", "x:invoices", "3175:nothing", "3175:invoices:0", "3175:invoices:a"):
        with pytest.raises(ValueError):
            parse_failures([bad])


def test_limited_failure_only_fails_the_first_time(us_company: SimulatedCompany) -> None:
    quickbooks = SimulatedQuickBooks(us_company, failures=parse_failures(["3175:invoices:1"]))
    quickbooks.begin_session()
    assert ask(quickbooks, "InvoiceQueryRq", "<MaxReturned>1</MaxReturned>").status == 3175
    assert ask(quickbooks, "InvoiceQueryRq", "<MaxReturned>1</MaxReturned>").status == 0


def test_3391_hits_only_continue_and_kills_the_iterator(us_company: SimulatedCompany) -> None:
    quickbooks = SimulatedQuickBooks(us_company, failures=parse_failures(["3391:bills:1"]))
    quickbooks.begin_session()
    body = "<MaxReturned>5</MaxReturned>"
    first = ask(quickbooks, "BillQueryRq", body, ' iterator="Start"')
    assert first.status == 0
    continued = f' iterator="Continue" iteratorID="{first.attributes["iteratorID"]}"'
    stale = ask(quickbooks, "BillQueryRq", body, continued)
    assert stale.status == 3391
    # The failure is used up, but the iterator is gone: QuickBooks forgot it.
    assert ask(quickbooks, "BillQueryRq", body, continued).status == 3391
    restarted = ask(quickbooks, "BillQueryRq", body, ' iterator="Start"')
    assert restarted.status == 0
    retry = f' iterator="Continue" iteratorID="{restarted.attributes["iteratorID"]}"'
    assert ask(quickbooks, "BillQueryRq", body, retry).status == 0


def test_hresult_failure_fails_the_whole_request(us_company: SimulatedCompany) -> None:
    quickbooks = SimulatedQuickBooks(us_company, failures=parse_failures(["0x80040400:payments:1"]))
    quickbooks.begin_session()
    body = "<CustomerQueryRq/><ReceivePaymentQueryRq/>"
    with pytest.raises(QuickBooksHResultError) as caught:
        quickbooks.process(qbxml(body))
    assert caught.value.hresult == "0x80040400"
    assert [r.status for r in responses(quickbooks.process(qbxml(body)))] == [0, 0]


def test_transfer_is_not_a_txn_del_type(us: SimulatedQuickBooks) -> None:
    with pytest.raises(QuickBooksHResultError) as caught:
        us.process(
            qbxml("<TxnDeletedQueryRq><TxnDelType>Transfer</TxnDelType></TxnDeletedQueryRq>")
        )
    assert caught.value.hresult == "0x80040400"


def test_churn_touches_every_kind_and_keeps_links(tmp_path: Path) -> None:
    with SimulatedCompany.open(tmp_path / "churn.qbsim", size="small", seed=9) as company:
        created: set[str] = set()
        modified: set[str] = set()
        deleted: set[str] = set()
        for _ in range(6):
            summary = company.churn(300)
            created |= set(summary.created)
            modified |= set(summary.modified)
            deleted |= set(summary.deleted)
        assert {"ReceivePaymentRet", "BillRet", "JournalEntryRet", "TransferRet"} <= created
        assert {"BillRet", "CheckRet", "TransferRet", "EmployeeRet"} <= modified
        assert {"ReceivePaymentRet", "BillRet", "CheckRet", "CustomerRet"} <= deleted
        quickbooks = SimulatedQuickBooks(company)
        quickbooks.begin_session()
        body = (
            "<TxnDeletedQueryRq><TxnDelType>ReceivePayment</TxnDelType>"
            "<TxnDelType>Bill</TxnDelType><TxnDelType>Check</TxnDelType></TxnDeletedQueryRq>"
        )
        rs = one(quickbooks.process(qbxml(body)))
        assert {r["TxnDelType"] for r in rs.records} == {"ReceivePayment", "Bill", "Check"}
        listed = {r["TxnID"] for r in rs.records}
        live = {r["TxnID"] for t in ("ReceivePayment", "Bill", "Check") for r in company.records(t)}
        assert listed and not listed & live
        # Links stay consistent: deleted payments no longer count against their invoices.
        applied: dict[str, int] = {}
        for payment in company.records("ReceivePayment"):
            for row in payment["AppliedToTxnRet"]:
                applied[row["TxnID"]] = applied.get(row["TxnID"], 0) + cents_of(row["Amount"])
        for invoice in company.records("Invoice"):
            links = invoice.get("LinkedTxn", [])
            assert applied.get(invoice["TxnID"], 0) == -sum(cents_of(x["Amount"]) for x in links)
        counts = company.counts_by_codat_type()
        assert set(CODAT_TYPES) | {"bankAccounts"} == set(counts)
