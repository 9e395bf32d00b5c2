"""Child order of qbXML write requests (Add, Mod, Del), as data shared by builder and simulator.

QuickBooks validates a request against its ``xsd:sequence`` before running it: one child out of
order rejects the whole message set (hresult 0x80040400). The write builder (``qbxml.writes``)
sorts what it is given by these tables and the simulator refuses what breaks them, so both sides
agree by construction. Elements qbdsync never sends are left out, and a builder refuses anything
not listed; CA/UK/AU-only elements (``TaxAmount``, ``IsTaxIncluded``) are listed where they sit.

Checked against facts, written down as our own data: every order, choice, repetition, since-version
and length here was compared with Intuit's annotated qbXML request data (the ``qbxmlops*.xml``
sample files of the qbXML SDK, versions 2.0 through 14.0, which the QuickBooks PHP DevKit's
``QBXML/Schema/Object`` classes are generated from) and with those DevKit schema objects, which
cover qbXML up to about 7.0 plus a few hand additions. Where the two disagree (the DevKit puts
``PreferredDeliveryMethod`` after ``PriceLevelRef`` in CustomerAdd, and merges the two alternatives
of ``DepositLineAdd``), Intuit's data is followed. qbXML 15.0 and 16.0 published no new sample
data for these requests; their order is taken as 14.0's.

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


# Addr1..Addr5, City, State, PostalCode, Country, Note. (A customer's repeating ShipToAddress,
# qbXML 12.0, also carries Name and DefaultShipTo; qbdsync does not send it.)
ADDRESS_AGGREGATES: Final[frozenset[str]] = frozenset(
    {"BillAddress", "ShipAddress", "VendorAddress", "Address"}
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
# SetCredit applies a credit (a credit memo, a vendor credit) to the record paid, beside the
# money; a payment may use several.
_APPLIED_ADD: Final = _seq(
    "TxnID",
    "PaymentAmount",
    _many("SetCredit"),
    "DiscountAmount",
    "DiscountAccountRef",
    "DiscountClassRef",
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
# IsTaxAgency is only in VendorRet: QuickBooks sets it, a VendorAdd/Mod cannot.
_VENDOR_BODY: Final = (
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
    _choice("InventorySiteRef", "ShipToEntityRef"),
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
# The bar code is an aggregate (BarCode: BarCodeValue, AssignEvenIfUsed, AllowOverride, 12.0).
# ItemNonInventoryAdd alone has ParentRef before ClassRef; its Mod and the other kinds do not.
_ITEM_HEAD: Final = ("Name", "BarCode", "IsActive", "ClassRef", "ParentRef")
_NON_INVENTORY_ADD_HEAD: Final = ("Name", "BarCode", "IsActive", "ParentRef", "ClassRef")

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
        _many("PrefillAccountRef"),
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
        _many("PrefillAccountRef"),
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
        *_NON_INVENTORY_ADD_HEAD,
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
    "BarCode": _seq("BarCodeValue", "AssignEvenIfUsed", "AllowOverride"),
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
    "SetCredit": _seq("CreditTxnID", "AppliedAmount", "Override"),
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
    "CreditCardChargeMod": _seq(
        "TxnID",
        "EditSequence",
        "AccountRef",
        "PayeeEntityRef",
        "TxnDate",
        "RefNumber",
        "Memo",
        "IsTaxIncluded",
        "SalesTaxCodeRef",
        "ExchangeRate",
        *_PURCHASE_LINES_MOD,
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
# Mod here cannot be modified through qbXML (BillPaymentCreditCard has no Mod request).
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
MESSAGE_SET_ID_MAX: Final[int] = 24
EDIT_SEQUENCE_MAX: Final[int] = 16

# -- versions ---------------------------------------------------------------------------------
# The qbXML version (major, minor) that introduced a request, and a child within its parent; a
# session that speaks an older version is refused them. A request or child not listed is as old
# as qbXML itself (1.0/2.0). ExternalGUID came in 8.0 for list records and 9.0 for transactions.
Version = tuple[int, int]

REQUEST_SINCE: Final[dict[str, Version]] = {
    "AccountMod": (6, 0),
    "ItemOtherChargeMod": (3, 0),
    "InvoiceMod": (2, 1),
    "CreditMemoMod": (3, 0),
    "SalesReceiptMod": (5, 0),
    "ReceivePaymentAdd": (1, 1),
    "ReceivePaymentMod": (6, 0),
    "BillMod": (3, 0),
    "VendorCreditMod": (8, 0),
    "BillPaymentCheckAdd": (2, 0),
    "BillPaymentCheckMod": (6, 0),
    "BillPaymentCreditCardAdd": (2, 0),
    "PurchaseOrderMod": (2, 1),
    "CheckMod": (6, 0),
    "CreditCardChargeMod": (6, 0),
    "DepositAdd": (2, 0),
    "DepositMod": (7, 0),
    "TransferAdd": (12, 0),
    "TransferMod": (12, 0),
    "JournalEntryMod": (6, 0),
    "ListDelRq": (1, 1),
    "TxnDelRq": (1, 1),
}

_ADDRESS_SINCE: Final[dict[str, Version]] = {"Addr4": (2, 0), "Addr5": (6, 0), "Note": (6, 0)}
_CUSTOMER_SINCE: Final[dict[str, Version]] = {
    "ClassRef": (12, 0),
    "JobTitle": (12, 0),
    "Cc": (12, 0),
    "PreferredPaymentMethodRef": (3, 0),
    "Notes": (3, 0),
    "PreferredDeliveryMethod": (12, 0),
    "PriceLevelRef": (4, 0),
    "CurrencyRef": (8, 0),
}
# CustomerMod and VendorMod gained these in 3.0 (the Add had them from the start).
_CUSTOMER_MOD_SINCE: Final[dict[str, Version]] = {
    **_CUSTOMER_SINCE,
    **dict.fromkeys(
        (
            "IsActive",
            "ParentRef",
            "CustomerTypeRef",
            "TermsRef",
            "SalesRepRef",
            "SalesTaxCodeRef",
            "ItemSalesTaxRef",
            "ResaleNumber",
            "CreditLimit",
            "JobStatus",
            "JobStartDate",
            "JobProjectedEndDate",
            "JobEndDate",
            "JobDesc",
            "JobTypeRef",
        ),
        (3, 0),
    ),
}
_VENDOR_SINCE: Final[dict[str, Version]] = {
    "ClassRef": (12, 0),
    "JobTitle": (12, 0),
    "ShipAddress": (11, 0),
    "Cc": (12, 0),
    "Notes": (3, 0),
    "BillingRateRef": (6, 0),
    "PrefillAccountRef": (8, 0),
    "CurrencyRef": (8, 0),
}
_VENDOR_MOD_SINCE: Final[dict[str, Version]] = {
    **_VENDOR_SINCE,
    **dict.fromkeys(
        (
            "IsActive",
            "VendorTypeRef",
            "TermsRef",
            "CreditLimit",
            "VendorTaxIdent",
            "IsVendorEligibleFor1099",
        ),
        (3, 0),
    ),
}
_ITEM_SINCE: Final[dict[str, Version]] = {
    "BarCode": (12, 0),
    "ClassRef": (12, 0),
    "ManufacturerPartNumber": (7, 0),
    "UnitOfMeasureSetRef": (7, 0),
    "ForceUOMChange": (7, 0),
    "IsTaxIncluded": (6, 0),
    "PurchaseTaxCodeRef": (6, 0),
    "Max": (13, 0),
}
_ITEM_ADD_SINCE: Final[dict[str, Version]] = {**_ITEM_SINCE, "ExternalGUID": (8, 0)}
_SALES_HEAD_SINCE: Final[dict[str, Version]] = {
    "TemplateRef": (3, 0),
    "IsToBeEmailed": (6, 0),
    "IsTaxIncluded": (6, 0),
    "Other": (6, 0),
    "ExchangeRate": (8, 0),
}
_SALES_ADD_SINCE: Final[dict[str, Version]] = {**_SALES_HEAD_SINCE, "ExternalGUID": (9, 0)}
_SALES_LINE_SINCE: Final[dict[str, Version]] = {
    "UnitOfMeasure": (7, 0),
    "OverrideUOMSetRef": (7, 0),
    "PriceLevelRef": (4, 0),
    "TaxAmount": (6, 1),
    "InventorySiteRef": (10, 0),
    "OverrideItemAccountRef": (2, 0),
    "Other1": (6, 0),
    "Other2": (6, 0),
}
_PURCHASE_HEAD_SINCE: Final[dict[str, Version]] = {
    "IsTaxIncluded": (6, 0),
    "SalesTaxCodeRef": (6, 0),
    "ExchangeRate": (8, 0),
}
_PURCHASE_ADD_SINCE: Final[dict[str, Version]] = {**_PURCHASE_HEAD_SINCE, "ExternalGUID": (9, 0)}
_BILL_SINCE: Final[dict[str, Version]] = {
    **_PURCHASE_HEAD_SINCE,
    "APAccountRef": (2, 0),
    "VendorAddress": (13, 0),
}
_VENDOR_CREDIT_SINCE: Final[dict[str, Version]] = {
    "APAccountRef": (2, 0),
    "IsTaxIncluded": (8, 0),
    "SalesTaxCodeRef": (8, 0),
    "ExchangeRate": (8, 0),
}
_EXPENSE_LINE_SINCE: Final[dict[str, Version]] = {
    "TaxAmount": (6, 1),
    "SalesTaxCodeRef": (6, 0),
    "BillableStatus": (2, 0),
}
_ITEM_LINE_SINCE: Final[dict[str, Version]] = {
    **_EXPENSE_LINE_SINCE,
    "InventorySiteRef": (10, 0),
    "UnitOfMeasure": (7, 0),
    "OverrideItemAccountRef": (2, 0),
}
_BILL_PAYMENT_SINCE: Final[dict[str, Version]] = {"Memo": (3, 0), "ExchangeRate": (8, 0)}
_PURCHASE_ORDER_SINCE: Final[dict[str, Version]] = {
    "InventorySiteRef": (10, 0),
    "TemplateRef": (3, 0),
    "IsToBeEmailed": (6, 0),
    "IsTaxIncluded": (6, 0),
    "SalesTaxCodeRef": (6, 0),
    "Other1": (6, 0),
    "Other2": (6, 0),
    "ExchangeRate": (8, 0),
}
_PURCHASE_ORDER_LINE_SINCE: Final[dict[str, Version]] = {
    "ManufacturerPartNumber": (7, 0),
    "UnitOfMeasure": (7, 0),
    "OverrideUOMSetRef": (7, 0),
    "SalesTaxCodeRef": (6, 0),
    "OverrideItemAccountRef": (2, 0),
    "Other1": (6, 0),
    "Other2": (6, 0),
}
_DEPOSIT_SINCE: Final[dict[str, Version]] = {"CurrencyRef": (8, 0), "ExchangeRate": (8, 0)}
_JOURNAL_SINCE: Final[dict[str, Version]] = {
    "IsAdjustment": (3, 0),
    "IsHomeCurrencyAdjustment": (8, 0),
    "IsAmountsEnteredInHomeCurrency": (8, 0),
    "CurrencyRef": (8, 0),
    "ExchangeRate": (8, 0),
}
_JOURNAL_LINE_SINCE: Final[dict[str, Version]] = {
    "TaxAmount": (6, 1),
    "ItemSalesTaxRef": (6, 0),
    "BillableStatus": (3, 0),
}

ELEMENT_SINCE: Final[dict[str, dict[str, Version]]] = {
    "AccountAdd": {"SalesTaxCodeRef": (6, 0), "TaxLineID": (7, 0), "CurrencyRef": (8, 0)},
    "AccountMod": {"SalesTaxCodeRef": (6, 0), "TaxLineID": (7, 0), "CurrencyRef": (8, 0)},
    "CustomerAdd": {**_CUSTOMER_SINCE, "ExternalGUID": (8, 0)},
    "CustomerMod": _CUSTOMER_MOD_SINCE,
    "VendorAdd": {**_VENDOR_SINCE, "ExternalGUID": (8, 0)},
    "VendorMod": _VENDOR_MOD_SINCE,
    "ItemServiceAdd": _ITEM_ADD_SINCE,
    "ItemServiceMod": _ITEM_SINCE,
    "ItemNonInventoryAdd": _ITEM_ADD_SINCE,
    "ItemNonInventoryMod": _ITEM_SINCE,
    "ItemOtherChargeAdd": _ITEM_ADD_SINCE,
    "ItemOtherChargeMod": _ITEM_SINCE,
    "ItemInventoryAdd": _ITEM_ADD_SINCE,
    # ItemInventoryMod could not change the income account before 7.0.
    "ItemInventoryMod": {**_ITEM_SINCE, "IncomeAccountRef": (7, 0)},
    "SalesAndPurchase": {"PurchaseTaxCodeRef": (6, 0)},
    "SalesOrPurchaseMod": {"AccountRef": (7, 0)},
    "SalesAndPurchaseMod": {
        "IncomeAccountRef": (7, 0),
        "ExpenseAccountRef": (7, 0),
        "PurchaseTaxCodeRef": (6, 0),
    },
    "InvoiceAdd": {**_SALES_ADD_SINCE, "LinkToTxnID": (6, 0)},
    "InvoiceMod": _SALES_HEAD_SINCE,
    "CreditMemoAdd": _SALES_ADD_SINCE,
    "CreditMemoMod": _SALES_HEAD_SINCE,
    "SalesReceiptAdd": _SALES_ADD_SINCE,
    "SalesReceiptMod": _SALES_HEAD_SINCE,
    **dict.fromkeys(
        (
            "InvoiceLineAdd",
            "InvoiceLineMod",
            "CreditMemoLineAdd",
            "CreditMemoLineMod",
            "SalesReceiptLineAdd",
            "SalesReceiptLineMod",
        ),
        _SALES_LINE_SINCE,
    ),
    "ReceivePaymentAdd": {"ExchangeRate": (8, 0), "ExternalGUID": (9, 0)},
    "ReceivePaymentMod": {"ExchangeRate": (8, 0)},
    "AppliedToTxnAdd": {"DiscountClassRef": (11, 0)},
    "AppliedToTxnMod": {"DiscountClassRef": (11, 0)},
    "SetCredit": {"Override": (10, 0)},
    "BillAdd": {**_BILL_SINCE, "ExternalGUID": (9, 0), "LinkToTxnID": (4, 0)},
    "BillMod": _BILL_SINCE,
    "ExpenseLineAdd": _EXPENSE_LINE_SINCE,
    "ExpenseLineMod": _EXPENSE_LINE_SINCE,
    "ItemLineAdd": _ITEM_LINE_SINCE,
    "ItemLineMod": _ITEM_LINE_SINCE,
    "VendorCreditAdd": {**_VENDOR_CREDIT_SINCE, "ExternalGUID": (9, 0)},
    "VendorCreditMod": _VENDOR_CREDIT_SINCE,
    "BillPaymentCheckAdd": {**_BILL_PAYMENT_SINCE, "ExternalGUID": (9, 0)},
    "BillPaymentCheckMod": _BILL_PAYMENT_SINCE,
    "BillPaymentCreditCardAdd": {**_BILL_PAYMENT_SINCE, "ExternalGUID": (9, 0)},
    "PurchaseOrderAdd": {**_PURCHASE_ORDER_SINCE, "ExternalGUID": (9, 0)},
    "PurchaseOrderMod": _PURCHASE_ORDER_SINCE,
    "PurchaseOrderLineAdd": _PURCHASE_ORDER_LINE_SINCE,
    "PurchaseOrderLineMod": _PURCHASE_ORDER_LINE_SINCE,
    "CheckAdd": _PURCHASE_ADD_SINCE,
    "CheckMod": _PURCHASE_HEAD_SINCE,
    "CreditCardChargeAdd": _PURCHASE_ADD_SINCE,
    "CreditCardChargeMod": _PURCHASE_HEAD_SINCE,
    "DepositAdd": {**_DEPOSIT_SINCE, "ExternalGUID": (9, 0)},
    "DepositMod": _DEPOSIT_SINCE,
    "JournalEntryAdd": {**_JOURNAL_SINCE, "ExternalGUID": (9, 0)},
    "JournalEntryMod": _JOURNAL_SINCE,
    "JournalDebitLine": _JOURNAL_LINE_SINCE,
    "JournalCreditLine": _JOURNAL_LINE_SINCE,
    "JournalLineMod": _JOURNAL_LINE_SINCE,
    **dict.fromkeys(ADDRESS_AGGREGATES, _ADDRESS_SINCE),
}


def since_version(parent: str, child: str | None = None) -> Version | None:
    """The qbXML version that introduced request ``parent`` (no ``child``) or ``child`` in it."""
    if child is None:
        return REQUEST_SINCE.get(parent)
    return ELEMENT_SINCE.get(parent, {}).get(child)


# -- editions ---------------------------------------------------------------------------------
# One schema serves every country since qbXML 6.0, but some elements exist only in some editions
# (Intuit's data marks them "not in QBD" (US), "not in QBCA", "not in QBUK"). QuickBooks refuses
# an element its edition does not have, so the builder never sends one. Countries are HostRet's
# Country values. Notable: no US/CA/UK edition takes a line's TaxAmount (only the Australian
# one does: CA/UK editions compute tax from each line's SalesTaxCodeRef), and US purchase
# lines, bills and checks carry no tax code at all (US purchase tax is a cost, not a code).
Country = str
_NOT_US: Final[frozenset[Country]] = frozenset({"US"})
_NOT_CA_UK: Final[frozenset[Country]] = frozenset({"CA", "UK"})
_NOT_US_CA_UK: Final[frozenset[Country]] = frozenset({"US", "CA", "UK"})


def _each(
    parents: tuple[str, ...], missing: dict[str, frozenset[Country]]
) -> dict[str, dict[str, frozenset[Country]]]:
    return {parent: missing for parent in parents}


_TAX_INCLUDED_AND_CODE: Final[dict[str, frozenset[Country]]] = {
    "IsTaxIncluded": _NOT_US,
    "SalesTaxCodeRef": _NOT_US,
}
NOT_IN_EDITIONS: Final[dict[str, dict[str, frozenset[Country]]]] = {
    **_each(
        ("AccountAdd", "AccountMod"),
        {"SalesTaxCodeRef": _NOT_US, "TaxLineID": frozenset({"UK"})},
    ),
    **_each(("CustomerAdd", "CustomerMod"), {"ItemSalesTaxRef": _NOT_CA_UK}),
    **_each(("VendorAdd", "VendorMod"), {"IsVendorEligibleFor1099": _NOT_CA_UK}),
    **_each(
        (
            "ItemServiceAdd",
            "ItemServiceMod",
            "ItemNonInventoryAdd",
            "ItemNonInventoryMod",
            "ItemOtherChargeAdd",
            "ItemOtherChargeMod",
        ),
        {"IsTaxIncluded": _NOT_US},
    ),
    **_each(
        ("ItemInventoryAdd", "ItemInventoryMod"),
        {"IsTaxIncluded": _NOT_US, "PurchaseTaxCodeRef": _NOT_US},
    ),
    **_each(("SalesAndPurchase", "SalesAndPurchaseMod"), {"PurchaseTaxCodeRef": _NOT_US}),
    **_each(
        (
            "InvoiceAdd",
            "InvoiceMod",
            "CreditMemoAdd",
            "CreditMemoMod",
            "SalesReceiptAdd",
            "SalesReceiptMod",
        ),
        {"IsTaxIncluded": _NOT_US},
    ),
    **_each(
        (
            "InvoiceLineAdd",
            "InvoiceLineMod",
            "CreditMemoLineAdd",
            "CreditMemoLineMod",
            "SalesReceiptLineAdd",
            "SalesReceiptLineMod",
        ),
        {"TaxAmount": _NOT_US_CA_UK},
    ),
    **_each(
        ("JournalDebitLine", "JournalCreditLine", "JournalLineMod"),
        {"TaxAmount": _NOT_US_CA_UK, "ItemSalesTaxRef": _NOT_US},
    ),
    **_each(
        (
            "BillAdd",
            "BillMod",
            "VendorCreditAdd",
            "VendorCreditMod",
            "PurchaseOrderAdd",
            "PurchaseOrderMod",
            "CheckAdd",
            "CheckMod",
            "CreditCardChargeAdd",
            "CreditCardChargeMod",
        ),
        _TAX_INCLUDED_AND_CODE,
    ),
    **_each(
        ("ExpenseLineAdd", "ExpenseLineMod", "ItemLineAdd", "ItemLineMod"),
        {"TaxAmount": _NOT_US_CA_UK, "SalesTaxCodeRef": _NOT_US},
    ),
    **_each(("PurchaseOrderLineAdd", "PurchaseOrderLineMod"), {"SalesTaxCodeRef": _NOT_US}),
}


def in_edition(parent: str, child: str, country: Country) -> bool:
    """Does the ``country`` edition of QuickBooks take ``child`` in aggregate ``parent``?"""
    return country not in NOT_IN_EDITIONS.get(parent, {}).get(child, frozenset())


# -- lengths ----------------------------------------------------------------------------------
# The longest text QuickBooks Desktop (US, CA, UK, AU alike) stores in a field, in characters,
# by aggregate with its Add/Mod suffix dropped (an Add and its Mod agree). Fields not listed are
# references, amounts, dates, flags or enumerations. Names are 41 for customers and vendors but
# 31 for accounts and items; a bill's RefNumber (the supplier's number) is 20, an invoice's 11.
_PERSON_LENGTHS: Final[dict[str, int]] = {
    "Name": 41,
    "CompanyName": 41,
    "Salutation": 15,
    "FirstName": 25,
    "MiddleName": 5,
    "LastName": 25,
    "JobTitle": 41,
    "Phone": 21,
    "AltPhone": 21,
    "Fax": 21,
    "Email": 1023,
    "Cc": 1023,
    "Contact": 41,
    "AltContact": 41,
    "AccountNumber": 99,
    "Notes": 4095,
}
_SALES_LENGTHS: Final[dict[str, int]] = {
    "RefNumber": 11,
    "PONumber": 25,
    "FOB": 13,
    "Memo": 4095,
    "Other": 29,
}
_SALES_LINE_LENGTHS: Final[dict[str, int]] = {
    "Desc": 4095,
    "UnitOfMeasure": 31,
    "Other1": 29,
    "Other2": 29,
}
_MEMO: Final[dict[str, int]] = {"Memo": 4095}
_MEMO_REF_11: Final[dict[str, int]] = {"Memo": 4095, "RefNumber": 11}
_MEMO_REF_20: Final[dict[str, int]] = {"Memo": 4095, "RefNumber": 20}
ADDRESS_MAX_LENGTH: Final[dict[str, int]] = {
    "Addr1": 41,
    "Addr2": 41,
    "Addr3": 41,
    "Addr4": 41,
    "Addr5": 41,
    "City": 31,
    "State": 21,
    "PostalCode": 13,
    "Country": 31,
    "Note": 41,
}
MAX_LENGTH: Final[dict[str, dict[str, int]]] = {
    "Account": {"Name": 31, "AccountNumber": 7, "BankNumber": 25, "Desc": 200},
    "Customer": {**_PERSON_LENGTHS, "ResaleNumber": 15, "JobDesc": 99},
    "Vendor": {**_PERSON_LENGTHS, "NameOnCheck": 41, "VendorTaxIdent": 15},
    "ItemService": {"Name": 31},
    "ItemNonInventory": {"Name": 31, "ManufacturerPartNumber": 31},
    "ItemOtherCharge": {"Name": 31},
    "ItemInventory": {
        "Name": 31,
        "ManufacturerPartNumber": 31,
        "SalesDesc": 4095,
        "PurchaseDesc": 4095,
    },
    "BarCode": {"BarCodeValue": 50},
    "SalesOrPurchase": {"Desc": 4095},
    "SalesAndPurchase": {"SalesDesc": 4095, "PurchaseDesc": 4095},
    "Invoice": _SALES_LENGTHS,
    "CreditMemo": _SALES_LENGTHS,
    "SalesReceipt": {**_SALES_LENGTHS, "CheckNumber": 25},
    "InvoiceLine": _SALES_LINE_LENGTHS,
    "CreditMemoLine": _SALES_LINE_LENGTHS,
    "SalesReceiptLine": _SALES_LINE_LENGTHS,
    "ReceivePayment": _MEMO_REF_20,
    "Bill": _MEMO_REF_20,
    "VendorCredit": _MEMO_REF_20,
    "ExpenseLine": _MEMO,
    "ItemLine": {"Desc": 4095, "UnitOfMeasure": 31},
    "BillPaymentCheck": _MEMO_REF_11,
    "BillPaymentCreditCard": _MEMO_REF_11,
    "PurchaseOrder": {**_MEMO_REF_11, "FOB": 13, "VendorMsg": 99, "Other1": 25, "Other2": 29},
    "PurchaseOrderLine": {**_SALES_LINE_LENGTHS, "ManufacturerPartNumber": 31},
    "Check": _MEMO_REF_11,
    "CreditCardCharge": _MEMO_REF_11,
    "Deposit": _MEMO,
    "DepositLine": {"Memo": 4095, "CheckNumber": 11},
    "Transfer": _MEMO,
    "JournalEntry": {"RefNumber": 11},
    "JournalDebitLine": _MEMO,
    "JournalCreditLine": _MEMO,
    "JournalLine": _MEMO,
    **dict.fromkeys(ADDRESS_AGGREGATES, ADDRESS_MAX_LENGTH),
}


def max_length(parent: str, child: str) -> int | None:
    """How many characters QuickBooks stores in text ``child`` of aggregate ``parent``."""
    if child == "EditSequence":
        return EDIT_SEQUENCE_MAX
    kind = parent.removesuffix("Add") if parent.endswith("Add") else parent.removesuffix("Mod")
    return MAX_LENGTH.get(kind, {}).get(child)


# -- alternatives a sequence cannot express ---------------------------------------------------
# JournalEntryAdd has a choice between IsHomeCurrencyAdjustment and the group
# (IsAmountsEnteredInHomeCurrency, CurrencyRef, ExchangeRate): one side or the other, not both.
EXCLUSIVE: Final[dict[str, tuple[tuple[frozenset[str], frozenset[str]], ...]]] = {
    "JournalEntryAdd": (
        (
            frozenset({"IsHomeCurrencyAdjustment"}),
            frozenset({"IsAmountsEnteredInHomeCurrency", "CurrencyRef", "ExchangeRate"}),
        ),
    ),
}


def exclusion_violation(parent: str, tags: list[str]) -> str | None:
    """Why ``tags`` mix two alternatives of ``parent`` that exclude each other, or None."""
    present = set(tags)
    for one_side, other_side in EXCLUSIVE.get(parent, ()):
        mine, theirs = sorted(present & one_side), sorted(present & other_side)
        if mine and theirs:
            return f"<{mine[0]}> and <{theirs[0]}> are alternatives in <{parent}>; give only one."
    return None


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
    return exclusion_violation(parent, tags)
