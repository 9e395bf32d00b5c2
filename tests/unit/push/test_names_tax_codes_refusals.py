"""Names QuickBooks already holds (3100), tax codes the company file has, and QuickBooks' 3100
and 3140 refusals tied to the payload field at fault, against a simulated company.

The 3140 cases send the request the kind built to the simulated QuickBooks, which refuses a
reference to a record it does not hold: the lookup (our synced data) still knows a record
QuickBooks no longer has, as after a deletion in QuickBooks since the last sync.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from qbdsync.push.kinds import CompanyProfile, PushAction, Referenced, Refusal, ValidationIssue
from qbdsync.push.registry import kind_for
from qbdsync.qbxml.parser import ResponseStatus, parse_response
from qbdsync.qbxml.writes import build_write_set
from qbdsync.simulator.company import SimulatedCompany
from qbdsync.simulator.quickbooks import SimulatedQuickBooks

from .harness import CompanyLookup, account, active, guid, item, paths

GHOST_ITEM = "80000999-1999999901"
GHOST_CUSTOMER = "80000999-1999999902"
GHOST_CODE = "80000999-1999999903"
GHOST_INVOICE = "9999-1999999904"


def _kind(data_type: str) -> Any:
    found = kind_for(data_type)
    assert found is not None
    return found


def _raw(lookup: CompanyLookup, data_type: str, ret_name: str) -> Referenced:
    return next(r for r in lookup.all(data_type) if r.ret_name == ret_name)


def _messages(issues: list[ValidationIssue]) -> dict[str, str]:
    return {issue.item_id: issue.message for issue in issues}


# -- names QuickBooks already holds -----------------------------------------------------------


def test_a_new_customer_may_not_take_a_suppliers_name_whatever_its_case(
    profile: CompanyProfile, lookup: CompanyLookup
) -> None:
    vendor = _raw(lookup, "suppliers", "VendorRet")
    name = vendor.raw["Name"]
    issues = _kind("customers").validate(
        PushAction.CREATE, {"customerName": name.upper()}, profile, lookup
    )
    assert paths(issues) == {"customerName": "NameInUse"}
    assert f"already used by the supplier {name!r}" in issues[0].message


def test_a_new_supplier_may_not_take_an_employees_name(
    profile: CompanyProfile, lookup: CompanyLookup
) -> None:
    employee = _raw(lookup, "employees", "EmployeeRet")
    issues = _kind("suppliers").validate(
        PushAction.CREATE, {"supplierName": employee.raw["Name"].lower()}, profile, lookup
    )
    assert paths(issues) == {"supplierName": "NameInUse"}
    assert "the employee" in issues[0].message


def test_a_job_shares_its_name_only_with_other_customers_jobs(
    profile: CompanyProfile, lookup: CompanyLookup
) -> None:
    job = next(r for r in lookup.all("customers") if "ParentRef" in r.raw)
    parent = job.raw["ParentRef"]["ListID"]
    customers = _kind("customers")
    twin = {"customerName": job.raw["Name"], "parentCustomerRef": {"id": parent}}
    issues = customers.validate(PushAction.CREATE, twin, profile, lookup)
    assert paths(issues) == {"customerName": "NameInUse"}
    assert repr(job.raw["FullName"]) in issues[0].message
    other = next(
        r for r in lookup.all("customers") if "ParentRef" not in r.raw and r.record_id != parent
    )
    elsewhere = {"customerName": job.raw["Name"], "parentCustomerRef": {"id": other.record_id}}
    assert customers.validate(PushAction.CREATE, elsewhere, profile, lookup) == []


def test_account_and_item_names_are_their_own_lists(
    profile: CompanyProfile, lookup: CompanyLookup
) -> None:
    expense = account(lookup, "Expense")
    taken = expense.raw["FullName"]
    accounts = _kind("accounts").validate(
        PushAction.CREATE,
        {"name": taken.swapcase(), "fullyQualifiedCategory": "Expense.Expense"},
        profile,
        lookup,
    )
    assert paths(accounts) == {"name": "NameInUse"}
    assert f"the account {taken!r}" in accounts[0].message
    bank = _kind("bankAccounts").validate(
        PushAction.CREATE, {"accountName": taken}, profile, lookup
    )
    assert paths(bank) == {"accountName": "NameInUse"}
    service = item(lookup)
    income = account(lookup, "Income")
    items = _kind("items").validate(
        PushAction.CREATE,
        {
            "name": service.raw["FullName"],
            "type": "Service",
            "invoiceItem": {"accountRef": {"id": income.record_id}},
        },
        profile,
        lookup,
    )
    assert paths(items) == {"name": "NameInUse"}
    # A customer may be called like an account: those are other lists.
    assert (
        _kind("customers").validate(PushAction.CREATE, {"customerName": taken}, profile, lookup)
        == []
    )


def test_an_update_keeps_its_own_name(profile: CompanyProfile, lookup: CompanyLookup) -> None:
    customer = active(lookup, "customers")
    payload = {"customerName": customer.raw["Name"]}
    kind = _kind("customers")
    own = kind.validate(PushAction.UPDATE, payload, profile, lookup, record_id=customer.record_id)
    assert own == []
    # Renaming another customer to that name is what QuickBooks would refuse with 3100.
    other = next(c for c in lookup.all("customers") if c.record_id != customer.record_id)
    taken = kind.validate(PushAction.UPDATE, payload, profile, lookup, record_id=other.record_id)
    assert paths(taken) == {"customerName": "NameInUse"}


# -- tax codes --------------------------------------------------------------------------------


def _invoice(lookup: CompanyLookup, code: str, **extra: Any) -> dict[str, Any]:
    return {
        "customerRef": {"id": active(lookup, "customers").record_id},
        "issueDate": "2024-03-01",
        "lineItems": [
            {"subTotal": 10, "itemRef": {"id": item(lookup).record_id}, "taxRateRef": {"id": code}}
        ],
        **extra,
    }


@pytest.mark.parametrize("code", ["Tax", "Non", "non", "TAX"])
def test_us_codes_by_name_are_the_synced_codes(
    profile: CompanyProfile, lookup: CompanyLookup, code: str
) -> None:
    invoices = _kind("invoices")
    payload = _invoice(lookup, code)
    assert invoices.validate(PushAction.CREATE, payload, profile, lookup) == []
    synced = next(
        r for r in lookup.all("taxRates") if r.raw.get("Name", "").lower() == code.lower()
    )
    prepared = invoices.prepare(
        PushAction.CREATE,
        payload,
        profile,
        lookup,
        request_id="1",
        external_guid=None,
        target=None,
    )
    (line,) = [v for n, v in prepared.request.fields if n == "InvoiceLineAdd"]
    # Sent as the synced code's ListID: what QuickBooks holds, not a name it might not.
    assert ("SalesTaxCodeRef", (("ListID", synced.record_id),)) in line


def test_a_tax_code_the_company_file_lacks_is_refused(
    profile: CompanyProfile, lookup: CompanyLookup
) -> None:
    invoices = _kind("invoices")
    for code in ("S", "G", "80000999-1"):  # UK and CA codes, an unknown id
        issues = invoices.validate(PushAction.CREATE, _invoice(lookup, code), profile, lookup)
        assert paths(issues) == {"lineItems[0].taxRateRef.id": "ReferenceExists"}, code
        assert repr(code) in issues[0].message
    tax_item = _raw(lookup, "taxRates", "ItemSalesTaxRet")
    issues = invoices.validate(
        PushAction.CREATE, _invoice(lookup, tax_item.record_id), profile, lookup
    )
    assert paths(issues) == {"lineItems[0].taxRateRef.id": "TaxCode"}
    code = _raw(lookup, "taxRates", "SalesTaxCodeRet")
    assert (
        invoices.validate(PushAction.CREATE, _invoice(lookup, code.record_id), profile, lookup)
        == []
    )


def test_item_tax_codes_are_checked_too(profile: CompanyProfile, lookup: CompanyLookup) -> None:
    payload = {
        "name": "Taxed Hours",
        "type": "Service",
        "invoiceItem": {
            "accountRef": {"id": account(lookup, "Income").record_id},
            "taxRateRef": {"id": "Z"},
        },
    }
    issues = _kind("items").validate(PushAction.CREATE, payload, profile, lookup)
    assert paths(issues) == {"invoiceItem.taxRateRef.id": "ReferenceExists"}


def test_a_canadian_file_has_only_the_codes_it_synced(tmp_path: Path) -> None:
    canada = CompanyProfile("CA", None, False, "CAD", "CA13.0")
    with SimulatedCompany.open(tmp_path / "ca.qbsim", size="small", seed=5, country="CA") as c:
        lookup = CompanyLookup(c, canada)
    synced = {r.raw["Name"] for r in lookup.all("taxRates") if r.ret_name == "SalesTaxCodeRet"}
    assert "H" in synced and "P" not in synced  # "P" is a CA standard code this file lacks
    invoices = _kind("invoices")
    assert invoices.validate(PushAction.CREATE, _invoice(lookup, "H"), canada, lookup) == []
    issues = invoices.validate(PushAction.CREATE, _invoice(lookup, "P"), canada, lookup)
    assert paths(issues) == {"lineItems[0].taxRateRef.id": "ReferenceExists"}


# -- QuickBooks' refusals, tied to the payload -----------------------------------------------


def _ghosts(lookup: CompanyLookup) -> None:
    """Records our synced data holds and the simulated QuickBooks does not."""
    lookup.records[("items", GHOST_ITEM)] = Referenced(
        "items",
        GHOST_ITEM,
        {"id": GHOST_ITEM, "name": "Ghost Hours"},
        {"ListID": GHOST_ITEM, "Name": "Ghost Hours", "FullName": "Ghost Hours"},
        "1",
        "ItemServiceRet",
    )
    lookup.records[("customers", GHOST_CUSTOMER)] = Referenced(
        "customers",
        GHOST_CUSTOMER,
        {"id": GHOST_CUSTOMER},
        {"ListID": GHOST_CUSTOMER, "Name": "Ghost Ltd", "FullName": "Ghost Ltd"},
        "1",
        "CustomerRet",
    )
    lookup.records[("taxRates", GHOST_CODE)] = Referenced(
        "taxRates",
        GHOST_CODE,
        {"id": GHOST_CODE, "supplementalData": {"content": {"kind": "SalesTaxCodeRet"}}},
        {"ListID": GHOST_CODE, "Name": "GHO", "IsTaxable": "true"},
        "1",
        None,
    )
    lookup.records[("invoices", GHOST_INVOICE)] = Referenced(
        "invoices", GHOST_INVOICE, {"id": GHOST_INVOICE, "amountDue": 100}, {}, "1", "InvoiceRet"
    )


def _refused(
    data_type: str,
    payload: dict[str, Any],
    quickbooks: SimulatedQuickBooks,
    lookup: CompanyLookup,
    profile: CompanyProfile,
) -> list[ValidationIssue]:
    """Validate (must pass), send to QuickBooks (it refuses: 3140), explain the refusal."""
    kind = _kind(data_type)
    assert kind.validate(PushAction.CREATE, payload, profile, lookup) == []
    prepared = kind.prepare(
        PushAction.CREATE,
        payload,
        profile,
        lookup,
        request_id="1",
        external_guid=guid(),
        target=None,
    )
    xml = build_write_set(profile.qbxml_version, [prepared.request], new_message_set_id="m1")
    (status,) = [
        e for e in parse_response(quickbooks.process(xml)) if isinstance(e, ResponseStatus)
    ]
    assert status.code == 3140, status
    refusal = Refusal(status.code, status.message, prepared.request)
    issues: list[ValidationIssue] = kind.explain_refusal(refusal, payload, profile, lookup)
    return issues


def test_3140_names_the_line_whose_item_quickbooks_lacks(
    quickbooks: SimulatedQuickBooks, lookup: CompanyLookup, profile: CompanyProfile
) -> None:
    _ghosts(lookup)
    payload = _invoice(lookup, "Non")
    payload["lineItems"].append({"subTotal": 5, "itemRef": {"id": GHOST_ITEM}})
    issues = _refused("invoices", payload, quickbooks, lookup, profile)
    assert paths(issues) == {"lineItems[1].itemRef.id": "ReferenceExists"}
    message = issues[0].message
    assert "item 'Ghost Hours'" in message and GHOST_ITEM in message


def test_3140_names_the_customer_and_the_tax_code(
    quickbooks: SimulatedQuickBooks, lookup: CompanyLookup, profile: CompanyProfile
) -> None:
    _ghosts(lookup)
    ghost_customer = {**_invoice(lookup, "Non"), "customerRef": {"id": GHOST_CUSTOMER}}
    issues = _refused("invoices", ghost_customer, quickbooks, lookup, profile)
    assert paths(issues) == {"customerRef.id": "ReferenceExists"}
    ghost_code = _invoice(lookup, "gho")  # by name, as QuickBooks compares names
    issues = _refused("invoices", ghost_code, quickbooks, lookup, profile)
    assert paths(issues) == {"lineItems[0].taxRateRef.id": "ReferenceExists"}


def test_3140_names_the_payment_line_whose_invoice_quickbooks_lacks(
    quickbooks: SimulatedQuickBooks, lookup: CompanyLookup, profile: CompanyProfile
) -> None:
    _ghosts(lookup)
    payload = {
        "customerRef": {"id": active(lookup, "customers").record_id},
        "totalAmount": 5,
        "date": "2024-03-05",
        "lines": [{"amount": 5, "links": [{"type": "Invoice", "id": GHOST_INVOICE}]}],
    }
    issues = _refused("payments", payload, quickbooks, lookup, profile)
    assert paths(issues) == {"lines[0].links[0].id": "ReferenceExists"}


def test_3140_that_names_nothing_the_payload_gave_is_not_pinned_on_a_field(
    lookup: CompanyLookup, profile: CompanyProfile
) -> None:
    payload = _invoice(lookup, "Non")
    kind = _kind("invoices")
    request = kind.prepare(
        PushAction.CREATE,
        payload,
        profile,
        lookup,
        request_id="1",
        external_guid=None,
        target=None,
    ).request
    said = 'There is an invalid reference to QuickBooks Template "Fancy" in the Invoice.'
    assert kind.explain_refusal(Refusal(3140, said, request), payload, profile, lookup) == []


def test_3100_at_send_time_says_who_holds_the_name(
    lookup: CompanyLookup, profile: CompanyProfile
) -> None:
    vendor = _raw(lookup, "suppliers", "VendorRet")
    name = vendor.raw["Name"]
    said = f'The name "{name}" of the list element is already in use.'
    customers = _kind("customers")
    issues = customers.explain_refusal(
        Refusal(3100, said, None), {"customerName": name}, profile, lookup
    )
    assert paths(issues) == {"customerName": "NameInUse"}
    assert f"already used by the supplier {name!r}" in issues[0].message
    assert said in issues[0].message
    # Renaming the vendor to its own name is no clash with itself; with nobody synced
    # holding the name, the message says who else may.
    suppliers = _kind("suppliers")
    own = suppliers.explain_refusal(
        Refusal(3100, said, None, record_id=vendor.record_id),
        {"supplierName": name},
        profile,
        lookup,
    )
    assert paths(own) == {"supplierName": "NameInUse"}
    assert "other name" in own[0].message and "since the last sync" in own[0].message
