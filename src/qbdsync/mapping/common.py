"""Helpers shared by the mappers: exact conversions and the Codat shapes of refs and addresses.

Every conversion is exact or raises InvalidValue naming the field; the engine then stores the raw
record with the error instead of a silently altered value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from qbdsync.errors import InvalidValue
from qbdsync.mapping.currencies import CurrencyCodes
from qbdsync.qbxml.values import (
    parse_bool,
    parse_decimal,
    parse_int,
    parse_number,
    parse_timestamp,
)
from qbdsync.untrusted import quote_untrusted

Raw = dict[str, Any]
Mapped = dict[str, Any]


class MappingIssues:
    """What a mapper could not translate exactly and left empty, for the caller to record.

    Unlike InvalidValue (the record is kept raw, unmapped), these leave the rest of the record
    mapped; the engine takes them after each record and stores them beside it.
    """

    __slots__ = ("_notes",)

    def __init__(self) -> None:
        # (cause, note): the note names the value ("currency 'Zorkmid' matches no code"); the
        # cause is its stable template, what error counts are keyed on, so that a thousand
        # distinct values are one cause with a count, not a thousand causes.
        self._notes: list[tuple[str, str]] = []

    def add(self, note: str, cause: str | None = None) -> None:
        entry = (cause or note, note)
        if entry not in self._notes:
            self._notes.append(entry)

    def take(self) -> list[str]:
        return [note for _, note in self.take_with_causes()]

    def take_with_causes(self) -> list[tuple[str, str]]:
        notes, self._notes = self._notes, []
        return notes


@dataclass(frozen=True, slots=True)
class MappingContext:
    """What a mapper may know besides the record: the company's edition and currency."""

    # The home currency as QuickBooks names it ("US Dollar"), or an ISO code when QuickBooks
    # names none (multicurrency off: the country's currency).
    home_currency: str | None = None
    country: str = "US"
    ret_name: str = ""
    # ListIDs of the company's Bank and CreditCard accounts, when the caller knows them. The
    # derived account/bank transaction mappers use it to tell a deposit to "Undeposited Funds"
    # (not a bank movement) from one to a real bank account; None = not known, judge by kind.
    bank_account_ids: frozenset[str] | None = None
    # Name → ISO 4217 code, with the company's Currency list when it is known.
    currencies: CurrencyCodes = field(default_factory=CurrencyCodes)
    issues: MappingIssues = field(default_factory=MappingIssues, compare=False)


# JSON numbers are IEEE doubles in every client; beyond 15 significant digits a float would
# change the value, so such an amount is reported instead of rounded.
_MAX_EXACT_DIGITS = 15


def text(raw: Raw, name: str) -> str | None:
    value = raw.get(name)
    return value if isinstance(value, str) else None


def amount(raw: Raw, name: str) -> float | None:
    value = raw.get(name)
    if not isinstance(value, str):
        return None
    return parse_number(value, name, _MAX_EXACT_DIGITS)


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


# The causes of the currency notes, without the name each one quotes.
_UNMATCHED_CURRENCY = (
    "currency: a QuickBooks currency matches no ISO 4217 code (the company's currency list has "
    "no code for it); left empty"
)
_UNMATCHED_HOME_CURRENCY = "currency: the home currency matches no ISO 4217 code; left empty"


def currency(raw: Raw, ctx: MappingContext) -> str | None:
    """The record's currency as an ISO 4217 code: its CurrencyRef, else the home currency.

    A currency that matches no code is left empty and noted in ``ctx.issues``: a name is never
    passed off as a code.
    """
    value = raw.get("CurrencyRef")
    if isinstance(value, dict):
        list_id, name = value.get("ListID"), value.get("FullName")
        list_id = list_id if isinstance(list_id, str) else None
        name = name if isinstance(name, str) else None
        code = ctx.currencies.code(list_id=list_id, name=name)
        if code is None:
            ctx.issues.add(
                f"currency: QuickBooks' currency {quote_untrusted(repr(name or list_id))} "
                "matches no ISO 4217 code (the company's currency list has no code for it); "
                "left empty",
                cause=_UNMATCHED_CURRENCY,
            )
        return code
    home = ctx.home_currency
    if home is None:
        return None
    code = ctx.currencies.code(name=home)
    if code is None:
        ctx.issues.add(
            f"currency: the home currency {quote_untrusted(repr(home))} matches no ISO 4217 "
            "code; left empty",
            cause=_UNMATCHED_HOME_CURRENCY,
        )
    return code


def metadata() -> dict[str, bool]:
    return {"isDeleted": False}


def required(raw: Raw, name: str) -> str:
    """A text element every record of this kind has (its ListID/TxnID): missing is a bad record."""
    value = text(raw, name)
    if value is None:
        raise InvalidValue(f"{name}: missing")
    return value


def children(raw: Raw, name: str) -> list[Raw]:
    """The child records called ``name`` as a list, whether the parser gave a list or one dict.

    Names in REPEATABLE_RET_ELEMENTS are always lists; a name outside it becomes a list only
    when it repeats, so both shapes are accepted here.
    """
    value = raw.get(name)
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, dict)]
    return []


def decimal(raw: Raw, name: str) -> Decimal | None:
    """An exact decimal for arithmetic (sums, signs) before converting to a JSON number."""
    value = text(raw, name)
    return None if value is None else parse_decimal(value, name)


def number(value: Decimal | None, field: str) -> float | None:
    return None if value is None else decimal_to_number(value, field, str(value))


def integer(raw: Raw, name: str) -> int | None:
    value = text(raw, name)
    return None if value is None else parse_int(value, name)


def status(raw: Raw) -> str:
    """Codat's Active/Archived from IsActive (absent means active, as QuickBooks defaults it)."""
    return "Active" if flag(raw, "IsActive") is not False else "Archived"


def exchange_rate(raw: Raw) -> float | None:
    """ExchangeRate when sent; 1 for a record without CurrencyRef (it is in home currency)."""
    rate = amount(raw, "ExchangeRate")
    if rate is not None:
        return rate
    return 1.0 if "CurrencyRef" not in raw else None


def is_void(raw: Raw) -> bool:
    """QuickBooks voids a transaction by zeroing it and prefixing its memo with "VOID:"."""
    return (text(raw, "Memo") or "").upper().startswith("VOID")


def utc(raw: Raw, name: str) -> str | None:
    """A QuickBooks time stamp element (TimeCreated…) as UTC ISO text."""
    value = text(raw, name)
    return None if value is None else parse_timestamp(value, name).to_utc_iso()


def txn_envelope(raw: Raw) -> Mapped:
    """The fields every mapped transaction carries besides its own."""
    return {
        "sourceModifiedDate": source_modified(raw),
        "metadata": metadata(),
        "supplementalData": {"content": {}},
    }
