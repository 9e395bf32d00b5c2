"""Tax on lines in CA and UK company files, and what each edition's requests may hold.

CA and UK editions compute tax from each line's tax code (GST/HST/PST, VAT); no US, CA or UK
edition takes a line's TaxAmount. So a payload's taxAmount is checked against what QuickBooks
will compute, the request carries the codes (by ListID) and IsTaxIncluded false, never a
TaxAmount, and the simulated QuickBooks, which refuses what its edition lacks, totals the tax.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from qbdsync.errors import RequestBug
from qbdsync.push.kinds import CompanyProfile, PushAction
from qbdsync.push.registry import kind_for
from qbdsync.push.taxes import tax_codes
from qbdsync.qbxml.writes import AddRequest, build_write_set, ref
from qbdsync.simulator.company import SimulatedCompany
from qbdsync.simulator.quickbooks import QuickBooksHResultError, SimulatedQuickBooks

from .harness import CompanyLookup, account, active, guid, item, paths, send

INVOICES = kind_for("invoices")
CREDIT_NOTES = kind_for("creditNotes")
BILLS = kind_for("bills")
BILL_CREDIT_NOTES = kind_for("billCreditNotes")
DIRECT_COSTS = kind_for("directCosts")
DIRECT_INCOMES = kind_for("directIncomes")
assert INVOICES and CREDIT_NOTES and BILLS and BILL_CREDIT_NOTES and DIRECT_COSTS
assert DIRECT_INCOMES

PRODUCTS = {"CA": "QuickBooks Premier Accountant Edition 2023", "UK": "QuickBooks Pro 2023"}
HOME = {"CA": "CAD", "UK": "GBP"}


@pytest.fixture(scope="module", params=["CA", "UK"])
def country_file(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp(f"tax-{request.param}") / "company.qbsim"
    SimulatedCompany.open(path, size="small", seed=1, country=request.param).close()
    return path


@pytest.fixture
def company(country_file: Path, tmp_path: Path) -> Iterator[SimulatedCompany]:
    copy = tmp_path / "company.qbsim"
    copy.write_bytes(country_file.read_bytes())
    with SimulatedCompany.open(copy) as opened:
        yield opened


@pytest.fixture
def profile(company: SimulatedCompany) -> CompanyProfile:
    country = company.country
    return CompanyProfile(country, PRODUCTS[country], False, HOME[country], "16.0")


@pytest.fixture
def lookup(company: SimulatedCompany, profile: CompanyProfile) -> CompanyLookup:
    return CompanyLookup(company, profile)


@pytest.fixture
def taxed_profile(profile: CompanyProfile, lookup: CompanyLookup) -> CompanyProfile:
    """The profile as the store builds it: with the company's tax codes by name."""
    return replace(profile, tax_codes=tax_codes(r.data for r in lookup.all("taxRates")))


# The taxable codes each country's simulated file has, their rates, and an exempt one.
CODES = {"CA": (("H", "13"), ("G", "5"), "E"), "UK": (("S", "20"), ("R", "5"), "Z")}


def _codes(profile: CompanyProfile) -> tuple[str, str, str]:
    (high, _), (low, _), exempt = CODES[profile.country]
    return high, low, exempt


def sales_payload(lookup: CompanyLookup, profile: CompanyProfile, number: str) -> dict[str, Any]:
    """Two taxed lines: 100 at the high rate and 40 at the low one, plus an exempt one."""
    high, low, exempt = _codes(profile)
    tax_high = {"CA": 13, "UK": 20}[profile.country]
    service = item(lookup)
    return {
        "customerRef": {"id": active(lookup, "customers").record_id},
        number: "T-1",
        "issueDate": "2024-05-02",
        "lineItems": [
            {
                "description": "Repairs",
                "quantity": 2,
                "unitAmount": 50,
                "subTotal": 100,
                "taxAmount": tax_high,
                "totalAmount": 100 + tax_high,
                "itemRef": {"id": service.record_id},
                "taxRateRef": {"id": high},
            },
            {
                "description": "Parts",
                "subTotal": 40,
                "taxAmount": 2,
                "itemRef": {"id": service.record_id},
                "taxRateRef": {"id": low},
            },
            {
                "description": "Advice",
                "subTotal": 10,
                "taxAmount": 0,
                "itemRef": {"id": service.record_id},
                "taxRateRef": {"id": exempt},
            },
        ],
        "subTotal": 150,
        "totalTaxAmount": tax_high + 2,
        "totalAmount": 150 + tax_high + 2,
    }


def purchase_payload(lookup: CompanyLookup, profile: CompanyProfile, **head: Any) -> dict[str, Any]:
    """An expense line of 100 at the high rate and an item line of 40 at the low one."""
    high, low, _ = _codes(profile)
    tax_high = {"CA": 13, "UK": 20}[profile.country]
    return {
        "issueDate": "2024-05-03",
        "note": "Supplies",
        "lineItems": [
            {
                "description": "Rent",
                "subTotal": 100,
                "taxAmount": tax_high,
                "accountRef": {"id": account(lookup, "Expense").record_id},
                "taxRateRef": {"id": high},
            },
            {
                "description": "Parts",
                "quantity": 4,
                "unitAmount": 10,
                "subTotal": 40,
                "taxAmount": 2,
                "itemRef": {"id": item(lookup).record_id},
                "taxRateRef": {"id": low},
            },
        ],
        "subTotal": 140,
        "totalAmount": 140 + tax_high + 2,
        **head,
    }


@pytest.fixture
def quickbooks(company: SimulatedCompany) -> Iterator[SimulatedQuickBooks]:
    simulated = SimulatedQuickBooks(company)
    simulated.begin_session()
    yield simulated
    simulated.end_session()


def _assert_sent_as_quickbooks_takes_it(xml: str, profile: CompanyProfile) -> None:
    assert "<TaxAmount>" not in xml  # no US, CA or UK edition takes one
    assert "<IsTaxIncluded>false</IsTaxIncluded>" in xml  # amounts are before tax
    high, _, _ = _codes(profile)
    high_id = dict(profile.tax_codes)[high]
    assert f"<SalesTaxCodeRef><ListID>{high_id}</ListID></SalesTaxCodeRef>" in xml


@pytest.mark.parametrize(
    ("kind", "number", "ret_type"),
    [
        (INVOICES, "invoiceNumber", "InvoiceRet"),
        (CREDIT_NOTES, "creditNoteNumber", "CreditMemoRet"),
    ],
)
def test_sales_documents_carry_codes_and_quickbooks_totals_the_tax(
    kind: Any,
    number: str,
    ret_type: str,
    quickbooks: SimulatedQuickBooks,
    lookup: CompanyLookup,
    taxed_profile: CompanyProfile,
) -> None:
    payload = sales_payload(lookup, taxed_profile, number)
    outcome = send(
        kind, PushAction.CREATE, payload, quickbooks, lookup, taxed_profile, ret_type=ret_type
    )
    assert outcome.after == outcome.before + 1
    _assert_sent_as_quickbooks_takes_it(outcome.request_xml, taxed_profile)
    raw = outcome.record.data
    assert (raw["Subtotal"], raw["SalesTaxTotal"]) == ("150.00", f"{payload['totalTaxAmount']}.00")
    data = outcome.primary.data
    assert data is not None
    assert data["totalTaxAmount"] == payload["totalTaxAmount"]
    assert data["totalAmount"] == payload["totalAmount"]
    codes = [line["taxRateRef"]["name"] for line in data["lineItems"]]
    assert codes == list(_codes(taxed_profile))


@pytest.mark.parametrize(
    ("kind", "ret_type", "total"),
    [
        (BILLS, "BillRet", "AmountDue"),
        (BILL_CREDIT_NOTES, "VendorCreditRet", "CreditAmount"),
    ],
)
def test_purchases_carry_codes_and_their_total_includes_the_tax(
    kind: Any,
    ret_type: str,
    total: str,
    quickbooks: SimulatedQuickBooks,
    lookup: CompanyLookup,
    taxed_profile: CompanyProfile,
) -> None:
    supplier = active(lookup, "suppliers").record_id
    payload = purchase_payload(lookup, taxed_profile, supplierRef={"id": supplier})
    outcome = send(
        kind, PushAction.CREATE, payload, quickbooks, lookup, taxed_profile, ret_type=ret_type
    )
    _assert_sent_as_quickbooks_takes_it(outcome.request_xml, taxed_profile)
    assert outcome.record.data[total] == f"{payload['totalAmount']}.00"
    expense, item_line = (
        outcome.record.data["ExpenseLineRet"][0],
        outcome.record.data["ItemLineRet"][0],
    )
    assert expense["SalesTaxCodeRef"]["FullName"] == _codes(taxed_profile)[0]
    assert item_line["SalesTaxCodeRef"]["FullName"] == _codes(taxed_profile)[1]
    data = outcome.primary.data
    assert data is not None and data["totalAmount"] == payload["totalAmount"]


def test_direct_costs_and_incomes_with_codes(
    quickbooks: SimulatedQuickBooks, lookup: CompanyLookup, taxed_profile: CompanyProfile
) -> None:
    bank = {"payment": {"accountRef": {"id": account(lookup, "Bank").record_id}}}
    cost = purchase_payload(lookup, taxed_profile, paymentAllocations=[bank])
    spent = send(
        DIRECT_COSTS,
        PushAction.CREATE,
        cost,
        quickbooks,
        lookup,
        taxed_profile,
        ret_type="CheckRet",
    )
    _assert_sent_as_quickbooks_takes_it(spent.request_xml, taxed_profile)
    assert spent.record.data["Amount"] == f"{cost['totalAmount']}.00"
    income = sales_payload(lookup, taxed_profile, "reference")
    income.pop("customerRef")
    income["paymentAllocations"] = [bank]
    income["taxAmount"] = income.pop("totalTaxAmount")
    received = send(
        DIRECT_INCOMES,
        PushAction.CREATE,
        income,
        quickbooks,
        lookup,
        taxed_profile,
        ret_type="SalesReceiptRet",
    )
    _assert_sent_as_quickbooks_takes_it(received.request_xml, taxed_profile)
    raw = received.record.data
    assert raw["SalesTaxTotal"] == f"{income['taxAmount']}.00"
    assert raw["TotalAmount"] == f"{income['totalAmount']}.00"


def test_codes_given_by_list_id_work_as_names_do(
    quickbooks: SimulatedQuickBooks, lookup: CompanyLookup, taxed_profile: CompanyProfile
) -> None:
    payload = sales_payload(lookup, taxed_profile, "invoiceNumber")
    for line in payload["lineItems"]:
        line["taxRateRef"] = {"id": dict(taxed_profile.tax_codes)[line["taxRateRef"]["id"]]}
    outcome = send(
        INVOICES,
        PushAction.CREATE,
        payload,
        quickbooks,
        lookup,
        taxed_profile,
        ret_type="InvoiceRet",
    )
    assert outcome.record.data["SalesTaxTotal"] == f"{payload['totalTaxAmount']}.00"


def test_tax_that_quickbooks_would_not_compute_is_refused(
    lookup: CompanyLookup, taxed_profile: CompanyProfile
) -> None:
    payload = sales_payload(lookup, taxed_profile, "invoiceNumber")
    lines = payload["lineItems"]
    lines[0]["taxAmount"] = 7  # not 13 % / 20 % of 100
    lines[0]["totalAmount"] = 107
    lines[1]["taxRateRef"] = {"id": "P" if taxed_profile.country == "CA" else "nope-1"}
    lines[2]["taxAmount"] = 1
    lines[2].pop("taxRateRef")
    payload["totalTaxAmount"] = 3
    payload["totalAmount"] = 153
    found = paths(INVOICES.validate(PushAction.CREATE, payload, taxed_profile, lookup))
    assert found["lineItems[0].taxAmount"] == "AmountsAddUp"
    assert found["lineItems[1].taxRateRef.id"] == "ReferenceExists"  # not this file's code
    assert found["lineItems[2].taxRateRef"] == "Required"  # tax needs a code to come from


def test_a_header_tax_total_quickbooks_would_total_otherwise_is_refused(
    lookup: CompanyLookup, taxed_profile: CompanyProfile
) -> None:
    payload = sales_payload(lookup, taxed_profile, "invoiceNumber")
    for line in payload["lineItems"]:
        line.pop("taxAmount")
        line.pop("totalAmount", None)
    payload["totalTaxAmount"] += 1
    payload["totalAmount"] += 1
    found = paths(INVOICES.validate(PushAction.CREATE, payload, taxed_profile, lookup))
    assert found == {"totalTaxAmount": "AmountsAddUp"}


def test_a_total_without_a_tax_total_counts_the_computed_tax(
    lookup: CompanyLookup, taxed_profile: CompanyProfile
) -> None:
    supplier = active(lookup, "suppliers").record_id
    payload = purchase_payload(lookup, taxed_profile, supplierRef={"id": supplier})
    for line in payload["lineItems"]:
        line.pop("taxAmount")
    assert BILLS.validate(PushAction.CREATE, payload, taxed_profile, lookup) == []
    payload["totalAmount"] = 140  # the tax left out
    found = paths(BILLS.validate(PushAction.CREATE, payload, taxed_profile, lookup))
    assert found == {"totalAmount": "AmountsAddUp"}


def test_deposits_have_no_tax(lookup: CompanyLookup, taxed_profile: CompanyProfile) -> None:
    high, _, _ = _codes(taxed_profile)
    payload = {
        "issueDate": "2024-05-04",
        "lineItems": [
            {
                "subTotal": 50,
                "taxRateRef": {"id": high},
                "accountRef": {"id": account(lookup, "LongTermLiability").record_id},
            }
        ],
        "paymentAllocations": [
            {"payment": {"accountRef": {"id": account(lookup, "Bank").record_id}}}
        ],
        "totalAmount": 50,
    }
    found = paths(DIRECT_INCOMES.validate(PushAction.CREATE, payload, taxed_profile, lookup))
    assert found["lineItems[0].taxRateRef"] == "NotSupported"


def test_the_builder_refuses_what_the_edition_lacks() -> None:
    line = (("ItemRef", ref("80000001-1")), ("Amount", "10.00"), ("TaxAmount", "2.00"))
    invoice = AddRequest(
        "Invoice",
        "1",
        (("CustomerRef", ref("80000002-1")), ("InvoiceLineAdd", line)),
        external_guid=guid(),
        country="UK",
    )
    with pytest.raises(RequestBug, match=r"TaxAmount.*not in UK"):
        build_write_set("16.0", [invoice])
    expense = (("AccountRef", ref("80000003-1")), ("Amount", "5.00"))
    coded = (*expense, ("SalesTaxCodeRef", ref(full_name="Tax")))
    for country, lines, refused in (("US", coded, True), ("CA", coded, False)):
        bill = AddRequest(
            "Bill",
            "2",
            (("VendorRef", ref("80000004-1")), ("ExpenseLineAdd", lines)),
            external_guid=guid(),
            country=country,
        )
        if refused:
            with pytest.raises(RequestBug, match=r"SalesTaxCodeRef.*not in US"):
                build_write_set("16.0", [bill])
        else:
            assert "<SalesTaxCodeRef>" in build_write_set("16.0", [bill])


def test_us_purchase_lines_take_no_tax_code(lookup: CompanyLookup) -> None:
    us = CompanyProfile("US", "QuickBooks Enterprise Solutions", False, "USD", "16.0")
    payload = purchase_payload(lookup, replace(us, country="UK"), supplierRef={"id": "x"})
    for line in payload["lineItems"]:
        line.pop("taxAmount")
    found = BILLS.validate(PushAction.CREATE, payload, us, lookup)
    coded = {i.item_id: i.message for i in found if i.validator == "NotSupported"}
    assert set(coded) == {"lineItems[0].taxRateRef", "lineItems[1].taxRateRef"}
    assert "US editions" in coded["lineItems[0].taxRateRef"]
    lines = BILLS.options(us)["properties"]["lineItems"]["properties"]
    assert "taxRateRef" not in lines
    uk = BILLS.options(replace(us, country="UK"))["properties"]["lineItems"]["properties"]
    assert "taxRateRef" in uk


def test_the_simulator_refuses_what_its_edition_lacks(company: SimulatedCompany) -> None:
    """A request built without a country (no builder check) meets QuickBooks' own: 3250."""
    quickbooks = SimulatedQuickBooks(company)
    quickbooks.begin_session()
    customer = next(iter(company.records("CustomerRet")))["ListID"]
    service = next(iter(company.records("ItemServiceRet")))["ListID"]
    line = (("ItemRef", ref(service)), ("Amount", "10.00"), ("TaxAmount", "2.00"))
    invoice = AddRequest(
        "Invoice", "1", (("CustomerRef", ref(customer)), ("InvoiceLineAdd", line)), guid()
    )
    before = company.count("InvoiceRet")
    answer = quickbooks.process(build_write_set("16.0", [invoice]))
    assert 'statusCode="3250"' in answer and "TaxAmount" in answer
    assert company.count("InvoiceRet") == before
    # An element newer than the message set's version rejects the whole set, as QuickBooks'
    # schema check does (ExternalGUID came to InvoiceAdd in 9.0).
    old = build_write_set("9.0", [invoice]).replace('version="9.0"', 'version="8.0"')
    with pytest.raises(QuickBooksHResultError, match="ExternalGUID"):
        quickbooks.process(old)
