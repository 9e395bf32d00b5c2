"""Invoices, credit notes and payments: Codat's sales documents → InvoiceAdd, CreditMemoAdd,
ReceivePaymentAdd (and their Mods).

The reverse of mapping/sales.py: invoiceNumber/creditNoteNumber is RefNumber, issueDate TxnDate,
note Memo, lines are sales lines (see push/lines.py: tax codes, classes); a document whose lines
share one class gets it as its ClassRef. A payment's lines link the invoices it pays and the
credit notes it applies to them (see push/payments.py): each invoice becomes an AppliedToTxnAdd
with the lines' money and a SetCredit per credit note; a line without links is the unapplied
rest.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from qbdsync.push.base import BaseKind
from qbdsync.push.fields import (
    Issues,
    Resolver,
    Spec,
    amount_text,
    check_currency,
    currency_rate_spec,
    currency_spec,
    date_text,
    day,
    decimal_value,
    exact_text,
    money,
    put,
    put_ref,
    reference,
    text,
)
from qbdsync.push.kinds import CompanyProfile, Lookup, PushAction, Reference
from qbdsync.push.lines import check_lines, payload_lines, sales_lines, sales_lines_spec
from qbdsync.push.payments import PaymentBase, PaymentRules, payment_lines_spec
from qbdsync.push.taxes import tax_included
from qbdsync.push.tracking import shared_class_ref, tracking_references
from qbdsync.qbxml.writes import Field


def _head(
    kind: str,
    payload: Mapping[str, Any],
    profile: CompanyProfile,
    resolver: Resolver,
    number: str,
) -> list[Field]:
    fields: list[Field] = []
    customer = resolver.ref("customers", payload.get("customerRef"))
    assert customer is not None
    fields.append(("CustomerRef", customer))
    put_ref(fields, "ClassRef", shared_class_ref(resolver, payload_lines(payload)))
    tax_included(fields, kind, profile)
    if payload.get("issueDate"):
        fields.append(("TxnDate", date_text(payload["issueDate"])))
    put(fields, "RefNumber", payload.get(number))
    if payload.get("dueDate"):
        fields.append(("DueDate", date_text(payload["dueDate"])))
    put(fields, "Memo", payload.get("note"))
    exchange_fields(fields, payload, resolver)
    return fields


def exchange_fields(fields: list[Field], payload: Mapping[str, Any], resolver: Resolver) -> None:
    """ExchangeRate for a record in a foreign currency (the customer's or vendor's currency
    decides the record's; QuickBooks takes only the rate)."""
    if resolver.currency(payload.get("currency")) is None:
        return
    rate = payload.get("currencyRate")
    if decimal_value(rate) is not None:
        fields.append(("ExchangeRate", exact_text(rate)))


def _sales_specs(qb_kind: str, qb_line: str, number: str, number_label: str) -> tuple[Spec, ...]:
    return (
        reference("customerRef", "Customer", "customers", "Who is invoiced", required=True),
        text(number, number_label, "QuickBooks' reference number", limit=(qb_kind, "RefNumber")),
        day("issueDate", "Issue date", "The transaction date", required=True),
        day("dueDate", "Due date", "When payment is due"),
        currency_spec(),
        currency_rate_spec(),
        text("note", "Note", "Memo on the document", limit=(qb_kind, "Memo")),
        sales_lines_spec(qb_line),
        money("subTotal", "Sub total", "Sum of the lines before tax"),
        money("totalTaxAmount", "Tax", "Total tax"),
        money("totalAmount", "Total", "Sub total plus tax"),
    )


class _SalesDocument(BaseKind):
    number: ClassVar[str]
    line_name: ClassVar[str]

    def more_references(self, payload: Mapping[str, Any]) -> Sequence[Reference]:
        return tracking_references(payload, "lineItems")

    def check_more(
        self,
        issues: Issues,
        action: PushAction,
        payload: Mapping[str, Any],
        profile: CompanyProfile,
        lookup: Lookup,
    ) -> None:
        check_lines(
            issues,
            payload,
            profile,
            lookup,
            purchase=False,
            side="sales",
            tax_total="totalTaxAmount",
        )
        check_currency(issues, "currency", payload.get("currency"), profile)

    def add_fields(
        self, kind: str, payload: Mapping[str, Any], profile: CompanyProfile, resolver: Resolver
    ) -> tuple[Field, ...]:
        fields = _head(kind, payload, profile, resolver, self.number)
        fields.extend(sales_lines(payload, self.line_name, profile, resolver))
        return tuple(fields)


class InvoiceKind(_SalesDocument):
    data_type: ClassVar[str] = "invoices"
    display: ClassVar[str] = "Invoice"
    description: ClassVar[str] = "A QuickBooks invoice"
    qb_kind: ClassVar[str] = "Invoice"
    number: ClassVar[str] = "invoiceNumber"
    line_name: ClassVar[str] = "InvoiceLineAdd"
    specs: ClassVar[tuple[Spec, ...]] = _sales_specs(
        "Invoice", "InvoiceLine", "invoiceNumber", "Invoice number"
    )


class CreditNoteKind(_SalesDocument):
    data_type: ClassVar[str] = "creditNotes"
    display: ClassVar[str] = "Credit note"
    description: ClassVar[str] = "A QuickBooks credit memo"
    qb_kind: ClassVar[str] = "CreditMemo"
    number: ClassVar[str] = "creditNoteNumber"
    line_name: ClassVar[str] = "CreditMemoLineAdd"
    specs: ClassVar[tuple[Spec, ...]] = _sales_specs(
        "CreditMemo", "CreditMemoLine", "creditNoteNumber", "Credit note number"
    )


# -- payments ---------------------------------------------------------------------------------

_LINK_TYPES = (
    ("Invoice", "An invoice the line pays"),
    ("CreditNote", "A credit note the line applies to its invoice"),
)


class PaymentKind(PaymentBase):
    rules: ClassVar[PaymentRules] = PaymentRules(
        paid_link="Invoice",
        paid_type="invoices",
        credit_type="creditNotes",
        contact="customerRef",
        require_link=False,
    )
    data_type: ClassVar[str] = "payments"
    display: ClassVar[str] = "Payment"
    description: ClassVar[str] = (
        "A payment received from a customer (ReceivePayment), applying credit notes as well"
    )
    qb_kind: ClassVar[str] = "ReceivePayment"
    specs: ClassVar[tuple[Spec, ...]] = (
        reference("customerRef", "Customer", "customers", "Who paid", required=True),
        reference("accountRef", "Deposit to", "accounts", "The account the money goes into"),
        reference("paymentMethodRef", "Payment method", "paymentMethods", "How the customer paid"),
        money("totalAmount", "Total amount", "The money received (0: credit alone)", required=True),
        currency_spec(),
        currency_rate_spec(),
        day("date", "Date", "When the payment was received", required=True),
        text("reference", "Reference", "Reference number", limit=("ReceivePayment", "RefNumber")),
        text("note", "Note", "Memo", limit=("ReceivePayment", "Memo")),
        payment_lines_spec("invoices", _LINK_TYPES),
    )

    def add_fields(
        self, kind: str, payload: Mapping[str, Any], profile: CompanyProfile, resolver: Resolver
    ) -> tuple[Field, ...]:
        fields: list[Field] = []
        customer = resolver.ref("customers", payload.get("customerRef"))
        assert customer is not None
        fields.append(("CustomerRef", customer))
        fields.append(("TxnDate", date_text(payload["date"])))
        put(fields, "RefNumber", payload.get("reference"))
        fields.append(("TotalAmount", amount_text(payload["totalAmount"])))
        exchange_fields(fields, payload, resolver)
        method = resolver.ref("paymentMethods", payload.get("paymentMethodRef"))
        put_ref(fields, "PaymentMethodRef", method)
        put(fields, "Memo", payload.get("note"))
        account = resolver.ref("accounts", payload.get("accountRef"))
        put_ref(fields, "DepositToAccountRef", account)
        paid = self.applied(payload, resolver)
        # Without links the payment stays unapplied (a credit for the customer).
        fields.extend(paid or [("IsAutoApply", "false")])
        return tuple(fields)
