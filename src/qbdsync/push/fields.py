"""The field rules every push kind shares: one declaration per Codat field drives both the
options a client is shown and the checks its payload gets.

A :class:`Spec` names one Codat property: its type, whether it is required, the qbXML element
whose length limit applies (``limit=("Customer", "Name")`` → 41, from ``write_schema``), the
values it allows for the company's country, the record type a ``…Ref`` names. :func:`options`
renders a tree of them in Codat's PushOption shape; :func:`check` validates a payload against
the same tree (types, required fields, lengths in characters, characters the company file cannot
store, allowed values) and :func:`references` collects every ``…Ref`` it holds.

QuickBooks Desktop is not a Unicode program: qbXML text reaches the company file in the
edition's 8-bit code page, and a character outside ISO-8859-1 is stored as ``?``
(reference/qbxml.md, "Characters"). Such text is refused here rather than silently altered.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Final, Literal

from qbdsync.push.kinds import (
    CompanyProfile,
    Lookup,
    PrepareRefused,
    Reference,
    Referenced,
    ValidationIssue,
)
from qbdsync.qbxml.write_schema import max_length
from qbdsync.qbxml.writes import Field, ref

OptionType = Literal["String", "Number", "Boolean", "DateTime", "Object", "Array"]
Choices = Callable[[CompanyProfile], Sequence[tuple[str, str]]]

# The code page of QuickBooks Desktop's text fields (US, CA and UK editions alike).
STORABLE_CHARSET: Final = "iso-8859-1"
# XML 1.0 cannot carry these at all (the write builder would refuse the request).
_NOT_XML: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_DATE: Final = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:[T ].*)?")
# qbXML amounts carry two decimals; rates, prices and quantities up to five.
MONEY_PLACES: Final = 2
QUANTITY_PLACES: Final = 5
# QuickBooks' number fields (amounts, quantities, prices, rates) hold at most this many digits
# before the decimal point (99,999,999,999,999.99 at most).
MONEY_DIGITS: Final = 14


@dataclass(frozen=True, slots=True)
class Spec:
    """One Codat property of a pushable record."""

    name: str
    type: OptionType
    display: str
    description: str
    required: bool = False
    # The qbXML (aggregate, element) the value is written to, for its length limit.
    limit: tuple[str, str] | None = None
    # Properties of an Object, or of each element of an Array.
    children: tuple[Spec, ...] = ()
    # Allowed values for this company (value, display name); ``strict``: nothing else is.
    choices: Choices | None = None
    strict: bool = False
    # The data type a ``…Ref`` object's ``id`` names ("customers", "accounts"…).
    ref: str | None = None
    # Shown and accepted only for companies where this holds (multicurrency fields), and why
    # it cannot be set where it does not.
    when: Callable[[CompanyProfile], bool] | None = None
    unavailable: str = "multicurrency is off in this company file"
    # Decimal places QuickBooks keeps for a Number (amounts 2, quantities and rates 5).
    places: int | None = None
    # The Number may not be negative.
    positive: bool = False

    def max_chars(self) -> int | None:
        return None if self.limit is None else max_length(f"{self.limit[0]}Add", self.limit[1])


def multicurrency(profile: CompanyProfile) -> bool:
    return profile.multicurrency


# -- constructors -----------------------------------------------------------------------------


def text(
    name: str,
    display: str,
    description: str,
    *,
    required: bool = False,
    limit: tuple[str, str] | None = None,
    choices: Choices | None = None,
    strict: bool = False,
) -> Spec:
    return Spec(
        name, "String", display, description, required, limit, choices=choices, strict=strict
    )


def money(name: str, display: str, description: str, *, required: bool = False) -> Spec:
    return Spec(name, "Number", display, description, required, places=MONEY_PLACES)


def quantity(name: str, display: str, description: str, *, required: bool = False) -> Spec:
    return Spec(name, "Number", display, description, required, places=QUANTITY_PLACES)


def day(name: str, display: str, description: str, *, required: bool = False) -> Spec:
    return Spec(name, "DateTime", display, description, required)


def boolean(name: str, display: str, description: str) -> Spec:
    return Spec(name, "Boolean", display, description)


def obj(name: str, display: str, description: str, *children: Spec, required: bool = False) -> Spec:
    return Spec(name, "Object", display, description, required, children=children)


def array(
    name: str, display: str, description: str, *children: Spec, required: bool = False
) -> Spec:
    return Spec(name, "Array", display, description, required, children=children)


def reference(
    name: str,
    display: str,
    data_type: str,
    description: str,
    *,
    required: bool = False,
    choices: Choices | None = None,
) -> Spec:
    """A Codat ``…Ref`` object whose ``id`` is a QuickBooks ListID/TxnID of ``data_type``."""
    return Spec(
        name,
        "Object",
        display,
        description,
        required,
        ref=data_type,
        children=(text("id", "Identifier", f"The id of the {display.lower()}.", required=True),),
        choices=choices,
    )


def currency_spec(name: str = "currency") -> Spec:
    return Spec(
        name,
        "String",
        "Currency",
        "ISO 4217 code of the record's currency (the home currency unless multicurrency is on)",
        when=multicurrency,
        choices=currency_choices,
    )


def currency_rate_spec() -> Spec:
    return Spec(
        "currencyRate",
        "Number",
        "Currency rate",
        "Units of the record's currency per unit of the home currency",
        when=multicurrency,
    )


def address_spec(qb_parent: str, *, types: Sequence[str] = ("Billing", "Delivery")) -> Spec:
    """Codat's addresses[] as QuickBooks' address aggregates (one per type)."""
    kinds = tuple((t, t) for t in types)
    return array(
        "addresses",
        "Addresses",
        f"One address per type: {', '.join(types)}",
        text(
            "type", "Type", "The address type", required=True, choices=lambda _: kinds, strict=True
        ),
        text("line1", "Line 1", "First line", limit=(qb_parent, "Addr1")),
        text("line2", "Line 2", "Second line", limit=(qb_parent, "Addr2")),
        text("city", "City", "City", limit=(qb_parent, "City")),
        text("region", "Region", "State, province or county", limit=(qb_parent, "State")),
        text("postalCode", "Postal code", "Postal or ZIP code", limit=(qb_parent, "PostalCode")),
        text("country", "Country", "Country", limit=(qb_parent, "Country")),
    )


# -- allowed values ---------------------------------------------------------------------------

# Codat's list of tax codes, sales tax items and groups (a line's taxRateRef names a code).
TAX_RATES: Final = "taxRates"

# The sales tax codes QuickBooks Desktop sets up in each country's editions, offered as options.
# A company file may add its own and lack some of these: a payload's code is checked against
# the file's synced codes, by ListID or by name (check_tax_codes).
TAX_CODES: Final[dict[str, tuple[tuple[str, str], ...]]] = {
    "US": (("Tax", "Taxable"), ("Non", "Non-taxable")),
    "CA": (
        ("G", "GST"),
        ("H", "HST"),
        ("S", "GST and PST"),
        ("P", "PST"),
        ("Q", "GST and QST"),
        ("Z", "Zero-rated"),
        ("E", "Exempt"),
    ),
    "UK": (
        ("S", "Standard rate VAT"),
        ("R", "Reduced rate VAT"),
        ("Z", "Zero-rated VAT"),
        ("E", "Exempt from VAT"),
        ("O", "Outside the scope of VAT"),
    ),
}


def tax_code_choices(profile: CompanyProfile) -> Sequence[tuple[str, str]]:
    return TAX_CODES.get(profile.country, TAX_CODES["US"])


def currency_choices(profile: CompanyProfile) -> Sequence[tuple[str, str]]:
    codes = [code for code, _ in profile.currencies]
    if profile.home_currency and profile.home_currency not in codes:
        codes.insert(0, profile.home_currency)
    return [(code, code) for code in codes]


def tax_ref_spec(name: str = "taxRateRef", description: str = "") -> Spec:
    return reference(
        name,
        "Tax code",
        "taxRates",
        description
        or "A sales tax code: a synced taxRates id, or one of the country's standard codes",
        choices=tax_code_choices,
    )


# -- options ----------------------------------------------------------------------------------


def _validation(spec: Spec) -> dict[str, list[dict[str, str]]]:
    information: list[dict[str, str]] = []
    limit = spec.max_chars()
    if limit is not None:
        information.append(
            {"field": spec.name, "details": f"Maximum length of {limit} characters."}
        )
    if spec.type == "String":
        information.append(
            {
                "field": spec.name,
                "details": "Only ISO-8859-1 (Latin-1) characters can be stored by QuickBooks.",
            }
        )
    if spec.places is not None:
        information.append(
            {
                "field": spec.name,
                "details": f"QuickBooks keeps at most {spec.places} decimal places.",
            }
        )
    return {"warnings": [], "information": information}


def _property(spec: Spec, profile: CompanyProfile) -> dict[str, Any] | None:
    if spec.when is not None and not spec.when(profile):
        return None
    prop: dict[str, Any] = {
        "type": spec.type,
        "displayName": spec.display,
        "description": spec.description,
        "required": spec.required,
        "validation": _validation(spec),
    }
    if spec.children:
        children = {
            child.name: rendered
            for child in spec.children
            if (rendered := _property(child, profile)) is not None
        }
        prop["properties"] = children
    if spec.choices is not None:
        choices = [
            {"value": value, "displayName": label, "type": "String", "required": False}
            for value, label in spec.choices(profile)
        ]
        if spec.ref is not None and "id" in prop.get("properties", {}):
            prop["properties"]["id"]["options"] = choices
        else:
            prop["options"] = choices
    return prop


def options(
    display: str, description: str, specs: Sequence[Spec], profile: CompanyProfile
) -> dict[str, Any]:
    """Codat's PushOption for a record type: an Object with one property per Spec."""
    return {
        "type": "Object",
        "displayName": display,
        "description": description,
        "required": True,
        "properties": {
            spec.name: rendered
            for spec in specs
            if (rendered := _property(spec, profile)) is not None
        },
        "validation": {"warnings": [], "information": []},
    }


# -- checks -----------------------------------------------------------------------------------


class Issues:
    """The validation issues of one payload, collected in payload order."""

    def __init__(self) -> None:
        self.items: list[ValidationIssue] = []

    def add(self, item_id: str, message: str, validator: str) -> None:
        issue = ValidationIssue(item_id, message, validator)
        if issue not in self.items:
            self.items.append(issue)

    def __bool__(self) -> bool:
        return bool(self.items)


def join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def unstorable(value: str) -> str:
    """The characters of ``value`` QuickBooks cannot store, in order, without repeats."""
    bad: list[str] = []
    for ch in value:
        if ch in bad:
            continue
        if _NOT_XML.match(ch):
            bad.append(ch)
            continue
        try:
            ch.encode(STORABLE_CHARSET)
        except UnicodeEncodeError:
            bad.append(ch)
    return "".join(bad)


def check_text(issues: Issues, path: str, value: str, limit: int | None) -> None:
    """Length in characters (after JSON decoding) and characters QuickBooks can store."""
    if limit is not None and len(value) > limit:
        issues.add(
            path,
            f"{len(value)} characters; QuickBooks stores at most {limit}.",
            "MaxLength",
        )
    bad = unstorable(value)
    if bad:
        shown = ", ".join(f"{ch!r} (U+{ord(ch):04X})" for ch in bad)
        issues.add(
            path,
            f"QuickBooks Desktop cannot store {shown}: only ISO-8859-1 (Latin-1) characters "
            "are kept (others become '?').",
            "Charset",
        )


def decimal_value(value: Any) -> Decimal | None:
    """A JSON number (or numeric text) as the exact decimal it was written as; None if not one.

    A float is read through its shortest repr, so 0.16667 stays 0.16667 (not its binary
    expansion) and nothing is rounded.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        return Decimal(repr(value))
    if isinstance(value, str):
        try:
            parsed = Decimal(value.strip())
        except InvalidOperation:
            return None
        return parsed if parsed.is_finite() else None
    return None


def in_range(number: Decimal) -> bool:
    """Can QuickBooks hold ``number``: at most :data:`MONEY_DIGITS` digits before the point.

    Read from the exponent alone, with no arithmetic: ``1e999999`` would overflow (or make an
    InvalidOperation of) the first sum, product or rounding that touched it. A zero written
    with an exponent (``0E+999999``) is zero.
    """
    return number.is_finite() and (number.is_zero() or number.adjusted() < MONEY_DIGITS)


def _places(value: Decimal) -> int:
    """The decimal places ``value`` needs (trailing zeros aside), counted from its digits, not
    rounded to the decimal context first (so 1.000…0001 with 40 digits needs 40 places)."""
    if value.is_zero():
        return 0
    _, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)  # a finite number's
    trailing = len(digits) - len("".join(map(str, digits)).rstrip("0"))
    return max(0, -(exponent + trailing))


def date_value(value: Any) -> str | None:
    """An ISO 8601 date or date-time as QuickBooks' YYYY-MM-DD (the date part); None if not one."""
    if not isinstance(value, str):
        return None
    match = _DATE.fullmatch(value.strip())
    if match is None:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3])).isoformat()
    except ValueError:
        return None


# The JSON value that stands for "not given" in a field of each type, besides null: an empty
# text, list or object of the field's own type. Any other value of another type is refused
# (an empty list where a name is expected is a wrong type, not a missing name).
_EMPTY: Final[dict[OptionType, object]] = {"String": "", "Array": [], "Object": {}}


def _present(spec: Spec, value: Any) -> bool:
    if value is None:
        return False
    empty = _EMPTY.get(spec.type, None)
    return empty is None or type(value) is not type(empty) or value != empty


# Each field type's JSON values, and what a message says when a value is not one. A Number is
# a JSON number or numeric text (some clients send decimals as strings to keep them exact),
# never a boolean: true is no amount.
_TYPES: Final[dict[OptionType, tuple[Callable[[Any], bool], str]]] = {
    "String": (lambda value: isinstance(value, str), "must be text"),
    "Number": (lambda value: decimal_value(value) is not None, "must be a number"),
    "Boolean": (lambda value: isinstance(value, bool), "must be true or false"),
    "DateTime": (lambda value: date_value(value) is not None, "must be an ISO 8601 date"),
    "Object": (lambda value: isinstance(value, Mapping), "must be an object"),
    "Array": (lambda value: isinstance(value, list), "must be a list"),
}


def _type_error(spec: Spec, value: Any) -> str | None:
    """Why ``value`` is not of the field's JSON type (None when it is)."""
    accepts, wanted = _TYPES[spec.type]
    return None if accepts(value) else f"{spec.display} {wanted}."


def _out_of_range(spec: Spec, value: Any) -> bool:
    """A Number QuickBooks cannot hold (see :func:`in_range`)."""
    if spec.type != "Number":
        return False
    number = decimal_value(value)
    return number is not None and not in_range(number)


def well_typed(specs: Sequence[Spec], payload: Mapping[str, Any]) -> dict[str, Any]:
    """``payload`` without the values :func:`check` refuses for their JSON type or, numbers,
    their size (as if not given; a list element that is no object becomes an empty one, so
    indexes stay), so the checks a kind adds beyond its specs read every field as its spec
    describes it, do arithmetic only on numbers QuickBooks can hold, and still report what
    they find."""
    cleaned = dict(payload)
    for spec in specs:
        value = payload.get(spec.name)
        if value is None:
            continue
        if _type_error(spec, value) is not None or _out_of_range(spec, value):
            del cleaned[spec.name]
        elif spec.type == "Object":
            cleaned[spec.name] = well_typed(spec.children, value)
        elif spec.type == "Array":
            cleaned[spec.name] = [
                well_typed(spec.children, element) if isinstance(element, Mapping) else {}
                for element in value
            ]
    return cleaned


def check(
    issues: Issues,
    specs: Sequence[Spec],
    payload: Mapping[str, Any],
    profile: CompanyProfile,
    prefix: str = "",
) -> None:
    """Types, required fields, lengths, characters and allowed values of ``payload``."""
    for spec in specs:
        path = join(prefix, spec.name)
        value = payload.get(spec.name)
        if not _present(spec, value):
            if spec.required:
                issues.add(path, f"{spec.display} is required.", "Required")
            continue
        wrong = _type_error(spec, value)
        if wrong is not None:
            issues.add(path, wrong, "Type")
            continue
        if spec.when is not None and not spec.when(profile):
            if spec.name.lower().endswith("currency") and _home(value, profile):
                continue
            issues.add(path, f"{spec.display} cannot be set: {spec.unavailable}.", "NotSupported")
            continue
        _check_one(issues, spec, value, profile, path)


def _home(value: Any, profile: CompanyProfile) -> bool:
    return (
        isinstance(value, str)
        and profile.home_currency is not None
        and value.strip().upper() == profile.home_currency.upper()
    )


def _check_one(issues: Issues, spec: Spec, value: Any, profile: CompanyProfile, path: str) -> None:
    """The rules of a value already known to be of the field's type."""
    if spec.type == "String":
        check_text(issues, path, value, spec.max_chars())
        if spec.strict and spec.choices is not None:
            allowed = [v for v, _ in spec.choices(profile)]
            if value not in allowed:
                issues.add(
                    path,
                    f"{value!r} is not one of {', '.join(allowed)}.",
                    "AllowedValues",
                )
    elif spec.type == "Number":
        number = decimal_value(value)
        assert number is not None
        # The size first, from the exponent: nothing else may touch a number this large.
        if not in_range(number):
            issues.add(
                path,
                f"{spec.display} is larger than QuickBooks can hold (at most {MONEY_DIGITS} "
                "digits before the decimal point).",
                "Range",
            )
            return
        if spec.positive and number < 0:
            issues.add(path, f"{spec.display} cannot be negative.", "Range")
        if spec.places is not None and _places(number) > spec.places:
            issues.add(
                path,
                f"{number} has more than the {spec.places} decimal places QuickBooks keeps; "
                "it would be rounded.",
                "Precision",
            )
    elif spec.type == "Object":
        check(issues, spec.children, value, profile, path)
    elif spec.type == "Array":
        for index, element in enumerate(value):
            where = f"{path}[{index}]"
            if not isinstance(element, Mapping):
                issues.add(where, f"Each of {spec.display} must be an object.", "Type")
                continue
            check(issues, spec.children, element, profile, where)


# -- references -------------------------------------------------------------------------------


def ref_id(value: Any) -> str | None:
    """The ``id`` of a Codat ref object, or None."""
    if isinstance(value, Mapping):
        found = value.get("id")
        if isinstance(found, str) and found:
            return found
    return None


@dataclass(frozen=True, slots=True)
class NameSpace:
    """QuickBooks lists whose records may not share a name (QuickBooks answers 3100)."""

    data_types: tuple[str, ...]  # the synced data types that hold the names
    rule: str  # the rule, as a message states it
    # Who else may hold a name that no synced record has ("an other name"), if anyone.
    unsynced: str | None = None


CONTACT_NAMES: Final = NameSpace(
    ("customers", "suppliers", "employees"),
    "QuickBooks keeps one list of names across customers, suppliers, employees and other names",
    "an other name (a list qbdsync does not sync)",
)
ACCOUNT_NAMES: Final = NameSpace(("accounts",), "an account's name is unique in the chart")
ITEM_NAMES: Final = NameSpace(("items",), "an item's name is unique across the item list")


def name_key(name: str) -> str:
    """A name as QuickBooks compares names: without regard to case ("ACME" is "Acme")."""
    return name.lower()


def same_name(one: str, other: str) -> bool:
    return name_key(one) == name_key(other)


def walk_refs(
    specs: Sequence[Spec], payload: Mapping[str, Any], prefix: str = ""
) -> Iterator[tuple[Spec, str, str]]:
    """(spec, item path of the id, id) for every ``…Ref`` in the payload that names a record."""
    for spec in specs:
        value = payload.get(spec.name)
        path = join(prefix, spec.name)
        if spec.ref is not None:
            found = ref_id(value)
            if found is not None:
                yield spec, f"{path}.id", found
        elif spec.type == "Object" and isinstance(value, Mapping):
            yield from walk_refs(spec.children, value, path)
        elif spec.type == "Array" and isinstance(value, list):
            for index, element in enumerate(value):
                if isinstance(element, Mapping):
                    yield from walk_refs(spec.children, element, f"{path}[{index}]")


def references(specs: Sequence[Spec], payload: Mapping[str, Any]) -> list[Reference]:
    """Every record the payload's refs name. A standard tax code given by name ("Tax") is no
    record id: it is resolved by name (:func:`tax_code`)."""
    found: list[Reference] = []
    for spec, path, record_id in walk_refs(specs, payload):
        assert spec.ref is not None
        if spec.ref == "taxRates" and any(
            record_id == code for codes in TAX_CODES.values() for code, _ in codes
        ):
            continue
        found.append(Reference(path, spec.ref, record_id))
    return found


def tax_references(specs: Sequence[Spec], payload: Mapping[str, Any]) -> list[Reference]:
    """Every tax code the payload names, by id or by name."""
    return [
        Reference(path, TAX_RATES, value)
        for spec, path, value in walk_refs(specs, payload)
        if spec.ref == TAX_RATES
    ]


_LABELS: Final[dict[str, str]] = {
    "customers": "customer",
    "suppliers": "supplier",
    "employees": "employee",
    "accounts": "account",
    "bankAccounts": "bank account",
    "items": "item",
    "taxRates": "tax code",
    "invoices": "invoice",
    "creditNotes": "credit note",
    "bills": "bill",
    "billCreditNotes": "bill credit note",
    "trackingCategories": "tracking category",
    "paymentMethods": "payment method",
}


def label(data_type: str) -> str:
    return _LABELS.get(data_type, data_type)


def check_references(issues: Issues, refs: Sequence[Reference], lookup: Lookup) -> None:
    """Every referenced record exists (synced, or created by an earlier push). Tax codes are
    checked by :func:`check_tax_codes`: they may be named rather than given by id."""
    for reference_ in refs:
        if reference_.data_type == TAX_RATES:
            continue
        if lookup.find(reference_.data_type, reference_.record_id) is None:
            issues.add(
                reference_.item_id,
                f"No {label(reference_.data_type)} with id {reference_.record_id!r} in this "
                "company's synced data.",
                "ReferenceExists",
            )


# -- tax codes --------------------------------------------------------------------------------


def is_sales_tax_code(record: Referenced) -> bool:
    """Is this synced taxRates record a sales tax code (what a line's SalesTaxCodeRef names),
    rather than a sales tax item or group (which share Codat's taxRates list)?"""
    supplemental = record.data.get("supplementalData")
    content = supplemental.get("content") if isinstance(supplemental, Mapping) else None
    kind = content.get("kind") if isinstance(content, Mapping) else None
    if isinstance(kind, str):
        return kind == "SalesTaxCodeRet"
    return "IsTaxable" in record.raw


def tax_code(lookup: Lookup, value: str) -> Referenced | None:
    """The synced sales tax code a ``taxRateRef.id`` names: by its id (ListID), else by its
    name ("Tax", "Non" in US editions; "S", "Z"… in UK ones; "G", "H"… in Canadian ones)."""
    found = lookup.find(TAX_RATES, value)
    if found is not None:
        return found if is_sales_tax_code(found) else None
    return next((r for r in lookup.named((TAX_RATES,), value) if is_sales_tax_code(r)), None)


def check_tax_codes(
    issues: Issues, specs: Sequence[Spec], payload: Mapping[str, Any], lookup: Lookup
) -> None:
    """Every tax code the payload names is a sales tax code of this company file, as synced."""
    for spec, path, value in walk_refs(specs, payload):
        if spec.ref != TAX_RATES or tax_code(lookup, value) is not None:
            continue
        found = lookup.find(TAX_RATES, value)
        if found is not None:
            issues.add(
                path,
                f"{value!r} is a sales tax item or group, not a sales tax code: a tax code "
                "says whether (and, outside the US, how) a line is taxed.",
                "TaxCode",
            )
            continue
        issues.add(
            path,
            f"No sales tax code {value!r} in this company file: give the id or the name of "
            "one of the sales tax codes among its synced taxRates.",
            "ReferenceExists",
        )


class Resolver:
    """Refs of a validated payload → qbXML ``…Ref`` values with the QuickBooks id (at send time,
    a record created by an earlier push has its id by then)."""

    def __init__(self, lookup: Lookup, profile: CompanyProfile) -> None:
        self.lookup = lookup
        self.profile = profile

    def find(self, data_type: str, value: Any) -> Referenced | None:
        record_id = ref_id(value)
        return None if record_id is None else self.lookup.find(data_type, record_id)

    def target(self, data_type: str, record_id: str) -> Referenced | None:
        """The record a payload id names, whose QuickBooks id the request carries (a tax code
        may be named: it is sent by the ListID of the synced code of that name)."""
        if data_type == TAX_RATES:
            return tax_code(self.lookup, record_id)
        return self.lookup.find(data_type, record_id)

    def ref(self, data_type: str, value: Any) -> tuple[Field, ...] | None:
        record_id = ref_id(value)
        if record_id is None:
            return None
        found = self.target(data_type, record_id)
        if found is None:
            raise PrepareRefused(
                [
                    ValidationIssue(
                        data_type,
                        f"The {label(data_type)} {record_id!r} no longer exists.",
                        "ReferenceExists",
                    )
                ]
            )
        return ref(found.record_id)

    def currency(self, code: Any) -> tuple[Field, ...] | None:
        """A currency code → CurrencyRef by ListID (multicurrency only; None for the home)."""
        if not self.profile.multicurrency or not isinstance(code, str) or _home(code, self.profile):
            return None
        for known, list_id in self.profile.currencies:
            if known == code.strip().upper():
                return ref(list_id)
        return None


def check_currency(issues: Issues, path: str, value: Any, profile: CompanyProfile) -> None:
    """With multicurrency on, a currency other than the home one must be in the company's list."""
    if not profile.multicurrency or not isinstance(value, str) or _home(value, profile):
        return
    if not any(code == value.strip().upper() for code, _ in profile.currencies):
        issues.add(
            path,
            f"{value!r} is not a currency of this company file.",
            "AllowedValues",
        )


# -- qbXML values -----------------------------------------------------------------------------


def amount_text(value: Any) -> str:
    """A validated amount as qbXML AMTTYPE text (two decimals)."""
    number = decimal_value(value)
    assert number is not None
    return f"{number.quantize(Decimal('0.01')):f}"


def exact_text(value: Any) -> str:
    """A validated quantity, rate or price exactly as given (0.16667 stays 0.16667)."""
    number = decimal_value(value)
    assert number is not None
    normal = number.normalize()
    if normal == normal.to_integral():
        return f"{normal.quantize(Decimal(1)):f}"
    return f"{normal:f}"


def date_text(value: Any) -> str:
    found = date_value(value)
    assert found is not None
    return found


def put(fields: list[Field], name: str, value: Any) -> None:
    """Append a text field when the payload has a value for it."""
    if isinstance(value, str) and value != "":
        fields.append((name, value))


def put_ref(fields: list[Field], name: str, value: tuple[Field, ...] | None) -> None:
    """Append an aggregate (a resolved reference, a currency) when there is one."""
    if value is not None:
        fields.append((name, value))


def bool_text(value: bool) -> str:
    return "true" if value else "false"


# A list record's Codat status; Archived is QuickBooks' IsActive false.
STATUSES = (("Active", "Active"), ("Archived", "Archived (inactive in QuickBooks)"))


def status_spec(description: str, name: str = "status") -> Spec:
    return text(name, "Status", description, choices=lambda _: STATUSES, strict=True)


def name_and_status(fields: list[Field], name: Any, status: Any) -> None:
    """A list record's Name and IsActive, the first fields of its Add and its Mod."""
    put(fields, "Name", name)
    if status in ("Active", "Archived"):
        fields.append(("IsActive", bool_text(status == "Active")))


def address_fields(address: Mapping[str, Any]) -> tuple[Field, ...]:
    parts: list[Field] = []
    for codat, qb in (
        ("line1", "Addr1"),
        ("line2", "Addr2"),
        ("city", "City"),
        ("region", "State"),
        ("postalCode", "PostalCode"),
        ("country", "Country"),
    ):
        put(parts, qb, address.get(codat))
    return tuple(parts)


def address_of(payload: Mapping[str, Any], kind: str) -> Mapping[str, Any] | None:
    """The first address of ``kind`` in Codat's addresses[] (None when there is none)."""
    for address in payload.get("addresses") or ():
        if isinstance(address, Mapping) and address.get("type") == kind:
            return address
    return None


def check_one_address_per_type(issues: Issues, payload: Mapping[str, Any]) -> None:
    seen: set[str] = set()
    for index, address in enumerate(payload.get("addresses") or ()):
        if not isinstance(address, Mapping):
            continue
        kind = address.get("type")
        if isinstance(kind, str):
            if kind in seen:
                issues.add(
                    f"addresses[{index}].type",
                    f"QuickBooks keeps one {kind} address; this is a second one.",
                    "Unique",
                )
            seen.add(kind)
