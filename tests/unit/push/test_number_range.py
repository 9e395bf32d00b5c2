"""Numbers QuickBooks cannot hold are refused naming the field, in every numeric field of every
pushable type, before any arithmetic reads them: a value past the 14 integer digits of
QuickBooks' amounts (``1e999999``, ``99999999999999999``), one that is no finite number
(``NaN``, ``Infinity``), however it is written (JSON number or numeric text).

The payloads are the API sweep's (tests/api/test_push_value_types.py): valid creates that
together set every field each type declares, so every Number field is tried.
"""

from __future__ import annotations

import copy
from decimal import Decimal
from typing import Any

import pytest

from qbdsync.push.fields import MONEY_DIGITS, decimal_value, in_range
from qbdsync.push.kinds import CompanyProfile, PushAction
from qbdsync.push.registry import KINDS
from qbdsync.simulator.company import SimulatedCompany
from tests.api.test_push_value_types import fields_of, payloads

from .harness import CompanyLookup

# Each is refused wherever a number goes.
TOO_LARGE: tuple[Any, ...] = (
    "1e999999",
    "-1e999999",
    "1E+999999999",
    "9e99999999999999999",
    1e300,
    -1e300,
    "1e14",
    10**14,
    -(10**14),
    "123456789012345678901234567890",
    "NaN",
    "-NaN",
    "sNaN",
    "Infinity",
    "-Infinity",
    "inf",
)


def _replaced(payload: dict[str, Any], keys: tuple[str | int, ...], value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(payload)
    holder: Any = changed
    for key in keys[:-1]:
        holder = holder[key]
    holder[keys[-1]] = value
    return changed


@pytest.mark.parametrize("data_type", list(KINDS))
def test_a_number_quickbooks_cannot_hold_is_refused_naming_the_field(
    company: SimulatedCompany, lookup: CompanyLookup, data_type: str
) -> None:
    profile = CompanyProfile("US", "QuickBooks Enterprise Solutions", False, "USD", "13.0")
    kind = KINDS[data_type]
    missed: list[str] = []
    tried = 0
    for payload in payloads(company)[data_type]:
        assert kind.validate(PushAction.CREATE, payload, profile, lookup) == []
        for field in fields_of(kind.specs, payload):
            if field.spec is None or field.spec.type != "Number":
                continue
            for value in TOO_LARGE:
                tried += 1
                changed = _replaced(payload, field.keys, value)
                try:
                    issues = kind.validate(PushAction.CREATE, changed, profile, lookup)
                except Exception as error:  # the finding is that it raises
                    missed.append(f"{field.path} = {value!r}: raised {error!r}")
                    continue
                if field.path not in {issue.item_id for issue in issues}:
                    missed.append(f"{field.path} = {value!r}: {issues}")
    assert missed == []
    assert tried or data_type in ("accounts", "bankAccounts", "customers", "suppliers")


@pytest.mark.parametrize(
    ("value", "held"),
    [
        ("99999999999999.99", True),
        ("-99999999999999.99", True),
        (99_999_999_999_999, True),
        ("0.00001", True),
        ("1e13", True),
        ("1e-999999", True),
        ("100000000000000", False),
        ("1e14", False),
        ("1e999999", False),
    ],
)
def test_the_limit_is_fourteen_integer_digits(value: Any, held: bool) -> None:
    number = decimal_value(value)
    assert number is not None
    assert in_range(number) is held
    assert MONEY_DIGITS == 14


def test_no_arithmetic_is_done_on_a_number_out_of_range() -> None:
    # The exponent alone says the magnitude: nothing here may raise (an Overflow or an
    # InvalidOperation was once a 500).
    for text in ("1e999999999999999999", "-1e999999999999999999", "1e-999999999999999999"):
        number = decimal_value(text)
        assert number is None or isinstance(number, Decimal)
        if number is not None:
            in_range(number)


def _invoice(company: SimulatedCompany, lines: list[dict[str, Any]], **header: Any) -> Any:
    payload = copy.deepcopy(payloads(company)["invoices"][0])
    template = payload["lineItems"][0]
    payload["lineItems"] = [
        {k: v for k, v in {**template, **line}.items() if v is not None} for line in lines
    ]
    for key in ("subTotal", "totalTaxAmount", "totalAmount"):
        payload.pop(key, None)
    payload.update(header)
    return payload


def test_a_line_whose_quantity_times_price_is_too_large_is_refused(
    company: SimulatedCompany, lookup: CompanyLookup
) -> None:
    # Each fits; their product (10^28) does not, and rounding it to the cent once raised.
    big = 99_999_999_999_999
    payload = _invoice(
        company,
        [{"quantity": big, "unitAmount": big, "subTotal": None, "totalAmount": None}],
    )
    profile = CompanyProfile("US", "QuickBooks Enterprise Solutions", False, "USD", "13.0")
    issues = KINDS["invoices"].validate(PushAction.CREATE, payload, profile, lookup)
    assert [(i.item_id, i.validator) for i in issues] == [("lineItems[0].subTotal", "Range")]


def test_lines_that_add_up_past_what_quickbooks_holds_are_refused(
    company: SimulatedCompany, lookup: CompanyLookup
) -> None:
    amount = 90_000_000_000_000
    line = {"quantity": 1, "unitAmount": amount, "subTotal": amount, "totalAmount": amount}
    payload = _invoice(company, [line, line])
    profile = CompanyProfile("US", "QuickBooks Enterprise Solutions", False, "USD", "13.0")
    issues = KINDS["invoices"].validate(PushAction.CREATE, payload, profile, lookup)
    assert [(i.item_id, i.validator) for i in issues] == [("lineItems", "Range")]
