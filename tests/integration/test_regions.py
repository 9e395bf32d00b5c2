"""Regional QuickBooks editions, multicurrency and several company files on one PC, over real
Web Connector sessions against the simulator."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from qbdsync.simulator.company import SimulatedCompany
from qbdsync.simulator.list_factories import CURRENCY_CODES
from tests.conftest import LiveServer, start_server
from tests.integration.helpers import (
    Linked,
    assert_every_type_matches,
    assert_mapped_values,
    link,
)

REGIONAL_TAX_NAMES = {
    "CA": ({"GST", "HST ON", "PST BC", "QST"}, ("GST", "HST", "PST")),
    "UK": ({"VAT Standard", "VAT Reduced", "VAT Zero"}, ("VAT",)),
}


def statuses(linked: Linked) -> dict[str, str]:
    return {t: p.status for t, p in linked.pulls().items()}


@pytest.mark.parametrize("country", ["CA", "UK"])
def test_regional_company_syncs_with_its_tax_codes(
    sqlite_server: LiveServer, tmp_path: Path, country: str
) -> None:
    linked = link(sqlite_server, tmp_path)
    result = linked.sync(country=country)
    assert result.auth == ""
    truth = assert_every_type_matches(linked)
    assert_mapped_values(linked, truth)

    rates = {r["data"]["name"]: r["data"] for r in linked.stored("taxRates")}
    items, words = REGIONAL_TAX_NAMES[country]
    assert items <= set(rates)
    descriptions = " ".join(
        str(r["supplementalData"]["content"].get("description")) for r in rates.values()
    )
    assert all(word in descriptions for word in words), descriptions
    # A CA/UK tax code names the tax item that carries its rate.
    codes = [
        r for r in rates.values() if r["supplementalData"]["content"]["kind"] == "SalesTaxCodeRet"
    ]
    linked_items = {
        c["supplementalData"]["content"]["itemSalesTaxRef"]["name"]
        for c in codes
        if c["supplementalData"]["content"]["itemSalesTaxRef"]
    }
    assert linked_items and linked_items <= items
    assert all(rates[name]["effectiveTaxRate"] is not None for name in items)

    connection = linked.row()
    assert connection.qb_country == country
    assert connection.qbxml_version == "16.0"
    company = linked.stored("company")[0]["data"]
    assert company is not None


def test_quebec_sales_tax_has_its_real_rate(sqlite_server: LiveServer, tmp_path: Path) -> None:
    linked = link(sqlite_server, tmp_path)
    linked.sync(country="CA")
    rates = {r["data"]["name"]: r["data"]["effectiveTaxRate"] for r in linked.stored("taxRates")}
    assert rates["GST"] == 5.0
    assert rates["HST ON"] == 13.0
    assert rates["QST"] == 9.975


def test_uk_pro_edition_lacks_sales_orders_and_inventory_sites(
    sqlite_server: LiveServer, tmp_path: Path
) -> None:
    linked = link(sqlite_server, tmp_path)
    linked.sync(country="UK")
    found = statuses(linked)
    assert found["salesOrders"] == "NotSupported"
    # trackingCategories is classes + inventory sites: complete with what the edition has.
    assert found["trackingCategories"] == "Complete"
    assert "not available in this edition" in (
        linked.pulls()["trackingCategories"].status_description or ""
    )
    assert {t for t, s in found.items() if s != "Complete"} == {"salesOrders"}
    assert "salesOrders" not in linked.counts()
    with SimulatedCompany.open(linked.company_file) as company:
        assert company.count("InventorySiteRet") == 0
        assert company.count("ItemInventoryAssemblyRet") == 0


@pytest.mark.parametrize("country", ["CA", "UK"])
def test_an_editions_missing_types_are_not_reported_as_incomplete(
    sqlite_server: LiveServer, tmp_path: Path, country: str
) -> None:
    linked = link(sqlite_server, tmp_path)
    result = linked.sync(country=country)
    assert "Not complete" not in result.result, result.result
    assert linked.row().last_error is None


@pytest.fixture
def qbxml13_server(sqlite_url: str) -> Iterator[LiveServer]:
    yield from start_server(sqlite_url, max_qbxml_version="13.0")


def test_qbxml_version_is_negotiated_down_to_ours(
    qbxml13_server: LiveServer, tmp_path: Path
) -> None:
    linked = link(qbxml13_server, tmp_path)
    result = linked.sync(country="CA")
    assert result.auth == ""
    assert linked.row().qbxml_version == "13.0"
    assert_every_type_matches(linked)


def test_multicurrency_fields_are_mapped(sqlite_server: LiveServer, tmp_path: Path) -> None:
    linked = link(sqlite_server, tmp_path)
    linked.sync(seed=3)  # one seed in four is a multicurrency company
    with SimulatedCompany.open(linked.company_file) as company:
        assert company.setup.multi_currency
        home_name = company.setup.currencies[0].ref["FullName"]
    home = CURRENCY_CODES[home_name][0]
    truth = assert_every_type_matches(linked)
    assert_mapped_values(linked, truth)  # currency = CurrencyRef, currencyRate = ExchangeRate

    assert len(linked.stored("currencies")) == 3
    foreign = [
        r
        for t in ("invoices", "payments", "creditNotes")
        for r in linked.stored(t)
        if r["raw"].get("CurrencyRef", {}).get("FullName", home_name) != home_name
    ]
    assert foreign, "a multicurrency company has foreign-currency sales"
    for record in foreign:
        data, raw = record["data"], record["raw"]
        assert data["currency"] == CURRENCY_CODES[raw["CurrencyRef"]["FullName"]][0] != home
        assert data["currencyRate"] == float(raw["ExchangeRate"]) != 1.0
    customers = {r["id"]: r for r in linked.stored("customers")}
    invoice = next(r for r in foreign if "CustomerRef" in r["raw"])
    customer = customers[invoice["raw"]["CustomerRef"]["ListID"]]
    assert customer["data"]["defaultCurrency"] == invoice["data"]["currency"]


def test_two_company_files_on_one_pc_sync_separately(
    sqlite_server: LiveServer, tmp_path: Path
) -> None:
    first = link(sqlite_server, tmp_path, "Alpha")
    second = link(sqlite_server, tmp_path, "Beta")
    assert first.connection.password != second.connection.password
    assert first.connection.connection.file_id != second.connection.connection.file_id
    first.sync(seed=1)
    second.sync(seed=2, country="UK")
    for linked in (first, second):
        truth = assert_every_type_matches(linked)
        assert_mapped_values(linked, truth)
    assert first.row().qb_country == "US"
    assert second.row().qb_country == "UK"
    assert first.stored("company")[0]["raw"] != second.stored("company")[0]["raw"]

    before = {linked.company_file: linked.counts() for linked in (first, second)}
    company_before = first.stored("company")
    # The other entry's password does not open this one.
    assert first.sync(password=second.connection.password).auth == "nvu"
    # Alpha's Web Connector entry run while Beta's company file is open: refused by FileID.
    first.make_due()
    wrong = first.sync(company_file=second.company_file)
    assert wrong.auth == ""
    assert wrong.requests == 0
    assert any("not the one this Web Connector entry is linked to" in e for e in wrong.errors)
    assert "so nothing was synced from it" in wrong.result
    assert first.counts() == before[first.company_file]
    assert second.counts() == before[second.company_file]
    assert first.stored("company") == company_before
    assert any(e.recovery == "validation" for e in first.errors())
    with SimulatedCompany.open(second.company_file) as company:
        # Beta's file keeps its own FileID stamp.
        assert list(company.data_ext().values()) == [second.connection.connection.file_id]

    # Back on its own file, Alpha syncs again.
    again = first.sync()
    assert again.auth == ""
    assert "Not complete" not in again.result
    assert_every_type_matches(first)
