"""Helpers shared by the mappers: exact conversions and the Codat shapes of refs and addresses.

Every conversion is exact or raises InvalidValue naming the field; the engine then stores the raw
record with the error instead of a silently altered value.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from qbdsync.errors import InvalidValue
from qbdsync.qbxml.values import parse_bool, parse_decimal, parse_timestamp

Raw = dict[str, Any]
Mapped = dict[str, Any]


@dataclass(frozen=True, slots=True)
class MappingContext:
    """What a mapper may know besides the record: the company's edition and currency."""

    home_currency: str | None = None
    country: str = "US"
    ret_name: str = ""


# JSON numbers are IEEE doubles in every client; beyond 15 significant digits a float would
# change the value, so such an amount is reported instead of rounded.
_MAX_EXACT_DIGITS = 15


def text(raw: Raw, name: str) -> str | None:
    value = raw.get(name)
    return value if isinstance(value, str) else None


def amount(raw: Raw, name: str) -> float | None:
    value = text(raw, name)
    if value is None:
        return None
    return decimal_to_number(parse_decimal(value, name), name, value)


def amount_or_zero(raw: Raw, name: str) -> float:
    value = amount(raw, name)
    return 0.0 if value is None else value


def decimal_to_number(value: Decimal, field: str, original: str) -> float:
    digits = value.as_tuple().digits
    if len(digits) > _MAX_EXACT_DIGITS:
        raise InvalidValue(f"{field}: {original!r} has more digits than a JSON number keeps")
    return float(value)


def flag(raw: Raw, name: str) -> bool | None:
    value = text(raw, name)
    return None if value is None else parse_bool(value, name)


def source_modified(raw: Raw) -> str | None:
    """QuickBooks' TimeModified as UTC ISO text (Codat's sourceModifiedDate)."""
    value = text(raw, "TimeModified")
    return None if value is None else parse_timestamp(value).to_utc_iso()


def ref(raw: Raw, name: str) -> dict[str, str] | None:
    """A qbXML ``…Ref`` {ListID, FullName} as a Codat ref {id, name}."""
    value = raw.get(name)
    if not isinstance(value, dict):
        return None
    result: dict[str, str] = {}
    if isinstance(value.get("ListID"), str):
        result["id"] = value["ListID"]
    if isinstance(value.get("FullName"), str):
        result["name"] = value["FullName"]
    return result or None


def address(raw: Raw, name: str, kind: str) -> dict[str, str | None] | None:
    value = raw.get(name)
    if not isinstance(value, dict):
        return None
    return {
        "type": kind,
        "line1": value.get("Addr1"),
        "line2": value.get("Addr2"),
        "city": value.get("City"),
        "region": value.get("State"),
        "country": value.get("Country"),
        "postalCode": value.get("PostalCode"),
    }


def currency(raw: Raw, home_currency: str | None) -> str | None:
    cur = ref(raw, "CurrencyRef")
    if cur and "name" in cur:
        return cur["name"]
    return home_currency


def metadata() -> dict[str, bool]:
    return {"isDeleted": False}
