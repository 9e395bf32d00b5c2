"""The chart of accounts a generated company starts with, per country.

Each row: full name (``Parent:Child``), account type, special account type, account number,
description. Parents come before their sub-accounts.
"""

from __future__ import annotations

from typing import Final

AccountRow = tuple[str, str, str, str, str]

_COMMON_HEAD: Final[tuple[AccountRow, ...]] = (
    ("Savings", "Bank", "", "1020", "Savings account"),
    ("Petty Cash", "Bank", "", "1030", ""),
    ("Accounts Receivable", "AccountsReceivable", "AccountsReceivable", "1200", ""),
    ("Undeposited Funds", "OtherCurrentAsset", "UndepositedFunds", "1499", ""),
    ("Inventory Asset", "OtherCurrentAsset", "InventoryAssets", "1120", ""),
    ("Prepaid Expenses", "OtherCurrentAsset", "", "1300", ""),
    ("Furniture and Equipment", "FixedAsset", "", "1500", ""),
    ("Vehicles", "FixedAsset", "", "1510", ""),
    ("Accumulated Depreciation", "FixedAsset", "", "1700", ""),
    ("Accounts Payable", "AccountsPayable", "AccountsPayable", "2000", ""),
    ("CREDIT CARDS", "CreditCard", "", "2050", "Company credit cards"),
    ("CREDIT CARDS:Amex", "CreditCard", "", "2051", "American Express"),
    ("CREDIT CARDS:Visa", "CreditCard", "", "2052", ""),
    ("Payroll Liabilities", "OtherCurrentLiability", "PayrollLiabilities", "2100", ""),
)
_COMMON_TAIL: Final[tuple[AccountRow, ...]] = (
    ("Bank Loan", "LongTermLiability", "", "2700", ""),
    ("Opening Balance Equity", "Equity", "OpeningBalanceEquity", "3000", ""),
    ("Owner's Equity", "Equity", "", "3100", ""),
    ("Retained Earnings", "Equity", "RetainedEarnings", "3900", ""),
    ("Sales", "Income", "", "4000", ""),
    ("Services", "Income", "", "4100", "Income from services"),
    ("Services:Consulting", "Income", "", "4110", ""),
    ("Services:Installation & Repairs", "Income", "", "4120", ""),
    ("Reimbursed Expenses", "Income", "", "4900", ""),
    ("Cost of Goods Sold", "CostOfGoodsSold", "CostOfGoodsSold", "5000", ""),
    ("Advertising & Promotion", "Expense", "", "6000", ""),
    ("Automobile Expense", "Expense", "", "6100", ""),
    ("Automobile Expense:Fuel", "Expense", "", "6110", ""),
    ("Bank Service Charges", "Expense", "", "6120", ""),
    ("Insurance Expense", "Expense", "", "6200", ""),
    ("Insurance Expense:General Liability", "Expense", "", "6210", ""),
    ("Job Expenses", "Expense", "", "6300", ""),
    ("Job Expenses:Subcontractors", "Expense", "", "6310", ""),
    (
        "Job Expenses:Subcontractors:Electrical Subcontractors North Region",
        "Expense",
        "",
        "6311",
        "Full name longer than 41 characters",
    ),
    ("Job Expenses:Materials – Décor", "Expense", "", "6320", ""),
    ("Meals & Entertainment", "Expense", "", "6400", ""),
    ("Office Supplies", "Expense", "", "6500", ""),
    ("Payroll Expenses", "Expense", "PayrollExpenses", "6560", ""),
    ("Professional Fees", "Expense", "", "6600", ""),
    ('Professional Fees:Legal & Accounting "Year-end"', "Expense", "", "6610", ""),
    ("Rent Expense", "Expense", "", "6700", ""),
    ("Repairs and Maintenance", "Expense", "", "6800", ""),
    ("Telephone Expense", "Expense", "", "6820", ""),
    ("Travel Expense", "Expense", "", "6900", ""),
    ("Utilities", "Expense", "", "7000", ""),
    ("Utilities:Electric", "Expense", "", "7010", ""),
    ("Utilities:Gas", "Expense", "", "7020", ""),
    ("Utilities:Water", "Expense", "", "7030", ""),
    ("Interest Income", "OtherIncome", "", "8000", ""),
    ("Ask My Accountant", "OtherExpense", "", "9000", "Müller & Zoë to review"),
)

CHART: Final[dict[str, tuple[AccountRow, ...]]] = {
    "US": (
        ("Checking", "Bank", "", "1010", "Main operating account"),
        *_COMMON_HEAD,
        ("Sales Tax Payable", "OtherCurrentLiability", "SalesTaxPayable", "2200", ""),
        *_COMMON_TAIL,
    ),
    "CA": (
        ("Chequing", "Bank", "", "1010", "Compte de chèques"),
        *_COMMON_HEAD,
        ("GST/HST Payable", "OtherCurrentLiability", "SalesTaxPayable", "2200", ""),
        *_COMMON_TAIL,
    ),
    "UK": (
        ("Current Account", "Bank", "", "1010", "Main current account"),
        *_COMMON_HEAD,
        ("VAT Liability", "OtherCurrentLiability", "SalesTaxPayable", "2200", ""),
        *_COMMON_TAIL,
    ),
}

BALANCE_SHEET_TYPES: Final[frozenset[str]] = frozenset(
    {
        "Bank",
        "AccountsReceivable",
        "OtherCurrentAsset",
        "FixedAsset",
        "AccountsPayable",
        "CreditCard",
        "OtherCurrentLiability",
        "LongTermLiability",
        "Equity",
    }
)
