"""The data types' response schemas in /openapi.json against what the mappers emit.

Every record of simulated company files (US, CA and UK editions, with and without
multicurrency) goes through its dataset's mapper and derivations exactly as the sync engine runs
them, and must match the schema its route declares, with no field missing, extra or mistyped.
tests/api/test_data_schemas.py does the same for records served by a live server.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from qbdsync.api.app import create_app
from qbdsync.api.routes.data import COMPANY_TYPES
from qbdsync.mapping.accounts import ACCOUNT_CLASS, BANK_ACCOUNT_TYPES
from qbdsync.mapping.common import MappingContext
from qbdsync.mapping.company import map_company_info
from qbdsync.mapping.items import ITEM_TYPES
from qbdsync.mapping.lines import DATA_TYPES, LINK_TYPES
from qbdsync.mapping.lists import PAYMENT_METHOD_TYPES
from qbdsync.settings import Settings
from qbdsync.simulator.company import SimulatedCompany
from qbdsync.store.db import make_engine
from qbdsync.store.migrate import upgrade
from qbdsync.sync.datasets import DATASETS
from qbdsync.sync.datatypes import data_types
from tests.schema_check import StrictComponents

HOME_CURRENCY = {"US": "US Dollar", "CA": "Canadian Dollar", "UK": "British Pound Sterling"}
# seed 3 turns multicurrency on in a small company (simulator.generator.multi_currency_for).
COMPANIES = [("US", 1), ("US", 3), ("CA", 3), ("UK", 3)]
# The store adds this to every mapped record it keeps (Codat's modifiedDate).
STORED_AT = "2026-01-02T03:04:05Z"


@pytest.fixture(scope="module")
def document(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    url = f"sqlite:///{tmp_path_factory.mktemp('openapi') / 'qbdsync.db'}"
    engine = make_engine(url)
    upgrade(engine)
    try:
        app = create_app(Settings(database_url=url), engine, run_jobs=False)
        return app.openapi()
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def strict(document: dict[str, Any]) -> StrictComponents:
    return StrictComponents(document)


def _component(document: dict[str, Any], path: str) -> dict[str, Any]:
    """The schema the route at `path` declares for its 200 answer, resolved."""
    schema = document["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]
    name = schema["schema"]["$ref"].rsplit("/", 1)[1]
    return {"name": name, **document["components"]["schemas"][name]}


def _record_component(document: dict[str, Any], data_type: str) -> str:
    if data_type == "company":
        return str(_component(document, "/companies/{companyId}/data/info")["name"])
    if data_type == "bankTransactions":
        path = (
            "/companies/{companyId}/connections/{connectionId}/data/bankAccounts/{accountId}"
            "/bankTransactions"
        )
        page = _component(document, path)
        return str(page["properties"]["results"]["items"]["$ref"].rsplit("/", 1)[1])
    return str(
        _component(document, f"/companies/{{companyId}}/data/{data_type}/{{recordId}}")["name"]
    )


def _mapped(company: SimulatedCompany, country: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """(data type, record as stored) for every record of the file, as the engine maps them:
    once without the company's bank account ids and once with them (both are engine paths)."""
    home = HOME_CURRENCY[country]
    bank_ids = frozenset(
        r["ListID"]
        for r in company.records("AccountRet")
        if r.get("AccountType") in BANK_ACCOUNT_TYPES
    )
    for bank_account_ids in (None, bank_ids):
        for dataset in DATASETS.values():
            for ret_name in sorted(dataset.ret_names):
                ctx = MappingContext(
                    home_currency=home,
                    country=country,
                    ret_name=ret_name,
                    bank_account_ids=bank_account_ids,
                )
                for raw in company.records(ret_name, include_deleted=True):
                    yield dataset.data_type, dataset.mapper(raw, ctx)
                    for derivation in dataset.derived:
                        for derived in derivation.mapper(raw, ctx):
                            yield derivation.data_type, derived
    yield (
        "company",
        map_company_info(
            company.company_info, home_currency=home, product="QuickBooks Pro 2024", country=country
        ),
    )


@pytest.mark.parametrize(("country", "seed"), COMPANIES)
def test_every_mapped_record_matches_its_served_schema(
    document: dict[str, Any], strict: StrictComponents, tmp_path: Path, country: str, seed: int
) -> None:
    seen: dict[str, int] = {}
    failures: list[str] = []
    with SimulatedCompany.open(tmp_path / "c.qbsim", size="small", seed=seed, country=country) as c:
        for data_type, record in _mapped(c, country):
            stored = {**record, "modifiedDate": STORED_AT}
            seen[data_type] = seen.get(data_type, 0) + 1
            for error in strict.errors(_record_component(document, data_type), stored):
                if len(failures) < 20:
                    failures.append(f"{data_type} {record.get('id')}: {error}")
        # Nothing was skipped: every type the file has records for was produced and checked.
        expected = {"company", "bankAccounts", "accountTransactions", "bankTransactions"} | {
            d.data_type for d in DATASETS.values() if any(c.count(r) for r in d.ret_names)
        }
    assert not failures, "\n".join(failures)
    assert expected <= set(seen), expected - set(seen)
    if (country, seed) == ("US", 3):  # multicurrency Enterprise: every data type there is
        assert set(seen) == set(data_types())


def test_every_data_route_declares_a_typed_schema(document: dict[str, Any]) -> None:
    """No data route falls back to an untyped record: each names its type's own schema."""
    for data_type in COMPANY_TYPES:
        for prefix in (
            "/companies/{companyId}",
            "/companies/{companyId}/connections/{connectionId}",
        ):
            one = _component(document, f"{prefix}/data/{data_type}/{{recordId}}")
            page = _component(document, f"{prefix}/data/{data_type}")
            assert page["properties"]["results"]["items"]["$ref"].endswith(f"/{one['name']}")
            assert "id" in one["required"], data_type
            assert one.get("additionalProperties") is None, "clients must tolerate new fields"
    assert set(COMPANY_TYPES) | {"bankTransactions", "company"} == set(data_types())


def _enum(document: dict[str, Any], schema: str, field: str) -> set[str]:
    prop = document["components"]["schemas"][schema]["properties"][field]
    return set(prop["enum"])


def test_enumerations_cover_every_value_the_mapping_tables_produce(
    document: dict[str, Any],
) -> None:
    assert set(ACCOUNT_CLASS.values()) | {"Unknown"} == _enum(document, "Account", "type")
    assert set(BANK_ACCOUNT_TYPES.values()) == _enum(document, "BankAccount", "accountType")
    assert set(ITEM_TYPES.values()) | {"Unknown"} == _enum(document, "Item", "type")
    assert set(PAYMENT_METHOD_TYPES.values()) | {"Unknown"} == _enum(
        document, "PaymentMethod", "type"
    )
    assert set(LINK_TYPES.values()) | {"Discount", "Other"} == _enum(
        document, "PaymentLink", "type"
    )
    # recordRef.dataType always names a data type this API serves.
    assert set(DATA_TYPES.values()) <= set(data_types())
