"""Known fields per list: a query or orderBy on another field is refused, naming what exists."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from qbdsync.api.models import CompanyModel, PullOperation
from qbdsync.api.query import parse_order, parse_query
from qbdsync.api.query.fields import (
    OPEN,
    RECORD_SHAPES,
    Shape,
    UnfilterableField,
    UnknownField,
    check_order,
    check_path,
    check_query,
    shape,
    shape_of_model,
)
from qbdsync.api.routes.data import COMPANY_TYPES
from qbdsync.errors import InvalidQuery
from qbdsync.mapping.common import MappingContext
from qbdsync.simulator.company import SimulatedCompany
from qbdsync.sync.datasets import DATASETS

INVOICES = RECORD_SHAPES["invoices"]


def unknown(text: str, fields: Shape = INVOICES, what: str = "invoices") -> UnknownField:
    with pytest.raises(UnknownField) as caught:
        check_query(parse_query(text), fields, what)
    assert isinstance(caught.value, InvalidQuery)
    return caught.value


@pytest.mark.parametrize(
    "text",
    [
        "amountDue>0",
        "customerRef.id=61",
        "customerRef.companyName~acme",
        "metadata.isDeleted=false",
        "modifiedDate>2024-01-01",
        "supplementalData.content.anything=1",  # free-form content
        "{status=Paid||status=Void}&&totalAmount>=1000",
    ],
)
def test_real_fields_pass(text: str) -> None:
    check_query(parse_query(text), INVOICES, "invoices")


def test_an_unknown_field_is_named_with_its_position_and_the_fields_that_exist() -> None:
    error = unknown("foo=1")
    assert (error.parameter, error.path, error.position) == ("query", "foo", 0)
    message = str(error)
    assert message.startswith("query: unknown field 'foo' at position 0; invoices have: ")
    assert "amountDue" in message and "customerRef" in message and "lineItems" in message
    assert error.known == sorted(INVOICES.fields)


def test_the_first_unknown_field_in_text_order_is_reported() -> None:
    error = unknown("amountDue>0&&{bar=2||foo=1}")
    assert (error.path, error.position) == ("bar", 14)


def test_an_unknown_nested_field_lists_its_siblings() -> None:
    error = unknown("status=Paid && customerRef.name=x")
    assert error.position == 15
    assert (
        "unknown field 'customerRef.name' at position 15; 'customerRef' has: companyName, id"
        in (str(error))
    )


def test_a_path_below_a_plain_value_is_unknown() -> None:
    error = unknown("amountDue.value=1")
    assert "'amountDue' has no fields below it" in str(error)
    assert error.known == []


def test_order_by_keys_are_checked_too() -> None:
    check_order(parse_order("-issueDate,customerRef.companyName"), INVOICES, "invoices")
    with pytest.raises(UnknownField) as caught:
        check_order(parse_order("issueDate, -zzz"), INVOICES, "invoices")
    assert caught.value.parameter == "orderBy"
    assert str(caught.value).startswith("orderBy: unknown field 'zzz' at position 12; invoices")


def test_shapes_of_response_models() -> None:
    companies = shape_of_model(CompanyModel)
    check_query(parse_query("tags.region=us"), companies, "companies")  # tags: free-form
    with pytest.raises(UnfilterableField, match="'dataConnections' at position 0 is a list"):
        check_query(parse_query("dataConnections.status=PendingAuth"), companies, "companies")
    with pytest.raises(UnknownField, match="'dataConnections' has: connectionInfo, created"):
        check_query(parse_query("dataConnections.nope=1"), companies, "companies")
    with pytest.raises(UnfilterableField, match=r"'tags' at position 0 is an object; compare a"):
        check_query(parse_query("tags=1"), companies, "companies")
    pulls = shape_of_model(PullOperation)
    assert set(pulls.fields) >= {"id", "dataType", "status", "requested", "isCompleted"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "customerRef=1",
            "query: 'customerRef' at position 0 is an object; compare one of its fields: "
            "companyName, id",
        ),
        (
            "amountDue>0 && metadata!=x",
            "query: 'metadata' at position 15 is an object; compare one of its fields: isDeleted",
        ),
        (
            "supplementalData.content=1",
            "'supplementalData.content' at position 0 is an object; compare a field below it "
            "(supplementalData.content.<name>)",
        ),
        (
            "lineItems.description~a",
            "query: 'lineItems' at position 0 is a list; the items of a list cannot be filtered on",
        ),
        ("lineItems=1", "'lineItems' at position 0 is a list"),
        ("paymentAllocations.payment.totalAmount<0", "'paymentAllocations' at position 0"),
        ("lineItems.trackingCategoryRefs.id=1", "'lineItems' at position 0 is a list"),
    ],
)
def test_objects_and_lists_cannot_be_compared(text: str, message: str) -> None:
    with pytest.raises(UnfilterableField) as caught:
        check_query(parse_query(text), INVOICES, "invoices")
    assert message in str(caught.value)
    assert isinstance(caught.value, InvalidQuery)
    assert caught.value.parameter == "query"


def test_a_typo_below_a_list_is_reported_as_unknown_first() -> None:
    assert "unknown field 'lineItems.nope'" in str(unknown("lineItems.nope=1"))


def test_objects_and_lists_cannot_be_sorted_by() -> None:
    with pytest.raises(UnfilterableField, match="sort by one of its fields: companyName, id"):
        check_order(parse_order("-customerRef"), INVOICES, "invoices")
    with pytest.raises(UnfilterableField, match="a list; the items of a list cannot be sorted"):
        check_order(parse_order("issueDate,lineItems.description"), INVOICES, "invoices")


def test_open_and_merged_shapes() -> None:
    fields = shape("a", b=OPEN)
    check_query(parse_query("b.x.y=1"), fields, "things")
    with pytest.raises(UnknownField):
        check_query(parse_query("c=1"), fields, "things")


def test_every_served_record_type_has_a_shape() -> None:
    assert set(COMPANY_TYPES) | {"bankTransactions"} <= set(RECORD_SHAPES)


# -- the declared shapes against what the mappers produce ----------------------------------------


def declared(item_shape: Shape, path: tuple[str, ...]) -> Shape | None:
    """What `item_shape` declares at `path` (path known to exist)."""
    current: Shape | None = item_shape
    for name in path:
        assert current is not None
        if current.open:
            return OPEN
        current = current.fields[name]
    return current


def paths(value: Any, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """Every field path in a mapped record, through objects and arrays."""
    if isinstance(value, dict):
        for name, inner in value.items():
            yield (*prefix, name)
            yield from paths(inner, (*prefix, name))
    elif isinstance(value, list):
        for inner in value:
            yield from paths(inner, prefix)


def _kind_mismatch(item_shape: Shape, path: tuple[str, ...], value: Any) -> str | None:
    """The kind of `value` when the shape declares another at `path` (None: it agrees)."""
    try:
        held = declared(item_shape, path)
    except (AssertionError, KeyError):
        return None  # undeclared: reported by the path check
    if value is None or (held is not None and held.open and not held.many):
        return None
    kind = "list" if isinstance(value, list) else "object" if isinstance(value, dict) else "value"
    want = "value" if held is None else "list" if held.many else "object"
    return None if kind == want else kind


def values(value: Any, prefix: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """(path, value) for every field of a mapped record, through objects and list items."""
    if isinstance(value, dict):
        for name, inner in value.items():
            yield (*prefix, name), inner
            if isinstance(inner, list):
                for item in inner:
                    yield from values(item, (*prefix, name))
            else:
                yield from values(inner, (*prefix, name))


def mapped_records(tmp_path: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    """(data type, mapped record) for every record of simulated companies in each country,
    single- and multicurrency."""
    for country in ("US", "CA", "UK"):
        for seed in (1, 3):
            file = tmp_path / f"{country}{seed}.qbsim"
            with SimulatedCompany.open(file, seed=seed, country=country) as company:  # type: ignore[arg-type]
                banks = frozenset(
                    a["ListID"]
                    for a in company.records("AccountRet")
                    if a["AccountType"] in ("Bank", "CreditCard")
                )
                for dataset in DATASETS.values():
                    for ret_name in dataset.ret_names:
                        ctx = MappingContext(
                            home_currency="USD", ret_name=ret_name, bank_account_ids=banks
                        )
                        for raw in company.records(ret_name):
                            yield dataset.data_type, dataset.mapper(raw, ctx)
                            for derivation in dataset.derived:
                                for derived in derivation.mapper(raw, ctx):
                                    yield derivation.data_type, derived


def test_declared_shapes_hold_every_field_the_mappers_produce(tmp_path: Path) -> None:
    seen_paths: dict[str, set[tuple[str, ...]]] = {}
    top_level: dict[str, set[str]] = {}
    misdeclared: set[tuple[str, str, str]] = set()
    for data_type, record in mapped_records(tmp_path):
        top_level.setdefault(data_type, set()).update(record)
        seen_paths.setdefault(data_type, set()).update(paths(record))
        for path, value in values(record):
            kind = _kind_mismatch(RECORD_SHAPES[data_type], path, value)
            if kind is not None:
                misdeclared.add((data_type, ".".join(path), kind))
    undeclared: dict[str, set[str]] = {}
    for data_type, found in seen_paths.items():
        for path in found:
            try:
                check_path(
                    RECORD_SHAPES[data_type], path, what=data_type, parameter="query", position=0
                )
            except UnknownField:
                undeclared.setdefault(data_type, set()).add(".".join(path))
            except UnfilterableField:
                pass  # a real object or list
    assert undeclared == {}
    # What is a list, an object or a plain value in the records is declared so.
    assert misdeclared == set()
    # Mappers build every top-level field on every record, so those must match exactly
    # (modifiedDate is added by the store).
    for data_type, seen in top_level.items():
        assert set(RECORD_SHAPES[data_type].fields) - {"modifiedDate"} == seen, data_type
