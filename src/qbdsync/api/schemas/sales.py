"""Sales documents: invoices, credit notes, payments, sales orders, estimates (mapping/sales.py)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from qbdsync.api.schemas.common import (
    CustomerRef,
    DocumentRef,
    PaymentAllocation,
    PaymentLine,
    Ref,
    SalesLineItem,
    TransactionRecord,
)


class Invoice(TransactionRecord):
    invoiceNumber: str | None
    customerRef: CustomerRef | None
    salesOrderRefs: list[DocumentRef]
    issueDate: str | None
    dueDate: str | None
    paidOnDate: str | None
    currency: str | None
    currencyRate: float | None
    lineItems: list[SalesLineItem]
    paymentAllocations: list[PaymentAllocation]
    totalDiscount: float
    subTotal: float
    totalTaxAmount: float
    totalAmount: float
    amountDue: float
    discountPercentage: float
    status: Literal["Draft", "Submitted", "PartiallyPaid", "Paid", "Void"]
    note: str | None


class CreditNote(TransactionRecord):
    """A credit memo; Paid means the credit is used up."""

    creditNoteNumber: str | None
    customerRef: CustomerRef | None
    issueDate: str | None
    allocatedOnDate: str | None
    currency: str | None
    currencyRate: float | None
    lineItems: list[SalesLineItem]
    paymentAllocations: list[PaymentAllocation]
    totalDiscount: float
    discountPercentage: float
    subTotal: float
    totalTaxAmount: float
    totalAmount: float
    remainingCredit: float | None
    status: Literal["Draft", "Submitted", "PartiallyPaid", "Paid", "Void"]
    note: str | None


class Payment(TransactionRecord):
    """A customer payment (ReceivePaymentRet): one line per document it pays, and one without
    links for the unapplied rest."""

    customerRef: CustomerRef | None
    accountRef: Ref | None = Field(description="The account the payment was deposited to.")
    paymentMethodRef: Ref | None
    totalAmount: float | None
    currency: str | None
    currencyRate: float | None
    date: str | None
    note: str | None
    reference: str | None
    lines: list[PaymentLine]


class SalesOrder(TransactionRecord):
    salesOrderNumber: str | None
    customerRef: CustomerRef | None
    issueDate: str | None
    expectedDeliveryDate: str | None
    status: Literal["Open", "Closed", "Void"]
    invoicingStatus: Literal["Invoiced", "PartiallyInvoiced", "Unknown"]
    currency: str | None
    currencyRate: float | None
    lineItems: list[SalesLineItem]
    totalDiscount: float
    subTotal: float | None
    totalTaxAmount: float | None
    totalAmount: float | None
    note: str | None


class Estimate(TransactionRecord):
    """An estimate (qbdsync's shape, invoice-like: Codat has no such type)."""

    estimateNumber: str | None
    customerRef: CustomerRef | None
    issueDate: str | None
    expiryDate: str | None
    status: Literal["Active", "Inactive"]
    currency: str | None
    currencyRate: float | None
    lineItems: list[SalesLineItem]
    subTotal: float | None
    totalTaxAmount: float | None
    totalAmount: float | None
    invoiceRefs: list[DocumentRef]
    note: str | None
