"""Inventory parts: Codat items of type Inventory → ItemInventoryAdd with the income, cost of
goods sold and inventory asset accounts, read back as the item a sync would serve."""

from __future__ import annotations

from typing import Any

from qbdsync.push.kinds import CompanyProfile, PushAction
from qbdsync.push.registry import kind_for
from qbdsync.qbxml.writes import AddRequest, build_write_set, ref
from qbdsync.simulator.quickbooks import SimulatedQuickBooks

from .harness import CompanyLookup, account, guid, paths, send

ITEMS = kind_for("items")
assert ITEMS is not None


def inventory_payload(lookup: CompanyLookup, **extra: Any) -> dict[str, Any]:
    return {
        "name": "Widget Pro",
        "type": "Inventory",
        "itemStatus": "Active",
        "isInvoiceItem": True,
        "invoiceItem": {
            "description": "Widget, sold",
            "unitPrice": 12.5,
            "accountRef": {"id": account(lookup, "Income").record_id},
            "taxRateRef": {"id": "Tax"},
        },
        "isBillItem": True,
        "billItem": {
            "description": "Widget, bought",
            "unitPrice": 7.25,
            "accountRef": {"id": account(lookup, "CostOfGoodsSold").record_id},
        },
        "supplementalData": {
            "content": {"assetAccountRef": {"id": account(lookup, "OtherCurrentAsset").record_id}}
        },
        **extra,
    }


def test_an_inventory_part_is_created_with_its_three_accounts(
    quickbooks: SimulatedQuickBooks, lookup: CompanyLookup, profile: CompanyProfile
) -> None:
    payload = inventory_payload(lookup)
    outcome = send(
        ITEMS, PushAction.CREATE, payload, quickbooks, lookup, profile, ret_type="ItemInventoryRet"
    )
    assert outcome.after == outcome.before + 1
    raw = outcome.record.data
    assert outcome.record.ret_name == "ItemInventoryRet"
    assert raw["IncomeAccountRef"]["ListID"] == payload["invoiceItem"]["accountRef"]["id"]
    assert raw["COGSAccountRef"]["ListID"] == payload["billItem"]["accountRef"]["id"]
    asset = payload["supplementalData"]["content"]["assetAccountRef"]["id"]
    assert raw["AssetAccountRef"]["ListID"] == asset
    assert (raw["SalesPrice"], raw["PurchaseCost"], raw["QuantityOnHand"]) == ("12.5", "7.25", "0")
    data = outcome.primary.data
    assert data is not None
    assert data["type"] == "Inventory" and data["name"] == "Widget Pro"
    assert data["invoiceItem"]["unitPrice"] == 12.5 and data["billItem"]["unitPrice"] == 7.25
    assert data["billItem"]["accountRef"]["id"] == payload["billItem"]["accountRef"]["id"]
    assert data["supplementalData"]["content"]["assetAccountRef"]["id"] == asset


def test_an_inventory_part_that_quickbooks_would_refuse(
    lookup: CompanyLookup, profile: CompanyProfile
) -> None:
    no_asset = inventory_payload(lookup, supplementalData={})
    del no_asset["billItem"], no_asset["isBillItem"]
    assert paths(ITEMS.validate(PushAction.CREATE, no_asset, profile, lookup)) == {
        "billItem": "Required",
        "supplementalData.content.assetAccountRef.id": "Required",
    }
    wrong = inventory_payload(lookup)
    wrong["supplementalData"]["content"]["assetAccountRef"] = {
        "id": account(lookup, "Bank").record_id
    }
    assert paths(ITEMS.validate(PushAction.CREATE, wrong, profile, lookup)) == {
        "supplementalData.content.assetAccountRef.id": "AccountType"
    }
    service = inventory_payload(lookup, type="Service")
    assert paths(ITEMS.validate(PushAction.CREATE, service, profile, lookup)) == {
        "supplementalData.content.assetAccountRef.id": "NotSupported"
    }


def test_the_simulator_refuses_a_part_without_its_accounts(
    quickbooks: SimulatedQuickBooks, lookup: CompanyLookup
) -> None:
    income = account(lookup, "Income").record_id
    bank = account(lookup, "Bank").record_id
    for fields, refusal in (
        ((("Name", "Half Part"), ("IncomeAccountRef", ref(income))), "COGSAccountRef"),
        (
            (
                ("Name", "Odd Part"),
                ("IncomeAccountRef", ref(income)),
                ("COGSAccountRef", ref(account(lookup, "CostOfGoodsSold").record_id)),
                ("AssetAccountRef", ref(bank)),
            ),
            "Other Current Asset",
        ),
    ):
        request = AddRequest("ItemInventory", "1", fields, external_guid=guid())
        answer = quickbooks.process(build_write_set("16.0", [request]))
        assert 'statusCode="3180"' in answer and refusal in answer


def test_an_inventory_part_can_be_changed(
    quickbooks: SimulatedQuickBooks, lookup: CompanyLookup, profile: CompanyProfile
) -> None:
    payload = inventory_payload(lookup)
    created = send(
        ITEMS, PushAction.CREATE, payload, quickbooks, lookup, profile, ret_type="ItemInventoryRet"
    )
    target = lookup.find("items", created.primary.record_id)
    assert target is not None
    payload["invoiceItem"]["unitPrice"] = 14
    changed = send(
        ITEMS,
        PushAction.UPDATE,
        payload,
        quickbooks,
        lookup,
        profile,
        ret_type="ItemInventoryRet",
        target=target,
    )
    assert changed.after == changed.before
    assert "<ItemInventoryModRq" in changed.request_xml
    assert changed.record.data["SalesPrice"] == "14"
    assert changed.record.data["QuantityOnHand"] == "0"
