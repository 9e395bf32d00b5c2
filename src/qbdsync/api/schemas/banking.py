"""Money through bank and credit-card accounts, journals and company info (mapping/banking.py,
journals.py, company.py)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from qbdsync.api.schemas.common import (
    Address,
    ContactRef,
    DepositLineItem,
    DirectPaymentAllocation,
    PurchaseLineItem,
    RecordRef,
    Ref,
    SalesLineItem,
    Schema,
    TransactionRecord,
)


class DirectCost(TransactionRecord):
    """A check or credit card charge."""

    reference: str | None
    note: str | None
    contactRef: ContactRef | None
    issueDate: str | None
    currency: str | None
    currencyRate: float | None
    lineItems: list[PurchaseLineItem]
    paymentAllocations: list[DirectPaymentAllocation]
    subTotal: float | None
    taxAmount: float
    totalAmount: float | None


class DirectIncome(TransactionRecord):
    """A sales receipt (sales lines) or a deposit (deposit lines)."""

    reference: str | None
    note: str | None
    contactRef: ContactRef | None
    issueDate: str | None
    currency: str | None
    currencyRate: float | None
    lineItems: list[SalesLineItem | DepositLineItem]
    paymentAllocations: list[DirectPaymentAllocation]
    subTotal: float | None
    taxAmount: float
    totalAmount: float | None


class TransferSide(Schema):
    accountRef: Ref | None
    amount: float | None
    currency: str | None


class Transfer(TransactionRecord):
    description: str | None
    contactRef: ContactRef | None
    date: str | None
    from_: TransferSide = Field(alias="from")
    to: TransferSide
    depositedRecordRefs: list[RecordRef]
    trackingCategoryRefs: list[Ref]


class AccountTransactionLine(Schema):
    description: str | None
    recordRef: RecordRef = Field(description="The record that moved the money.")
    amount: float | None


class AccountTransaction(TransactionRecord):
    """Money in (positive) or out (negative) of a bank or credit-card account, derived from the
    check, payment, deposit, transfer… that moved it."""

    transactionId: str | None
    note: str | None
    date: str | None
    status: Literal["Unknown", "Void"] = Field(
        description="QuickBooks does not report whether it cleared."
    )
    currency: str | None
    currencyRate: float | None
    bankAccountRef: Ref
    lines: list[AccountTransactionLine]
    totalAmount: float


class BankTransaction(TransactionRecord):
    """A movement in one bank account (money out negative). QuickBooks does not report cleared
    status or running balances: reconciled is false, clearedOnDate and balance null."""

    accountId: str | None
    date: str | None
    clearedOnDate: str | None
    description: str | None
    counterparty: str | None
    reference: str | None
    reconciled: bool
    amount: float
    balance: float | None
    transactionType: Literal["Check", "Debit", "Credit", "Dep", "Xfer"]


class JournalLine(Schema):
    lineNumber: str | None
    description: str | None
    netAmount: float | None = Field(description="Debits positive, credits negative.")
    currency: str | None
    accountRef: Ref | None
    contactRef: ContactRef | None
    trackingRefs: list[Ref]


class JournalEntry(TransactionRecord):
    journalRef: Ref | None = Field(description="Always null: QuickBooks has no journals.")
    reference: str | None
    description: str | None
    postedOn: str | None
    createdOn: str | None
    updatedOn: str | None
    journalLines: list[JournalLine]
    recordRef: RecordRef | None


class PhoneNumber(Schema):
    number: str
    type: Literal["Primary"]


class WebLink(Schema):
    type: Literal["Website"]
    url: str


class CompanyInfoSupplementalContent(Schema):
    product: str = Field(description="The QuickBooks edition and version.")
    country: str = Field(description="The QuickBooks edition's country: US, CA or UK.")


class CompanyInfoSupplementalData(Schema):
    content: CompanyInfoSupplementalContent


class CompanyInfo(Schema):
    """The company file's details, from the Web Connector's first answer."""

    companyName: str | None
    companyLegalName: str | None
    accountingPlatformRef: str | None
    registrationNumber: str | None
    taxNumber: str | None
    financialYearStartDate: str | None
    firstMonthOfFiscalYear: str | None
    baseCurrency: str | None
    addresses: list[Address]
    phoneNumbers: list[PhoneNumber]
    webLinks: list[WebLink]
    sourceUrls: dict[str, str]
    supplementalData: CompanyInfoSupplementalData
    modifiedDate: str = Field(description="When qbdsync last stored a change to it, in UTC.")
