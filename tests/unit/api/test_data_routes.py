"""The data routes come from the dataset registry: every type it feeds is served, at the path its
SERVED entry names, with its typed schema and its queryable fields; there is no other list."""

from __future__ import annotations

from dataclasses import replace

import pytest
from fastapi.routing import APIRoute

from qbdsync.api.query import RECORD_SHAPES
from qbdsync.api.routes.data import router
from qbdsync.api.schemas import RECORD_SCHEMAS
from qbdsync.sync.datasets import COMPANY_INFO, DATASETS, SERVED, Derivation, check_served
from qbdsync.sync.datatypes import data_types

COMPANY = "/companies/{companyId}"
CONNECTION = "/companies/{companyId}/connections/{connectionId}"


def served_paths() -> set[str]:
    return {route.path for route in router.routes if isinstance(route, APIRoute)}


def expected_paths(data_type: str) -> set[str]:
    scope = SERVED[data_type].scope
    if scope == "info":
        return {f"{COMPANY}/data/info"}
    if scope == "bankAccount":
        account = SERVED["bankAccounts"].id_name
        return {f"{CONNECTION}/data/bankAccounts/{{{account}}}/{data_type}"}
    return {
        f"{prefix}/data/{data_type}{one}"
        for prefix in (COMPANY, CONNECTION)
        for one in ("", "/{recordId}")
    }


@pytest.mark.parametrize("data_type", sorted(data_types()))
def test_every_data_type_has_its_routes_schema_and_fields(data_type: str) -> None:
    assert expected_paths(data_type) <= served_paths(), data_type
    assert data_type in RECORD_SCHEMAS
    assert data_type in RECORD_SHAPES
    # The fields a query may name are the schema's fields.
    assert set(RECORD_SHAPES[data_type].fields) == {
        info.alias or name for name, info in RECORD_SCHEMAS[data_type].model_fields.items()
    }


def test_the_routes_are_those_of_the_registry_and_nothing_else() -> None:
    wanted = set().union(*(expected_paths(t) for t in SERVED))
    assert served_paths() == wanted
    assert set(SERVED) == set(data_types()) == set(RECORD_SCHEMAS)


def test_singular_names_name_the_path_parameters() -> None:
    assert SERVED["invoices"].id_name == "invoiceId"
    assert SERVED["trackingCategories"].id_name == "trackingCategoryId"
    assert SERVED["bankAccounts"].id_name == "accountId"  # as Codat names it
    summaries = {
        route.path: route.summary for route in router.routes if isinstance(route, APIRoute)
    }
    assert summaries[f"{COMPANY}/data/journalEntries/{{recordId}}"] == (
        "Get one of journalEntries (journalEntryId)"
    )


def test_raw_only_types_are_the_ones_codat_lacks() -> None:
    raw_only = {t.name for t in data_types().values() if t.raw_only}
    assert raw_only == {"employees", "terms", "currencies", "estimates"}


def test_a_type_added_to_the_registry_without_api_exposure_is_refused() -> None:
    registry = list(DATASETS.values())
    check_served(registry, SERVED)
    novel = replace(DATASETS["checks"], name="vehicleMileage", data_type="vehicleMileage")
    with pytest.raises(ValueError, match="not served \\['vehicleMileage'\\]"):
        check_served([*registry, novel], SERVED)
    # A new derived type too.
    derived = replace(
        DATASETS["accounts"],
        derived=(*DATASETS["accounts"].derived, Derivation("ledgers", lambda raw, ctx: [])),
    )
    with pytest.raises(ValueError, match="not served \\['ledgers'\\]"):
        check_served([*registry, derived], SERVED)
    # And a served type no dataset feeds any more.
    without_transfers = [d for d in registry if d.name != "transfers"]
    with pytest.raises(ValueError, match="fed by no dataset \\['transfers'\\]"):
        check_served(without_transfers, SERVED)
    assert COMPANY_INFO in SERVED
