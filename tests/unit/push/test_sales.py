"""Invoices, credit notes and payments."""

from __future__ import annotations

from typing import Any

from qbdsync.push.kinds import CompanyProfile, PushAction
from qbdsync.push.registry import kind_for
from qbdsync.simulator.quickbooks import SimulatedQuickBooks

from .harness import CompanyLookup, Outcome, active, item, paths, rows_of, send

INVOICES = kind_for("invoices")
CREDIT_NOTES = kind_for("creditNotes")
PAYMENTS = kind_for("payments")
assert INVOICES is not None and CREDIT_NOTES is not None and PAYMENTS is not None


def invoice_payload(lookup: CompanyLookup, **extra: Any) -> dict[str, Any]:
    customer, service = active(lookup, "customers"), item(lookup)
    return {
        "customerRef": {"id": customer.record_id},
        "invoiceNumber": "INV-9001",
        "issueDate": "2024-03-01T00:00:00",
        "dueDate": "2024-03-31",
        "note": "Thank you",
        "lineItems": [
            {
                "description": "Consulting",
                "quantity": 3,
                "unitAmount": 0.16667,
                "subTotal": 0.5,
                "itemRef": {"id": service.record_id},
                "taxRateRef": {"id": "Non"},
            },
            {"description": "Setup", "subTotal": 100, "itemRef": {"id": service.record_id}},
        ],
        "subTotal": 100.5,
        **extra,
    }


def create_invoice(
    quickbooks: SimulatedQuickBooks, lookup: CompanyLookup, profile: CompanyProfile
) -> Outcome:
    return send(
        INVOICES,
        PushAction.CREATE,
        invoice_payload(lookup),
        quickbooks,
        lookup,
        profile,
        ret_type="InvoiceRet",
    )


def test_invalid_invoice(profile: CompanyProfile, lookup: CompanyLookup) -> None:
    service = item(lookup)
    payload = {
        "customerRef": {"id": "8000FFFF-1"},
        "invoiceNumber": "123456789012",
        "issueDate": "2024-02-30",
        "currency": "EUR",
        "lineItems": [
            {"quantity": 2, "unitAmount": 10, "subTotal": 25, "itemRef": {"id": service.record_id}},
            {"subTotal": 5, "taxAmount": 1, "itemRef": {"id": "nope"}, "taxRateRef": {"id": "nah"}},
            {"description": "no item", "subTotal": 1.234},
        ],
        "subTotal": 99,
    }
    assert paths(INVOICES.validate(PushAction.CREATE, payload, profile, lookup)) == {
        "customerRef.id": "ReferenceExists",
        "invoiceNumber": "MaxLength",
        "issueDate": "Type",
        "currency": "NotSupported",
        "lineItems[1].itemRef.id": "ReferenceExists",
        "lineItems[1].taxRateRef.id": "ReferenceExists",
        "lineItems[2].itemRef": "Required",
        "lineItems[2].subTotal": "Precision",
        "lineItems[0].subTotal": "AmountsAddUp",
        "lineItems[1].taxAmount": "NotSupported",
        "subTotal": "AmountsAddUp",
    }


def test_invoice_create_round_trips(
    quickbooks: SimulatedQuickBooks, lookup: CompanyLookup, profile: CompanyProfile
) -> None:
    outcome = create_invoice(quickbooks, lookup, profile)
    assert outcome.after == outcome.before + 1
    assert "<Quantity>3</Quantity><Rate>0.16667</Rate>" in outcome.request_xml
    (row,) = outcome.rows
    data = row.data
    assert data is not None
    assert data["invoiceNumber"] == "INV-9001" and data["issueDate"] == "2024-03-01"
    assert data["dueDate"] == "2024-03-31" and data["note"] == "Thank you"
    assert [line["subTotal"] for line in data["lineItems"]] == [0.5, 100.0]
    assert data["lineItems"][0]["quantity"] == 3 and data["lineItems"][0]["unitAmount"] == 0.16667
    assert data["subTotal"] == 100.5 and data["status"] == "Submitted"
    assert data["customerRef"]["id"] == invoice_payload(lookup)["customerRef"]["id"]


def test_invoice_update_replaces_lines(
    quickbooks: SimulatedQuickBooks, lookup: CompanyLookup, profile: CompanyProfile
) -> None:
    created = create_invoice(quickbooks, lookup, profile)
    target = lookup.find("invoices", created.primary.record_id)
    assert target is not None
    payload = invoice_payload(lookup)
    payload["lineItems"] = payload["lineItems"][1:]
    payload["subTotal"] = 100
    updated = send(
        INVOICES,
        PushAction.UPDATE,
        payload,
        quickbooks,
        lookup,
        profile,
        ret_type="InvoiceRet",
        target=target,
    )
    assert updated.after == updated.before
    data = updated.primary.data
    assert data is not None
    assert len(data["lineItems"]) == 1 and data["subTotal"] == 100.0


def test_credit_note_create_round_trips(
    quickbooks: SimulatedQuickBooks, lookup: CompanyLookup, profile: CompanyProfile
) -> None:
    payload = invoice_payload(lookup)
    del payload["invoiceNumber"], payload["dueDate"]
    payload["creditNoteNumber"] = "CN-1"
    outcome = send(
        CREDIT_NOTES,
        PushAction.CREATE,
        payload,
        quickbooks,
        lookup,
        profile,
        ret_type="CreditMemoRet",
    )
    assert outcome.after == outcome.before + 1
    data = outcome.primary.data
    assert data is not None
    assert data["creditNoteNumber"] == "CN-1" and data["totalAmount"] == 100.5


def test_payment_applies_to_invoice(
    quickbooks: SimulatedQuickBooks, lookup: CompanyLookup, profile: CompanyProfile
) -> None:
    invoice = create_invoice(quickbooks, lookup, profile)
    invoice_id = invoice.primary.record_id
    customer_id = invoice_payload(lookup)["customerRef"]["id"]
    payload = {
        "customerRef": {"id": customer_id},
        "totalAmount": 60,
        "date": "2024-03-05",
        "reference": "CHK-77",
        "lines": [
            {"amount": 50, "links": [{"type": "Invoice", "id": invoice_id, "amount": -50}]},
            {"amount": 10, "links": []},
        ],
    }
    outcome = send(
        PAYMENTS,
        PushAction.CREATE,
        payload,
        quickbooks,
        lookup,
        profile,
        ret_type="ReceivePaymentRet",
    )
    assert outcome.after == outcome.before + 1
    (payment,) = rows_of(outcome, "payments")
    assert payment.data is not None
    assert payment.data["totalAmount"] == 60.0 and payment.data["reference"] == "CHK-77"
    links = [line["links"] for line in payment.data["lines"]]
    assert links[0] == [{"type": "Invoice", "id": invoice_id, "amount": -50.0}]
    assert payment.data["lines"][1] == {
        "amount": 10.0,
        "allocatedOnDate": "2024-03-05",
        "links": [],
    }
    paid = quickbooks.company.get("InvoiceRet", invoice_id)
    assert paid is not None and paid["BalanceRemaining"] == "50.50"


def test_invalid_payment(
    quickbooks: SimulatedQuickBooks, lookup: CompanyLookup, profile: CompanyProfile
) -> None:
    invoice = create_invoice(quickbooks, lookup, profile)
    payload = {
        "customerRef": {"id": invoice_payload(lookup)["customerRef"]["id"]},
        "totalAmount": 500,
        "date": "2024-03-05",
        "lines": [
            {"amount": 200, "links": [{"type": "Invoice", "id": invoice.primary.record_id}]},
            {"amount": 1, "links": [{"type": "Invoice", "id": "1234-1234"}]},
            {"amount": 2, "links": [{"type": "Refund", "id": "x"}]},
        ],
    }
    assert paths(PAYMENTS.validate(PushAction.CREATE, payload, profile, lookup)) == {
        "lines[1].links[0].id": "ReferenceExists",
        "lines[2].links[0].type": "AllowedValues",
        "lines": "AmountsAddUp",
        "lines[0].links[0].id": "AmountDue",
    }
