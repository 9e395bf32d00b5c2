"""Accounts, bank accounts and items."""

from __future__ import annotations

from qbdsync.push.kinds import CompanyProfile, PushAction
from qbdsync.push.registry import kind_for
from qbdsync.simulator.quickbooks import SimulatedQuickBooks

from .harness import CompanyLookup, account, paths, rows_of, send

ACCOUNTS = kind_for("chartOfAccounts")
BANK_ACCOUNTS = kind_for("bankAccounts")
ITEMS = kind_for("items")
assert ACCOUNTS is not None and BANK_ACCOUNTS is not None and ITEMS is not None


def test_invalid_account(profile: CompanyProfile, lookup: CompanyLookup) -> None:
    payload = {
        "name": "A" * 32,
        "nominalCode": "12345678",
        "fullyQualifiedCategory": "Asset.Cash",
        "currency": "GBP",
    }
    assert paths(ACCOUNTS.validate(PushAction.CREATE, payload, profile, lookup)) == {
        "name": "MaxLength",  # accounts keep 31, not 41
        "nominalCode": "MaxLength",
        "fullyQualifiedCategory": "AllowedValues",
        "currency": "NotSupported",
    }


def test_account_create_round_trips(
    quickbooks: SimulatedQuickBooks, lookup: CompanyLookup, profile: CompanyProfile
) -> None:
    payload = {
        "name": "Loan Fees",
        "nominalCode": "6950",
        "description": "Fees on the business loan",
        "fullyQualifiedCategory": "Expense.Expense",
        "status": "Active",
    }
    outcome = send(
        ACCOUNTS, PushAction.CREATE, payload, quickbooks, lookup, profile, ret_type="AccountRet"
    )
    assert outcome.after == outcome.before + 1
    assert "ExternalGUID" not in outcome.request_xml  # accounts have none
    (row,) = outcome.rows
    data = row.data
    assert data is not None
    assert data["name"] == "Loan Fees" and data["nominalCode"] == "6950"
    assert data["fullyQualifiedCategory"] == "Expense.Expense" and data["type"] == "Expense"
    assert data["description"] == "Fees on the business loan"


def test_bank_account_create_round_trips_with_derived_row(
    quickbooks: SimulatedQuickBooks, lookup: CompanyLookup, profile: CompanyProfile
) -> None:
    payload = {
        "accountName": "Lender Loan Account",
        "accountType": "Debit",
        "accountNumber": "99-1",
    }
    outcome = send(
        BANK_ACCOUNTS,
        PushAction.CREATE,
        payload,
        quickbooks,
        lookup,
        profile,
        ret_type="AccountRet",
    )
    assert outcome.after == outcome.before + 1
    (bank,) = rows_of(outcome, "bankAccounts")
    assert bank.data is not None
    assert bank.data["accountName"] == "Lender Loan Account"
    assert bank.data["accountType"] == "Debit" and bank.data["accountNumber"] == "99-1"
    (plain,) = rows_of(outcome, "accounts")
    assert plain.data is not None and plain.data["isBankAccount"] is True
    card = send(
        BANK_ACCOUNTS,
        PushAction.CREATE,
        {"accountName": "Corporate Card", "accountType": "Credit"},
        quickbooks,
        lookup,
        profile,
        ret_type="AccountRet",
    )
    assert card.record.data["AccountType"] == "CreditCard"


def test_invalid_item(profile: CompanyProfile, lookup: CompanyLookup) -> None:
    payload = {
        "name": "Item:With colon and far too long",
        "type": "Assembly",
        "invoiceItem": {"unitPrice": 1.234567, "accountRef": {"id": "nope"}},
    }
    assert paths(ITEMS.validate(PushAction.CREATE, payload, profile, lookup)) == {
        "name": "Characters",
        "type": "AllowedValues",
        "invoiceItem.unitPrice": "Precision",
        "invoiceItem.accountRef.id": "ReferenceExists",
    }
    assert paths(
        ITEMS.validate(PushAction.CREATE, {"name": "X", "type": "Service"}, profile, lookup)
    ) == {"invoiceItem": "Required"}


def test_item_create_both_sides_round_trips(
    quickbooks: SimulatedQuickBooks, lookup: CompanyLookup, profile: CompanyProfile
) -> None:
    income, expense = account(lookup, "Income"), account(lookup, "Expense")
    payload = {
        "name": "Loan Origination",
        "type": "Service",
        "itemStatus": "Active",
        "isInvoiceItem": True,
        "invoiceItem": {
            "description": "Origination fee",
            "unitPrice": 0.16667,
            "accountRef": {"id": income.record_id},
            "taxRateRef": {"id": "Non"},
        },
        "isBillItem": True,
        "billItem": {
            "description": "Broker fee",
            "unitPrice": 12.5,
            "accountRef": {"id": expense.record_id},
        },
    }
    outcome = send(
        ITEMS, PushAction.CREATE, payload, quickbooks, lookup, profile, ret_type="ItemServiceRet"
    )
    assert outcome.after == outcome.before + 1
    data = outcome.primary.data
    assert data is not None
    assert data["type"] == "Service" and data["name"] == "Loan Origination"
    assert data["invoiceItem"]["unitPrice"] == 0.16667  # not rounded to 0.17
    assert data["invoiceItem"]["accountRef"]["id"] == income.record_id
    assert data["billItem"]["accountRef"]["id"] == expense.record_id
    assert data["invoiceItem"]["taxRateRef"]["name"] == "Non"


def test_item_one_side_and_update(
    quickbooks: SimulatedQuickBooks, lookup: CompanyLookup, profile: CompanyProfile
) -> None:
    income = account(lookup, "Income")
    created = send(
        ITEMS,
        PushAction.CREATE,
        {
            "name": "Widgets",
            "type": "NonInventory",
            "invoiceItem": {"unitPrice": 3, "accountRef": {"id": income.record_id}},
        },
        quickbooks,
        lookup,
        profile,
        ret_type="ItemNonInventoryRet",
    )
    assert created.after == created.before + 1
    target = lookup.find("items", created.primary.record_id)
    assert target is not None
    updated = send(
        ITEMS,
        PushAction.UPDATE,
        {
            "name": "Widgets Deluxe",
            "type": "NonInventory",
            "invoiceItem": {"unitPrice": 4.5, "accountRef": {"id": income.record_id}},
        },
        quickbooks,
        lookup,
        profile,
        ret_type="ItemNonInventoryRet",
        target=target,
    )
    assert updated.after == updated.before
    data = updated.primary.data
    assert data is not None
    assert data["name"] == "Widgets Deluxe" and data["invoiceItem"]["unitPrice"] == 4.5
