"""AccountRet → Codat Account."""

from __future__ import annotations

from qbdsync.mapping.common import (
    Mapped,
    MappingContext,
    Raw,
    amount,
    currency,
    flag,
    metadata,
    required,
    source_modified,
    status,
    text,
)

# QuickBooks account types → Codat's top-level classification.
ACCOUNT_CLASS: dict[str, str] = {
    "Bank": "Asset",
    "AccountsReceivable": "Asset",
    "OtherCurrentAsset": "Asset",
    "FixedAsset": "Asset",
    "OtherAsset": "Asset",
    "AccountsPayable": "Liability",
    "CreditCard": "Liability",
    "OtherCurrentLiability": "Liability",
    "LongTermLiability": "Liability",
    "Equity": "Equity",
    "Income": "Income",
    "OtherIncome": "Income",
    "CostOfGoodsSold": "Expense",
    "Expense": "Expense",
    "OtherExpense": "Expense",
    "NonPosting": "Unknown",
}


def map_account(raw: Raw, ctx: MappingContext) -> Mapped:
    qb_type = text(raw, "AccountType") or ""
    kind = ACCOUNT_CLASS.get(qb_type, "Unknown")
    full_name = text(raw, "FullName") or text(raw, "Name") or ""
    return {
        "id": raw["ListID"],
        "nominalCode": text(raw, "AccountNumber"),
        "name": text(raw, "Name"),
        "description": text(raw, "Desc"),
        "fullyQualifiedCategory": f"{kind}.{qb_type}" if qb_type else kind,
        "fullyQualifiedName": full_name,
        "currency": currency(raw, ctx),
        "currentBalance": amount(raw, "TotalBalance")
        if "TotalBalance" in raw
        else amount(raw, "Balance"),
        "type": kind,
        "status": "Active" if flag(raw, "IsActive") is not False else "Archived",
        "isBankAccount": qb_type in ("Bank", "CreditCard"),
        "sourceModifiedDate": source_modified(raw),
        "metadata": metadata(),
    }


# QuickBooks account types served as Codat bank accounts, and Codat's side for each: a bank
# account holds money (Debit), a credit card account owes it (Credit).
BANK_ACCOUNT_TYPES: dict[str, str] = {"Bank": "Debit", "CreditCard": "Credit"}


def map_bank_account(raw: Raw, ctx: MappingContext) -> Mapped | None:
    """AccountRet of type Bank or CreditCard → Codat BankAccount; None for other accounts.

    QuickBooks knows nothing of the bank itself (sort code, IBAN, institution, overdraft,
    available balance): those are None. BankNumber is the account number the user typed in.
    """
    side = BANK_ACCOUNT_TYPES.get(text(raw, "AccountType") or "")
    if side is None:
        return None
    return {
        "id": required(raw, "ListID"),
        "accountName": text(raw, "Name"),
        "accountType": side,
        "nominalCode": text(raw, "AccountNumber"),
        "sortCode": None,
        "accountNumber": text(raw, "BankNumber"),
        "iBan": None,
        "currency": currency(raw, ctx),
        "balance": amount(raw, "TotalBalance") if "TotalBalance" in raw else amount(raw, "Balance"),
        "availableBalance": None,
        "overdraftLimit": None,
        "institution": None,
        "status": status(raw),
        "sourceModifiedDate": source_modified(raw),
        "metadata": metadata(),
    }
