"""Purchase documents: bills, bill credit notes, bill payments, purchase orders, item receipts
(mapping/purchases.py). QuickBooks keeps no tax total on them: taxAmount is 0."""

from __future__ import annotations

from typing import Literal

from qbdsync.api.schemas.common import (
    Address,
    OrderLineItem,
    PaymentAllocation,
    PaymentLine,
    PurchaseLineItem,
    PurchaseOrderRef,
    Ref,
    Schema,
    SupplierRef,
    TransactionRecord,
)


class Bill(TransactionRecord):
    reference: str | None
    supplierRef: SupplierRef | None
    purchaseOrderRefs: list[PurchaseOrderRef]
    issueDate: str | None
    dueDate: str | None
    currency: str | None
    currencyRate: float | None
    lineItems: list[PurchaseLineItem]
    status: Literal["Open", "PartiallyPaid", "Paid", "Void"]
    subTotal: float | None
    taxAmount: float
    totalAmount: float | None
    amountDue: float | None
    paymentAllocations: list[PaymentAllocation]
    note: str | None


class BillCreditNote(TransactionRecord):
    """A vendor credit."""

    billCreditNoteNumber: str | None
    supplierRef: SupplierRef | None
    issueDate: str | None
    allocatedOnDate: str | None
    currency: str | None
    currencyRate: float | None
    lineItems: list[PurchaseLineItem]
    paymentAllocations: list[PaymentAllocation]
    totalDiscount: float
    discountPercentage: float
    subTotal: float | None
    totalTaxAmount: float
    totalAmount: float | None
    remainingCredit: float | None
    status: Literal["Submitted", "PartiallyPaid", "Paid", "Void"]
    note: str | None


class BillPayment(TransactionRecord):
    """A bill paid by check or credit card: one line per bill it pays."""

    supplierRef: SupplierRef | None
    accountRef: Ref | None
    paymentMethodRef: Ref | None
    totalAmount: float | None
    currency: str | None
    currencyRate: float | None
    date: str | None
    note: str | None
    reference: str | None
    lines: list[PaymentLine]


class ShipTo(Schema):
    address: Address


class PurchaseOrder(TransactionRecord):
    purchaseOrderNumber: str | None
    supplierRef: SupplierRef | None
    status: Literal["Open", "Closed", "Void"]
    issueDate: str | None
    expectedDeliveryDate: str | None
    deliveryDate: str | None
    paymentDueDate: str | None
    currency: str | None
    currencyRate: float | None
    lineItems: list[OrderLineItem]
    totalDiscount: float
    subTotal: float | None
    taxAmount: float
    totalAmount: float | None
    shipTo: ShipTo | None
    note: str | None


class ItemReceipt(TransactionRecord):
    """Items received before their bill (qbdsync's shape: Codat has no such type)."""

    reference: str | None
    supplierRef: SupplierRef | None
    purchaseOrderRefs: list[PurchaseOrderRef]
    issueDate: str | None
    currency: str | None
    currencyRate: float | None
    lineItems: list[PurchaseLineItem]
    totalAmount: float | None
    note: str | None
