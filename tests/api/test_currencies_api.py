"""A multicurrency company read through the API: every currency field holds an ISO 4217 code."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pycountry
import pytest

from qbdsync.api.routes.data import COMPANY_TYPES
from qbdsync.simulator.company import SimulatedCompany
from qbdsync.simulator.list_factories import CURRENCY_CODES
from tests.api.helpers import fetch_all, link_and_sync, new_tenant, serving

ISO_4217 = {c.alpha_3 for c in pycountry.currencies}
# The fields of Codat's shapes that hold a currency code, wherever they are nested.
CURRENCY_FIELDS = {"currency", "defaultCurrency", "baseCurrency", "currencyCode"}


def currency_values(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """(path, value) of every currency field in a record, at any depth."""
    if isinstance(value, dict):
        for key, inner in value.items():
            here = f"{path}.{key}" if path else key
            if key in CURRENCY_FIELDS:
                yield here, inner
            else:
                yield from currency_values(inner, here)
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            yield from currency_values(inner, f"{path}[{index}]")


@pytest.mark.parametrize("country", ["US", "CA", "UK"])
def test_every_currency_field_is_an_iso_code(sqlite_url: str, tmp_path: Path, country: str) -> None:
    with serving(sqlite_url, webhook_poll_seconds=3600) as server:
        tenant = new_tenant(server, "reader")
        # Seed 3: one seed in four is a multicurrency company, whatever the country.
        synced = link_and_sync(tenant, tmp_path / "company", seed=3, country=country)
        with SimulatedCompany.open(synced.company_file) as company:
            assert company.setup.multi_currency
            names = [c.ref["FullName"] for c in company.setup.currencies]
        home, *foreign = [CURRENCY_CODES[name][0] for name in names]
        base = f"/companies/{synced.company_id}"

        info = tenant.api.get(f"{base}/data/info").json()
        assert info["baseCurrency"] == home  # QuickBooks names it, e.g. "British Pound Sterling"

        seen: dict[str, set[str]] = {}
        for data_type in COMPANY_TYPES:
            for record in fetch_all(tenant.api, f"{base}/data/{data_type}", page_size=1000):
                for path, value in currency_values(record):
                    assert value in ISO_4217, (data_type, record["id"], path, value)
                    seen.setdefault(data_type, set()).add(value)
        # Customers may carry a foreign currency, and their sales do; the rest is in home.
        for data_type in ("invoices", "payments", "customers"):
            assert seen[data_type] & set(foreign), (data_type, seen[data_type])
        for data_type in ("accounts", "suppliers", "bills", "journalEntries", "directCosts"):
            assert home in seen[data_type], (data_type, seen.get(data_type))
        assert seen["currencies"] == {home, *foreign}

        with server.engine.connect() as conn:
            warnings = conn.exec_driver_sql(
                "SELECT message FROM sync_errors WHERE message LIKE '%ISO 4217%'"
            ).fetchall()
        assert warnings == []
