"""InvoiceRet → Codat Invoice."""

from __future__ import annotations

from typing import Any

from qbdsync.mapping.common import (
    Mapped,
    MappingContext,
    Raw,
    amount,
    amount_or_zero,
    currency,
    flag,
    metadata,
    ref,
    source_modified,
    text,
)


def _line(line: Raw) -> dict[str, Any]:
    sub_total = amount(line, "Amount")
    tax = amount(line, "TaxAmount")
    quantity = amount(line, "Quantity")
    rate = amount(line, "Rate")
    item = ref(line, "ItemRef")
    tax_code = ref(line, "SalesTaxCodeRef")
    tracking = ref(line, "ClassRef")
    return {
        "lineNumber": line.get("TxnLineID"),
        "description": text(line, "Desc"),
        "unitAmount": rate if rate is not None else 0.0,
        "quantity": quantity if quantity is not None else 0.0,
        "discountAmount": 0.0,
        "subTotal": sub_total,
        "taxAmount": tax if tax is not None else 0.0,
        "totalAmount": (sub_total or 0.0) + (tax or 0.0),
        "itemRef": item,
        "taxRateRef": tax_code,
        "trackingCategoryRefs": [tracking] if tracking else [],
        "isDirectIncome": False,
    }


def _status(raw: Raw, total: float, amount_due: float) -> str:
    memo = text(raw, "Memo") or ""
    if memo.upper().startswith("VOID"):
        return "Void"
    if flag(raw, "IsPending"):
        return "Draft"
    if flag(raw, "IsPaid") or (total > 0 and amount_due <= 0):
        return "Paid"
    if 0 < amount_due < total:
        return "PartiallyPaid"
    return "Submitted"


def map_invoice(raw: Raw, ctx: MappingContext) -> Mapped:
    home_currency = ctx.home_currency
    sub_total = amount_or_zero(raw, "Subtotal")
    tax = amount_or_zero(raw, "SalesTaxTotal")
    total = round(sub_total + tax, 2)
    amount_due = amount_or_zero(raw, "BalanceRemaining")
    customer = ref(raw, "CustomerRef")
    lines = raw.get("InvoiceLineRet") or []
    links = raw.get("LinkedTxn") or []
    payments = [
        {
            "payment": {
                "id": link.get("TxnID"),
                "type": link.get("TxnType"),
                "paidOnDate": link.get("TxnDate"),
                "totalAmount": amount(link, "Amount"),
            },
            "allocation": {"totalAmount": amount(link, "Amount")},
        }
        for link in links
        if isinstance(link, dict) and link.get("TxnType") in ("ReceivePayment", "CreditMemo")
    ]
    exchange = amount(raw, "ExchangeRate")
    return {
        "id": raw["TxnID"],
        "invoiceNumber": text(raw, "RefNumber"),
        "customerRef": (
            {"id": customer.get("id"), "companyName": customer.get("name")} if customer else None
        ),
        "salesOrderRefs": [],
        "issueDate": text(raw, "TxnDate"),
        "dueDate": text(raw, "DueDate"),
        "paidOnDate": None,
        "currency": currency(raw, home_currency),
        "currencyRate": exchange if exchange is not None else 1.0,
        "lineItems": [_line(line) for line in lines if isinstance(line, dict)],
        "paymentAllocations": payments,
        "totalDiscount": 0.0,
        "subTotal": sub_total,
        "totalTaxAmount": tax,
        "totalAmount": total,
        "amountDue": amount_due,
        "discountPercentage": 0.0,
        "status": _status(raw, total, amount_due),
        "note": text(raw, "Memo"),
        "sourceModifiedDate": source_modified(raw),
        "metadata": metadata(),
        "supplementalData": {"content": {}},
    }
