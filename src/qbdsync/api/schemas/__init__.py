"""Typed response schemas of the data API: one record model per data type and its page.

They make /openapi.json say what each data type holds (fields as Codat names them, as
qbdsync.mapping produces them). The data routes declare them as response_model for the document
but answer with the stored JSON as it is (see qbdsync.api.routes.data), so serving a page costs
no per-record validation.
"""

from __future__ import annotations

from functools import cache

from pydantic import BaseModel, Field, create_model

from qbdsync.api.models import Links
from qbdsync.api.schemas.banking import (
    AccountTransaction,
    BankTransaction,
    CompanyInfo,
    DirectCost,
    DirectIncome,
    JournalEntry,
    Transfer,
)
from qbdsync.api.schemas.lists import (
    Account,
    BankAccount,
    Currency,
    Customer,
    Employee,
    Item,
    PaymentMethod,
    Supplier,
    TaxRate,
    Term,
    TrackingCategory,
)
from qbdsync.api.schemas.purchases import (
    Bill,
    BillCreditNote,
    BillPayment,
    ItemReceipt,
    PurchaseOrder,
)
from qbdsync.api.schemas.sales import CreditNote, Estimate, Invoice, Payment, SalesOrder

# Every data type the API serves → the schema of one of its records.
RECORD_SCHEMAS: dict[str, type[BaseModel]] = {
    "accounts": Account,
    "bankAccounts": BankAccount,
    "customers": Customer,
    "suppliers": Supplier,
    "employees": Employee,
    "items": Item,
    "taxRates": TaxRate,
    "trackingCategories": TrackingCategory,
    "paymentMethods": PaymentMethod,
    "terms": Term,
    "currencies": Currency,
    "invoices": Invoice,
    "creditNotes": CreditNote,
    "payments": Payment,
    "salesOrders": SalesOrder,
    "estimates": Estimate,
    "bills": Bill,
    "billCreditNotes": BillCreditNote,
    "billPayments": BillPayment,
    "purchaseOrders": PurchaseOrder,
    "itemReceipts": ItemReceipt,
    "directCosts": DirectCost,
    "directIncomes": DirectIncome,
    "transfers": Transfer,
    "accountTransactions": AccountTransaction,
    "bankTransactions": BankTransaction,
    "journalEntries": JournalEntry,
    "company": CompanyInfo,
}


def record_schema(data_type: str) -> type[BaseModel]:
    return RECORD_SCHEMAS[data_type]


@cache
def page_schema(data_type: str) -> type[BaseModel]:
    """Codat's paging envelope around records of one type, named after it ("Invoices")."""
    record = RECORD_SCHEMAS[data_type]
    return create_model(
        data_type[0].upper() + data_type[1:],
        __doc__=f"A page of {data_type}.",
        results=(list[record], ...),  # type: ignore[valid-type]
        pageNumber=(int, ...),
        pageSize=(int, ...),
        totalResults=(int, ...),
        links=(Links, Field(alias="_links")),
    )


__all__ = ["RECORD_SCHEMAS", "page_schema", "record_schema"]
