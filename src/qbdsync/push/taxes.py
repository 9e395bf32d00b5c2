"""Tax on pushed lines: what QuickBooks will compute from each line's tax code, so a payload's
taxAmount can be checked before anything is sent.

No US, CA or UK edition takes a line's TaxAmount (qbXML has it for the Australian edition only):
QuickBooks computes tax itself. In CA and UK files a line's tax code (GST/HST/PST, VAT) names the
tax items holding its rate: the code's ItemSalesTaxRef on sales forms, its ItemPurchaseTaxRef on
purchases (synced as taxRates: the code's ``supplementalData.content`` keeps both refs, each
item its ``effectiveTaxRate``, a group its items). A Codat ``taxAmount`` is therefore accepted
only when it is what QuickBooks will compute (to the cent), and a document's tax total must be
what QuickBooks will total, rounded once per rate. Amounts are sent net of tax
(``IsTaxIncluded`` false), as Codat's subTotal is.

In US files a taxable code's rate is set by the customer's sales tax item, not known here, and
purchase lines carry no tax code at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Final, Literal

from qbdsync.push.base import supports
from qbdsync.push.fields import Issues, Resolver, decimal_value, ref_id, same_name
from qbdsync.push.kinds import CompanyProfile, Lookup
from qbdsync.qbxml.writes import Field

Side = Literal["sales", "purchase"]
CENT: Final = Decimal("0.01")
_HUNDRED: Final = Decimal(100)
_ITEM_REF: Final[dict[Side, str]] = {"sales": "itemSalesTaxRef", "purchase": "itemPurchaseTaxRef"}


def tax_codes(records: Iterable[Mapping[str, Any]]) -> tuple[tuple[str, str], ...]:
    """(name, ListID) of every sales tax code among mapped taxRates records."""
    found: list[tuple[str, str]] = []
    for data in records:
        content = (data.get("supplementalData") or {}).get("content") or {}
        name, record_id = data.get("name"), data.get("id")
        kind = content.get("kind") if isinstance(content, Mapping) else None
        if kind == "SalesTaxCodeRet" and isinstance(name, str) and isinstance(record_id, str):
            found.append((name, record_id))
    return tuple(sorted(found))


def code_id(profile: CompanyProfile, value: Any) -> str | None:
    """The ListID a line's taxRateRef names: its id, or the id of the code it names."""
    given = ref_id(value)
    if given is None:
        return None
    for name, list_id in profile.tax_codes:
        if same_name(name, given):  # as QuickBooks compares names
            return list_id
    return given


def code_ref(resolver: Resolver, profile: CompanyProfile, value: Any) -> tuple[Field, ...] | None:
    """SalesTaxCodeRef of a line: by ListID where the company's codes name it."""
    list_id = code_id(profile, value)
    if list_id is not None and list_id != ref_id(value):
        return resolver.ref("taxRates", {"id": list_id})
    return resolver.ref("taxRates", value)


def _content(lookup: Lookup, record_id: str) -> tuple[Mapping[str, Any], Mapping[str, Any]] | None:
    found = lookup.find("taxRates", record_id)
    if found is None:
        return None
    content = (found.data.get("supplementalData") or {}).get("content") or {}
    return found.data, content if isinstance(content, Mapping) else {}


def _item_rate(lookup: Lookup, item_id: str, depth: int = 0) -> Decimal | None:
    found = _content(lookup, item_id)
    if found is None or depth > 1:
        return None
    data, content = found
    if content.get("kind") == "ItemSalesTaxGroupRet":
        # A group's rate is its items' rates together.
        rates: list[Decimal] = []
        for member in content.get("itemSalesTaxRefs") or ():
            member_id = ref_id(member)
            rate = _item_rate(lookup, member_id, depth + 1) if member_id else None
            if rate is None:
                return None
            rates.append(rate)
        return sum(rates, Decimal(0)) if rates else None
    return decimal_value(data.get("effectiveTaxRate"))


def rate_of(profile: CompanyProfile, lookup: Lookup, value: Any, side: Side) -> Decimal | None:
    """The percentage QuickBooks taxes a line with this taxRateRef at; None when not known
    (a US taxable code, a code not synced). A line without a code is not taxed."""
    if ref_id(value) is None:
        return Decimal(0)
    list_id = code_id(profile, value)
    found = _content(lookup, list_id) if list_id is not None else None
    if found is None:
        return None
    _data, content = found
    if content.get("isTaxable") is False:
        return Decimal(0)
    if profile.country == "US":
        return None
    item = ref_id(content.get(_ITEM_REF[side]))
    return _item_rate(lookup, item) if item is not None else Decimal(0)


def taxed(amount: Decimal, rate: Decimal) -> Decimal:
    """QuickBooks' tax on ``amount`` at ``rate`` percent, to the cent."""
    return (amount * rate / _HUNDRED).quantize(CENT, ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class TaxedLine:
    """What the tax check needs of one line."""

    path: str  # "lineItems[0]"
    amount: Decimal  # before tax
    code: Any  # the line's taxRateRef, as given
    tax: Decimal | None  # the line's taxAmount, when given


def check_tax(
    issues: Issues,
    lines: Sequence[TaxedLine],
    header_tax: Decimal | None,
    tax_total: str,
    profile: CompanyProfile,
    lookup: Lookup,
    side: Side,
) -> Decimal | None:
    """CA/UK: each line's taxAmount and the header's tax total are what QuickBooks computes
    from the tax codes. Returns the document's tax (given, computed, or the lines' sum)."""
    by_rate: dict[Decimal, Decimal] = {}
    known = True
    for line in lines:
        rate = rate_of(profile, lookup, line.code, side)
        if line.tax and ref_id(line.code) is None:
            issues.add(
                f"{line.path}.taxRateRef",
                "QuickBooks computes a line's tax from its tax code: give the taxRateRef.",
                "Required",
            )
        if rate is None:
            # Unknown (a US taxable code), or no code of this file: fields.check_tax_codes
            # refuses a code the file does not have, by id or by name.
            known = False
            continue
        if line.tax is not None:
            expected = taxed(line.amount, rate)
            if abs(line.tax - expected) > CENT:
                issues.add(
                    f"{line.path}.taxAmount",
                    f"QuickBooks computes the tax from the tax code ({rate.normalize():f} % of "
                    f"{line.amount}): {expected}, not {line.tax}.",
                    "AmountsAddUp",
                )
        if rate:
            by_rate[rate] = by_rate.get(rate, Decimal(0)) + line.amount
    computed = sum((taxed(base, rate) for rate, base in by_rate.items()), Decimal(0))
    given = [line.tax for line in lines if line.tax is not None]
    if known:
        if header_tax is not None and header_tax != computed:
            issues.add(
                tax_total,
                f"QuickBooks totals {computed} of tax from the lines' tax codes, not {header_tax}.",
                "AmountsAddUp",
            )
        return computed if header_tax is None else header_tax
    if header_tax is not None and len(given) == len(lines) and sum(given, Decimal(0)) != header_tax:
        issues.add(
            tax_total,
            f"The lines' taxAmount add up to {sum(given, Decimal(0))}, not {header_tax}.",
            "AmountsAddUp",
        )
    if header_tax is not None:
        return header_tax
    return sum(given, Decimal(0)) if given else None


def tax_included(fields: list[Field], kind: str, profile: CompanyProfile) -> None:
    """CA/UK documents say their amounts are before tax (Codat's subTotal is), whatever the
    company's default; US editions have no such flag."""
    if profile.country != "US" and supports(profile, f"{kind}Add", "IsTaxIncluded"):
        fields.append(("IsTaxIncluded", "false"))
