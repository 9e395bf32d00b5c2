"""Invoices, credit notes and payments: Codat's sales documents → InvoiceAdd, CreditMemoAdd,
ReceivePaymentAdd (and their Mods).

The reverse of mapping/sales.py: invoiceNumber/creditNoteNumber is RefNumber, issueDate TxnDate,
note Memo, lines are sales lines (see push/lines.py). A payment's lines link the invoices it
pays (``links[].type`` Invoice, ``links[].id`` the invoice): each becomes an AppliedToTxnAdd
paying the line's amount; a line without links is the unapplied rest.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, ClassVar

from qbdsync.push.base import BaseKind
from qbdsync.push.fields import (
    Issues,
    Resolver,
    Spec,
    amount_text,
    array,
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
from qbdsync.push.lines import check_lines, need_positive, sales_lines, sales_lines_spec
from qbdsync.qbxml.writes import Field


def _head(
    payload: Mapping[str, Any], profile: CompanyProfile, resolver: Resolver, number: str
) -> list[Field]:
    fields: list[Field] = []
    customer = resolver.ref("customers", payload.get("customerRef"))
    assert customer is not None
    fields.append(("CustomerRef", customer))
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

    def check_more(
        self,
        issues: Issues,
        action: PushAction,
        payload: Mapping[str, Any],
        profile: CompanyProfile,
        lookup: Lookup,
    ) -> None:
        check_lines(issues, payload, profile, purchase=False, tax_total="totalTaxAmount")
        check_currency(issues, "currency", payload.get("currency"), profile)

    def add_fields(
        self, kind: str, payload: Mapping[str, Any], profile: CompanyProfile, resolver: Resolver
    ) -> tuple[Field, ...]:
        fields = _head(payload, profile, resolver, self.number)
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

_LINK_TYPES = (("Invoice", "An invoice the line pays"),)


def payment_lines_spec(link_label: str, link_types: Sequence[tuple[str, str]]) -> Spec:
    return array(
        "lines",
        "Lines",
        f"What the payment pays: each line's links name the {link_label} it settles",
        money("amount", "Amount", "The amount of this line", required=True),
        array(
            "links",
            "Links",
            f"The {link_label} paid",
            text(
                "type",
                "Type",
                "What is paid",
                required=True,
                choices=lambda _: link_types,
                strict=True,
            ),
            text("id", "Id", "The id of the record paid", required=True),
            money("amount", "Amount", "Negative: what the link takes off the record's balance"),
        ),
    )


def linked(payload: Mapping[str, Any]) -> list[tuple[str, Decimal, str, str]]:
    """(item path of the link id, line amount, link type, linked id) of every link."""
    found: list[tuple[str, Decimal, str, str]] = []
    lines = payload.get("lines")
    if not isinstance(lines, list):
        return found
    for index, line in enumerate(lines):
        if not isinstance(line, Mapping) or not isinstance(line.get("links"), list):
            continue
        amount = decimal_value(line.get("amount")) or Decimal(0)
        for at, link in enumerate(line["links"]):
            if isinstance(link, Mapping) and isinstance(link.get("id"), str):
                path = f"lines[{index}].links[{at}].id"
                found.append((path, amount, str(link.get("type")), link["id"]))
    return found


def check_payment_lines(
    issues: Issues,
    payload: Mapping[str, Any],
    lookup: Lookup,
    data_type: str,
    link_type: str,
    *,
    require_link: bool,
) -> None:
    """Lines add up to the total; each link pays an existing open record, no more than is due."""
    total = decimal_value(payload.get("totalAmount"))
    need_positive(issues, "totalAmount", payload.get("totalAmount"))
    lines = [line for line in payload.get("lines") or () if isinstance(line, Mapping)]
    summed = sum((decimal_value(line.get("amount")) or Decimal(0) for line in lines), Decimal(0))
    if lines and total is not None and summed != total:
        issues.add("lines", f"The lines add up to {summed}, not {total}.", "AmountsAddUp")
    links = linked(payload)
    if require_link and not links:
        issues.add("lines", f"A payment must pay at least one {link_type.lower()}.", "Required")
    for index, line in enumerate(lines):
        if len([link for link in line.get("links") or () if isinstance(link, Mapping)]) > 1:
            issues.add(
                f"lines[{index}].links",
                "Each line pays one record; give one line per record.",
                "OneLink",
            )
    for path, amount, kind, record_id in links:
        if kind != link_type:
            continue
        found = lookup.find(data_type, record_id)
        if found is None:
            continue  # reported by the reference check
        due = decimal_value(found.data.get("amountDue"))
        if due is not None and amount > due:
            issues.add(
                path,
                f"Pays {amount}, but only {due} is due on {record_id}.",
                "AmountDue",
            )
        if amount <= 0:
            issues.add(path.removesuffix(".id"), "A payment line pays more than zero.", "Range")


def applied(
    payload: Mapping[str, Any], link_type: str, resolver: Resolver, data_type: str
) -> list[Field]:
    fields: list[Field] = []
    for _path, amount, kind, record_id in linked(payload):
        if kind != link_type:
            continue
        found = resolver.lookup.find(data_type, record_id)
        txn_id = found.record_id if found is not None else record_id
        fields.append(
            ("AppliedToTxnAdd", (("TxnID", txn_id), ("PaymentAmount", amount_text(amount))))
        )
    return fields


class PaymentBase(BaseKind):
    """A payment that settles records of one type through its lines' links: a customer's
    payment of invoices, a payment of bills."""

    link_type: ClassVar[str]  # the link type Codat names ("Invoice")
    paid_type: ClassVar[str]  # the data type of the records paid ("invoices")
    require_link: ClassVar[bool]  # a payment that pays nothing is refused

    def more_references(self, payload: Mapping[str, Any]) -> Sequence[Reference]:
        return [
            Reference(path, self.paid_type, record_id)
            for path, _, kind, record_id in linked(payload)
            if kind == self.link_type
        ]

    def check_more(
        self,
        issues: Issues,
        action: PushAction,
        payload: Mapping[str, Any],
        profile: CompanyProfile,
        lookup: Lookup,
    ) -> None:
        check_payment_lines(
            issues,
            payload,
            lookup,
            self.paid_type,
            self.link_type,
            require_link=self.require_link,
        )
        check_currency(issues, "currency", payload.get("currency"), profile)

    def applied(self, payload: Mapping[str, Any], resolver: Resolver) -> list[Field]:
        return applied(payload, self.link_type, resolver, self.paid_type)


class PaymentKind(PaymentBase):
    link_type: ClassVar[str] = "Invoice"
    paid_type: ClassVar[str] = "invoices"
    require_link: ClassVar[bool] = False
    data_type: ClassVar[str] = "payments"
    display: ClassVar[str] = "Payment"
    description: ClassVar[str] = "A payment received from a customer (ReceivePayment)"
    qb_kind: ClassVar[str] = "ReceivePayment"
    specs: ClassVar[tuple[Spec, ...]] = (
        reference("customerRef", "Customer", "customers", "Who paid", required=True),
        reference("accountRef", "Deposit to", "accounts", "The account the money goes into"),
        reference("paymentMethodRef", "Payment method", "paymentMethods", "How the customer paid"),
        money("totalAmount", "Total amount", "The amount received", required=True),
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
