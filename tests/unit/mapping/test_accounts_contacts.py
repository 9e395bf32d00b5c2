from __future__ import annotations

import pytest

from qbdsync.errors import InvalidValue
from qbdsync.mapping.accounts import map_account, map_bank_account
from qbdsync.mapping.contacts import map_employee

from .helpers import STAMPS, ctx, ref


def account(kind: str, **extra: object) -> dict[str, object]:
    return {
        "ListID": "80000001-1709400600",
        **STAMPS,
        "Name": "Checking",
        "FullName": "Checking",
        "IsActive": "true",
        "Sublevel": "0",
        "AccountType": kind,
        "AccountNumber": "1000",
        "BankNumber": "123456789",
        "Balance": "1520.75",
        "TotalBalance": "1520.75",
        **extra,
    }


def test_bank_account_is_a_debit_account_with_its_number() -> None:
    mapped = map_bank_account(account("Bank"), ctx("AccountRet"))
    assert mapped is not None
    assert mapped["id"] == "80000001-1709400600"
    assert mapped["accountName"] == "Checking"
    assert mapped["accountType"] == "Debit"
    assert mapped["nominalCode"] == "1000"
    assert mapped["accountNumber"] == "123456789"
    assert mapped["balance"] == 1520.75
    assert mapped["currency"] == "USD"
    assert mapped["sortCode"] is None
    assert mapped["availableBalance"] is None
    assert mapped["sourceModifiedDate"] == "2024-03-02T18:30:00Z"
    assert mapped["metadata"] == {"isDeleted": False}


def test_credit_card_account_is_a_credit_account_in_its_currency() -> None:
    raw = account("CreditCard", CurrencyRef=ref("C2", "Euro"))
    mapped = map_bank_account(raw, ctx("AccountRet"))
    assert mapped is not None
    assert mapped["accountType"] == "Credit"
    assert mapped["currency"] == "EUR"  # QuickBooks names it; Codat wants ISO codes


def test_other_accounts_are_not_bank_accounts() -> None:
    assert map_bank_account(account("Expense"), ctx("AccountRet")) is None
    assert map_bank_account(account("OtherCurrentAsset"), ctx("AccountRet")) is None


def test_bank_balance_with_decimal_comma_is_refused() -> None:
    with pytest.raises(InvalidValue, match="TotalBalance"):
        map_bank_account(account("Bank", TotalBalance="1520,75"), ctx("AccountRet"))


def test_account_mapper_still_works_with_context() -> None:
    assert map_account(account("Bank"), ctx("AccountRet"))["isBankAccount"] is True


def test_employee_keeps_names_and_status_but_not_payroll() -> None:
    raw = {
        "ListID": "8000000A-1709400600",
        **STAMPS,
        "Name": "Jane Q Doe",
        "IsActive": "false",
        "FirstName": "Jane",
        "LastName": "Doe",
        "SSN": "123-45-6789",
        "Email": "jane@example.com",
        "EmployeeAddress": {"Addr1": "1 Main St", "City": "Springfield", "State": "IL"},
        "EmployeePayrollInfo": {"PayPeriod": "Weekly"},
    }
    mapped = map_employee(raw, ctx("EmployeeRet"))
    assert mapped["name"] == "Jane Q Doe"
    assert mapped["firstName"] == "Jane"
    assert mapped["lastName"] == "Doe"
    assert mapped["middleName"] is None
    assert mapped["status"] == "Archived"
    assert mapped["emailAddress"] == "jane@example.com"
    assert mapped["addresses"][0]["city"] == "Springfield"
    assert "123-45-6789" not in repr(mapped)
