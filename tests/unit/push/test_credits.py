"""Payments that apply credit notes: a customer's credit memo to an invoice, a vendor credit to a
bill, in Codat's shape (the paid record's link negative, the credit note's positive) → one
AppliedToTxnAdd per record with the money and a SetCredit per credit, settled by the simulated
QuickBooks (balances, remaining credit, links) and given back when the payment is deleted.
"""

from __future__ import annotations

from typing import Any

from qbdsync.push.kinds import CompanyProfile, PushAction, Referenced
from qbdsync.push.registry import kind_for
from qbdsync.qbxml.writes import build_write_set
from qbdsync.simulator.quickbooks import SimulatedQuickBooks

from .harness import CompanyLookup, Outcome, account, active, item, paths, rows_of, send

INVOICES = kind_for("invoices")
CREDIT_NOTES = kind_for("creditNotes")
PAYMENTS = kind_for("payments")
BILLS = kind_for("bills")
BILL_CREDIT_NOTES = kind_for("billCreditNotes")
BILL_PAYMENTS = kind_for("billPayments")
assert INVOICES and CREDIT_NOTES and PAYMENTS and BILLS and BILL_CREDIT_NOTES and BILL_PAYMENTS


def _sale(lookup: CompanyLookup, customer: str, amount: int, **head: Any) -> dict[str, Any]:
    return {
        "customerRef": {"id": customer},
        "issueDate": "2024-03-01",
        "lineItems": [{"subTotal": amount, "itemRef": {"id": item(lookup).record_id}}],
        **head,
    }


def _invoice_and_credit(
    quickbooks: SimulatedQuickBooks, lookup: CompanyLookup, profile: CompanyProfile
) -> tuple[str, str, str]:
    """A customer's new invoice of 100 and credit note of 30: (customer, invoice, credit)."""
    customer = active(lookup, "customers").record_id
    made = [
        send(
            kind,
            PushAction.CREATE,
            _sale(lookup, customer, amount, **{number: ref}),
            quickbooks,
            lookup,
            profile,
            ret_type=ret_type,
        )
        for kind, amount, number, ref, ret_type in (
            (INVOICES, 100, "invoiceNumber", "INV-C1", "InvoiceRet"),
            (CREDIT_NOTES, 30, "creditNoteNumber", "CN-C1", "CreditMemoRet"),
        )
    ]
    return customer, made[0].primary.record_id, made[1].primary.record_id


def _pay(
    quickbooks: SimulatedQuickBooks,
    lookup: CompanyLookup,
    profile: CompanyProfile,
    payload: dict[str, Any],
) -> Outcome:
    return send(
        PAYMENTS,
        PushAction.CREATE,
        payload,
        quickbooks,
        lookup,
        profile,
        ret_type="ReceivePaymentRet",
    )


def _credit_and_cash(customer: str, invoice: str, credit: str) -> dict[str, Any]:
    """Codat's "credit note and cash pay an invoice": 20 of credit, then 5 of money."""
    return {
        "customerRef": {"id": customer},
        "totalAmount": 5,
        "date": "2024-03-05",
        "reference": "CR-1",
        "lines": [
            {
                "amount": 0,
                "links": [
                    {"type": "Invoice", "id": invoice, "amount": -20},
                    {"type": "CreditNote", "id": credit, "amount": 20},
                ],
            },
            {"amount": 5, "links": [{"type": "Invoice", "id": invoice, "amount": -5}]},
        ],
    }


def test_a_payment_applies_a_credit_note_and_money_to_an_invoice(
    quickbooks: SimulatedQuickBooks, lookup: CompanyLookup, profile: CompanyProfile
) -> None:
    customer, invoice, credit = _invoice_and_credit(quickbooks, lookup, profile)
    outcome = _pay(quickbooks, lookup, profile, _credit_and_cash(customer, invoice, credit))
    assert (
        "<AppliedToTxnAdd><TxnID>"
        f"{invoice}</TxnID><PaymentAmount>5.00</PaymentAmount><SetCredit><CreditTxnID>{credit}"
        "</CreditTxnID><AppliedAmount>20.00</AppliedAmount></SetCredit></AppliedToTxnAdd>"
    ) in outcome.request_xml
    company = quickbooks.company
    paid, used = company.get("InvoiceRet", invoice), company.get("CreditMemoRet", credit)
    assert paid is not None and used is not None
    assert paid["BalanceRemaining"] == "75.00"  # 100 − 5 money − 20 credit
    assert used["CreditRemaining"] == "10.00"
    assert {(link["TxnType"], link["Amount"]) for link in paid["LinkedTxn"]} == {
        ("ReceivePayment", "-5.00"),
        ("CreditMemo", "-20.00"),
    }
    (payment,) = rows_of(outcome, "payments")
    assert payment.data is not None and payment.data["totalAmount"] == 5.0
    (line,) = payment.data["lines"]
    assert {"type": "CreditNote", "id": credit, "amount": 20.0} in line["links"]


def test_credit_alone_pays_with_a_zero_payment(
    quickbooks: SimulatedQuickBooks, lookup: CompanyLookup, profile: CompanyProfile
) -> None:
    customer, invoice, credit = _invoice_and_credit(quickbooks, lookup, profile)
    payload = _credit_and_cash(customer, invoice, credit)
    payload["lines"] = payload["lines"][:1]
    payload["totalAmount"] = 0
    outcome = _pay(quickbooks, lookup, profile, payload)
    assert outcome.record.data["TotalAmount"] == "0.00"
    paid = quickbooks.company.get("InvoiceRet", invoice)
    assert paid is not None and paid["BalanceRemaining"] == "80.00"


def test_deleting_the_payment_gives_the_credit_back(
    quickbooks: SimulatedQuickBooks, lookup: CompanyLookup, profile: CompanyProfile
) -> None:
    customer, invoice, credit = _invoice_and_credit(quickbooks, lookup, profile)
    outcome = _pay(quickbooks, lookup, profile, _credit_and_cash(customer, invoice, credit))
    target = lookup.find("payments", outcome.primary.record_id)
    assert target is not None
    prepared = PAYMENTS.prepare(
        PushAction.DELETE, {}, profile, lookup, request_id="d", external_guid=None, target=target
    )
    answer = quickbooks.process(build_write_set("16.0", [prepared.request]))
    assert 'statusCode="0"' in answer, answer
    company = quickbooks.company
    paid, used = company.get("InvoiceRet", invoice), company.get("CreditMemoRet", credit)
    assert paid is not None and used is not None
    assert (paid["BalanceRemaining"], used["CreditRemaining"]) == ("100.00", "30.00")
    assert "LinkedTxn" not in paid and "LinkedTxn" not in used


def test_a_used_credit_note_cannot_be_deleted(
    quickbooks: SimulatedQuickBooks, lookup: CompanyLookup, profile: CompanyProfile
) -> None:
    customer, invoice, credit = _invoice_and_credit(quickbooks, lookup, profile)
    _pay(quickbooks, lookup, profile, _credit_and_cash(customer, invoice, credit))
    target = lookup.find("creditNotes", credit)
    assert isinstance(target, Referenced)
    prepared = CREDIT_NOTES.prepare(
        PushAction.DELETE, {}, profile, lookup, request_id="d", external_guid=None, target=target
    )
    answer = quickbooks.process(build_write_set("16.0", [prepared.request]))
    assert 'statusCode="3180"' in answer and "credit has been applied" in answer


def test_credits_that_cannot_be_applied_are_refused(
    quickbooks: SimulatedQuickBooks, lookup: CompanyLookup, profile: CompanyProfile
) -> None:
    customer, invoice, credit = _invoice_and_credit(quickbooks, lookup, profile)
    other = next(
        r.record_id
        for r in lookup.all("customers")
        if r.record_id != customer and r.raw.get("IsActive") == "true"
    )
    foreign = send(
        CREDIT_NOTES,
        PushAction.CREATE,
        _sale(lookup, other, 10),
        quickbooks,
        lookup,
        profile,
        ret_type="CreditMemoRet",
    ).primary.record_id
    payload = {
        "customerRef": {"id": customer},
        "totalAmount": 0,
        "date": "2024-03-05",
        "lines": [
            {
                "amount": 0,
                "links": [
                    {"type": "Invoice", "id": invoice, "amount": -40},
                    {"type": "CreditNote", "id": credit, "amount": 40},  # 30 left
                ],
            },
            {"amount": 0, "links": [{"type": "CreditNote", "id": credit, "amount": 5}]},
            {
                "amount": 0,
                "links": [
                    {"type": "Invoice", "id": invoice, "amount": -9},  # not −(0 + 10)
                    {"type": "CreditNote", "id": foreign, "amount": 10},
                ],
            },
            {
                "amount": 0,
                "links": [
                    {"type": "Invoice", "id": invoice},
                    {"type": "CreditNote", "id": credit, "amount": -1},
                ],
            },
        ],
    }
    assert paths(PAYMENTS.validate(PushAction.CREATE, payload, profile, lookup)) == {
        "lines[0].links[1].amount": "CreditRemaining",
        "lines[1].links": "Required",  # a credit note goes with the invoice it pays
        "lines[2].links[0].amount": "AmountsAddUp",
        "lines[2].links[1].id": "SameContact",
        "lines[3].links[1].amount": "Range",
    }
    nothing = {**payload, "lines": [{"amount": 0, "links": []}]}
    assert paths(PAYMENTS.validate(PushAction.CREATE, nothing, profile, lookup)) == {
        "totalAmount": "Range"
    }


def test_a_bill_payment_applies_a_bill_credit_note(
    quickbooks: SimulatedQuickBooks, lookup: CompanyLookup, profile: CompanyProfile
) -> None:
    supplier = active(lookup, "suppliers").record_id
    expense = account(lookup, "Expense").record_id
    made = [
        send(
            kind,
            PushAction.CREATE,
            {
                "supplierRef": {"id": supplier},
                "issueDate": "2024-04-01",
                "lineItems": [{"subTotal": amount, "accountRef": {"id": expense}}],
            },
            quickbooks,
            lookup,
            profile,
            ret_type=ret_type,
        ).primary.record_id
        for kind, amount, ret_type in (
            (BILLS, 50, "BillRet"),
            (BILL_CREDIT_NOTES, 8, "VendorCreditRet"),
        )
    ]
    bill, credit = made
    payload = {
        "supplierRef": {"id": supplier},
        "accountRef": {"id": account(lookup, "Bank").record_id},
        "totalAmount": 12,
        "date": "2024-04-10",
        "reference": "2001",
        "lines": [
            {
                "amount": 12,
                "links": [
                    {"type": "Bill", "id": bill, "amount": -20},
                    {"type": "CreditNote", "id": credit, "amount": 8},
                ],
            }
        ],
    }
    outcome = send(
        BILL_PAYMENTS,
        PushAction.CREATE,
        payload,
        quickbooks,
        lookup,
        profile,
        ret_type="BillPaymentCheckRet",
    )
    assert "<SetCredit><CreditTxnID>" in outcome.request_xml
    assert outcome.record.data["Amount"] == "12.00"
    company = quickbooks.company
    paid, used = company.get("BillRet", bill), company.get("VendorCreditRet", credit)
    assert paid is not None and used is not None
    assert (paid["OpenAmount"], used["OpenAmount"]) == ("30.00", "0.00")


def test_changing_the_payment_gives_back_what_it_applied_before(
    quickbooks: SimulatedQuickBooks, lookup: CompanyLookup, profile: CompanyProfile
) -> None:
    customer, invoice, credit = _invoice_and_credit(quickbooks, lookup, profile)
    outcome = _pay(quickbooks, lookup, profile, _credit_and_cash(customer, invoice, credit))
    target = lookup.find("payments", outcome.primary.record_id)
    assert target is not None
    money_only = _credit_and_cash(customer, invoice, credit)
    money_only["lines"] = money_only["lines"][1:]
    send(
        PAYMENTS,
        PushAction.UPDATE,
        money_only,
        quickbooks,
        lookup,
        profile,
        ret_type="ReceivePaymentRet",
        target=target,
    )
    company = quickbooks.company
    paid, used = company.get("InvoiceRet", invoice), company.get("CreditMemoRet", credit)
    assert paid is not None and used is not None
    assert (paid["BalanceRemaining"], used["CreditRemaining"]) == ("95.00", "30.00")
