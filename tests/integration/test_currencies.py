"""Currencies over whole Web Connector sessions: the company's own Currency list gives the codes
(synced in the same session or an earlier one); a currency without a code is reported."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from qbdsync.lifecycle import queue_sync
from qbdsync.simulator.company import SimulatedCompany
from tests.conftest import LiveServer
from tests.integration.helpers import Linked, link

HOUR = 3600


def _currency(company: SimulatedCompany, list_id: str, name: str, code: str) -> dict[str, Any]:
    """A user-defined currency, made like the built-in ones of the simulated file."""
    built_in = next(company.records("CurrencyRet"))
    stamp = company.clock.stamp(company.now)
    return {
        **built_in,
        "ListID": list_id,
        "TimeCreated": stamp,
        "TimeModified": stamp,
        "EditSequence": company.clock.edit_sequence(company.now),
        "Name": name,
        "CurrencyCode": code,
        "IsUserDefinedCurrency": "true",
    }


def _price_in(company: SimulatedCompany, invoice: dict[str, Any], currency: dict[str, Any]) -> None:
    invoice["CurrencyRef"] = {"ListID": currency["ListID"], "FullName": currency["Name"]}
    invoice["ExchangeRate"] = "2"
    invoice["TimeModified"] = company.clock.stamp(company.now)
    invoice["EditSequence"] = company.clock.edit_sequence(company.now)
    company.put("InvoiceRet", invoice)


def _advance(company: SimulatedCompany) -> None:
    company.set_meta("clock", company.now + HOUR)


def _invoice(linked: Linked, txn_id: str) -> dict[str, Any]:
    return next(r for r in linked.stored("invoices") if r["id"] == txn_id)


def test_user_defined_currencies_use_the_company_list_and_a_codeless_one_is_reported(
    sqlite_server: LiveServer, tmp_path: Path
) -> None:
    linked = link(sqlite_server, tmp_path)
    linked.sync(seed=3)  # a multicurrency company
    with SimulatedCompany.open(linked.company_file) as company:
        _advance(company)
        bitcoin = _currency(company, "80009001-1700000000", "Troy Ounce of Gold", "XAU")
        shells = _currency(company, "80009002-1700000000", "Sea Shells", "S$")
        first, second, third = list(company.records("InvoiceRet"))[:3]
        with company.transaction():
            company.put("CurrencyRet", bitcoin)
            company.put("CurrencyRet", shells)
            _price_in(company, first, bitcoin)
            _price_in(company, second, shells)

    # Session 2 reads both lists and invoices: the currency list is asked before the invoices.
    linked.make_due()
    linked.sync(seed=3)
    paid_in_bitcoin = _invoice(linked, first["TxnID"])
    assert paid_in_bitcoin["data"]["currency"] == "XAU"  # no table knows this name
    assert paid_in_bitcoin["mapping_error"] is None
    in_shells = _invoice(linked, second["TxnID"])
    assert in_shells["data"]["currency"] is None  # "S$" is no ISO code: not passed on
    assert in_shells["data"]["currencyRate"] == 2.0
    assert "'Sea Shells'" in in_shells["mapping_error"]
    assert in_shells["raw"]["CurrencyRef"]["FullName"] == "Sea Shells"
    warnings = {e.dataset: e for e in linked.errors() if "Sea Shells" in e.message}
    assert sorted(warnings) == ["currencies", "invoices"]  # the list's code and its use
    assert warnings["invoices"].message.startswith("1 record mapped with a gap")
    assert "'S$'" in warnings["currencies"].message

    # Session 3 refreshes invoices only: the list stored in session 2 gives the code.
    with SimulatedCompany.open(linked.company_file) as company:
        _advance(company)
        _price_in(company, third, bitcoin)
    with sqlite_server.engine.begin() as conn:
        queue_sync(conn, linked.connection.connection.company_id, data_type="invoices")
    result = linked.sync(seed=3)
    assert result.records.get("currencies", 0) == 0, result.records
    assert _invoice(linked, third["TxnID"])["data"]["currency"] == "XAU"
