"""Journal entries, direct costs, direct incomes, transfers and bank transactions."""

from __future__ import annotations

from typing import Any

from qbdsync.push.kinds import CompanyProfile, PushAction
from qbdsync.push.registry import kind_for
from qbdsync.simulator.quickbooks import SimulatedQuickBooks

from .harness import CompanyLookup, account, active, item, paths, rows_of, send, us_profile

JOURNALS = kind_for("journalEntries")
COSTS = kind_for("directCosts")
INCOMES = kind_for("directIncomes")
TRANSFERS = kind_for("transfers")
BANK_TXNS = kind_for("bankTransactions")
assert JOURNALS and COSTS and INCOMES and TRANSFERS and BANK_TXNS


def test_journal_entry_round_trips(
    quickbooks: SimulatedQuickBooks, lookup: CompanyLookup, profile: CompanyProfile
) -> None:
    receivable = account(lookup, "AccountsReceivable")
    customer = active(lookup, "customers")
    payload = {
        "postedOn": "2024-06-30",
        "reference": "ADJ-1",
        "description": "Year-end adjustment",
        "journalLines": [
            {"netAmount": 250.75, "accountRef": {"id": account(lookup, "Expense").record_id}},
            {
                "netAmount": -250.75,
                "description": "Write-off",
                "accountRef": {"id": receivable.record_id},
                "contactRef": {"id": customer.record_id, "dataType": "customers"},
            },
        ],
    }
    outcome = send(
        JOURNALS,
        PushAction.CREATE,
        payload,
        quickbooks,
        lookup,
        profile,
        ret_type="JournalEntryRet",
    )
    assert outcome.after == outcome.before + 1
    data = outcome.primary.data
    assert data is not None
    assert data["postedOn"] == "2024-06-30" and data["reference"] == "ADJ-1"
    assert [line["netAmount"] for line in data["journalLines"]] == [250.75, -250.75]
    assert [line["description"] for line in data["journalLines"]] == [
        "Year-end adjustment",
        "Write-off",
    ]
    assert data["journalLines"][1]["contactRef"]["id"] == customer.record_id


def test_invalid_journal_entry(profile: CompanyProfile, lookup: CompanyLookup) -> None:
    receivable = account(lookup, "AccountsReceivable")
    payload = {
        "postedOn": "2024-06-30",
        "reference": "R" * 12,
        "journalLines": [
            {"netAmount": 100, "accountRef": {"id": account(lookup, "Expense").record_id}},
            {"netAmount": -90, "accountRef": {"id": receivable.record_id}},
            {"netAmount": 0, "accountRef": {"id": "missing"}},
        ],
    }
    assert paths(JOURNALS.validate(PushAction.CREATE, payload, profile, lookup)) == {
        "reference": "MaxLength",
        "journalLines[2].accountRef.id": "ReferenceExists",
        "journalLines[1].contactRef": "Required",
        "journalLines[2].netAmount": "Range",
        "journalLines": "AmountsAddUp",
    }


def cost_payload(lookup: CompanyLookup, paid_from: str) -> dict[str, Any]:
    return {
        "reference": "DC-1",
        "note": "Loan repayment",
        "contactRef": {"id": active(lookup, "suppliers").record_id, "dataType": "suppliers"},
        "issueDate": "2024-07-01",
        "currency": "USD",
        "lineItems": [
            {
                "description": "Principal",
                "unitAmount": 0,
                "quantity": 0,
                "subTotal": 900,
                "accountRef": {"id": account(lookup, "LongTermLiability").record_id},
            },
            {
                "description": "Interest",
                "subTotal": 100,
                "accountRef": {"id": account(lookup, "Expense").record_id},
            },
        ],
        "paymentAllocations": [
            {
                "payment": {"accountRef": {"id": account(lookup, paid_from).record_id}},
                "allocation": {},
            }
        ],
        "subTotal": 1000,
        "taxAmount": 0,
        "totalAmount": 1000,
    }


def test_direct_cost_from_bank_is_a_check(
    quickbooks: SimulatedQuickBooks, lookup: CompanyLookup, profile: CompanyProfile
) -> None:
    outcome = send(
        COSTS,
        PushAction.CREATE,
        cost_payload(lookup, "Bank"),
        quickbooks,
        lookup,
        profile,
        ret_type="CheckRet",
    )
    assert outcome.after == outcome.before + 1
    (cost,) = rows_of(outcome, "directCosts")
    assert cost.data is not None
    assert cost.data["totalAmount"] == 1000.0 and cost.data["reference"] == "DC-1"
    assert len(cost.data["lineItems"]) == 2
    (moved,) = rows_of(outcome, "bankTransactions")
    assert moved.data is not None and moved.data["amount"] == -1000.0


def test_direct_cost_from_credit_card_is_a_charge(
    quickbooks: SimulatedQuickBooks, lookup: CompanyLookup, profile: CompanyProfile
) -> None:
    outcome = send(
        COSTS,
        PushAction.CREATE,
        cost_payload(lookup, "CreditCard"),
        quickbooks,
        lookup,
        profile,
        ret_type="CreditCardChargeRet",
    )
    assert outcome.after == outcome.before + 1
    assert outcome.record.ret_name == "CreditCardChargeRet"


def test_invalid_direct_cost(profile: CompanyProfile, lookup: CompanyLookup) -> None:
    payload = cost_payload(lookup, "Income")
    payload["currency"] = "EUR"
    payload["totalAmount"] = 999
    assert paths(COSTS.validate(PushAction.CREATE, payload, profile, lookup)) == {
        "currency": "NotSupported",
        "totalAmount": "AmountsAddUp",
        "paymentAllocations[0].payment.accountRef.id": "AccountType",
    }


def test_direct_income_deposit_and_sales_receipt(
    quickbooks: SimulatedQuickBooks, lookup: CompanyLookup, profile: CompanyProfile
) -> None:
    bank = {"payment": {"accountRef": {"id": account(lookup, "Bank").record_id}}}
    deposit = {
        "issueDate": "2024-07-02",
        "note": "Loan funds",
        "lineItems": [
            {"subTotal": 5000, "accountRef": {"id": account(lookup, "LongTermLiability").record_id}}
        ],
        "paymentAllocations": [bank],
        "totalAmount": 5000,
    }
    outcome = send(
        INCOMES, PushAction.CREATE, deposit, quickbooks, lookup, profile, ret_type="DepositRet"
    )
    assert outcome.after == outcome.before + 1
    (income,) = rows_of(outcome, "directIncomes")
    assert income.data is not None and income.data["totalAmount"] == 5000.0
    assert rows_of(outcome, "bankTransactions")[0].data["amount"] == 5000.0  # type: ignore[index]
    receipt = {
        "issueDate": "2024-07-02",
        "contactRef": {"id": active(lookup, "customers").record_id},
        "lineItems": [
            {"quantity": 2, "unitAmount": 12.5, "itemRef": {"id": item(lookup).record_id}}
        ],
        "paymentAllocations": [bank],
        "totalAmount": 25,
    }
    sold = send(
        INCOMES, PushAction.CREATE, receipt, quickbooks, lookup, profile, ret_type="SalesReceiptRet"
    )
    assert sold.after == sold.before + 1
    data = sold.primary.data
    assert data is not None and data["lineItems"][0]["subTotal"] == 25.0
    mixed = {**receipt, "lineItems": [*receipt["lineItems"], *deposit["lineItems"]]}
    assert paths(INCOMES.validate(PushAction.CREATE, mixed, profile, lookup))["lineItems"] == (
        "AccountOrItem"
    )


def test_transfer_round_trips(
    quickbooks: SimulatedQuickBooks, lookup: CompanyLookup, profile: CompanyProfile
) -> None:
    banks = [a for a in lookup.all("accounts") if a.raw.get("AccountType") == "Bank"]
    payload = {
        "date": "2024-07-03",
        "description": "Sweep",
        "from": {"accountRef": {"id": banks[0].record_id}, "amount": 300},
        "to": {"accountRef": {"id": banks[1].record_id}, "amount": 300},
    }
    outcome = send(
        TRANSFERS, PushAction.CREATE, payload, quickbooks, lookup, profile, ret_type="TransferRet"
    )
    assert outcome.after == outcome.before + 1
    (transfer,) = rows_of(outcome, "transfers")
    assert transfer.data is not None and transfer.data["from"]["amount"] == 300.0
    assert sorted(r.data["amount"] for r in rows_of(outcome, "bankTransactions")) == [-300.0, 300.0]  # type: ignore[index]
    assert PushAction.DELETE not in TRANSFERS.actions
    bad = {**payload, "to": {"accountRef": {"id": banks[0].record_id}, "amount": 30}}
    assert paths(TRANSFERS.validate(PushAction.CREATE, bad, us_profile("11.0"), lookup)) == {
        "": "NotSupported",
        "to.amount": "AmountsAddUp",
        "to.accountRef.id": "Distinct",
    }


def test_bank_transactions_money_in_and_out(
    quickbooks: SimulatedQuickBooks, lookup: CompanyLookup, profile: CompanyProfile
) -> None:
    bank = account(lookup, "Bank")
    money_in = {
        "accountId": bank.record_id,
        "transactions": [
            {"amount": 2500, "date": "2024-07-04T00:00:00", "description": "Loan drawdown"}
        ],
    }
    deposit = send(
        BANK_TXNS, PushAction.CREATE, money_in, quickbooks, lookup, profile, ret_type="DepositRet"
    )
    assert deposit.after == deposit.before + 1
    (row,) = rows_of(deposit, "bankTransactions")
    assert row.data is not None
    assert row.data["accountId"] == bank.record_id and row.data["amount"] == 2500.0
    assert row.data["description"] == "Loan drawdown"
    money_out = {
        "accountId": bank.record_id,
        "transactions": [{"amount": -125.5, "date": "2024-07-05", "description": "Repayment"}],
    }
    check = send(
        BANK_TXNS, PushAction.CREATE, money_out, quickbooks, lookup, profile, ret_type="CheckRet"
    )
    assert check.after == check.before + 1
    (out,) = rows_of(check, "bankTransactions")
    assert out.data is not None and out.data["amount"] == -125.5


def test_invalid_bank_transactions(profile: CompanyProfile, lookup: CompanyLookup) -> None:
    payload = {
        "accountId": account(lookup, "Expense").record_id,  # not a bank account
        "transactions": [
            {"amount": 0, "date": "yesterday"},
            {"amount": 1, "date": "2024-01-01"},
        ],
    }
    assert paths(BANK_TXNS.validate(PushAction.CREATE, payload, profile, lookup)) == {
        "transactions[0].date": "Type",
        "accountId": "ReferenceExists",
        "transactions": "OneTransaction",
        "transactions[0].amount": "Range",
    }
