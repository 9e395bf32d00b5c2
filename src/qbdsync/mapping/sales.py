"""Sales documents: InvoiceRet, CreditMemoRet, ReceivePaymentRet, SalesOrderRet, EstimateRet."""

from __future__ import annotations

from decimal import Decimal

from qbdsync.mapping.common import (
    Mapped,
    MappingContext,
    Raw,
    amount,
    currency,
    decimal,
    exchange_rate,
    flag,
    is_void,
    number,
    ref,
    required,
    text,
    txn_envelope,
)
from qbdsync.mapping.lines import allocations, applied_lines, customer_ref, linked, sales_lines

_ZERO = Decimal(0)


def _invoice_status(raw: Raw, total: Decimal, amount_due: Decimal) -> str:
    if is_void(raw):
        return "Void"
    if flag(raw, "IsPending"):
        return "Draft"
    if flag(raw, "IsPaid") or (total > 0 and amount_due <= 0):
        return "Paid"
    if 0 < amount_due < total:
        return "PartiallyPaid"
    return "Submitted"


def map_invoice(raw: Raw, ctx: MappingContext) -> Mapped:
    sub_total = decimal(raw, "Subtotal") or _ZERO
    tax = decimal(raw, "SalesTaxTotal") or _ZERO
    total = sub_total + tax
    amount_due = decimal(raw, "BalanceRemaining") or _ZERO
    return {
        "id": required(raw, "TxnID"),
        "invoiceNumber": text(raw, "RefNumber"),
        "customerRef": customer_ref(raw),
        "salesOrderRefs": [
            {"id": text(link, "TxnID"), "name": text(link, "RefNumber")}
            for link in linked(raw, "SalesOrder")
        ],
        "issueDate": text(raw, "TxnDate"),
        "dueDate": text(raw, "DueDate"),
        "paidOnDate": None,
        "currency": currency(raw, ctx),
        "currencyRate": exchange_rate(raw),
        "lineItems": sales_lines(raw, "InvoiceLineRet", "InvoiceLineGroupRet"),
        "paymentAllocations": allocations(raw, ("ReceivePayment", "CreditMemo")),
        "totalDiscount": 0.0,
        "subTotal": number(sub_total, "Subtotal"),
        "totalTaxAmount": number(tax, "SalesTaxTotal"),
        "totalAmount": number(total, "Subtotal"),
        "amountDue": number(amount_due, "BalanceRemaining"),
        "discountPercentage": 0.0,
        "status": _invoice_status(raw, total, amount_due),
        "note": text(raw, "Memo"),
        **txn_envelope(raw),
    }


def _credit_status(raw: Raw, total: Decimal, remaining: Decimal | None) -> str:
    if is_void(raw):
        return "Void"
    if flag(raw, "IsPending"):
        return "Draft"
    if remaining is None:
        return "Submitted"
    if total > 0 and remaining <= 0:
        return "Paid"
    if 0 < remaining < total:
        return "PartiallyPaid"
    return "Submitted"


def map_credit_note(raw: Raw, ctx: MappingContext) -> Mapped:
    """CreditMemoRet → Codat CreditNote; "paid" means the credit has been used up."""
    sub_total = decimal(raw, "Subtotal") or _ZERO
    tax = decimal(raw, "SalesTaxTotal") or _ZERO
    total = decimal(raw, "TotalAmount")
    if total is None:
        total = sub_total + tax
    remaining = decimal(raw, "CreditRemaining")
    return {
        "id": required(raw, "TxnID"),
        "creditNoteNumber": text(raw, "RefNumber"),
        "customerRef": customer_ref(raw),
        "issueDate": text(raw, "TxnDate"),
        "allocatedOnDate": None,
        "currency": currency(raw, ctx),
        "currencyRate": exchange_rate(raw),
        "lineItems": sales_lines(raw, "CreditMemoLineRet", "CreditMemoLineGroupRet"),
        "paymentAllocations": allocations(raw, ("Invoice", "ReceivePayment", "Check")),
        "totalDiscount": 0.0,
        "discountPercentage": 0.0,
        "subTotal": number(sub_total, "Subtotal"),
        "totalTaxAmount": number(tax, "SalesTaxTotal"),
        "totalAmount": number(total, "TotalAmount"),
        "remainingCredit": number(remaining, "CreditRemaining"),
        "status": _credit_status(raw, total, remaining),
        "note": text(raw, "Memo"),
        **txn_envelope(raw),
    }


def map_payment(raw: Raw, ctx: MappingContext) -> Mapped:
    """ReceivePaymentRet → Codat Payment; the unapplied rest is a line without links."""
    lines = applied_lines(raw)
    unused = decimal(raw, "UnusedPayment")
    if unused:
        lines.append(
            {
                "amount": number(unused, "UnusedPayment"),
                "allocatedOnDate": text(raw, "TxnDate"),
                "links": [],
            }
        )
    return {
        "id": required(raw, "TxnID"),
        "customerRef": customer_ref(raw),
        "accountRef": ref(raw, "DepositToAccountRef"),
        "paymentMethodRef": ref(raw, "PaymentMethodRef"),
        "totalAmount": amount(raw, "TotalAmount"),
        "currency": currency(raw, ctx),
        "currencyRate": exchange_rate(raw),
        "date": text(raw, "TxnDate"),
        "note": text(raw, "Memo"),
        "reference": text(raw, "RefNumber"),
        "lines": lines,
        **txn_envelope(raw),
    }


def _sales_order_invoicing(raw: Raw) -> str:
    if flag(raw, "IsFullyInvoiced"):
        return "Invoiced"
    if linked(raw, "Invoice"):
        return "PartiallyInvoiced"
    return "Unknown"


def map_sales_order(raw: Raw, ctx: MappingContext) -> Mapped:
    sub_total = decimal(raw, "Subtotal")
    tax = decimal(raw, "SalesTaxTotal")
    total = decimal(raw, "TotalAmount")
    if is_void(raw):
        state = "Void"
    elif flag(raw, "IsManuallyClosed") or flag(raw, "IsFullyInvoiced"):
        state = "Closed"
    else:
        state = "Open"
    return {
        "id": required(raw, "TxnID"),
        "salesOrderNumber": text(raw, "RefNumber"),
        "customerRef": customer_ref(raw),
        "issueDate": text(raw, "TxnDate"),
        "expectedDeliveryDate": text(raw, "ShipDate"),
        "status": state,
        "invoicingStatus": _sales_order_invoicing(raw),
        "currency": currency(raw, ctx),
        "currencyRate": exchange_rate(raw),
        "lineItems": sales_lines(raw, "SalesOrderLineRet", "SalesOrderLineGroupRet"),
        "totalDiscount": 0.0,
        "subTotal": number(sub_total, "Subtotal"),
        "totalTaxAmount": number(tax, "SalesTaxTotal"),
        "totalAmount": number(total, "TotalAmount"),
        "note": text(raw, "Memo"),
        **txn_envelope(raw),
    }


def map_estimate(raw: Raw, ctx: MappingContext) -> Mapped:
    """EstimateRet, raw-ish: Codat has no estimates type, so the invoice-like shape is ours."""
    return {
        "id": required(raw, "TxnID"),
        "estimateNumber": text(raw, "RefNumber"),
        "customerRef": customer_ref(raw),
        "issueDate": text(raw, "TxnDate"),
        "expiryDate": text(raw, "DueDate"),
        "status": "Active" if flag(raw, "IsActive") is not False else "Inactive",
        "currency": currency(raw, ctx),
        "currencyRate": exchange_rate(raw),
        "lineItems": sales_lines(raw, "EstimateLineRet", "EstimateLineGroupRet"),
        "subTotal": amount(raw, "Subtotal"),
        "totalTaxAmount": amount(raw, "SalesTaxTotal"),
        "totalAmount": amount(raw, "TotalAmount"),
        "invoiceRefs": [
            {"id": text(link, "TxnID"), "name": text(link, "RefNumber")}
            for link in linked(raw, "Invoice")
        ],
        "note": text(raw, "Memo"),
        **txn_envelope(raw),
    }
