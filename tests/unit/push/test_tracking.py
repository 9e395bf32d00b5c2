"""Tracking categories on pushed lines become QuickBooks classes (ClassRef), in every shape Codat
sends them: ``tracking.categoryRefs`` (invoices, bills…), ``tracking.recordRefs`` (direct costs),
``trackingCategoryRefs`` (the older shape; direct incomes, purchase orders, transfers)."""

from __future__ import annotations

from typing import Any

from qbdsync.push.kinds import CompanyProfile, PushAction, Referenced
from qbdsync.push.registry import kind_for
from qbdsync.simulator.quickbooks import SimulatedQuickBooks

from .harness import CompanyLookup, account, active, item, paths, send

INVOICES = kind_for("invoices")
BILLS = kind_for("bills")
DIRECT_COSTS = kind_for("directCosts")
DIRECT_INCOMES = kind_for("directIncomes")
PURCHASE_ORDERS = kind_for("purchaseOrders")
TRANSFERS = kind_for("transfers")
assert INVOICES and BILLS and DIRECT_COSTS and DIRECT_INCOMES and PURCHASE_ORDERS and TRANSFERS


def categories(lookup: CompanyLookup, kind: str) -> list[Referenced]:
    return [
        r
        for r in lookup.all("trackingCategories")
        if r.data.get("categoryType") == kind and r.data.get("status") == "Active"
    ]


def _ref(record_id: str) -> dict[str, Any]:
    return {"tracking": {"categoryRefs": [{"id": record_id}]}}


def test_invoice_lines_and_the_invoice_get_their_class(
    quickbooks: SimulatedQuickBooks, lookup: CompanyLookup, profile: CompanyProfile
) -> None:
    north = categories(lookup, "Class")[0]
    service = item(lookup).record_id
    payload = {
        "customerRef": {"id": active(lookup, "customers").record_id},
        "issueDate": "2024-03-01",
        "lineItems": [
            {"subTotal": 10, "itemRef": {"id": service}, **_ref(north.record_id)},
            {
                "subTotal": 5,
                "itemRef": {"id": service},
                # The older shape, naming the same class, is read too.
                "trackingCategoryRefs": [{"id": north.record_id, "name": "Region"}],
            },
        ],
    }
    outcome = send(
        INVOICES, PushAction.CREATE, payload, quickbooks, lookup, profile, ret_type="InvoiceRet"
    )
    raw = outcome.record.data
    assert raw["ClassRef"]["ListID"] == north.record_id  # every line's class: the invoice's too
    assert [line["ClassRef"]["ListID"] for line in raw["InvoiceLineRet"]] == [north.record_id] * 2
    data = outcome.primary.data
    assert data is not None
    assert data["lineItems"][0]["trackingCategoryRefs"][0]["id"] == north.record_id


def test_lines_of_different_classes_leave_the_header_without_one(
    quickbooks: SimulatedQuickBooks, lookup: CompanyLookup, profile: CompanyProfile
) -> None:
    first, second = categories(lookup, "Class")[:2]
    supplier = active(lookup, "suppliers").record_id
    expense = account(lookup, "Expense").record_id
    payload = {
        "supplierRef": {"id": supplier},
        "purchaseOrderNumber": "PO-T1",
        "issueDate": "2024-05-01",
        "lineItems": [
            {
                "subTotal": 10,
                "itemRef": {"id": item(lookup).record_id},
                "trackingCategoryRefs": [{"id": r.record_id}],
            }
            for r in (first, second)
        ],
    }
    outcome = send(
        PURCHASE_ORDERS,
        PushAction.CREATE,
        payload,
        quickbooks,
        lookup,
        profile,
        ret_type="PurchaseOrderRet",
    )
    assert "ClassRef" not in outcome.record.data
    lines = outcome.record.data["PurchaseOrderLineRet"]
    assert [line["ClassRef"]["ListID"] for line in lines] == [first.record_id, second.record_id]
    bill = {
        "supplierRef": {"id": supplier},
        "issueDate": "2024-05-02",
        "lineItems": [{"subTotal": 7, "accountRef": {"id": expense}, **_ref(second.record_id)}],
    }
    billed = send(BILLS, PushAction.CREATE, bill, quickbooks, lookup, profile, ret_type="BillRet")
    (line,) = billed.record.data["ExpenseLineRet"]
    assert line["ClassRef"]["ListID"] == second.record_id


def test_direct_costs_incomes_and_transfers(
    quickbooks: SimulatedQuickBooks, lookup: CompanyLookup, profile: CompanyProfile
) -> None:
    klass = categories(lookup, "Class")[0].record_id
    bank, other_bank = [
        r.record_id
        for r in lookup.all("accounts")
        if r.raw.get("AccountType") == "Bank" and "ParentRef" not in r.raw
    ][:2]
    paid_from = [{"payment": {"accountRef": {"id": bank}}}]
    cost = {
        "issueDate": "2024-07-01",
        "lineItems": [
            {
                "subTotal": 20,
                "accountRef": {"id": account(lookup, "Expense").record_id},
                "tracking": {"recordRefs": [{"id": klass, "dataType": "trackingCategories"}]},
            }
        ],
        "paymentAllocations": paid_from,
        "totalAmount": 20,
    }
    spent = send(
        DIRECT_COSTS, PushAction.CREATE, cost, quickbooks, lookup, profile, ret_type="CheckRet"
    )
    assert spent.record.data["ExpenseLineRet"][0]["ClassRef"]["ListID"] == klass
    income = {
        "issueDate": "2024-07-02",
        "lineItems": [
            {
                "subTotal": 30,
                "accountRef": {"id": account(lookup, "LongTermLiability").record_id},
                "trackingCategoryRefs": [{"id": klass}],
            }
        ],
        "paymentAllocations": paid_from,
        "totalAmount": 30,
    }
    deposited = send(
        DIRECT_INCOMES,
        PushAction.CREATE,
        income,
        quickbooks,
        lookup,
        profile,
        ret_type="DepositRet",
    )
    assert deposited.record.data["DepositLineRet"][0]["ClassRef"]["ListID"] == klass
    transfer = {
        "date": "2024-07-03",
        "from": {"accountRef": {"id": bank}, "amount": 5},
        "to": {"accountRef": {"id": other_bank}, "amount": 5},
        "trackingCategoryRefs": [{"id": klass}],
    }
    moved = send(
        TRANSFERS, PushAction.CREATE, transfer, quickbooks, lookup, profile, ret_type="TransferRet"
    )
    assert moved.record.data["ClassRef"]["ListID"] == klass


def test_tracking_that_is_not_one_class_is_refused(
    lookup: CompanyLookup, profile: CompanyProfile
) -> None:
    first, second = categories(lookup, "Class")[:2]
    site = categories(lookup, "Location")[0]
    service = item(lookup).record_id
    payload = {
        "customerRef": {"id": active(lookup, "customers").record_id},
        "issueDate": "2024-03-01",
        "lineItems": [
            {
                "subTotal": 1,
                "itemRef": {"id": service},
                "tracking": {"categoryRefs": [{"id": first.record_id}, {"id": second.record_id}]},
            },
            {"subTotal": 1, "itemRef": {"id": service}, **_ref(site.record_id)},
            {"subTotal": 1, "itemRef": {"id": service}, **_ref("80000999-1")},
        ],
    }
    assert paths(INVOICES.validate(PushAction.CREATE, payload, profile, lookup)) == {
        "lineItems[0]": "OneClass",
        "lineItems[1].tracking.categoryRefs[0].id": "AllowedValues",  # an inventory site
        "lineItems[2].tracking.categoryRefs[0].id": "ReferenceExists",
    }
    cost = {
        "issueDate": "2024-07-01",
        "lineItems": [
            {
                "subTotal": 1,
                "accountRef": {"id": account(lookup, "Expense").record_id},
                "tracking": {"recordRefs": [{"id": first.record_id, "dataType": "customers"}]},
            }
        ],
        "paymentAllocations": [
            {"payment": {"accountRef": {"id": account(lookup, "Bank").record_id}}}
        ],
        "totalAmount": 1,
    }
    found = paths(DIRECT_COSTS.validate(PushAction.CREATE, cost, profile, lookup))
    assert found["lineItems[0].tracking.recordRefs[0].dataType"] in (
        "AllowedValues",
        "NotSupported",
    )


def test_options_list_the_tracking_fields(profile: CompanyProfile) -> None:
    invoice_line = INVOICES.options(profile)["properties"]["lineItems"]["properties"]
    assert "categoryRefs" in invoice_line["tracking"]["properties"]
    assert "trackingCategoryRefs" in invoice_line
    cost_line = DIRECT_COSTS.options(profile)["properties"]["lineItems"]["properties"]
    assert "recordRefs" in cost_line["tracking"]["properties"]
    assert "trackingCategoryRefs" in TRANSFERS.options(profile)["properties"]
