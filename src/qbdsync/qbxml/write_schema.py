"""Child order of qbXML write requests (Add, Mod, Del), as data shared by builder and simulator.

QuickBooks validates a request against its ``xsd:sequence`` before running it: one child out of
order rejects the whole message set (hresult 0x80040400). The write builder (``qbxml.writes``)
sorts what it is given by these tables and the simulator refuses what breaks them, so both sides
agree by construction. The orders are facts from Intuit's qbXML 13.0/16.0 reference for the US
edition (CA/UK-only elements such as ``TaxAmount`` are listed where they sit), written down as our
own data; elements qbdsync never sends are left out, and a builder refuses anything not listed.

A :class:`Child` is one position of a sequence: one element, or a choice of several, optionally
repeating. Aggregates are the names in :data:`WRITE_ORDER`, every ``…Ref`` (ListID, FullName) and
the address aggregates; everything else holds text.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from qbdsync.qbxml.schema import ADDRESS_ORDER, REF_ORDER


@dataclass(frozen=True, slots=True)
class Child:
    """One position of a sequence: ``names`` has one element, or the members of a choice."""

    names: tuple[str, ...]
    repeats: bool = False


def _one(name: str) -> Child:
    return Child((name,))


def _many(*names: str) -> Child:
    return Child(names, repeats=True)


def _choice(*names: str) -> Child:
    return Child(names)


def _seq(*parts: str | Child) -> tuple[Child, ...]:
    return tuple(_one(part) if isinstance(part, str) else part for part in parts)


ADDRESS_AGGREGATES: Final[frozenset[str]] = frozenset(
    {"BillAddress", "ShipAddress", "VendorAddress", "Address", "ShipToAddress"}
)

# -- lines ------------------------------------------------------------------------------------
_SALES_LINE_ADD: Final = _seq(
    "ItemRef",
    "Desc",
    "Quantity",
    "UnitOfMeasure",
    _choice("Rate", "RatePercent", "PriceLevelRef"),
    "ClassRef",
    "Amount",
    "TaxAmount",
    "InventorySiteRef",
    "ServiceDate",
    "SalesTaxCodeRef",
    "OverrideItemAccountRef",
    "Other1",
    "Other2",
)
_SALES_LINE_MOD: Final = _seq(
    "TxnLineID",
    "ItemRef",
    "Desc",
    "Quantity",
    "UnitOfMeasure",
    "OverrideUOMSetRef",
    _choice("Rate", "RatePercent", "PriceLevelRef"),
    "ClassRef",
    "Amount",
    "TaxAmount",
    "InventorySiteRef",
    "ServiceDate",
    "SalesTaxCodeRef",
    "OverrideItemAccountRef",
    "Other1",
    "Other2",
)
_EXPENSE_LINE: Final = (
    "AccountRef",
    "Amount",
    "TaxAmount",
    "Memo",
    "CustomerRef",
    "ClassRef",
    "SalesTaxCodeRef",
    "BillableStatus",
)
_ITEM_LINE: Final = (
    "ItemRef",
    "InventorySiteRef",
    "Desc",
    "Quantity",
    "UnitOfMeasure",
    "Cost",
    "Amount",
    "TaxAmount",
    "CustomerRef",
    "ClassRef",
    "SalesTaxCodeRef",
    "BillableStatus",
    "OverrideItemAccountRef",
)
_JOURNAL_LINE: Final = (
    "AccountRef",
    "Amount",
    "TaxAmount",
    "Memo",
    "EntityRef",
    "ClassRef",
    "ItemSalesTaxRef",
    "BillableStatus",
)
_APPLIED_ADD: Final = _seq(
    "TxnID", "PaymentAmount", "DiscountAmount", "DiscountAccountRef", "DiscountClassRef"
)

# -- heads shared by several requests ---------------------------------------------------------
_CUSTOMER_BODY: Final = (
    "CompanyName",
    "Salutation",
    "FirstName",
    "MiddleName",
    "LastName",
    "JobTitle",
    "BillAddress",
    "ShipAddress",
    "Phone",
    "AltPhone",
    "Fax",
    "Email",
    "Cc",
    "Contact",
    "AltContact",
    "CustomerTypeRef",
    "TermsRef",
    "SalesRepRef",
)
_CUSTOMER_TAIL: Final = (
    "SalesTaxCodeRef",
    "ItemSalesTaxRef",
    "ResaleNumber",
    "AccountNumber",
    "CreditLimit",
    "PreferredPaymentMethodRef",
    "JobStatus",
    "JobStartDate",
    "JobProjectedEndDate",
    "JobEndDate",
    "JobDesc",
    "JobTypeRef",
    "Notes",
    "PreferredDeliveryMethod",
    "PriceLevelRef",
)
_VENDOR_BODY: Final = (
    "IsTaxAgency",
    "CompanyName",
    "Salutation",
    "FirstName",
    "MiddleName",
    "LastName",
    "JobTitle",
    "VendorAddress",
    "ShipAddress",
    "Phone",
    "AltPhone",
    "Fax",
    "Email",
    "Cc",
    "Contact",
    "AltContact",
    "NameOnCheck",
    "AccountNumber",
    "Notes",
    "VendorTypeRef",
    "TermsRef",
    "CreditLimit",
    "VendorTaxIdent",
    "IsVendorEligibleFor1099",
)
_SALES_HEAD: Final = (
    "CustomerRef",
    "ClassRef",
    "ARAccountRef",
    "TemplateRef",
    "TxnDate",
    "RefNumber",
    "BillAddress",
    "ShipAddress",
    "IsPending",
    "PONumber",
    "TermsRef",
    "DueDate",
    "SalesRepRef",
    "FOB",
    "ShipDate",
    "ShipMethodRef",
    "ItemSalesTaxRef",
    "Memo",
    "CustomerMsgRef",
    "IsToBePrinted",
    "IsToBeEmailed",
    "IsTaxIncluded",
    "CustomerSalesTaxCodeRef",
    "Other",
    "ExchangeRate",
)
_SALES_RECEIPT_HEAD: Final = (
    "CustomerRef",
    "ClassRef",
    "TemplateRef",
    "TxnDate",
    "RefNumber",
    "BillAddress",
    "ShipAddress",
    "IsPending",
    "CheckNumber",
    "PaymentMethodRef",
    "DueDate",
    "SalesRepRef",
    "ShipDate",
    "ShipMethodRef",
    "FOB",
    "ItemSalesTaxRef",
    "Memo",
    "CustomerMsgRef",
    "IsToBePrinted",
    "IsToBeEmailed",
    "IsTaxIncluded",
    "CustomerSalesTaxCodeRef",
    "DepositToAccountRef",
    "Other",
    "ExchangeRate",
)
_PURCHASE_ORDER_HEAD: Final = (
    "VendorRef",
    "ClassRef",
    "InventorySiteRef",
    "ShipToEntityRef",
    "TemplateRef",
    "TxnDate",
    "RefNumber",
    "VendorAddress",
    "ShipAddress",
    "TermsRef",
    "DueDate",
    "ExpectedDate",
    "ShipMethodRef",
    "FOB",
    "Memo",
    "VendorMsg",
    "IsToBePrinted",
    "IsToBeEmailed",
    "IsTaxIncluded",
    "SalesTaxCodeRef",
    "Other1",
    "Other2",
    "ExchangeRate",
)
_PURCHASE_LINES_ADD: Final = (_many("ExpenseLineAdd"), _many("ItemLineAdd"))
_PURCHASE_LINES_MOD: Final = (
    _one("ClearExpenseLines"),
    _many("ExpenseLineMod"),
    _one("ClearItemLines"),
    _many("ItemLineMod"),
)
_SERVICE_PRICES: Final = (_choice("SalesOrPurchase", "SalesAndPurchase"),)
_SERVICE_PRICES_MOD: Final = (_choice("SalesOrPurchaseMod", "SalesAndPurchaseMod"),)
_ITEM_HEAD: Final = ("Name", "BarCodeValue", "IsActive", "ClassRef", "ParentRef")

# The children of every write aggregate qbdsync sends, in order.
WRITE_ORDER: Final[dict[str, tuple[Child, ...]]] = {
    # lists
    "AccountAdd": _seq(
        "Name",
        "IsActive",
        "ParentRef",
        "AccountType",
        "AccountNumber",
        "BankNumber",
        "Desc",
        "OpenBalance",
        "OpenBalanceDate",
        "SalesTaxCodeRef",
        "TaxLineID",
        "CurrencyRef",
    ),
    "AccountMod": _seq(
        "ListID",
        "EditSequence",
        "Name",
        "IsActive",
        "ParentRef",
        "AccountType",
        "AccountNumber",
        "BankNumber",
        "Desc",
        "SalesTaxCodeRef",
        "TaxLineID",
        "CurrencyRef",
    ),
    "CustomerAdd": _seq(
        "Name",
        "IsActive",
        "ClassRef",
        "ParentRef",
        *_CUSTOMER_BODY,
        "OpenBalance",
        "OpenBalanceDate",
        *_CUSTOMER_TAIL,
        "ExternalGUID",
        "CurrencyRef",
    ),
    "CustomerMod": _seq(
        "ListID",
        "EditSequence",
        "Name",
        "IsActive",
        "ClassRef",
        "ParentRef",
        *_CUSTOMER_BODY,
        *_CUSTOMER_TAIL,
        "CurrencyRef",
    ),
    "VendorAdd": _seq(
        "Name",
        "IsActive",
        "ClassRef",
        *_VENDOR_BODY,
        "OpenBalance",
        "OpenBalanceDate",
        "BillingRateRef",
        "ExternalGUID",
        "PrefillAccountRef",
        "CurrencyRef",
    ),
    "VendorMod": _seq(
        "ListID",
        "EditSequence",
        "Name",
        "IsActive",
        "ClassRef",
        *_VENDOR_BODY,
        "BillingRateRef",
        "PrefillAccountRef",
        "CurrencyRef",
    ),
    "ItemServiceAdd": _seq(
        *_ITEM_HEAD,
        "UnitOfMeasureSetRef",
        "IsTaxIncluded",
        "SalesTaxCodeRef",
        *_SERVICE_PRICES,
        "ExternalGUID",
    ),
    "ItemServiceMod": _seq(
        "ListID",
        "EditSequence",
        *_ITEM_HEAD,
        "UnitOfMeasureSetRef",
        "ForceUOMChange",
        "IsTaxIncluded",
        "SalesTaxCodeRef",
        *_SERVICE_PRICES_MOD,
    ),
    "ItemNonInventoryAdd": _seq(
        *_ITEM_HEAD,
        "ManufacturerPartNumber",
        "UnitOfMeasureSetRef",
        "IsTaxIncluded",
        "SalesTaxCodeRef",
        *_SERVICE_PRICES,
        "ExternalGUID",
    ),
    "ItemNonInventoryMod": _seq(
        "ListID",
        "EditSequence",
        *_ITEM_HEAD,
        "ManufacturerPartNumber",
        "UnitOfMeasureSetRef",
        "ForceUOMChange",
        "IsTaxIncluded",
        "SalesTaxCodeRef",
        *_SERVICE_PRICES_MOD,
    ),
    "ItemOtherChargeAdd": _seq(
        *_ITEM_HEAD, "IsTaxIncluded", "SalesTaxCodeRef", *_SERVICE_PRICES, "ExternalGUID"
    ),
    "ItemOtherChargeMod": _seq(
        "ListID",
        "EditSequence",
        *_ITEM_HEAD,
        "IsTaxIncluded",
        "SalesTaxCodeRef",
        *_SERVICE_PRICES_MOD,
    ),
    "ItemInventoryAdd": _seq(
        *_ITEM_HEAD,
        "ManufacturerPartNumber",
        "UnitOfMeasureSetRef",
        "IsTaxIncluded",
        "SalesTaxCodeRef",
        "SalesDesc",
        "SalesPrice",
        "IncomeAccountRef",
        "PurchaseDesc",
        "PurchaseCost",
        "PurchaseTaxCodeRef",
        "COGSAccountRef",
        "PrefVendorRef",
        "AssetAccountRef",
        "ReorderPoint",
        "Max",
        "QuantityOnHand",
        "TotalValue",
        "InventoryDate",
        "ExternalGUID",
    ),
    "ItemInventoryMod": _seq(
        "ListID",
        "EditSequence",
        *_ITEM_HEAD,
        "ManufacturerPartNumber",
        "UnitOfMeasureSetRef",
        "ForceUOMChange",
        "IsTaxIncluded",
        "SalesTaxCodeRef",
        "SalesDesc",
        "SalesPrice",
        "IncomeAccountRef",
        "PurchaseDesc",
        "PurchaseCost",
        "PurchaseTaxCodeRef",
        "COGSAccountRef",
        "PrefVendorRef",
        "AssetAccountRef",
        "ReorderPoint",
        "Max",
    ),
    "SalesOrPurchase": _seq("Desc", _choice("Price", "PricePercent"), "AccountRef"),
    "SalesAndPurchase": _seq(
        "SalesDesc",
        "SalesPrice",
        "IncomeAccountRef",
        "PurchaseDesc",
        "PurchaseCost",
        "PurchaseTaxCodeRef",
        "ExpenseAccountRef",
        "PrefVendorRef",
    ),
    "SalesOrPurchaseMod": _seq("Desc", _choice("Price", "PricePercent"), "AccountRef"),
    "SalesAndPurchaseMod": _seq(
        "SalesDesc",
        "SalesPrice",
        "IncomeAccountRef",
        "PurchaseDesc",
        "PurchaseCost",
        "PurchaseTaxCodeRef",
        "ExpenseAccountRef",
        "PrefVendorRef",
    ),
    # sales
    "InvoiceAdd": _seq(
        *_SALES_HEAD,
        "ExternalGUID",
        _many("LinkToTxnID"),
        _many("InvoiceLineAdd"),
    ),
    "InvoiceMod": _seq("TxnID", "EditSequence", *_SALES_HEAD, _many("InvoiceLineMod")),
    "InvoiceLineAdd": _SALES_LINE_ADD,
    "InvoiceLineMod": _SALES_LINE_MOD,
    "CreditMemoAdd": _seq(*_SALES_HEAD, "ExternalGUID", _many("CreditMemoLineAdd")),
    "CreditMemoMod": _seq("TxnID", "EditSequence", *_SALES_HEAD, _many("CreditMemoLineMod")),
    "CreditMemoLineAdd": _SALES_LINE_ADD,
    "CreditMemoLineMod": _SALES_LINE_MOD,
    "SalesReceiptAdd": _seq(*_SALES_RECEIPT_HEAD, "ExternalGUID", _many("SalesReceiptLineAdd")),
    "SalesReceiptMod": _seq(
        "TxnID", "EditSequence", *_SALES_RECEIPT_HEAD, _many("SalesReceiptLineMod")
    ),
    "SalesReceiptLineAdd": _SALES_LINE_ADD,
    "SalesReceiptLineMod": _SALES_LINE_MOD,
    "ReceivePaymentAdd": _seq(
        "CustomerRef",
        "ARAccountRef",
        "TxnDate",
        "RefNumber",
        "TotalAmount",
        "ExchangeRate",
        "PaymentMethodRef",
        "Memo",
        "DepositToAccountRef",
        "ExternalGUID",
        Child(("IsAutoApply", "AppliedToTxnAdd"), repeats=True),
    ),
    "ReceivePaymentMod": _seq(
        "TxnID",
        "EditSequence",
        "CustomerRef",
        "ARAccountRef",
        "TxnDate",
        "RefNumber",
        "TotalAmount",
        "ExchangeRate",
        "PaymentMethodRef",
        "Memo",
        "DepositToAccountRef",
        _many("AppliedToTxnMod"),
    ),
    "AppliedToTxnAdd": _APPLIED_ADD,
    "AppliedToTxnMod": _APPLIED_ADD,
    # purchases
    "BillAdd": _seq(
        "VendorRef",
        "VendorAddress",
        "APAccountRef",
        "TxnDate",
        "DueDate",
        "RefNumber",
        "TermsRef",
        "Memo",
        "IsTaxIncluded",
        "SalesTaxCodeRef",
        "ExchangeRate",
        "ExternalGUID",
        _many("LinkToTxnID"),
        *_PURCHASE_LINES_ADD,
    ),
    "BillMod": _seq(
        "TxnID",
        "EditSequence",
        "VendorRef",
        "VendorAddress",
        "APAccountRef",
        "TxnDate",
        "DueDate",
        "RefNumber",
        "TermsRef",
        "Memo",
        "IsTaxIncluded",
        "SalesTaxCodeRef",
        "ExchangeRate",
        *_PURCHASE_LINES_MOD,
    ),
    "ExpenseLineAdd": _seq(*_EXPENSE_LINE),
    "ExpenseLineMod": _seq("TxnLineID", *_EXPENSE_LINE),
    "ItemLineAdd": _seq(*_ITEM_LINE),
    "ItemLineMod": _seq("TxnLineID", *_ITEM_LINE),
    "VendorCreditAdd": _seq(
        "VendorRef",
        "APAccountRef",
        "TxnDate",
        "RefNumber",
        "Memo",
        "IsTaxIncluded",
        "SalesTaxCodeRef",
        "ExchangeRate",
        "ExternalGUID",
        *_PURCHASE_LINES_ADD,
    ),
    "VendorCreditMod": _seq(
        "TxnID",
        "EditSequence",
        "VendorRef",
        "APAccountRef",
        "TxnDate",
        "RefNumber",
        "Memo",
        "IsTaxIncluded",
        "SalesTaxCodeRef",
        "ExchangeRate",
        *_PURCHASE_LINES_MOD,
    ),
    "BillPaymentCheckAdd": _seq(
        "PayeeEntityRef",
        "APAccountRef",
        "TxnDate",
        "BankAccountRef",
        _choice("IsToBePrinted", "RefNumber"),
        "Memo",
        "ExchangeRate",
        "ExternalGUID",
        _many("AppliedToTxnAdd"),
    ),
    "BillPaymentCheckMod": _seq(
        "TxnID",
        "EditSequence",
        "TxnDate",
        "BankAccountRef",
        "Amount",
        "ExchangeRate",
        _choice("IsToBePrinted", "RefNumber"),
        "Memo",
        _many("AppliedToTxnMod"),
    ),
    "BillPaymentCreditCardAdd": _seq(
        "PayeeEntityRef",
        "APAccountRef",
        "TxnDate",
        "CreditCardAccountRef",
        "RefNumber",
        "Memo",
        "ExchangeRate",
        "ExternalGUID",
        _many("AppliedToTxnAdd"),
    ),
    "PurchaseOrderAdd": _seq(*_PURCHASE_ORDER_HEAD, "ExternalGUID", _many("PurchaseOrderLineAdd")),
    "PurchaseOrderMod": _seq(
        "TxnID", "EditSequence", *_PURCHASE_ORDER_HEAD, _many("PurchaseOrderLineMod")
    ),
    "PurchaseOrderLineAdd": _seq(
        "ItemRef",
        "ManufacturerPartNumber",
        "Desc",
        "Quantity",
        "UnitOfMeasure",
        "Rate",
        "ClassRef",
        "Amount",
        "CustomerRef",
        "ServiceDate",
        "SalesTaxCodeRef",
        "OverrideItemAccountRef",
        "Other1",
        "Other2",
    ),
    "PurchaseOrderLineMod": _seq(
        "TxnLineID",
        "ItemRef",
        "ManufacturerPartNumber",
        "Desc",
        "Quantity",
        "UnitOfMeasure",
        "OverrideUOMSetRef",
        "Rate",
        "ClassRef",
        "Amount",
        "CustomerRef",
        "ServiceDate",
        "SalesTaxCodeRef",
        "OverrideItemAccountRef",
        "Other1",
        "Other2",
    ),
    # banking and journals
    "CheckAdd": _seq(
        "AccountRef",
        "PayeeEntityRef",
        "RefNumber",
        "TxnDate",
        "Memo",
        "Address",
        "IsToBePrinted",
        "IsTaxIncluded",
        "SalesTaxCodeRef",
        "ExchangeRate",
        "ExternalGUID",
        *_PURCHASE_LINES_ADD,
    ),
    "CheckMod": _seq(
        "TxnID",
        "EditSequence",
        "AccountRef",
        "PayeeEntityRef",
        "RefNumber",
        "TxnDate",
        "Memo",
        "Address",
        "IsToBePrinted",
        "IsTaxIncluded",
        "SalesTaxCodeRef",
        "ExchangeRate",
        *_PURCHASE_LINES_MOD,
    ),
    "CreditCardChargeAdd": _seq(
        "AccountRef",
        "PayeeEntityRef",
        "TxnDate",
        "RefNumber",
        "Memo",
        "IsTaxIncluded",
        "SalesTaxCodeRef",
        "ExchangeRate",
        "ExternalGUID",
        *_PURCHASE_LINES_ADD,
    ),
    "DepositAdd": _seq(
        "TxnDate",
        "DepositToAccountRef",
        "Memo",
        "CurrencyRef",
        "ExchangeRate",
        "ExternalGUID",
        _many("DepositLineAdd"),
    ),
    "DepositMod": _seq(
        "TxnID",
        "EditSequence",
        "TxnDate",
        "DepositToAccountRef",
        "Memo",
        "CurrencyRef",
        "ExchangeRate",
        _many("DepositLineMod"),
    ),
    "DepositLineAdd": _seq(
        "EntityRef", "AccountRef", "Memo", "CheckNumber", "PaymentMethodRef", "ClassRef", "Amount"
    ),
    "DepositLineMod": _seq(
        "TxnLineID",
        "EntityRef",
        "AccountRef",
        "Memo",
        "CheckNumber",
        "PaymentMethodRef",
        "ClassRef",
        "Amount",
    ),
    "TransferAdd": _seq(
        "TxnDate", "TransferFromAccountRef", "TransferToAccountRef", "ClassRef", "Amount", "Memo"
    ),
    "TransferMod": _seq(
        "TxnID",
        "EditSequence",
        "TxnDate",
        "TransferFromAccountRef",
        "TransferToAccountRef",
        "ClassRef",
        "Amount",
        "Memo",
    ),
    "JournalEntryAdd": _seq(
        "TxnDate",
        "RefNumber",
        "IsAdjustment",
        "IsHomeCurrencyAdjustment",
        "IsAmountsEnteredInHomeCurrency",
        "CurrencyRef",
        "ExchangeRate",
        "ExternalGUID",
        _many("JournalDebitLine", "JournalCreditLine"),
    ),
    "JournalEntryMod": _seq(
        "TxnID",
        "EditSequence",
        "TxnDate",
        "RefNumber",
        "IsAdjustment",
        "IsAmountsEnteredInHomeCurrency",
        "CurrencyRef",
        "ExchangeRate",
        _many("JournalLineMod"),
    ),
    "JournalDebitLine": _seq("TxnLineID", *_JOURNAL_LINE),
    "JournalCreditLine": _seq("TxnLineID", *_JOURNAL_LINE),
    "JournalLineMod": _seq("TxnLineID", "JournalLineType", *_JOURNAL_LINE),
    # deletes
    "ListDelRq": _seq("ListDelType", "ListID"),
    "TxnDelRq": _seq("TxnDelType", "TxnID"),
}
for _address in ADDRESS_AGGREGATES:
    WRITE_ORDER[_address] = _seq(*ADDRESS_ORDER)

# Add/Mod requests by record kind ("Invoice" → InvoiceAddRq / InvoiceModRq). A kind without a
# Mod here cannot be modified through qbXML (BillPaymentCreditCard, CreditCardCharge as sent).
ADD_KINDS: Final[frozenset[str]] = frozenset(
    name.removesuffix("Add")
    for name in WRITE_ORDER
    if name.endswith("Add") and not name.endswith(("LineAdd", "ToTxnAdd"))
)
MOD_KINDS: Final[frozenset[str]] = frozenset(
    name.removesuffix("Mod")
    for name in WRITE_ORDER
    if name.endswith("Mod") and not name.endswith(("LineMod", "ToTxnMod", "PurchaseMod"))
)
LIST_KINDS: Final[frozenset[str]] = frozenset(
    {
        "Account",
        "Customer",
        "Vendor",
        "ItemService",
        "ItemNonInventory",
        "ItemOtherCharge",
        "ItemInventory",
    }
)
# Transfer is no TxnDelType: QuickBooks cannot delete a transfer through qbXML.
TXN_DEL_KINDS: Final[frozenset[str]] = frozenset(ADD_KINDS - LIST_KINDS - {"Transfer"})
# The qbXML version that introduced a request or an element; older versions refuse them.
SINCE_VERSION: Final[dict[str, tuple[int, int]]] = {
    "ExternalGUID": (8, 0),
    "TransferAdd": (12, 0),
    "TransferMod": (12, 0),
    "BillPaymentCreditCardAdd": (2, 0),
}
MESSAGE_SET_ID_MAX: Final[int] = 24
EDIT_SEQUENCE_MAX: Final[int] = 16


def is_aggregate(name: str) -> bool:
    """Does this element hold child elements (as opposed to text)?"""
    return name in WRITE_ORDER or name.endswith("Ref")


def children_of(name: str) -> tuple[Child, ...]:
    """The child order of an aggregate: its table entry, or ListID/FullName for a ``…Ref``."""
    found = WRITE_ORDER.get(name)
    if found is not None:
        return found
    if name.endswith("Ref"):
        return _seq(*REF_ORDER)
    raise KeyError(name)


def request_body_name(rq_name: str) -> str | None:
    """``InvoiceAddRq`` → ``InvoiceAdd``; a Del request is its own body; None if not a write."""
    if rq_name in ("ListDelRq", "TxnDelRq"):
        return rq_name
    body = rq_name.removesuffix("Rq")
    if body.endswith("Add") and body.removesuffix("Add") in ADD_KINDS:
        return body
    if body.endswith("Mod") and body.removesuffix("Mod") in MOD_KINDS:
        return body
    return None


def sequence_violation(parent: str, tags: list[str]) -> str | None:
    """Why ``tags`` (children of ``parent``, in document order) break its sequence, or None."""
    order = children_of(parent)
    position: dict[str, int] = {}
    for slot_index, child in enumerate(order):
        for name in child.names:
            position[name] = slot_index
    last_index, last_tag = -1, ""
    for tag in tags:
        index = position.get(tag)
        if index is None:
            return f"<{tag}> is not allowed in <{parent}>."
        if index < last_index:
            return f"<{tag}> is out of order in <{parent}> (it must come before <{last_tag}>)."
        if index == last_index and not order[index].repeats:
            if tag == last_tag:
                return f"<{tag}> may appear only once in <{parent}>."
            return f"<{tag}> and <{last_tag}> are alternatives in <{parent}>; give only one."
        last_index, last_tag = index, tag
    return None
