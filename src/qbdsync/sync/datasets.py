"""The dataset registry: every data type qbdsync reads, declared as data.

A Dataset is one qbXML query: which records it returns, which id field keys them, whether
QuickBooks offers an iterator for it, how deletions are asked for, what must be synced before it,
which mapper turns its records into the Codat shape, and which further Codat types are derived
from the same records (bank accounts from accounts, bank transactions from checks…). Several
datasets may feed one Codat data type (billPayments = BillPaymentCheck + BillPaymentCreditCard).
The engine knows nothing type-specific beyond this.

How the API serves each data type (its path, the name of one record) is declared here too, in
SERVED: the data routes, their id parameters and the operator's list of types are built from it,
and a data type fed by the registry without an entry there stops the import.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from qbdsync.mapping.accounts import map_account, map_bank_account
from qbdsync.mapping.banking import (
    map_account_transactions,
    map_bank_transactions,
    map_direct_cost,
    map_direct_income,
    map_transfer,
    transfer_row_ids,
)
from qbdsync.mapping.common import MappingContext
from qbdsync.mapping.contacts import map_customer, map_employee, map_supplier
from qbdsync.mapping.items import map_item
from qbdsync.mapping.journals import map_journal_entry
from qbdsync.mapping.lists import map_currency, map_payment_method, map_terms
from qbdsync.mapping.purchases import (
    map_bill,
    map_bill_credit_note,
    map_bill_payment,
    map_item_receipt,
    map_purchase_order,
)
from qbdsync.mapping.sales import (
    map_credit_note,
    map_estimate,
    map_invoice,
    map_payment,
    map_sales_order,
)
from qbdsync.mapping.tax import map_tax_rate
from qbdsync.mapping.tracking import map_tracking_category

Mapper = Callable[[dict[str, Any], MappingContext], dict[str, Any]]
# The rows of a derived type one source record makes: none, one, or several with distinct ids.
DerivedMapper = Callable[[dict[str, Any], MappingContext], list[dict[str, Any]]]
FilterValue = str | tuple[tuple[str, str], ...]


def _own_id(record_id: str) -> tuple[str, ...]:
    return (record_id,)


@dataclass(frozen=True, slots=True)
class Derivation:
    """A further Codat type made from the same records.

    ``row_ids`` names every id the rows of one source record may have: a row the mapper no
    longer makes (a receipt moved out of the bank, one side of a transfer) is deleted, and all
    of them are when the source record is deleted.
    """

    data_type: str
    mapper: DerivedMapper
    row_ids: Callable[[str], tuple[str, ...]] = _own_id


def _at_most_one(
    mapper: Callable[[dict[str, Any], MappingContext], dict[str, Any] | None],
) -> DerivedMapper:
    """A derived mapper for a type of at most one row per record, under the record's id."""

    def rows(raw: dict[str, Any], ctx: MappingContext) -> list[dict[str, Any]]:
        mapped = mapper(raw, ctx)
        return [] if mapped is None else [mapped]

    return rows


@dataclass(frozen=True, slots=True)
class Served:
    """How the data API serves one data type, in Codat's paths."""

    # One record as Codat's SDKs name it in paths: "invoice" → /data/invoices/{invoiceId}.
    singular: str
    # "company": /companies/{id}/data/<type> (and one record below it), and the same per
    # connection; "bankAccount": per bank account of a connection, as Codat lists bank
    # transactions; "info": the one record at /companies/{id}/data/info.
    scope: Literal["company", "bankAccount", "info"] = "company"
    # False: kept (raw and lightly mapped) for operators, though Codat has no such data type.
    in_codat: bool = True

    @property
    def id_name(self) -> str:
        return f"{self.singular}Id"


@dataclass(frozen=True, slots=True)
class Dataset:
    name: str  # unique key of the query (watermarks are kept per dataset)
    data_type: str  # the Codat data type its records become
    query: str  # the qbXML query request, e.g. "InvoiceQueryRq"
    ret_names: frozenset[str]  # the records it returns, e.g. {"InvoiceRet"}
    kind: Literal["list", "txn"]
    iterator: bool  # QuickBooks offers iterators for it (Account, Class, Terms… have none)
    mapper: Mapper
    depends_on: tuple[str, ...] = ()
    extra_filters: tuple[tuple[str, FilterValue], ...] = ()
    # ListDelType / TxnDelType names whose deletions mark this dataset's records.
    deleted_types: tuple[str, ...] = ()
    # Rough size of one record in bytes, to choose MaxReturned so a page carries a useful load.
    record_bytes: int = 1000
    derived: tuple[Derivation, ...] = ()

    @property
    def id_field(self) -> str:
        return "ListID" if self.kind == "list" else "TxnID"


_ALL_STATUSES: tuple[tuple[str, FilterValue], ...] = (("ActiveStatus", "All"),)
_LINES_AND_LINKS: tuple[tuple[str, FilterValue], ...] = (
    ("IncludeLineItems", "true"),
    ("IncludeLinkedTxns", "true"),
)
_LINES: tuple[tuple[str, FilterValue], ...] = (("IncludeLineItems", "true"),)
_ITEM_KINDS = (
    "ItemService",
    "ItemNonInventory",
    "ItemInventory",
    "ItemInventoryAssembly",
    "ItemOtherCharge",
    "ItemDiscount",
    "ItemPayment",
    "ItemSubtotal",
    "ItemGroup",
    "ItemFixedAsset",
)
# Transactions that move money in a bank or credit-card account also become
# accountTransactions and bankTransactions.
_MONEY_MOVES = (
    Derivation("accountTransactions", map_account_transactions),
    Derivation("bankTransactions", map_bank_transactions),
)
# A transfer between two bank accounts moves money in both: a row for each side.
_TRANSFER_MOVES = (
    Derivation("accountTransactions", map_account_transactions, transfer_row_ids),
    Derivation("bankTransactions", map_bank_transactions, transfer_row_ids),
)
# Records that carry a currency are mapped after the company's Currency list, whose codes they
# use (see mapping/currencies.py).
_CURRENCIES = ("currencies",)
_SALES_DEPS = ("customers", "items", "accounts", "taxRates")
_PURCHASE_DEPS = ("suppliers", "items", "accounts")


def _list(
    name: str,
    data_type: str,
    query: str,
    rets: tuple[str, ...],
    mapper: Mapper,
    *,
    iterator: bool,
    deleted: tuple[str, ...],
    record_bytes: int = 600,
    derived: tuple[Derivation, ...] = (),
    depends_on: tuple[str, ...] = (),
) -> Dataset:
    return Dataset(
        name=name,
        data_type=data_type,
        query=query,
        ret_names=frozenset(rets),
        kind="list",
        iterator=iterator,
        mapper=mapper,
        depends_on=depends_on,
        extra_filters=_ALL_STATUSES,
        deleted_types=deleted,
        record_bytes=record_bytes,
        derived=derived,
    )


def _txn(
    name: str,
    data_type: str,
    query: str,
    ret: str,
    mapper: Mapper,
    *,
    deleted: tuple[str, ...],
    filters: tuple[tuple[str, FilterValue], ...] = _LINES_AND_LINKS,
    record_bytes: int = 2000,
    derived: tuple[Derivation, ...] = (),
    depends_on: tuple[str, ...] = (),
) -> Dataset:
    return Dataset(
        name=name,
        data_type=data_type,
        query=query,
        ret_names=frozenset({ret}),
        kind="txn",
        iterator=True,
        mapper=mapper,
        depends_on=(*_CURRENCIES, *depends_on),
        extra_filters=filters,
        deleted_types=deleted,
        record_bytes=record_bytes,
        derived=derived,
    )


_REGISTRY: tuple[Dataset, ...] = (
    # Lists first: transactions refer to them.
    _list(
        "accounts",
        "accounts",
        "AccountQueryRq",
        ("AccountRet",),
        map_account,
        iterator=False,
        deleted=("Account",),
        derived=(Derivation("bankAccounts", _at_most_one(map_bank_account)),),
        depends_on=_CURRENCIES,
    ),
    _list(
        "currencies",
        "currencies",
        "CurrencyQueryRq",
        ("CurrencyRet",),
        map_currency,
        iterator=False,
        deleted=("Currency",),
        record_bytes=300,
    ),
    _list(
        "terms",
        "terms",
        "TermsQueryRq",
        ("StandardTermsRet", "DateDrivenTermsRet"),
        map_terms,
        iterator=False,
        deleted=("StandardTerms", "DateDrivenTerms"),
        record_bytes=300,
    ),
    _list(
        "paymentMethods",
        "paymentMethods",
        "PaymentMethodQueryRq",
        ("PaymentMethodRet",),
        map_payment_method,
        iterator=False,
        deleted=("PaymentMethod",),
        record_bytes=300,
    ),
    _list(
        "classes",
        "trackingCategories",
        "ClassQueryRq",
        ("ClassRet",),
        map_tracking_category,
        iterator=False,
        deleted=("Class",),
        record_bytes=300,
    ),
    _list(
        "inventorySites",
        "trackingCategories",
        "InventorySiteQueryRq",
        ("InventorySiteRet",),
        map_tracking_category,
        iterator=False,
        deleted=("InventorySite",),
        record_bytes=400,
    ),
    _list(
        "salesTaxCodes",
        "taxRates",
        "SalesTaxCodeQueryRq",
        ("SalesTaxCodeRet",),
        map_tax_rate,
        iterator=False,
        deleted=("SalesTaxCode",),
        record_bytes=400,
    ),
    _list(
        "employees",
        "employees",
        "EmployeeQueryRq",
        ("EmployeeRet",),
        map_employee,
        iterator=False,
        deleted=("Employee",),
        record_bytes=900,
    ),
    _list(
        "salesTaxItems",
        "taxRates",
        "ItemSalesTaxQueryRq",
        ("ItemSalesTaxRet",),
        map_tax_rate,
        iterator=True,
        deleted=("ItemSalesTax",),
        record_bytes=500,
    ),
    _list(
        "salesTaxGroups",
        "taxRates",
        "ItemSalesTaxGroupQueryRq",
        ("ItemSalesTaxGroupRet",),
        map_tax_rate,
        iterator=True,
        deleted=("ItemSalesTaxGroup",),
        record_bytes=500,
    ),
    _list(
        "items",
        "items",
        "ItemQueryRq",
        tuple(f"{k}Ret" for k in _ITEM_KINDS),
        map_item,
        iterator=True,
        deleted=_ITEM_KINDS,
        record_bytes=900,
        depends_on=("accounts", "taxRates"),
    ),
    _list(
        "customers",
        "customers",
        "CustomerQueryRq",
        ("CustomerRet",),
        map_customer,
        iterator=True,
        deleted=("Customer",),
        record_bytes=1200,
        depends_on=_CURRENCIES,
    ),
    _list(
        "suppliers",
        "suppliers",
        "VendorQueryRq",
        ("VendorRet",),
        map_supplier,
        iterator=True,
        deleted=("Vendor",),
        record_bytes=1000,
        depends_on=_CURRENCIES,
    ),
    # Sales
    _txn(
        "invoices",
        "invoices",
        "InvoiceQueryRq",
        "InvoiceRet",
        map_invoice,
        deleted=("Invoice",),
        record_bytes=1900,
        depends_on=_SALES_DEPS,
    ),
    _txn(
        "creditNotes",
        "creditNotes",
        "CreditMemoQueryRq",
        "CreditMemoRet",
        map_credit_note,
        deleted=("CreditMemo",),
        depends_on=_SALES_DEPS,
    ),
    _txn(
        "payments",
        "payments",
        "ReceivePaymentQueryRq",
        "ReceivePaymentRet",
        map_payment,
        deleted=("ReceivePayment",),
        filters=_LINES,
        record_bytes=1200,
        derived=_MONEY_MOVES,
        depends_on=("customers", "invoices", "creditNotes"),
    ),
    _txn(
        "salesReceipts",
        "directIncomes",
        "SalesReceiptQueryRq",
        "SalesReceiptRet",
        map_direct_income,
        deleted=("SalesReceipt",),
        filters=_LINES,
        derived=_MONEY_MOVES,
        depends_on=_SALES_DEPS,
    ),
    _txn(
        "salesOrders",
        "salesOrders",
        "SalesOrderQueryRq",
        "SalesOrderRet",
        map_sales_order,
        deleted=("SalesOrder",),
        depends_on=_SALES_DEPS,
    ),
    _txn(
        "estimates",
        "estimates",
        "EstimateQueryRq",
        "EstimateRet",
        map_estimate,
        deleted=("Estimate",),
        depends_on=_SALES_DEPS,
    ),
    # Purchases
    _txn(
        "purchaseOrders",
        "purchaseOrders",
        "PurchaseOrderQueryRq",
        "PurchaseOrderRet",
        map_purchase_order,
        deleted=("PurchaseOrder",),
        depends_on=_PURCHASE_DEPS,
    ),
    _txn(
        "itemReceipts",
        "itemReceipts",
        "ItemReceiptQueryRq",
        "ItemReceiptRet",
        map_item_receipt,
        deleted=("ItemReceipt",),
        depends_on=_PURCHASE_DEPS,
    ),
    _txn(
        "bills",
        "bills",
        "BillQueryRq",
        "BillRet",
        map_bill,
        deleted=("Bill",),
        depends_on=(*_PURCHASE_DEPS, "purchaseOrders"),
    ),
    _txn(
        "vendorCredits",
        "billCreditNotes",
        "VendorCreditQueryRq",
        "VendorCreditRet",
        map_bill_credit_note,
        deleted=("VendorCredit",),
        depends_on=_PURCHASE_DEPS,
    ),
    _txn(
        "billPaymentChecks",
        "billPayments",
        "BillPaymentCheckQueryRq",
        "BillPaymentCheckRet",
        map_bill_payment,
        deleted=("BillPaymentCheck",),
        filters=_LINES,
        record_bytes=1000,
        derived=_MONEY_MOVES,
        depends_on=("suppliers", "bills", "billCreditNotes"),
    ),
    _txn(
        "billPaymentCards",
        "billPayments",
        "BillPaymentCreditCardQueryRq",
        "BillPaymentCreditCardRet",
        map_bill_payment,
        deleted=("BillPaymentCreditCard",),
        filters=_LINES,
        record_bytes=1000,
        derived=_MONEY_MOVES,
        depends_on=("suppliers", "bills", "billCreditNotes"),
    ),
    # Banking and the general ledger
    _txn(
        "checks",
        "directCosts",
        "CheckQueryRq",
        "CheckRet",
        map_direct_cost,
        deleted=("Check",),
        derived=_MONEY_MOVES,
        depends_on=_PURCHASE_DEPS,
    ),
    _txn(
        "creditCardCharges",
        "directCosts",
        "CreditCardChargeQueryRq",
        "CreditCardChargeRet",
        map_direct_cost,
        deleted=("CreditCardCharge",),
        filters=_LINES,
        derived=_MONEY_MOVES,
        depends_on=_PURCHASE_DEPS,
    ),
    _txn(
        "deposits",
        "directIncomes",
        "DepositQueryRq",
        "DepositRet",
        map_direct_income,
        deleted=("Deposit",),
        filters=_LINES,
        derived=_MONEY_MOVES,
        depends_on=("accounts", "payments"),
    ),
    # Transfer is not a TxnDelType: QuickBooks cannot report deleted transfers.
    _txn(
        "transfers",
        "transfers",
        "TransferQueryRq",
        "TransferRet",
        map_transfer,
        deleted=(),
        filters=(),
        record_bytes=700,
        derived=_TRANSFER_MOVES,
        depends_on=("accounts",),
    ),
    _txn(
        "journalEntries",
        "journalEntries",
        "JournalEntryQueryRq",
        "JournalEntryRet",
        map_journal_entry,
        deleted=("JournalEntry",),
        filters=_LINES,
        depends_on=("accounts", "customers", "suppliers"),
    ),
)

DATASETS: dict[str, Dataset] = {d.name: d for d in _REGISTRY}

# The company record: from the host and company queries every session begins with, no dataset.
COMPANY_INFO = "company"

# Every data type the API serves, in the order its routes are listed (Codat's data types
# first).
SERVED: dict[str, Served] = {
    "accounts": Served("account"),
    "billCreditNotes": Served("billCreditNote"),
    "billPayments": Served("billPayment"),
    "bills": Served("bill"),
    "creditNotes": Served("creditNote"),
    "customers": Served("customer"),
    "invoices": Served("invoice"),
    "items": Served("item"),
    "journalEntries": Served("journalEntry"),
    "paymentMethods": Served("paymentMethod"),
    "payments": Served("payment"),
    "purchaseOrders": Served("purchaseOrder"),
    "salesOrders": Served("salesOrder"),
    "suppliers": Served("supplier"),
    "taxRates": Served("taxRate"),
    "trackingCategories": Served("trackingCategory"),
    "directCosts": Served("directCost"),
    "directIncomes": Served("directIncome"),
    "transfers": Served("transfer"),
    "bankAccounts": Served("account"),  # Codat names a bank account's id accountId
    "accountTransactions": Served("accountTransaction"),
    "itemReceipts": Served("itemReceipt"),
    "employees": Served("employee", in_codat=False),
    "terms": Served("term", in_codat=False),
    "currencies": Served("currency", in_codat=False),
    "estimates": Served("estimate", in_codat=False),
    "bankTransactions": Served("bankTransaction", scope="bankAccount"),
    COMPANY_INFO: Served("company", scope="info"),
}


def check_served(registry: Iterable[Dataset], served: Mapping[str, Served]) -> None:
    """Every data type the registry feeds is served, and nothing else is (ValueError)."""
    registry = tuple(registry)
    fed = {d.data_type for d in registry} | {v.data_type for d in registry for v in d.derived}
    missing = fed - set(served)
    unfed = set(served) - fed - {COMPANY_INFO}
    if missing or unfed:
        raise ValueError(
            f"dataset registry and SERVED disagree: not served {sorted(missing)}, "
            f"served but fed by no dataset {sorted(unfed)}"
        )


check_served(_REGISTRY, SERVED)


def sync_order(names: Iterable[str]) -> list[str]:
    """The datasets in the given order, moved only as needed to put dependencies first.

    A dependency names a Codat data type: every dataset feeding it goes before the dependent.
    """
    wanted = [n for n in dict.fromkeys(names) if n in DATASETS]
    ordered: list[str] = []
    visiting: set[str] = set()

    def visit(name: str) -> None:
        if name in ordered or name not in wanted:
            return
        if name in visiting:
            raise ValueError(f"dependency cycle through {name}")
        visiting.add(name)
        for dep in DATASETS[name].depends_on:
            for other in wanted:
                if DATASETS[other].data_type == dep:
                    visit(other)
        visiting.discard(name)
        ordered.append(name)

    for name in wanted:
        visit(name)
    return ordered
