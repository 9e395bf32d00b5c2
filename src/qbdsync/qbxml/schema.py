"""Element order that QuickBooks enforces, as data.

qbXML elements are strict ``xsd:sequence``s: a request whose children are out of order is
rejected whole (hresult 0x80040400). The request builders emit children in the order below and
the simulator checks requests against the same table, so both sides share one source of truth.
These orders are facts from Intuit's qbXML reference, written down here as our own data.

An entry that is a tuple of names is a choice: at most one of them may appear at that position.
"""

from __future__ import annotations

from typing import Final

Slot = str | tuple[str, ...]

# Filters of a list query (AccountQueryRq, CustomerQueryRq, VendorQueryRq, ...), after the
# optional ListID/FullName alternative which excludes every other filter.
_LIST_FILTERS_HEAD: Final[tuple[Slot, ...]] = (
    "MaxReturned",
    "ActiveStatus",
    "FromModifiedDate",
    "ToModifiedDate",
    ("NameFilter", "NameRangeFilter"),
)
_LIST_TAIL: Final[tuple[Slot, ...]] = ("IncludeRetElement", "OwnerID")

# Filters of a transaction query (InvoiceQueryRq, BillQueryRq, ...), after TxnID/RefNumber.
_TXN_FILTERS: Final[tuple[Slot, ...]] = (
    "MaxReturned",
    ("ModifiedDateRangeFilter", "TxnDateRangeFilter"),
    "EntityFilter",
    "AccountFilter",
    ("RefNumberFilter", "RefNumberRangeFilter"),
    "CurrencyFilter",
)
_TXN_TAIL: Final[tuple[Slot, ...]] = (
    "IncludeLineItems",
    "IncludeLinkedTxns",
    "IncludeRetElement",
    "OwnerID",
)

# Children allowed in each query request, in order. Elements that may repeat are listed in
# REPEATABLE_REQUEST_ELEMENTS.
QUERY_REQUEST_ORDER: Final[dict[str, tuple[Slot, ...]]] = {
    "HostQueryRq": ("IncludeRetElement",),
    "CompanyQueryRq": ("IncludeRetElement", "OwnerID"),
    "PreferencesQueryRq": ("IncludeRetElement",),
    "AccountQueryRq": (
        ("ListID", "FullName"),
        *_LIST_FILTERS_HEAD,
        "AccountType",
        "CurrencyFilter",
        *_LIST_TAIL,
    ),
    "CustomerQueryRq": (
        ("ListID", "FullName"),
        *_LIST_FILTERS_HEAD,
        "TotalBalanceFilter",
        "CurrencyFilter",
        "ClassFilter",
        *_LIST_TAIL,
    ),
    "VendorQueryRq": (
        ("ListID", "FullName"),
        *_LIST_FILTERS_HEAD,
        "TotalBalanceFilter",
        "CurrencyFilter",
        "ClassFilter",
        *_LIST_TAIL,
    ),
    "ItemQueryRq": (("ListID", "FullName"), *_LIST_FILTERS_HEAD, *_LIST_TAIL),
    "InvoiceQueryRq": (
        ("TxnID", "RefNumber", "RefNumberCaseSensitive"),
        *_TXN_FILTERS,
        "PaidStatus",
        *_TXN_TAIL,
    ),
    "ListDeletedQueryRq": ("ListDelType", "DeletedDateRangeFilter"),
    "TxnDeletedQueryRq": ("TxnDelType", "DeletedDateRangeFilter"),
}

REPEATABLE_REQUEST_ELEMENTS: Final[frozenset[str]] = frozenset(
    {"ListID", "FullName", "TxnID", "RefNumber", "IncludeRetElement", "OwnerID",
     "ListDelType", "TxnDelType", "AccountType"}
)

# The children of ModifiedDateRangeFilter / DeletedDateRangeFilter, in order.
MODIFIED_DATE_RANGE_ORDER: Final[tuple[str, ...]] = ("FromModifiedDate", "ToModifiedDate")
DELETED_DATE_RANGE_ORDER: Final[tuple[str, ...]] = ("FromDeletedDate", "ToDeletedDate")

ADDRESS_ORDER: Final[tuple[str, ...]] = (
    "Addr1", "Addr2", "Addr3", "Addr4", "Addr5", "City", "State", "PostalCode", "Country", "Note",
)
REF_ORDER: Final[tuple[str, ...]] = ("ListID", "FullName")

# Children of the records QuickBooks returns, in order (the parts qbdsync reads or the simulator
# writes; QuickBooks may send more, which the parser keeps).
RET_ORDER: Final[dict[str, tuple[str, ...]]] = {
    "HostRet": (
        "ProductName", "MajorVersion", "MinorVersion", "Country", "SupportedQBXMLVersion",
        "IsAutomaticLogin", "QBFileMode",
    ),
    "CompanyRet": (
        "IsSampleCompany", "CompanyName", "LegalCompanyName", "Address", "AddressBlock",
        "LegalAddress", "CompanyAddressForCustomer", "CompanyAddressBlockForCustomer", "Phone",
        "Fax", "Email", "CompanyWebSite", "FirstMonthFiscalYear", "FirstMonthIncomeTaxYear",
        "CompanyType", "EIN", "SSN", "TaxForm", "SubscribedServices", "AccountantCopy",
        "DataExtRet",
    ),
    "AccountRet": (
        "ListID", "TimeCreated", "TimeModified", "EditSequence", "Name", "FullName", "IsActive",
        "ParentRef", "Sublevel", "AccountType", "SpecialAccountType", "IsTaxAccount",
        "AccountNumber", "BankNumber", "Desc", "Balance", "TotalBalance", "SalesTaxCodeRef",
        "TaxLineInfoRet", "CashFlowClassification", "CurrencyRef", "DataExtRet",
    ),
    "CustomerRet": (
        "ListID", "TimeCreated", "TimeModified", "EditSequence", "Name", "FullName", "IsActive",
        "ClassRef", "ParentRef", "Sublevel", "CompanyName", "Salutation", "FirstName",
        "MiddleName", "LastName", "JobTitle", "BillAddress", "BillAddressBlock", "ShipAddress",
        "ShipAddressBlock", "ShipToAddress", "Phone", "AltPhone", "Fax", "Email", "Cc",
        "Contact", "AltContact", "AdditionalContactRef", "ContactsRet", "CustomerTypeRef",
        "TermsRef", "SalesRepRef", "Balance", "TotalBalance", "SalesTaxCodeRef",
        "ItemSalesTaxRef", "SalesTaxCountry", "ResaleNumber", "AccountNumber", "CreditLimit",
        "PreferredPaymentMethodRef", "CreditCardInfo", "JobStatus", "JobStartDate",
        "JobProjectedEndDate", "JobEndDate", "JobDesc", "JobTypeRef", "Notes",
        "AdditionalNotesRet", "PreferredDeliveryMethod", "PriceLevelRef", "ExternalGUID",
        "TaxRegistrationNumber", "CurrencyRef", "DataExtRet",
    ),
    "VendorRet": (
        "ListID", "TimeCreated", "TimeModified", "EditSequence", "Name", "IsActive", "ClassRef",
        "IsTaxAgency", "CompanyName", "Salutation", "FirstName", "MiddleName", "LastName",
        "JobTitle", "VendorAddress", "VendorAddressBlock", "ShipAddress", "Phone", "AltPhone",
        "Fax", "Email", "Cc", "Contact", "AltContact", "AdditionalContactRef", "ContactsRet",
        "NameOnCheck", "AccountNumber", "Notes", "AdditionalNotesRet", "VendorTypeRef",
        "TermsRef", "CreditLimit", "VendorTaxIdent", "IsVendorEligibleFor1099", "Balance",
        "BillingRateRef", "ExternalGUID", "PrefillAccountRef", "CurrencyRef", "DataExtRet",
    ),
    "ItemServiceRet": (
        "ListID", "TimeCreated", "TimeModified", "EditSequence", "Name", "FullName",
        "BarCodeValue", "IsActive", "ClassRef", "ParentRef", "Sublevel", "UnitOfMeasureSetRef",
        "IsTaxIncluded", "SalesTaxCodeRef", "SalesOrPurchase", "SalesAndPurchase",
        "ExternalGUID", "DataExtRet",
    ),
    "InvoiceRet": (
        "TxnID", "TimeCreated", "TimeModified", "EditSequence", "TxnNumber", "CustomerRef",
        "ClassRef", "ARAccountRef", "TemplateRef", "TxnDate", "RefNumber", "BillAddress",
        "BillAddressBlock", "ShipAddress", "ShipAddressBlock", "IsPending", "IsFinanceCharge",
        "PONumber", "TermsRef", "DueDate", "SalesRepRef", "FOB", "ShipDate", "ShipMethodRef",
        "Subtotal", "ItemSalesTaxRef", "SalesTaxPercentage", "SalesTaxTotal", "AppliedAmount",
        "BalanceRemaining", "CurrencyRef", "ExchangeRate", "BalanceRemainingInHomeCurrency",
        "Memo", "IsPaid", "CustomerMsgRef", "IsToBePrinted", "IsToBeEmailed", "IsTaxIncluded",
        "CustomerSalesTaxCodeRef", "SuggestedDiscountAmount", "SuggestedDiscountDate", "Other",
        "ExternalGUID", "LinkedTxn", "InvoiceLineRet", "InvoiceLineGroupRet", "DataExtRet",
    ),
    "InvoiceLineRet": (
        "TxnLineID", "ItemRef", "Desc", "Quantity", "UnitOfMeasure", "OverrideUOMSetRef",
        "Rate", "RatePercent", "ClassRef", "Amount", "TaxAmount", "InventorySiteRef",
        "InventorySiteLocationRef", "SerialNumber", "LotNumber", "ServiceDate",
        "SalesTaxCodeRef", "IsTaxable", "Other1", "Other2", "DataExtRet",
    ),
    "ListDeletedRet": ("ListDelType", "ListID", "TimeCreated", "TimeDeleted", "FullName"),
    "TxnDeletedRet": ("TxnDelType", "TxnID", "TimeCreated", "TimeDeleted", "RefNumber"),
}

# Child elements that may occur more than once inside a record. The parser always turns these
# into JSON lists, even when a record holds exactly one, so stored shapes do not depend on counts.
REPEATABLE_RET_ELEMENTS: Final[frozenset[str]] = frozenset(
    {
        "SupportedQBXMLVersion", "DataExtRet", "LinkedTxn", "ShipToAddress",
        "AdditionalContactRef", "ContactsRet", "AdditionalNotesRet", "InvoiceLineRet",
        "InvoiceLineGroupRet", "SalesReceiptLineRet", "SalesReceiptLineGroupRet",
        "CreditMemoLineRet", "CreditMemoLineGroupRet", "EstimateLineRet", "EstimateLineGroupRet",
        "SalesOrderLineRet", "SalesOrderLineGroupRet", "PurchaseOrderLineRet",
        "PurchaseOrderLineGroupRet", "ExpenseLineRet", "ItemLineRet", "ItemGroupLineRet",
        "JournalDebitLine", "JournalCreditLine", "AppliedToTxnRet", "DepositLineRet",
        "ItemGroupLine", "TaxLineInfoRet",
    }
)
