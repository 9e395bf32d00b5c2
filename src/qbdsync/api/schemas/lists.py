"""QuickBooks lists: accounts, bank accounts, customers, suppliers, employees, items, tax rates,
tracking categories, payment methods, terms and currencies (mappers: accounts.py, contacts.py,
items.py, tax.py, tracking.py, lists.py)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from qbdsync.api.schemas.common import Address, ListRecord, ListStatus, Ref, Schema

AccountType = Literal["Asset", "Liability", "Equity", "Income", "Expense", "Unknown"]


class Account(ListRecord):
    """An account of the chart of accounts (AccountRet)."""

    nominalCode: str | None = Field(description="AccountNumber.")
    name: str | None
    description: str | None
    fullyQualifiedCategory: str = Field(description='e.g. "Asset.Bank": type, then AccountType.')
    fullyQualifiedName: str
    currency: str | None
    currentBalance: float | None
    type: AccountType
    status: ListStatus
    isBankAccount: bool


class BankAccount(ListRecord):
    """A Bank or CreditCard account. QuickBooks knows nothing of the bank itself, so sortCode,
    iBan, availableBalance, overdraftLimit and institution are null."""

    accountName: str | None
    accountType: Literal["Debit", "Credit"] = Field(description="Bank: Debit; CreditCard: Credit.")
    nominalCode: str | None
    sortCode: str | None
    accountNumber: str | None = Field(description="BankNumber, as the user typed it.")
    iBan: str | None
    currency: str | None
    balance: float | None
    availableBalance: float | None
    overdraftLimit: float | None
    institution: str | None
    status: ListStatus


class Customer(ListRecord):
    """A customer or job (CustomerRet); a job has parentCustomerRef."""

    customerName: str | None
    contactName: str | None
    emailAddress: str | None
    phone: str | None
    addresses: list[Address]
    taxNumber: str | None
    registrationNumber: str | None
    defaultCurrency: str | None
    status: ListStatus
    parentCustomerRef: Ref | None
    contacts: list[dict[str, Any]] = Field(
        description="Always empty: QuickBooks keeps one contact, given as contactName."
    )


class Supplier(ListRecord):
    """A vendor (VendorRet)."""

    supplierName: str | None
    contactName: str | None
    emailAddress: str | None
    phone: str | None
    addresses: list[Address]
    registrationNumber: str | None
    taxNumber: str | None
    defaultCurrency: str | None
    status: ListStatus


class Employee(ListRecord):
    """An employee (EmployeeRet; qbdsync's shape, Codat has no such type). Payroll details, SSN
    and birth date are deliberately not served."""

    name: str | None
    firstName: str | None
    middleName: str | None
    lastName: str | None
    jobTitle: str | None
    status: ListStatus
    emailAddress: str | None
    phone: str | None
    mobile: str | None
    addresses: list[Address]
    employeeType: str | None
    hiredDate: str | None
    releasedDate: str | None


class BillItem(Schema):
    """How an item is bought."""

    description: str | None
    unitPrice: float | None
    accountRef: Ref | None
    taxRateRef: Ref | None


class InvoiceItem(BillItem):
    """How an item is sold."""


class ItemSupplementalContent(Schema):
    itemKind: str | None = Field(description='The QuickBooks record, e.g. "ItemServiceRet".')
    quantityOnHand: float | None
    averageCost: float | None
    assetAccountRef: Ref | None
    parentRef: Ref | None


class ItemSupplementalData(Schema):
    content: ItemSupplementalContent


class Item(ListRecord):
    """Any kind of QuickBooks item (service, inventory, non-inventory, other charge…)."""

    name: str | None
    code: str | None = Field(description="FullName.")
    itemStatus: ListStatus
    type: Literal["Service", "NonInventory", "Inventory", "Unknown"]
    isBillItem: bool
    billItem: BillItem | None
    isInvoiceItem: bool
    invoiceItem: InvoiceItem | None
    supplementalData: ItemSupplementalData


class TaxRateComponent(Schema):
    name: str | None
    rate: float | None
    isCompound: bool


class TaxRateSupplementalContent(Schema):
    """QuickBooks' details; which appear depends on kind."""

    kind: Literal["SalesTaxCodeRet", "ItemSalesTaxRet", "ItemSalesTaxGroupRet"]
    description: str | None
    isTaxable: bool | None = Field(default=None, description="Sales tax codes.")
    itemSalesTaxRef: Ref | None = Field(default=None, description="Sales tax codes (CA/UK).")
    itemPurchaseTaxRef: Ref | None = Field(default=None, description="Sales tax codes (CA/UK).")
    taxVendorRef: Ref | None = Field(default=None, description="Sales tax items.")
    itemSalesTaxRefs: list[Ref] | None = Field(default=None, description="Sales tax groups.")


class TaxRateSupplementalData(Schema):
    content: TaxRateSupplementalContent


class TaxRate(ListRecord):
    """A sales tax code, sales tax item or sales tax group. Rates are percentages; null where
    QuickBooks sets the rate elsewhere (a taxable US code, CA/UK codes, groups)."""

    name: str | None
    code: str | None
    effectiveTaxRate: float | None
    totalTaxRate: float | None
    components: list[TaxRateComponent]
    status: ListStatus
    supplementalData: TaxRateSupplementalData


class TrackingCategorySupplementalContent(Schema):
    description: str | None = Field(default=None, description="Inventory sites: SiteDesc.")


class TrackingCategorySupplementalData(Schema):
    content: TrackingCategorySupplementalContent


class TrackingCategory(ListRecord):
    """A class (categoryType Class) or an inventory site (categoryType Location)."""

    name: str | None
    fullyQualifiedName: str | None
    parentId: str | None
    hasChildren: bool
    status: ListStatus
    categoryType: Literal["Class", "Location"]
    supplementalData: TrackingCategorySupplementalData


PaymentMethodType = Literal[
    "Cash", "Check", "CreditCard", "DebitCard", "BankTransfer", "Other", "Unknown"
]


class PaymentMethodSupplementalContent(Schema):
    paymentMethodType: str | None = Field(description="QuickBooks' PaymentMethodType.")


class PaymentMethodSupplementalData(Schema):
    content: PaymentMethodSupplementalContent


class PaymentMethod(ListRecord):
    name: str | None
    type: PaymentMethodType
    status: ListStatus
    supplementalData: PaymentMethodSupplementalData


class Term(ListRecord):
    """Payment terms (qbdsync's shape): Standard terms are due a number of days after the
    document, DateDriven terms on a day of the month."""

    name: str | None
    status: ListStatus
    discountPercentage: float | None
    type: Literal["Standard", "DateDriven"]
    dueDays: int | None = Field(default=None, description="Standard terms.")
    discountDays: int | None = Field(default=None, description="Standard terms.")
    dayOfMonthDue: int | None = Field(default=None, description="Date-driven terms.")
    dueNextMonthDays: int | None = Field(default=None, description="Date-driven terms.")
    discountDayOfMonth: int | None = Field(default=None, description="Date-driven terms.")


class Currency(ListRecord):
    """A currency of a multicurrency company file (qbdsync's shape)."""

    name: str | None
    currencyCode: str | None
    exchangeRate: float | None
    asOfDate: str | None
    isUserDefined: bool | None
    status: ListStatus
