"""The simulator's one catalogue of QuickBooks record types: what it stores, which queries
return each type, which offer iterators, and the Codat data type its records count under.

The simulator is the test oracle of qbdsync's sync, so this is its own account of QuickBooks
and imports nothing from qbdsync.sync (whose dataset registry it checks). Every other list of
types in the simulator is derived from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True, slots=True)
class RecordType:
    ret: str  # the qbXML element of one record, e.g. "InvoiceRet"
    txn: bool  # a transaction (TxnID, TxnDelType) rather than a list record (ListID)
    codat_type: str  # the Codat data type its records are counted under (docs/TYPES)
    # Its own query (<Name>QueryRq) offers iterators; QuickBooks answers the others whole.
    iterator: bool = True
    # A broader query that returns it among other types (BROAD_QUERIES).
    also_in: str | None = None

    @property
    def name(self) -> str:
        """QuickBooks' name of the type, as ListDelType/TxnDelType say it: "Invoice"."""
        return self.ret.removesuffix("Ret")

    @property
    def query(self) -> str:
        """The query returning records of this type only."""
        return f"{self.name}QueryRq"


@dataclass(frozen=True, slots=True)
class BroadQuery:
    codat_type: str  # the Codat data type the query is read for (the others come again)
    iterator: bool


_ITEMS = "ItemQueryRq"
_TERMS = "TermsQueryRq"
BROAD_QUERIES: Final[dict[str, BroadQuery]] = {
    # Every item, sales-tax items and groups among them.
    _ITEMS: BroadQuery("items", iterator=True),
    _TERMS: BroadQuery("terms", iterator=False),
}
# Queries of no record type above, answered whole.
OTHER_WHOLE_QUERIES: Final[tuple[str, ...]] = (
    "ListDeletedQueryRq",
    "TxnDeletedQueryRq",
    "HostQueryRq",
    "CompanyQueryRq",
    "PreferencesQueryRq",
)


def _list(ret: str, codat: str, *, iterator: bool = True, also_in: str | None = None) -> RecordType:
    return RecordType(ret, txn=False, codat_type=codat, iterator=iterator, also_in=also_in)


def _txn(ret: str, codat: str) -> RecordType:
    return RecordType(ret, txn=True, codat_type=codat)


def _item(kind: str) -> RecordType:
    return _list(f"Item{kind}Ret", "items", also_in=_ITEMS)


# In generation order (the generator fills its lists in this order, so it is part of a seed's
# company).
CATALOGUE: Final[tuple[RecordType, ...]] = (
    _list("AccountRet", "accounts", iterator=False),
    _list("CustomerRet", "customers"),
    _list("VendorRet", "suppliers"),
    _list("EmployeeRet", "employees", iterator=False),
    _list("ClassRet", "trackingCategories", iterator=False),
    _list("StandardTermsRet", "terms", iterator=False, also_in=_TERMS),
    _list("DateDrivenTermsRet", "terms", iterator=False, also_in=_TERMS),
    _list("PaymentMethodRet", "paymentMethods", iterator=False),
    _list("SalesTaxCodeRet", "taxRates", iterator=False),
    _list("ItemSalesTaxRet", "taxRates", also_in=_ITEMS),
    _list("ItemSalesTaxGroupRet", "taxRates", also_in=_ITEMS),
    *(
        _item(kind)
        for kind in (
            "Service",
            "NonInventory",
            "Inventory",
            "InventoryAssembly",
            "OtherCharge",
            "Discount",
            "Payment",
            "Subtotal",
            "Group",
            "FixedAsset",
        )
    ),
    _list("CurrencyRet", "currencies", iterator=False),
    _list("InventorySiteRet", "trackingCategories", iterator=False),
    _txn("InvoiceRet", "invoices"),
    _txn("ReceivePaymentRet", "payments"),
    _txn("CreditMemoRet", "creditNotes"),
    _txn("SalesReceiptRet", "directIncomes"),
    _txn("SalesOrderRet", "salesOrders"),
    _txn("EstimateRet", "estimates"),
    _txn("BillRet", "bills"),
    _txn("VendorCreditRet", "billCreditNotes"),
    _txn("BillPaymentCheckRet", "billPayments"),
    _txn("BillPaymentCreditCardRet", "billPayments"),
    _txn("PurchaseOrderRet", "purchaseOrders"),
    _txn("ItemReceiptRet", "itemReceipts"),
    _txn("JournalEntryRet", "journalEntries"),
    _txn("CheckRet", "directCosts"),
    _txn("CreditCardChargeRet", "directCosts"),
    _txn("DepositRet", "directIncomes"),
    _txn("TransferRet", "transfers"),
)
BY_RET: Final[dict[str, RecordType]] = {t.ret: t for t in CATALOGUE}

LIST_RET_TYPES: Final[tuple[str, ...]] = tuple(t.ret for t in CATALOGUE if not t.txn)
TXN_RET_TYPES: Final[tuple[str, ...]] = tuple(t.ret for t in CATALOGUE if t.txn)
RECORD_TYPES: Final[tuple[str, ...]] = LIST_RET_TYPES + TXN_RET_TYPES
ITEM_RET_TYPES: Final[tuple[str, ...]] = tuple(t.ret for t in CATALOGUE if t.codat_type == "items")
# Transaction kinds in the order their TxnID counters are allocated (part of what a seed makes,
# so it is kept as it was, not derived from the order above).
TXN_ID_ORDER: Final[tuple[str, ...]] = (
    "InvoiceRet",
    "ReceivePaymentRet",
    "BillRet",
    "BillPaymentCheckRet",
    "BillPaymentCreditCardRet",
    "CheckRet",
    "SalesReceiptRet",
    "CreditMemoRet",
    "VendorCreditRet",
    "DepositRet",
    "TransferRet",
    "PurchaseOrderRet",
    "SalesOrderRet",
    "ItemReceiptRet",
    "EstimateRet",
    "CreditCardChargeRet",
    "JournalEntryRet",
)
if sorted(TXN_ID_ORDER) != sorted(TXN_RET_TYPES):
    raise ValueError("TXN_ID_ORDER must name every transaction type once")


def _queries(txn: bool) -> dict[str, tuple[str, ...]]:
    found: dict[str, tuple[str, ...]] = {t.query: (t.ret,) for t in CATALOGUE if t.txn == txn}
    for name, broad in BROAD_QUERIES.items():
        members = [t for t in CATALOGUE if t.also_in == name and t.txn == txn]
        # Its own type's records first, then the others it returns too.
        members.sort(key=lambda t: t.codat_type != broad.codat_type)
        if members:
            found[name] = tuple(t.ret for t in members)
    return found


# Which record types each query reads.
LIST_QUERIES: Final[dict[str, tuple[str, ...]]] = _queries(txn=False)
TXN_QUERIES: Final[dict[str, tuple[str, ...]]] = _queries(txn=True)
# Queries QuickBooks answers whole: an iterator attribute on them is ignored.
NO_ITERATOR_QUERIES: Final[frozenset[str]] = frozenset(
    {
        *(t.query for t in CATALOGUE if not t.iterator),
        *(name for name, broad in BROAD_QUERIES.items() if not broad.iterator),
        *OTHER_WHOLE_QUERIES,
    }
)
# The Codat data types: which record types each one is read from. "bankAccounts" is derived
# (Bank and CreditCard accounts) and counted separately.
CODAT_TYPES: Final[dict[str, tuple[str, ...]]] = {
    codat: tuple(t.ret for t in CATALOGUE if t.codat_type == codat)
    for codat in dict.fromkeys(t.codat_type for t in CATALOGUE)
}


def codat_type_of_query(query: str) -> str | None:
    """The Codat data type a query is read for (None: not a query of records)."""
    broad = BROAD_QUERIES.get(query)
    if broad is not None:
        return broad.codat_type
    found = BY_RET.get(query.removesuffix("QueryRq") + "Ret")
    return found.codat_type if found else None
