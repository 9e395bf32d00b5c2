from __future__ import annotations

from typing import Any

import pytest

from qbdsync.errors import InvalidValue
from qbdsync.mapping.banking import (
    map_account_transactions,
    map_bank_transactions,
    map_direct_cost,
    map_direct_income,
    map_transfer,
    transfer_row_ids,
)
from qbdsync.mapping.journals import map_journal_entry

from .helpers import STAMPS, ctx, ref

CHECK = {
    "TxnID": "CK-1",
    **STAMPS,
    "AccountRef": ref("A1", "Checking"),
    "PayeeEntityRef": ref("V1", "Acme Supplies"),
    "RefNumber": "1043",
    "TxnDate": "2024-03-20",
    "Amount": "85.00",
    "Memo": "Office supplies",
    "ExpenseLineRet": [{"TxnLineID": "E1", "AccountRef": ref("A5", "Supplies"), "Amount": "85.00"}],
}
DEPOSIT = {
    "TxnID": "DP-1",
    **STAMPS,
    "TxnDate": "2024-03-21",
    "DepositToAccountRef": ref("A1", "Checking"),
    "Memo": "Deposit",
    "DepositTotal": "350.00",
    "DepositLineRet": [
        {"TxnType": "ReceivePayment", "TxnID": "4D-1", "TxnLineID": "4D-1", "Amount": "300.00"},
        {
            "TxnLineID": "D2",
            "AccountRef": ref("A10", "Interest Income"),
            "Memo": "Interest",
            "Amount": "50.00",
        },
    ],
}
TRANSFER = {
    "TxnID": "TR-1",
    **STAMPS,
    "TxnDate": "2024-03-22",
    "TransferFromAccountRef": ref("A1", "Checking"),
    "FromAccountBalance": "900.00",
    "TransferToAccountRef": ref("A11", "Savings"),
    "ToAccountBalance": "1100.00",
    "Amount": "100.00",
    "Memo": "To savings",
}


def test_direct_cost_from_check() -> None:
    mapped = map_direct_cost(CHECK, ctx("CheckRet"))
    assert mapped["reference"] == "1043"
    assert mapped["contactRef"] == {"id": "V1", "dataType": None}
    assert mapped["totalAmount"] == 85.0
    assert mapped["note"] == "Office supplies"
    assert mapped["lineItems"][0]["accountRef"]["id"] == "A5"
    payment = mapped["paymentAllocations"][0]["payment"]
    assert payment["accountRef"] == {"id": "A1", "name": "Checking"}
    assert payment["totalAmount"] == 85.0


def test_direct_cost_with_decimal_comma_is_refused() -> None:
    with pytest.raises(InvalidValue):
        map_direct_cost({**CHECK, "Amount": "85,00"}, ctx("CheckRet"))


def test_direct_income_from_sales_receipt_and_deposit() -> None:
    receipt = {
        "TxnID": "SR-1",
        **STAMPS,
        "CustomerRef": ref("CU1", "Acme Ltd"),
        "TxnDate": "2024-03-02",
        "RefNumber": "3001",
        "PaymentMethodRef": ref("P1", "Cash"),
        "Subtotal": "40.00",
        "SalesTaxTotal": "3.30",
        "TotalAmount": "43.30",
        "CurrencyRef": ref("CU-CAD", "Canadian Dollar"),
        "ExchangeRate": "0.74",
        "DepositToAccountRef": ref("A12", "Undeposited Funds"),
        "SalesReceiptLineRet": [
            {
                "TxnLineID": "L1",
                "ItemRef": ref("I1", "Consulting"),
                "Amount": "40.00",
                "TaxAmount": "3.30",
            }
        ],
    }
    mapped = map_direct_income(receipt, ctx("SalesReceiptRet"))
    assert mapped["contactRef"] == {"id": "CU1", "dataType": "customers"}
    assert (mapped["subTotal"], mapped["taxAmount"], mapped["totalAmount"]) == (40.0, 3.3, 43.3)
    assert (mapped["currency"], mapped["currencyRate"]) == ("CAD", 0.74)
    assert mapped["lineItems"][0]["isDirectIncome"] is True
    assert mapped["paymentAllocations"][0]["payment"]["paymentMethodRef"]["name"] == "Cash"
    deposit = map_direct_income(DEPOSIT, ctx("DepositRet"))
    assert deposit["totalAmount"] == 350.0
    first, second = deposit["lineItems"]
    assert first["depositedRecordRef"] == {"id": "4D-1", "dataType": "payments"}
    assert second["depositedRecordRef"] is None
    assert second["accountRef"]["id"] == "A10"


def test_transfer() -> None:
    mapped = map_transfer(TRANSFER, ctx("TransferRet"))
    assert mapped["description"] == "To savings"
    assert mapped["date"] == "2024-03-22"
    assert mapped["from"] == {
        "accountRef": {"id": "A1", "name": "Checking"},
        "amount": 100.0,
        "currency": "USD",
    }
    assert mapped["to"]["accountRef"]["id"] == "A11"


def one(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The only row derived (None for none); fails if several were."""
    assert len(rows) <= 1, rows
    return rows[0] if rows else None


def test_account_and_bank_transactions_from_a_check() -> None:
    account_txn = one(map_account_transactions(CHECK, ctx("CheckRet")))
    assert account_txn is not None
    assert (account_txn["id"], account_txn["transactionId"]) == ("CK-1", "CK-1")
    assert account_txn["bankAccountRef"] == {"id": "A1", "name": "Checking"}
    assert account_txn["totalAmount"] == -85.0
    assert account_txn["lines"] == [
        {
            "description": "Office supplies",
            "recordRef": {"id": "CK-1", "dataType": "directCosts"},
            "amount": -85.0,
        }
    ]
    bank_txn = one(map_bank_transactions(CHECK, ctx("CheckRet")))
    assert bank_txn is not None
    assert (bank_txn["id"], bank_txn["accountId"]) == ("CK-1", "A1")
    assert bank_txn["amount"] == -85.0
    assert bank_txn["transactionType"] == "Check"
    assert bank_txn["counterparty"] == "Acme Supplies"
    assert bank_txn["reconciled"] is False
    assert bank_txn["balance"] is None


def test_deposit_lines_point_at_deposited_payments() -> None:
    mapped = one(map_account_transactions(DEPOSIT, ctx("DepositRet")))
    assert mapped is not None
    assert mapped["totalAmount"] == 350.0
    assert [line["recordRef"] for line in mapped["lines"]] == [
        {"id": "4D-1", "dataType": "payments"},
        {"id": "DP-1", "dataType": "directIncomes"},
    ]
    bank_txn = one(map_bank_transactions(DEPOSIT, ctx("DepositRet")))
    assert bank_txn is not None
    assert (bank_txn["amount"], bank_txn["transactionType"]) == (350.0, "Dep")


def test_payment_to_undeposited_funds_is_not_a_bank_movement() -> None:
    raw = {
        "TxnID": "4D-1",
        **STAMPS,
        "CustomerRef": ref("CU1", "Acme Ltd"),
        "TxnDate": "2024-03-05",
        "TotalAmount": "300.00",
        "DepositToAccountRef": ref("A12", "Undeposited Funds"),
    }
    assert map_account_transactions(raw, ctx("ReceivePaymentRet")) == []
    assert map_bank_transactions(raw, ctx("ReceivePaymentRet")) == []
    direct = {**raw, "DepositToAccountRef": ref("A1", "Checking")}
    bank_txn = one(map_bank_transactions(direct, ctx("ReceivePaymentRet")))
    assert bank_txn is not None
    assert (bank_txn["amount"], bank_txn["counterparty"]) == (300.0, "Acme Ltd")


def test_known_bank_account_ids_decide() -> None:
    only_savings = ctx("CheckRet", bank_account_ids=frozenset({"A11"}))
    assert map_account_transactions(CHECK, only_savings) == []
    # Only the "to" side of this transfer is in a bank account: one row, the "to" side's.
    transfer_ctx = ctx("TransferRet", bank_account_ids=frozenset({"A11"}))
    mapped = one(map_bank_transactions(TRANSFER, transfer_ctx))
    assert mapped is not None
    assert (mapped["id"], mapped["accountId"], mapped["amount"]) == ("TR-1-to", "A11", 100.0)


def test_a_transfer_between_two_bank_accounts_is_a_bank_transaction_in_each() -> None:
    both = ctx("TransferRet", bank_account_ids=frozenset({"A1", "A11"}))
    sides = map_bank_transactions(TRANSFER, both)
    # Out of the "from" account, into the "to" account; each row under its own, stable id.
    assert [(s["id"], s["accountId"], s["amount"], s["transactionType"]) for s in sides] == [
        ("TR-1-from", "A1", -100.0, "Xfer"),
        ("TR-1-to", "A11", 100.0, "Xfer"),
    ]
    assert sides == map_bank_transactions(TRANSFER, both)
    assert {s["id"] for s in sides} < set(transfer_row_ids("TR-1"))
    account_txns = map_account_transactions(TRANSFER, both)
    assert [(a["id"], a["bankAccountRef"]["id"], a["totalAmount"]) for a in account_txns] == [
        ("TR-1-from", "A1", -100.0),
        ("TR-1-to", "A11", 100.0),
    ]
    # Both point at the one transfer they come from.
    assert {a["transactionId"] for a in account_txns} == {"TR-1"}
    assert [line["recordRef"] for a in account_txns for line in a["lines"]] == [
        {"id": "TR-1", "dataType": "transfers"},
        {"id": "TR-1", "dataType": "transfers"},
    ]


def test_void_check_is_a_void_account_transaction() -> None:
    voided = {**CHECK, "Amount": "0.00", "Memo": "VOID: wrong payee"}
    mapped = one(map_account_transactions(voided, ctx("CheckRet")))
    assert mapped is not None
    assert (mapped["status"], mapped["totalAmount"]) == ("Void", 0.0)


def test_records_outside_banking_have_no_bank_transaction() -> None:
    assert map_bank_transactions(CHECK, ctx("InvoiceRet")) == []


def test_journal_entry_debits_positive_credits_negative() -> None:
    raw = {
        "TxnID": "JE-1",
        **STAMPS,
        "TxnNumber": "40",
        "TxnDate": "2024-03-31",
        "RefNumber": "ADJ-1",
        "IsAdjustment": "true",
        "JournalDebitLine": [
            {
                "TxnLineID": "D1",
                "AccountRef": ref("A5", "Depreciation"),
                "Amount": "250.00",
                "Memo": "March",
                "ClassRef": ref("C1", "East"),
            }
        ],
        "JournalCreditLine": [
            {
                "TxnLineID": "C1",
                "AccountRef": ref("A13", "Accumulated Depreciation"),
                "Amount": "250.00",
                "EntityRef": ref("V1", "Acme"),
            }
        ],
    }
    mapped = map_journal_entry(raw, ctx("JournalEntryRet"))
    assert mapped["postedOn"] == "2024-03-31"
    assert mapped["createdOn"] == "2024-03-01T17:00:00Z"
    assert mapped["reference"] == "ADJ-1"
    debit, credit = mapped["journalLines"]
    assert (debit["netAmount"], credit["netAmount"]) == (250.0, -250.0)
    assert debit["accountRef"] == {"id": "A5", "name": "Depreciation"}
    assert debit["trackingRefs"] == [{"id": "C1", "name": "East"}]
    assert debit["currency"] == "USD"
    assert credit["contactRef"] == {"id": "V1", "dataType": None}
    assert mapped["supplementalData"] == {"content": {}}


def test_journal_line_with_decimal_comma_is_refused() -> None:
    raw = {"TxnID": "JE-2", "JournalDebitLine": [{"Amount": "1,5"}]}
    with pytest.raises(InvalidValue):
        map_journal_entry(raw, ctx("JournalEntryRet"))
