"""Parts shared by the data type schemas: refs, addresses, lines, allocations, record metadata.

Each model describes what a mapper in qbdsync.mapping emits (see docs/mapping.md), with Codat's
field names. A field the mapper always writes is required, `| None` where it can be null; a field
some records lack has a default. tests/api/test_data_schemas.py validates mapped simulator
records against these schemas as served in /openapi.json, with no extra field allowed, so the
two cannot drift apart.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Schema(BaseModel):
    """Base of the response schemas. They document responses; records are not validated against
    them when served (they are stored already mapped), so they never reject or reshape data."""

    model_config = ConfigDict(populate_by_name=True)


ListStatus = Literal["Active", "Archived"]


class Metadata(Schema):
    isDeleted: bool = Field(description="True once QuickBooks reports the record deleted.")


class SupplementalData(Schema):
    content: dict[str, Any] = Field(description="QuickBooks details with no Codat field.")


class ListRecord(Schema):
    """What every list record (accounts, customers, items…) carries besides its own fields."""

    id: str = Field(description="QuickBooks' ListID.")
    sourceModifiedDate: str | None = Field(description="QuickBooks' TimeModified, in UTC.")
    metadata: Metadata
    modifiedDate: str = Field(description="When qbdsync last stored a change to it, in UTC.")


class TransactionRecord(Schema):
    """What every transaction record carries besides its own fields."""

    id: str = Field(description="QuickBooks' TxnID.")
    sourceModifiedDate: str | None = Field(description="QuickBooks' TimeModified, in UTC.")
    metadata: Metadata
    supplementalData: SupplementalData
    modifiedDate: str = Field(description="When qbdsync last stored a change to it, in UTC.")


class Ref(Schema):
    """A QuickBooks list reference: its ListID and full name (either may be absent)."""

    id: str | None = None
    name: str | None = None


class CustomerRef(Schema):
    id: str | None
    companyName: str | None


class SupplierRef(Schema):
    id: str | None
    supplierName: str | None


class ContactRef(Schema):
    """A customer, supplier or other name; dataType is null when QuickBooks does not say which
    list the entity is in (a payee may be a vendor, customer, employee or other name)."""

    id: str | None
    dataType: Literal["customers", "suppliers"] | None


class RecordRef(Schema):
    """Another record served by this API: its id and data type (null when unknown)."""

    id: str | None
    dataType: str | None


class DocumentRef(Schema):
    """A linked transaction: its TxnID and reference number."""

    id: str | None
    name: str | None


class PurchaseOrderRef(Schema):
    id: str | None
    purchaseOrderNumber: str | None


class Address(Schema):
    type: Literal["Unknown", "Billing", "Delivery"]
    line1: str | None
    line2: str | None
    city: str | None
    region: str | None
    country: str | None
    postalCode: str | None


class _LineItem(Schema):
    lineNumber: str | None = Field(description="QuickBooks' TxnLineID.")
    description: str | None
    unitAmount: float
    quantity: float
    discountAmount: float
    subTotal: float | None
    taxAmount: float
    totalAmount: float | None
    accountRef: Ref | None
    itemRef: Ref | None
    taxRateRef: Ref | None
    trackingCategoryRefs: list[Ref] = Field(description="The line's class and inventory site.")


class OrderLineItem(_LineItem):
    """A purchase order line."""

    discountPercentage: float | None


class SalesLineItem(OrderLineItem):
    """A line of an invoice, credit note, sales order, estimate or sales receipt."""

    isDirectIncome: bool


class PurchaseLineItem(_LineItem):
    """An expense line (accountRef) or item line (itemRef) of a bill, vendor credit, item
    receipt, check or card charge; customerRef is the customer it is billable to."""

    customerRef: CustomerRef | None


class DepositLineItem(_LineItem):
    """A deposit line: new income from an account, or an earlier payment being deposited
    (depositedRecordRef)."""

    depositedRecordRef: RecordRef | None
    contactRef: ContactRef | None


class AllocationPayment(Schema):
    """The linked transaction (QuickBooks LinkedTxn); type is its QuickBooks TxnType."""

    id: str | None
    type: str | None
    reference: str | None
    paidOnDate: str | None
    totalAmount: float | None


class Allocation(Schema):
    totalAmount: float | None
    allocatedOnDate: str | None


class PaymentAllocation(Schema):
    """A payment, credit or journal linked to this document; amounts keep QuickBooks' sign."""

    payment: AllocationPayment
    allocation: Allocation


class DirectPayment(Schema):
    accountRef: Ref | None
    paymentMethodRef: Ref | None
    currency: str | None
    currencyRate: float | None
    paidOnDate: str | None
    totalAmount: float | None


class DirectAllocation(Schema):
    currency: str | None
    currencyRate: float | None
    allocatedOnDate: str | None
    totalAmount: float | None


class DirectPaymentAllocation(Schema):
    """The account the money went out of or into."""

    payment: DirectPayment
    allocation: DirectAllocation


PaymentLinkType = Literal[
    "Invoice",
    "CreditNote",
    "Bill",
    "Payment",
    "BillPayment",
    "ManualJournal",
    "Discount",
    "Other",
]


class PaymentLink(Schema):
    """What a payment line pays: a link reducing what is owed on it is negative."""

    type: PaymentLinkType
    id: str | None
    amount: float | None


class PaymentLine(Schema):
    amount: float | None
    allocatedOnDate: str | None
    links: list[PaymentLink] = Field(description="Empty for the unapplied rest of a payment.")
