"""Writes beyond the basics, whole sessions over real HTTP: CA and UK tax codes on lines,
payments that apply credit notes, classes on lines, inventory parts.

As in test_push_sessions: each push goes through the API, a simulated Web Connector session
sends it to the simulated QuickBooks (which checks every request against its version's and its
edition's schema), the record is read back from the data endpoints under its QuickBooks id, and
the company file holds exactly one record carrying the push's marker.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from qbdsync.simulator.company import SimulatedCompany
from qbdsync.simulator.factories import Record
from tests.api.helpers import link_and_sync, new_tenant
from tests.conftest import LiveServer
from tests.integration.test_push_sessions import (
    Books,
    account_id,
    customer_id,
    quickbooks_id,
    service_item_id,
    supplier_id,
)


def _books_in(server: LiveServer, tmp_path: Path, country: str) -> Books:
    tenant = new_tenant(server, f"pushes-{country}")
    synced = link_and_sync(tenant, tmp_path / "company", f"{country} Books Ltd", country=country)
    return Books(server, tenant, synced)


@pytest.fixture(params=["CA", "UK"])
def taxed_books(
    request: pytest.FixtureRequest, live_server: LiveServer, tmp_path: Path
) -> Iterator[Books]:
    found = _books_in(live_server, tmp_path, request.param)
    try:
        yield found
    finally:
        found.api.close()


@pytest.fixture
def us_books(live_server: LiveServer, tmp_path: Path) -> Iterator[Books]:
    found = _books_in(live_server, tmp_path, "US")
    try:
        yield found
    finally:
        found.api.close()


def _read(books: Books, data_type: str, record_id: str) -> dict[str, Any]:
    reply = books.api.get(f"{books.base}/data/{data_type}/{record_id}")
    assert reply.status_code == 200, reply.text
    return dict(reply.json())


def _settled_once(
    books: Books, pushed: dict[str, Any], rets: tuple[str, ...], marker: str
) -> Record:
    operation = books.operation(pushed["pushOperationKey"])
    assert operation["status"] == "Success", operation
    (record,) = books.holding(rets, marker)
    return record


def _now(books: Books, ret_type: str, record: Record) -> Record:
    """The record as the company file holds it now."""
    with books.company() as company:
        found = company.get(ret_type, quickbooks_id(record))
    assert found is not None, (ret_type, record)
    return found


# -- CA and UK tax codes -----------------------------------------------------------------------

# (high code, its rate %, low code, its rate %) in each country's simulated company file.
TAX = {"CA": ("H", 13, "G", 5), "UK": ("S", 20, "R", 5)}


def _sales_lines(company: SimulatedCompany, country: str) -> list[dict[str, Any]]:
    high, high_rate, low, _ = TAX[country]
    service = service_item_id(company)
    return [
        {
            "description": "Repairs",
            "quantity": 2,
            "unitAmount": 50,
            "subTotal": 100,
            "taxAmount": high_rate,
            "totalAmount": 100 + high_rate,
            "itemRef": {"id": service},
            "taxRateRef": {"id": high},
        },
        {
            "description": "Parts",
            "subTotal": 40,
            "taxAmount": 2,
            "itemRef": {"id": service},
            "taxRateRef": {"id": low},
        },
    ]


def _purchase_lines(company: SimulatedCompany, country: str) -> list[dict[str, Any]]:
    high, high_rate, low, _ = TAX[country]
    return [
        {
            "description": "Rent",
            "subTotal": 100,
            "taxAmount": high_rate,
            "accountRef": {"id": account_id(company, "Expense")},
            "taxRateRef": {"id": high},
        },
        {
            "description": "Stationery",
            "subTotal": 40,
            "taxAmount": 2,
            "accountRef": {"id": account_id(company, "Expense", 1)},
            "taxRateRef": {"id": low},
        },
    ]


def test_documents_with_tax_codes_add_up_in_ca_and_uk(taxed_books: Books) -> None:
    books = taxed_books
    country = books.truth(lambda company: company.country)
    tax = TAX[country][1] + 2  # the high rate of 100, and 5 % of 40
    markers = {name: books.marker() for name in ("inv", "cn", "bill", "vc", "cost", "income")}

    def build(company: SimulatedCompany) -> str:
        sales = {
            "customerRef": {"id": customer_id(company)},
            "issueDate": "2024-05-02",
            "lineItems": _sales_lines(company, country),
            "subTotal": 140,
            "totalTaxAmount": tax,
            "totalAmount": 140 + tax,
        }
        purchase = {
            "supplierRef": {"id": supplier_id(company)},
            "issueDate": "2024-05-03",
            "lineItems": _purchase_lines(company, country),
            "subTotal": 140,
            "totalAmount": 140 + tax,
        }
        bank = [{"payment": {"accountRef": {"id": account_id(company, "Bank")}}}]
        built = {
            "inv": ("invoices", {**sales, "invoiceNumber": markers["inv"]}, ("InvoiceRet",)),
            "cn": ("creditNotes", {**sales, "creditNoteNumber": markers["cn"]}, ("CreditMemoRet",)),
            "bill": (
                "bills",
                {**purchase, "reference": markers["bill"], "taxAmount": tax},
                ("BillRet",),
            ),
            "vc": (
                "billCreditNotes",
                {**purchase, "billCreditNoteNumber": markers["vc"], "totalTaxAmount": tax},
                ("VendorCreditRet",),
            ),
            "cost": (
                "directCosts",
                {
                    **{k: v for k, v in purchase.items() if k != "supplierRef"},
                    "reference": markers["cost"],
                    "paymentAllocations": bank,
                },
                ("CheckRet",),
            ),
            "income": (
                "directIncomes",
                {
                    "issueDate": "2024-05-04",
                    "note": f"Takings {markers['income']}",
                    "lineItems": _sales_lines(company, country),
                    "taxAmount": tax,
                    "totalAmount": 140 + tax,
                    "paymentAllocations": bank,
                },
                ("SalesReceiptRet",),
            ),
        }
        return json.dumps(built)

    payloads = json.loads(books.truth(build))
    pushed = {name: books.push(data_type, body) for name, (data_type, body, _) in payloads.items()}
    ran = books.session()
    assert ran.error is None, ran
    for name, (data_type, payload, rets) in payloads.items():
        record = _settled_once(books, pushed[name], tuple(rets), markers[name])
        read = _read(books, data_type, quickbooks_id(record))
        assert read["totalAmount"] == payload["totalAmount"], (name, read)
        if data_type in ("invoices", "creditNotes", "directIncomes"):
            tax_name = "taxAmount" if data_type == "directIncomes" else "totalTaxAmount"
            assert read[tax_name] == tax, (name, read)
            codes = [line["taxRateRef"]["name"] for line in read["lineItems"]]
            assert codes == [TAX[country][0], TAX[country][2]], (name, codes)


def test_a_tax_amount_quickbooks_would_not_compute_queues_nothing(taxed_books: Books) -> None:
    books = taxed_books
    country = books.truth(lambda company: company.country)
    before = books.api.get(f"/companies/{books.synced.company_id}/push").json()["totalResults"]

    def build(company: SimulatedCompany) -> str:
        lines = _sales_lines(company, country)
        lines[0]["taxAmount"] = 1
        lines[0]["totalAmount"] = 101
        return json.dumps(
            {
                "customerRef": {"id": customer_id(company)},
                "issueDate": "2024-05-02",
                "lineItems": lines,
            }
        )

    reply = books.api.post(f"{books.base}/push/invoices", json=json.loads(books.truth(build)))
    assert reply.status_code == 400, reply.text
    named = {e["itemId"]: e["message"] for e in reply.json()["validation"]["errors"]}
    assert "QuickBooks computes the tax" in named["lineItems[0].taxAmount"]
    after = books.api.get(f"/companies/{books.synced.company_id}/push").json()["totalResults"]
    assert after == before


# -- payments that apply credit notes ------------------------------------------------------------


def test_payments_apply_credit_notes(us_books: Books) -> None:
    books = us_books
    marks = {name: books.marker() for name in ("inv", "cn", "pay", "bill", "vc", "bp")}
    ids = json.loads(
        books.truth(
            lambda company: json.dumps(
                {
                    "customer": customer_id(company),
                    "item": service_item_id(company),
                    "supplier": supplier_id(company),
                    "expense": account_id(company, "Expense"),
                    "bank": account_id(company, "Bank"),
                }
            )
        )
    )

    def sale(number: str, marker: str, amount: int) -> dict[str, Any]:
        return {
            "customerRef": {"id": ids["customer"]},
            number: marker,
            "issueDate": "2024-03-01",
            "lineItems": [{"subTotal": amount, "itemRef": {"id": ids["item"]}}],
        }

    def purchase(number: str, marker: str, amount: int) -> dict[str, Any]:
        return {
            "supplierRef": {"id": ids["supplier"]},
            number: marker,
            "issueDate": "2024-04-01",
            "lineItems": [{"subTotal": amount, "accountRef": {"id": ids["expense"]}}],
        }

    invoice = books.push("invoices", sale("invoiceNumber", marks["inv"], 100))
    credit = books.push("creditNotes", sale("creditNoteNumber", marks["cn"], 30))
    payment = books.push(
        "payments",
        {
            "customerRef": {"id": ids["customer"]},
            "totalAmount": 5,
            "date": "2024-03-05",
            "reference": marks["pay"],
            "lines": [
                {
                    "amount": 0,
                    "links": [
                        {"type": "Invoice", "id": invoice["data"]["id"], "amount": -20},
                        {"type": "CreditNote", "id": credit["data"]["id"], "amount": 20},
                    ],
                },
                {
                    "amount": 5,
                    "links": [{"type": "Invoice", "id": invoice["data"]["id"], "amount": -5}],
                },
            ],
        },
    )
    bill = books.push("bills", purchase("reference", marks["bill"], 50))
    vendor_credit = books.push("billCreditNotes", purchase("billCreditNoteNumber", marks["vc"], 8))
    bill_payment = books.push(
        "billPayments",
        {
            "supplierRef": {"id": ids["supplier"]},
            "accountRef": {"id": ids["bank"]},
            "totalAmount": 12,
            "date": "2024-04-10",
            "reference": marks["bp"],
            "lines": [
                {
                    "amount": 12,
                    "links": [
                        {"type": "Bill", "id": bill["data"]["id"], "amount": -20},
                        {"type": "CreditNote", "id": vendor_credit["data"]["id"], "amount": 8},
                    ],
                }
            ],
        },
    )
    ran = books.session()
    assert ran.error is None, ran
    made_invoice = _settled_once(books, invoice, ("InvoiceRet",), marks["inv"])
    made_credit = _settled_once(books, credit, ("CreditMemoRet",), marks["cn"])
    made_payment = _settled_once(books, payment, ("ReceivePaymentRet",), marks["pay"])
    made_bill = _settled_once(books, bill, ("BillRet",), marks["bill"])
    made_vc = _settled_once(books, vendor_credit, ("VendorCreditRet",), marks["vc"])
    made_bp = _settled_once(books, bill_payment, ("BillPaymentCheckRet",), marks["bp"])
    # The simulated QuickBooks applied the credits: balances and what is left of each credit.
    assert _now(books, "InvoiceRet", made_invoice)["BalanceRemaining"] == "75.00"
    assert _now(books, "CreditMemoRet", made_credit)["CreditRemaining"] == "10.00"
    assert _now(books, "BillRet", made_bill)["OpenAmount"] == "30.00"
    assert _now(books, "VendorCreditRet", made_vc)["OpenAmount"] == "0.00"
    read = _read(books, "payments", made_payment["TxnID"])
    links = [link for line in read["lines"] for link in line["links"]]
    assert {"type": "CreditNote", "id": made_credit["TxnID"], "amount": 20.0} in links
    assert _read(books, "billPayments", made_bp["TxnID"])["totalAmount"] == 12.0
    # The next sync reads the settled records back with their new balances.
    assert books.api.post(f"/companies/{books.synced.company_id}/data/all").status_code == 204
    assert books.session().error is None
    assert _read(books, "invoices", made_invoice["TxnID"])["amountDue"] == 75.0
    assert _read(books, "creditNotes", made_credit["TxnID"])["remainingCredit"] == 10.0
    assert _read(books, "billCreditNotes", made_vc["TxnID"])["remainingCredit"] == 0.0


# -- classes and inventory parts ---------------------------------------------------------------


def test_classes_on_lines_and_inventory_parts(taxed_books: Books) -> None:
    books = taxed_books
    invoice_mark, part_mark = books.marker(), books.marker()

    def build(company: SimulatedCompany) -> str:
        klass = next(r for r in company.records("ClassRet") if r.get("IsActive") == "true")
        return json.dumps(
            {
                "class": klass["ListID"],
                "invoice": {
                    "customerRef": {"id": customer_id(company)},
                    "invoiceNumber": invoice_mark,
                    "issueDate": "2024-06-01",
                    "lineItems": [
                        {
                            "subTotal": 12,
                            "itemRef": {"id": service_item_id(company)},
                            "tracking": {"categoryRefs": [{"id": klass["ListID"]}]},
                        }
                    ],
                },
                "item": {
                    "name": f"Part {part_mark}",
                    "type": "Inventory",
                    "isInvoiceItem": True,
                    "invoiceItem": {
                        "unitPrice": 30,
                        "accountRef": {"id": account_id(company, "Income")},
                    },
                    "isBillItem": True,
                    "billItem": {
                        "unitPrice": 18,
                        "accountRef": {"id": account_id(company, "CostOfGoodsSold")},
                    },
                    "supplementalData": {
                        "content": {
                            "assetAccountRef": {"id": account_id(company, "OtherCurrentAsset")}
                        }
                    },
                },
            }
        )

    built = json.loads(books.truth(build))
    invoice = books.push("invoices", built["invoice"])
    part = books.push("items", built["item"])
    ran = books.session()
    assert ran.error is None, ran
    made = _settled_once(books, invoice, ("InvoiceRet",), invoice_mark)
    assert made["ClassRef"]["ListID"] == built["class"]
    assert [line["ClassRef"]["ListID"] for line in made["InvoiceLineRet"]] == [built["class"]]
    read = _read(books, "invoices", made["TxnID"])
    assert read["lineItems"][0]["trackingCategoryRefs"][0]["id"] == built["class"]
    stocked = _settled_once(books, part, ("ItemInventoryRet",), part_mark)
    item = _read(books, "items", stocked["ListID"])
    assert item["type"] == "Inventory" and item["name"] == f"Part {part_mark}"
    assert item["supplementalData"]["content"]["quantityOnHand"] == 0
    asset = built["item"]["supplementalData"]["content"]["assetAccountRef"]["id"]
    assert item["supplementalData"]["content"]["assetAccountRef"]["id"] == asset
