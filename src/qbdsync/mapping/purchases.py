"""Purchase documents: BillRet, VendorCreditRet, BillPayment*Ret, PurchaseOrderRet, ItemReceiptRet.

QuickBooks bills carry no separate tax total (US purchase tax is a cost; CA/UK tax sits on the
lines' tax codes), so taxAmount is 0 and subTotal equals the total; see docs/mapping.md.
"""

from __future__ import annotations

from decimal import Decimal

from qbdsync.mapping.common import (
    Mapped,
    MappingContext,
    Raw,
    address,
    amount,
    children,
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
from qbdsync.mapping.lines import (
    allocations,
    applied_lines,
    linked,
    purchase_lines,
    sales_line,
    supplier_ref,
)

_BILL_PAYMENT_TYPES = ("BillPaymentCheck", "BillPaymentCreditCard", "VendorCredit", "JournalEntry")


def _purchase_order_refs(raw: Raw) -> list[dict[str, str | None]]:
    return [
        {"id": text(link, "TxnID"), "purchaseOrderNumber": text(link, "RefNumber")}
        for link in linked(raw, "PurchaseOrder")
    ]


def _bill_status(raw: Raw, total: Decimal | None, open_amount: Decimal | None) -> str:
    if is_void(raw):
        return "Void"
    if flag(raw, "IsPaid"):
        return "Paid"
    if total is None or open_amount is None:
        return "Open"
    if total > 0 and open_amount <= 0:
        return "Paid"
    if 0 < open_amount < total:
        return "PartiallyPaid"
    return "Open"


def map_bill(raw: Raw, ctx: MappingContext) -> Mapped:
    # BillRet's AmountDue is the bill's total; what is still owed is OpenAmount.
    total = decimal(raw, "AmountDue")
    open_amount = decimal(raw, "OpenAmount")
    return {
        "id": required(raw, "TxnID"),
        "reference": text(raw, "RefNumber"),
        "supplierRef": supplier_ref(raw),
        "purchaseOrderRefs": _purchase_order_refs(raw),
        "issueDate": text(raw, "TxnDate"),
        "dueDate": text(raw, "DueDate"),
        "currency": currency(raw, ctx),
        "currencyRate": exchange_rate(raw),
        "lineItems": purchase_lines(raw),
        "status": _bill_status(raw, total, open_amount),
        "subTotal": number(total, "AmountDue"),
        "taxAmount": 0.0,
        "totalAmount": number(total, "AmountDue"),
        "amountDue": number(open_amount, "OpenAmount"),
        "paymentAllocations": allocations(raw, _BILL_PAYMENT_TYPES),
        "note": text(raw, "Memo"),
        **txn_envelope(raw),
    }


def _credit_status(raw: Raw, total: Decimal | None, remaining: Decimal | None) -> str:
    if is_void(raw):
        return "Void"
    if total is None or remaining is None:
        return "Submitted"
    if total > 0 and remaining <= 0:
        return "Paid"
    if 0 < remaining < total:
        return "PartiallyPaid"
    return "Submitted"


def map_bill_credit_note(raw: Raw, ctx: MappingContext) -> Mapped:
    """VendorCreditRet → Codat BillCreditNote (OpenAmount, where QuickBooks sends it, is what is
    left of the credit)."""
    total = decimal(raw, "CreditAmount")
    remaining = decimal(raw, "OpenAmount")
    return {
        "id": required(raw, "TxnID"),
        "billCreditNoteNumber": text(raw, "RefNumber"),
        "supplierRef": supplier_ref(raw),
        "issueDate": text(raw, "TxnDate"),
        "allocatedOnDate": None,
        "currency": currency(raw, ctx),
        "currencyRate": exchange_rate(raw),
        "lineItems": purchase_lines(raw),
        "paymentAllocations": allocations(raw, ("Bill", "BillPaymentCheck", "Deposit")),
        "totalDiscount": 0.0,
        "discountPercentage": 0.0,
        "subTotal": number(total, "CreditAmount"),
        "totalTaxAmount": 0.0,
        "totalAmount": number(total, "CreditAmount"),
        "remainingCredit": number(remaining, "OpenAmount"),
        "status": _credit_status(raw, total, remaining),
        "note": text(raw, "Memo"),
        **txn_envelope(raw),
    }


def map_bill_payment(raw: Raw, ctx: MappingContext) -> Mapped:
    """BillPaymentCheckRet (BankAccountRef) and BillPaymentCreditCardRet (CreditCardAccountRef)."""
    account = ref(raw, "BankAccountRef") or ref(raw, "CreditCardAccountRef")
    return {
        "id": required(raw, "TxnID"),
        "supplierRef": supplier_ref(raw, "PayeeEntityRef"),
        "accountRef": account,
        "paymentMethodRef": None,
        "totalAmount": amount(raw, "Amount"),
        "currency": currency(raw, ctx),
        "currencyRate": exchange_rate(raw),
        "date": text(raw, "TxnDate"),
        "note": text(raw, "Memo"),
        "reference": text(raw, "RefNumber"),
        "lines": applied_lines(raw),
        **txn_envelope(raw),
    }


def _purchase_order_lines(raw: Raw) -> list[Mapped]:
    # Purchase order lines have the sales-line shape (Rate, Quantity, Amount), not Cost.
    lines = [sales_line(line) for line in children(raw, "PurchaseOrderLineRet")]
    for group in children(raw, "PurchaseOrderLineGroupRet"):
        lines.extend(sales_line(line) for line in children(group, "PurchaseOrderLineRet"))
    for line in lines:
        del line["isDirectIncome"]
    return lines


def map_purchase_order(raw: Raw, ctx: MappingContext) -> Mapped:
    total = decimal(raw, "TotalAmount")
    if is_void(raw):
        state = "Void"
    elif flag(raw, "IsManuallyClosed") or flag(raw, "IsFullyReceived"):
        state = "Closed"
    else:
        state = "Open"
    ship_to = address(raw, "ShipAddress", "Delivery")
    return {
        "id": required(raw, "TxnID"),
        "purchaseOrderNumber": text(raw, "RefNumber"),
        "supplierRef": supplier_ref(raw),
        "status": state,
        "issueDate": text(raw, "TxnDate"),
        "expectedDeliveryDate": text(raw, "ExpectedDate"),
        "deliveryDate": None,
        "paymentDueDate": text(raw, "DueDate"),
        "currency": currency(raw, ctx),
        "currencyRate": exchange_rate(raw),
        "lineItems": _purchase_order_lines(raw),
        "totalDiscount": 0.0,
        "subTotal": number(total, "TotalAmount"),
        "taxAmount": 0.0,
        "totalAmount": number(total, "TotalAmount"),
        "shipTo": {"address": ship_to} if ship_to else None,
        "note": text(raw, "Memo"),
        **txn_envelope(raw),
    }


def map_item_receipt(raw: Raw, ctx: MappingContext) -> Mapped:
    """ItemReceiptRet (items received before their bill), raw-ish: Codat has no such type."""
    return {
        "id": required(raw, "TxnID"),
        "reference": text(raw, "RefNumber"),
        "supplierRef": supplier_ref(raw),
        "purchaseOrderRefs": _purchase_order_refs(raw),
        "issueDate": text(raw, "TxnDate"),
        "currency": currency(raw, ctx),
        "currencyRate": exchange_rate(raw),
        "lineItems": purchase_lines(raw),
        "totalAmount": amount(raw, "TotalAmount"),
        "note": text(raw, "Memo"),
        **txn_envelope(raw),
    }
