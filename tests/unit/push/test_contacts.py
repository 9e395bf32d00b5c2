"""Customers and suppliers: checked, written into the simulated QuickBooks, read back mapped."""

from __future__ import annotations

from qbdsync.push.kinds import CompanyProfile, PushAction
from qbdsync.push.registry import kind_for
from qbdsync.simulator.quickbooks import SimulatedQuickBooks

from .harness import CompanyLookup, paths, send

CUSTOMERS = kind_for("customers")
SUPPLIERS = kind_for("suppliers")
assert CUSTOMERS is not None and SUPPLIERS is not None


def test_invalid_customer_names_each_field(profile: CompanyProfile, lookup: CompanyLookup) -> None:
    payload = {
        "customerName": "N" * 42,
        "contactName": "Zoë \u0141ukasz",  # Ł is not in ISO-8859-1
        "addresses": [
            {"type": "Billing", "line1": "x" * 42, "city": "c" * 32, "postalCode": "1" * 14},
            {"type": "Elsewhere"},
        ],
        "status": "Gone",
        "parentCustomerRef": {"id": "80000999-1111111111"},
        "defaultCurrency": "EUR",
    }
    issues = CUSTOMERS.validate(PushAction.CREATE, payload, profile, lookup)
    assert paths(issues) == {
        "customerName": "MaxLength",
        "contactName": "Charset",
        "addresses[0].line1": "MaxLength",
        "addresses[0].city": "MaxLength",
        "addresses[0].postalCode": "MaxLength",
        "addresses[1].type": "AllowedValues",
        "status": "AllowedValues",
        "parentCustomerRef.id": "ReferenceExists",
        "defaultCurrency": "NotSupported",
    }
    assert "U+0141" in next(i.message for i in issues if i.item_id == "contactName")
    missing = CUSTOMERS.validate(PushAction.CREATE, {"customerName": "A:B"}, profile, lookup)
    assert paths(missing) == {"customerName": "Characters"}
    assert paths(CUSTOMERS.validate(PushAction.CREATE, {}, profile, lookup)) == {
        "customerName": "Required"
    }


def test_lengths_count_characters_not_bytes(profile: CompanyProfile, lookup: CompanyLookup) -> None:
    # 41 characters, 82 bytes in UTF-8: fits QuickBooks' 41.
    payload = {"customerName": "é" * 41, "defaultCurrency": "USD"}
    assert CUSTOMERS.validate(PushAction.CREATE, payload, profile, lookup) == []


def test_customer_create_round_trips(
    quickbooks: SimulatedQuickBooks, lookup: CompanyLookup, profile: CompanyProfile
) -> None:
    parent = next(
        r
        for r in lookup.all("customers")
        if "ParentRef" not in r.raw and r.raw["IsActive"] == "true"
    )
    payload = {
        "customerName": "Brand New Café",
        "contactName": "Zoë Adams",
        "emailAddress": "zoe@example.com",
        "phone": "555-0100",
        "addresses": [
            {"type": "Billing", "line1": "1 Main St", "city": "Springfield", "postalCode": "12345"},
            {"type": "Delivery", "line1": "2 Dock Rd", "city": "Shelbyville"},
        ],
        "taxNumber": "R-123",
        "status": "Active",
        "parentCustomerRef": {"id": parent.record_id},
    }
    outcome = send(
        CUSTOMERS, PushAction.CREATE, payload, quickbooks, lookup, profile, ret_type="CustomerRet"
    )
    assert outcome.after == outcome.before + 1
    assert "<ExternalGUID>" in outcome.request_xml
    (row,) = outcome.rows
    assert row.data_type == "customers" and row.record_id == outcome.record.data["ListID"]
    data = row.data
    assert data is not None
    assert data["customerName"] == f"{parent.raw['FullName']}:Brand New Café"
    assert data["contactName"] == "Zoë Adams"
    assert data["emailAddress"] == "zoe@example.com"
    assert data["parentCustomerRef"]["id"] == parent.record_id
    assert [a["type"] for a in data["addresses"]] == ["Billing", "Delivery"]
    assert data["addresses"][0]["postalCode"] == "12345"
    assert data["taxNumber"] == "R-123" and data["status"] == "Active"
    assert row.edit_sequence == outcome.record.data["EditSequence"]


def test_customer_update_and_delete(
    quickbooks: SimulatedQuickBooks, lookup: CompanyLookup, profile: CompanyProfile
) -> None:
    created = send(
        CUSTOMERS,
        PushAction.CREATE,
        {"customerName": "Short Lived"},
        quickbooks,
        lookup,
        profile,
        ret_type="CustomerRet",
    )
    target = lookup.find("customers", created.primary.record_id)
    assert target is not None
    updated = send(
        CUSTOMERS,
        PushAction.UPDATE,
        {"customerName": "Renamed Customer", "status": "Archived", "phone": "555-0199"},
        quickbooks,
        lookup,
        profile,
        ret_type="CustomerRet",
        target=target,
    )
    assert updated.after == updated.before  # changed, not added
    data = updated.primary.data
    assert data is not None
    assert data["customerName"] == "Renamed Customer" and data["status"] == "Archived"
    assert updated.primary.edit_sequence != target.edit_sequence
    assert PushAction.DELETE in CUSTOMERS.actions
    fresh = lookup.find("customers", created.primary.record_id)
    assert fresh is not None
    prepared = CUSTOMERS.prepare(
        PushAction.DELETE, {}, profile, lookup, request_id="d", external_guid=None, target=fresh
    )
    from qbdsync.qbxml.writes import build_write_set

    before = quickbooks.company.count("CustomerRet")
    reply = quickbooks.process(build_write_set("16.0", [prepared.request]))
    assert 'statusCode="0"' in reply
    assert quickbooks.company.count("CustomerRet") == before - 1


def test_supplier_create_round_trips(
    quickbooks: SimulatedQuickBooks, lookup: CompanyLookup, profile: CompanyProfile
) -> None:
    payload = {
        "supplierName": "Lender Capital LLC",
        "contactName": "Ann Lee",
        "addresses": [{"type": "Billing", "line1": "9 Wall St", "city": "New York"}],
        "taxNumber": "12-3456789",
        "registrationNumber": "ACC-9",
        "status": "Active",
        "defaultCurrency": "USD",
    }
    outcome = send(
        SUPPLIERS, PushAction.CREATE, payload, quickbooks, lookup, profile, ret_type="VendorRet"
    )
    assert outcome.after == outcome.before + 1
    data = outcome.primary.data
    assert data is not None
    assert data["supplierName"] == "Lender Capital LLC"
    assert data["taxNumber"] == "12-3456789" and data["registrationNumber"] == "ACC-9"
    assert data["addresses"][0] == {
        "type": "Billing",
        "line1": "9 Wall St",
        "line2": None,
        "city": "New York",
        "region": None,
        "country": None,
        "postalCode": None,
    }


def test_invalid_supplier(profile: CompanyProfile, lookup: CompanyLookup) -> None:
    payload = {"supplierName": "", "phone": "5" * 22, "taxNumber": "1" * 16}
    assert paths(SUPPLIERS.validate(PushAction.CREATE, payload, profile, lookup)) == {
        "supplierName": "Required",
        "phone": "MaxLength",
        "taxNumber": "MaxLength",
    }
    old = CompanyProfile("US", None, False, "USD", "10.0")
    shipped = {"supplierName": "X", "addresses": [{"type": "Delivery", "line1": "a"}]}
    assert paths(SUPPLIERS.validate(PushAction.CREATE, shipped, old, lookup)) == {
        "addresses": "NotSupported"
    }
