"""Bills, bill credit notes, bill payments and purchase orders."""

from __future__ import annotations

from typing import Any

from qbdsync.push.kinds import CompanyProfile, PushAction
from qbdsync.push.registry import kind_for
from qbdsync.simulator.quickbooks import SimulatedQuickBooks

from .harness import CompanyLookup, Outcome, account, active, item, paths, rows_of, send

BILLS = kind_for("bills")
CREDITS = kind_for("billCreditNotes")
BILL_PAYMENTS = kind_for("billPayments")
ORDERS = kind_for("purchaseOrders")
assert BILLS and CREDITS and BILL_PAYMENTS and ORDERS


def bill_payload(lookup: CompanyLookup) -> dict[str, Any]:
    return {
        "supplierRef": {"id": active(lookup, "suppliers").record_id},
        "reference": "VEND-INV-20-CHARS-OK",
        "issueDate": "2024-04-01",
        "dueDate": "2024-04-30",
        "lineItems": [
            {
                "description": "Office rent",
                "subTotal": 1200,
                "accountRef": {"id": account(lookup, "Expense").record_id},
            },
            {
                "description": "Parts",
                "quantity": 6,
                "unitAmount": 0.16667,
                "subTotal": 1,
                "itemRef": {"id": item(lookup).record_id},
            },
        ],
        "totalAmount": 1201,
    }


def create_bill(
    quickbooks: SimulatedQuickBooks, lookup: CompanyLookup, profile: CompanyProfile
) -> Outcome:
    return send(
        BILLS,
        PushAction.CREATE,
        bill_payload(lookup),
        quickbooks,
        lookup,
        profile,
        ret_type="BillRet",
    )


def test_invalid_bill(profile: CompanyProfile, lookup: CompanyLookup) -> None:
    payload = bill_payload(lookup)
    payload["reference"] = "R" * 21
    payload["lineItems"][0]["itemRef"] = {"id": item(lookup).record_id}
    payload["lineItems"].append({"subTotal": 3})
    payload["totalAmount"] = 10
    assert paths(BILLS.validate(PushAction.CREATE, payload, profile, lookup)) == {
        "reference": "MaxLength",
        "lineItems[0]": "AccountOrItem",
        "lineItems[2]": "AccountOrItem",
        "totalAmount": "AmountsAddUp",
    }


def test_bill_create_round_trips(
    quickbooks: SimulatedQuickBooks, lookup: CompanyLookup, profile: CompanyProfile
) -> None:
    outcome = create_bill(quickbooks, lookup, profile)
    assert outcome.after == outcome.before + 1
    data = outcome.primary.data
    assert data is not None
    assert data["reference"] == "VEND-INV-20-CHARS-OK" and data["totalAmount"] == 1201.0
    assert [line["accountRef"] is not None for line in data["lineItems"]] == [True, False]
    assert data["lineItems"][1]["quantity"] == 6 and data["lineItems"][1]["unitAmount"] == 0.16667
    assert data["status"] == "Open" and data["amountDue"] == 1201.0


def test_bill_update_keeps_only_the_new_lines(
    quickbooks: SimulatedQuickBooks, lookup: CompanyLookup, profile: CompanyProfile
) -> None:
    created = create_bill(quickbooks, lookup, profile)
    target = lookup.find("bills", created.primary.record_id)
    assert target is not None
    payload = bill_payload(lookup)
    payload["lineItems"] = payload["lineItems"][:1]
    payload["totalAmount"] = 1200
    updated = send(
        BILLS,
        PushAction.UPDATE,
        payload,
        quickbooks,
        lookup,
        profile,
        ret_type="BillRet",
        target=target,
    )
    data = updated.primary.data
    assert data is not None
    assert len(data["lineItems"]) == 1 and data["totalAmount"] == 1200.0


def test_bill_credit_note_round_trips(
    quickbooks: SimulatedQuickBooks, lookup: CompanyLookup, profile: CompanyProfile
) -> None:
    payload = bill_payload(lookup)
    del payload["reference"], payload["dueDate"]
    payload["billCreditNoteNumber"] = "VC-1"
    outcome = send(
        CREDITS, PushAction.CREATE, payload, quickbooks, lookup, profile, ret_type="VendorCreditRet"
    )
    assert outcome.after == outcome.before + 1
    data = outcome.primary.data
    assert data is not None
    assert data["billCreditNoteNumber"] == "VC-1" and data["totalAmount"] == 1201.0


def _pay_a_bill(
    quickbooks: SimulatedQuickBooks,
    lookup: CompanyLookup,
    profile: CompanyProfile,
    account_type: str,
    amount: int,
    ret_type: str,
    **extra: Any,
) -> tuple[Outcome, Outcome]:
    """Creates a bill, then pays `amount` of it from an account of `account_type`."""
    bill = create_bill(quickbooks, lookup, profile)
    payload = {
        "supplierRef": bill_payload(lookup)["supplierRef"],
        "accountRef": {"id": account(lookup, account_type).record_id},
        "totalAmount": amount,
        "date": "2024-04-10",
        "lines": [{"amount": amount, "links": [{"type": "Bill", "id": bill.primary.record_id}]}],
        **extra,
    }
    outcome = send(
        BILL_PAYMENTS, PushAction.CREATE, payload, quickbooks, lookup, profile, ret_type=ret_type
    )
    return bill, outcome


def test_bill_payment_by_check_pays_the_bill(
    quickbooks: SimulatedQuickBooks, lookup: CompanyLookup, profile: CompanyProfile
) -> None:
    bill, outcome = _pay_a_bill(
        quickbooks, lookup, profile, "Bank", 201, "BillPaymentCheckRet", reference="1042"
    )
    assert outcome.after == outcome.before + 1
    (payment,) = rows_of(outcome, "billPayments")
    assert payment.data is not None and payment.data["totalAmount"] == 201.0
    (moved,) = rows_of(outcome, "bankTransactions")
    assert moved.data is not None and moved.data["amount"] == -201.0
    paid = quickbooks.company.get("BillRet", bill.primary.record_id)
    assert paid is not None and paid["OpenAmount"] == "1000.00"


def test_bill_payment_by_credit_card(
    quickbooks: SimulatedQuickBooks, lookup: CompanyLookup, profile: CompanyProfile
) -> None:
    _, outcome = _pay_a_bill(
        quickbooks, lookup, profile, "CreditCard", 1201, "BillPaymentCreditCardRet"
    )
    assert outcome.after == outcome.before + 1
    assert outcome.record.ret_name == "BillPaymentCreditCardRet"


def test_invalid_bill_payment(profile: CompanyProfile, lookup: CompanyLookup) -> None:
    payload = {
        "supplierRef": {"id": active(lookup, "suppliers").record_id},
        "accountRef": {"id": account(lookup, "Expense").record_id},
        "totalAmount": 5,
        "date": "2024-04-10",
        "lines": [],
    }
    assert paths(BILL_PAYMENTS.validate(PushAction.CREATE, payload, profile, lookup)) == {
        "lines": "Required",
        "accountRef.id": "AccountType",
    }


def test_purchase_order_round_trips(
    quickbooks: SimulatedQuickBooks, lookup: CompanyLookup, profile: CompanyProfile
) -> None:
    payload = {
        "supplierRef": {"id": active(lookup, "suppliers").record_id},
        "purchaseOrderNumber": "PO-77",
        "issueDate": "2024-05-01",
        "expectedDeliveryDate": "2024-05-20",
        "lineItems": [
            {
                "quantity": 4,
                "unitAmount": 2.5,
                "subTotal": 10,
                "itemRef": {"id": item(lookup).record_id},
            }
        ],
        "totalAmount": 10,
    }
    outcome = send(
        ORDERS, PushAction.CREATE, payload, quickbooks, lookup, profile, ret_type="PurchaseOrderRet"
    )
    assert outcome.after == outcome.before + 1
    data = outcome.primary.data
    assert data is not None
    assert data["purchaseOrderNumber"] == "PO-77" and data["expectedDeliveryDate"] == "2024-05-20"
    assert data["totalAmount"] == 10.0 and data["lineItems"][0]["quantity"] == 4
    bad = {**payload, "purchaseOrderNumber": "P" * 12, "lineItems": [{"subTotal": 1}]}
    assert paths(ORDERS.validate(PushAction.CREATE, bad, profile, lookup)) == {
        "purchaseOrderNumber": "MaxLength",
        "lineItems[0].itemRef": "Required",
        "totalAmount": "AmountsAddUp",
    }
