"""The registry covers every create type, and options follow the company's country and edition."""

from __future__ import annotations

from typing import Any

import pytest

from qbdsync.push.kinds import CompanyProfile, PushAction, Reference
from qbdsync.push.registry import KINDS, kind_for

from .harness import CompanyLookup, paths

CREATE_TYPES = (
    "accounts",
    "bankAccounts",
    "customers",
    "suppliers",
    "items",
    "invoices",
    "creditNotes",
    "payments",
    "bills",
    "billCreditNotes",
    "billPayments",
    "journalEntries",
    "directCosts",
    "directIncomes",
    "transfers",
    "purchaseOrders",
    "bankTransactions",
)


def test_every_create_type_is_registered() -> None:
    assert sorted(KINDS) == sorted(CREATE_TYPES)
    assert kind_for("chartOfAccounts") is KINDS["accounts"]
    assert kind_for("salesOrders") is None
    for name, kind in KINDS.items():
        assert kind.data_type == name and PushAction.CREATE in kind.actions


def _tax_options(options: dict[str, Any]) -> list[str]:
    line = options["properties"]["lineItems"]["properties"]
    return [o["value"] for o in line["taxRateRef"]["properties"]["id"]["options"]]


@pytest.mark.parametrize(
    ("country", "codes"),
    [
        ("US", ["Tax", "Non"]),
        ("UK", ["S", "R", "Z", "E", "O"]),
        ("CA", ["G", "H", "S", "P", "Q", "Z", "E"]),
    ],
)
def test_invoice_options_offer_the_countrys_tax_codes(country: str, codes: list[str]) -> None:
    profile = CompanyProfile(country, None, False, None, "13.0")
    options = KINDS["invoices"].options(profile)
    assert options["type"] == "Object" and options["required"] is True
    assert _tax_options(options) == codes
    number = options["properties"]["invoiceNumber"]
    assert number["type"] == "String" and number["required"] is False
    assert {"field": "invoiceNumber", "details": "Maximum length of 11 characters."} in number[
        "validation"
    ]["information"]
    assert options["properties"]["customerRef"]["required"] is True


def test_currency_fields_only_with_multicurrency() -> None:
    single = CompanyProfile("US", None, False, "USD", "16.0")
    multi = CompanyProfile("US", None, True, "USD", "16.0", currencies=(("EUR", "80000002-1"),))
    assert "currency" not in KINDS["bills"].options(single)["properties"]
    field = KINDS["bills"].options(multi)["properties"]["currency"]
    assert [o["value"] for o in field["options"]] == ["USD", "EUR"]
    assert (
        KINDS["customers"].options(single)["properties"]["customerName"]["validation"][
            "information"
        ][0]["details"]
        == "Maximum length of 41 characters."
    )
    assert (
        KINDS["items"].options(single)["properties"]["name"]["validation"]["information"][0][
            "details"
        ]
        == "Maximum length of 31 characters."
    )


def test_multicurrency_accepts_listed_currencies_only(lookup: CompanyLookup) -> None:
    multi = CompanyProfile("US", None, True, "USD", "16.0", currencies=(("EUR", "80000002-1"),))
    customers = KINDS["customers"]
    ok = {"customerName": "Euro Client", "defaultCurrency": "EUR"}
    assert customers.validate(PushAction.CREATE, ok, multi, lookup) == []
    prepared = customers.prepare(
        PushAction.CREATE, ok, multi, lookup, request_id="1", external_guid=None, target=None
    )
    assert ("CurrencyRef", (("ListID", "80000002-1"),)) in prepared.request.fields  # type: ignore[union-attr]
    bad = {"customerName": "Yen Client", "defaultCurrency": "JPY"}
    assert paths(customers.validate(PushAction.CREATE, bad, multi, lookup)) == {
        "defaultCurrency": "AllowedValues"
    }


def test_references_name_every_record_a_payload_needs() -> None:
    payload = {
        "customerRef": {"id": "C1"},
        "lines": [{"amount": 5, "links": [{"type": "Invoice", "id": "T1"}]}],
        "accountRef": {"id": "A1"},
    }
    assert list(KINDS["payments"].references(payload)) == [
        Reference("customerRef.id", "customers", "C1"),
        Reference("accountRef.id", "accounts", "A1"),
        Reference("lines[0].links[0].id", "invoices", "T1"),
    ]
    invoice = {"lineItems": [{"itemRef": {"id": "I1"}, "taxRateRef": {"id": "Tax"}}]}
    # A standard tax code by name is no record reference.
    assert list(KINDS["invoices"].references(invoice)) == [
        Reference("lineItems[0].itemRef.id", "items", "I1")
    ]
    assert list(KINDS["bankTransactions"].references({"accountId": "B1"})) == [
        Reference("accountId", "bankAccounts", "B1")
    ]


def test_actions_follow_what_quickbooks_allows() -> None:
    assert KINDS["transfers"].actions == {PushAction.CREATE, PushAction.UPDATE}
    assert KINDS["bankTransactions"].actions == {PushAction.CREATE}
    assert KINDS["invoices"].actions == set(PushAction)
    assert KINDS["customers"].actions == set(PushAction)
