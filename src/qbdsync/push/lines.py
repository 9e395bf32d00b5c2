"""Line items and money checks shared by the transaction kinds.

Codat's line shape (description, quantity, unitAmount, subTotal, taxAmount, totalAmount,
accountRef, itemRef, taxRateRef, tracking) becomes one of QuickBooks' line aggregates: a sales
line (InvoiceLineAdd and its kin: ItemRef, Desc, Quantity, Rate, ClassRef, Amount,
SalesTaxCodeRef), or a purchase line, which is an expense line (AccountRef, Amount, Memo,
ClassRef, SalesTaxCodeRef) when it names an account and an item line (ItemRef, Desc, Quantity,
Cost, Amount, ClassRef, SalesTaxCodeRef) when it names an item, never both.

Amounts are checked as exact decimals. A line's amount is its subTotal (QuickBooks' Amount is
before tax), else totalAmount less taxAmount; quantity × unit amount must give it to the cent
(QuickBooks computes Amount that way); the lines must add up to the header's subTotal and
totalAmount where those are given. Quantities and rates go to QuickBooks exactly as written.
Tax is QuickBooks' to compute (see push/taxes.py): a line's taxAmount is checked, never sent.
Classes come from the lines' tracking (see push/tracking.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from qbdsync.push.fields import (
    MONEY_DIGITS,
    Issues,
    Resolver,
    Spec,
    amount_text,
    array,
    decimal_value,
    exact_text,
    in_range,
    money,
    put,
    put_ref,
    quantity,
    ref_id,
    reference,
    tax_ref_spec,
    text,
)
from qbdsync.push.kinds import CompanyProfile, Lookup
from qbdsync.push.taxes import CENT, Side, TaxedLine, check_tax, code_ref
from qbdsync.push.tracking import Shape, check_tracking, class_ref, tracking_specs
from qbdsync.qbxml.writes import Field


def _not_us(profile: CompanyProfile) -> bool:
    return profile.country != "US"


# US editions keep no tax code on purchase lines (purchase tax is part of the cost there).
_PURCHASE_TAX_SPEC = replace(
    tax_ref_spec(description="The line's GST/HST/PST or VAT code (CA and UK editions)"),
    when=_not_us,
    unavailable="US editions of QuickBooks keep no tax code on purchase lines",
)


def _line_specs(
    qb_line: str, *, account: bool, item: bool, item_required: bool, side: Side, shape: Shape
) -> list[Spec]:
    specs = [
        text("description", "Description", "What the line is for", limit=(qb_line, "Desc")),
        quantity("quantity", "Quantity", "Number of units (QuickBooks keeps 5 decimals)"),
        Spec(
            "unitAmount",
            "Number",
            "Unit amount",
            "Price of one unit (QuickBooks keeps 5 decimals)",
            places=5,
        ),
        money("subTotal", "Sub total", "The line's amount before tax"),
        money(
            "taxAmount",
            "Tax amount",
            "Tax on the line (CA and UK editions): what QuickBooks computes from the tax code",
        ),
        money("totalAmount", "Total amount", "The line's amount including tax"),
    ]
    if account:
        specs.append(
            reference("accountRef", "Account", "accounts", "The account the line posts to")
        )
    if item:
        specs.append(
            reference("itemRef", "Item", "items", "The item sold or bought", required=item_required)
        )
    specs.append(tax_ref_spec() if side == "sales" else _PURCHASE_TAX_SPEC)
    specs.extend(tracking_specs(shape))
    return specs


def sales_lines_spec(qb_line: str, shape: Shape = "categories", side: Side = "sales") -> Spec:
    return array(
        "lineItems",
        "Line items",
        "At least one line; each names an item",
        *_line_specs(qb_line, account=False, item=True, item_required=True, side=side, shape=shape),
        required=True,
    )


def purchase_lines_spec(
    description: str = "At least one line", shape: Shape = "categories", side: Side = "purchase"
) -> Spec:
    specs = _line_specs(
        "ItemLine", account=True, item=True, item_required=False, side=side, shape=shape
    )
    # An expense line's description is its Memo (4095), an item line's its Desc (4095).
    return array("lineItems", "Line items", f"{description}: an account or an item", *specs)


def line_amount(line: Mapping[str, Any]) -> Decimal | None:
    """The line's amount before tax (QuickBooks' Amount), from what the payload gives."""
    sub_total = decimal_value(line.get("subTotal"))
    if sub_total is not None:
        return sub_total
    total = decimal_value(line.get("totalAmount"))
    if total is None:
        return None
    tax = decimal_value(line.get("taxAmount")) or Decimal(0)
    return total - tax


def _lines(payload: Mapping[str, Any]) -> list[tuple[int, Mapping[str, Any]]]:
    value = payload.get("lineItems")
    if not isinstance(value, list):
        return []
    return [(i, line) for i, line in enumerate(value) if isinstance(line, Mapping)]


def payload_lines(payload: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [line for _, line in _lines(payload)]


def _account_or_item(issues: Issues, path: str, line: Mapping[str, Any]) -> None:
    has_account, has_item = bool(line.get("accountRef")), bool(line.get("itemRef"))
    if has_account and has_item:
        issues.add(path, "A line has an account or an item, not both.", "AccountOrItem")
    elif not has_account and not has_item:
        issues.add(path, "A line needs an account or an item.", "AccountOrItem")


def _amount(issues: Issues, path: str, line: Mapping[str, Any]) -> Decimal | None:
    """The line's amount, checked against quantity × unit amount; None when it has none."""
    amount = line_amount(line)
    qty = decimal_value(line.get("quantity"))
    unit = decimal_value(line.get("unitAmount"))
    if amount is None and (qty is None or unit is None):
        issues.add(
            f"{path}.subTotal",
            "Give the line's subTotal (or totalAmount), or its quantity and unitAmount.",
            "Required",
        )
        return None
    product = None if qty is None or unit is None else qty * unit
    # Each fits, their product may not (QuickBooks' Amount is quantity × rate): said before
    # rounding it to the cent, which a product past the decimal context's digits cannot take.
    if product is not None and not in_range(product):
        issues.add(
            f"{path}.subTotal",
            f"quantity × unitAmount is {product:.6E}, larger than QuickBooks can hold "
            f"(at most {MONEY_DIGITS} digits before the decimal point).",
            "Range",
        )
        return None
    if amount is None:
        assert product is not None
        return product.quantize(CENT, ROUND_HALF_UP)
    if product is not None and qty != 0:
        computed = product.quantize(CENT, ROUND_HALF_UP)
        if computed != amount.quantize(CENT, ROUND_HALF_UP):
            issues.add(
                f"{path}.subTotal",
                f"quantity × unitAmount is {computed}, not {amount}.",
                "AmountsAddUp",
            )
    return amount


def check_lines(
    issues: Issues,
    payload: Mapping[str, Any],
    profile: CompanyProfile,
    lookup: Lookup,
    *,
    purchase: bool,
    side: Side,
    sub_total: str | None = "subTotal",
    tax_total: str | None = None,
    total: str | None = "totalAmount",
) -> Decimal:
    """Line amounts, one of account/item on purchase lines, tax (what QuickBooks computes, in
    CA/UK), classes, and the header totals; returns the sum of the lines' amounts."""
    lines = _lines(payload)
    if not lines:
        issues.add("lineItems", "At least one line is required.", "Required")
    summed = Decimal(0)
    taxed: list[TaxedLine] = []
    for index, line in lines:
        path = f"lineItems[{index}]"
        if purchase:
            _account_or_item(issues, path, line)
        amount = _amount(issues, path, line)
        if amount is None:
            continue
        tax = decimal_value(line.get("taxAmount"))
        if tax and profile.country == "US":
            issues.add(
                f"{path}.taxAmount",
                "US editions compute sales tax from the tax item; a line carries no tax amount.",
                "NotSupported",
            )
        line_total = decimal_value(line.get("totalAmount"))
        line_sub = decimal_value(line.get("subTotal"))
        if (
            line_total is not None
            and line_sub is not None
            and line_sub + (tax or Decimal(0)) != line_total
        ):
            issues.add(
                f"{path}.totalAmount",
                f"subTotal + taxAmount is {line_sub + (tax or 0)}, not {line_total}.",
                "AmountsAddUp",
            )
        taxed.append(TaxedLine(path, amount, line.get("taxRateRef"), tax))
        summed += amount
    check_tracking(issues, payload, "lineItems", lookup)
    if not in_range(summed):
        issues.add(
            "lineItems",
            f"The lines add up to {summed}, more than QuickBooks can hold "
            f"(at most {MONEY_DIGITS} digits before the decimal point).",
            "Range",
        )
        return summed
    header_sub = decimal_value(payload.get(sub_total)) if sub_total else None
    if header_sub is not None and header_sub != summed:
        issues.add(
            sub_total or "", f"The lines add up to {summed}, not {header_sub}.", "AmountsAddUp"
        )
    header_tax = decimal_value(payload.get(tax_total)) if tax_total else None
    if profile.country != "US" and tax_total:
        tax_value = check_tax(issues, taxed, header_tax, tax_total, profile, lookup, side)
    else:
        tax_value = header_tax
    header_total = decimal_value(payload.get(total)) if total else None
    if header_total is not None:
        tax_value = tax_value or Decimal(0)
        if summed + tax_value != header_total:
            issues.add(
                total or "",
                f"The lines (and tax) add up to {summed + tax_value}, not {header_total}.",
                "AmountsAddUp",
            )
    return summed


def _amount_fields(line: Mapping[str, Any], rate_name: str) -> list[Field]:
    fields: list[Field] = []
    qty = line.get("quantity")
    if decimal_value(qty) is not None:
        fields.append(("Quantity", exact_text(qty)))
    unit = line.get("unitAmount")
    if decimal_value(unit) is not None and decimal_value(qty) is not None:
        fields.append((rate_name, exact_text(unit)))
    amount = line_amount(line)
    if amount is not None:
        fields.append(("Amount", amount_text(amount)))
    return fields


def sales_line_fields(
    line: Mapping[str, Any], profile: CompanyProfile, resolver: Resolver
) -> tuple[Field, ...]:
    """InvoiceLineAdd/CreditMemoLineAdd/SalesReceiptLineAdd/PurchaseOrderLineAdd children."""
    fields: list[Field] = []
    item = resolver.ref("items", line.get("itemRef"))
    put_ref(fields, "ItemRef", item)
    put(fields, "Desc", line.get("description"))
    fields.extend(_amount_fields(line, "Rate"))
    put_ref(fields, "ClassRef", class_ref(resolver, line))
    put_ref(fields, "SalesTaxCodeRef", code_ref(resolver, profile, line.get("taxRateRef")))
    return tuple(fields)


def purchase_line(line: Mapping[str, Any], profile: CompanyProfile, resolver: Resolver) -> Field:
    """("ExpenseLineAdd", …) for an account line, ("ItemLineAdd", …) for an item line."""
    fields: list[Field] = []
    account = resolver.ref("accounts", line.get("accountRef"))
    code = code_ref(resolver, profile, line.get("taxRateRef"))
    classed = class_ref(resolver, line)
    if account is not None:
        fields.append(("AccountRef", account))
        amount = line_amount(line)
        if amount is None:
            amount = (decimal_value(line.get("quantity")) or Decimal(0)) * (
                decimal_value(line.get("unitAmount")) or Decimal(0)
            )
        fields.append(("Amount", amount_text(amount)))
        put(fields, "Memo", line.get("description"))
        put_ref(fields, "ClassRef", classed)
        put_ref(fields, "SalesTaxCodeRef", code)
        return ("ExpenseLineAdd", tuple(fields))
    item = resolver.ref("items", line.get("itemRef"))
    assert item is not None
    fields.append(("ItemRef", item))
    put(fields, "Desc", line.get("description"))
    fields.extend(_amount_fields(line, "Cost"))
    put_ref(fields, "ClassRef", classed)
    put_ref(fields, "SalesTaxCodeRef", code)
    return ("ItemLineAdd", tuple(fields))


def purchase_lines(
    payload: Mapping[str, Any], profile: CompanyProfile, resolver: Resolver
) -> list[Field]:
    """Expense lines then item lines (QuickBooks' order), each kind in the payload's order."""
    made = [purchase_line(line, profile, resolver) for _, line in _lines(payload)]
    return [f for f in made if f[0] == "ExpenseLineAdd"] + [
        f for f in made if f[0] == "ItemLineAdd"
    ]


def sales_lines(
    payload: Mapping[str, Any], line_name: str, profile: CompanyProfile, resolver: Resolver
) -> list[Field]:
    return [(line_name, sales_line_fields(line, profile, resolver)) for _, line in _lines(payload)]


def account_kind(lookup: Lookup, value: Any) -> str | None:
    """QuickBooks' AccountType of a referenced account ("Bank", "CreditCard"…), if known."""
    record_id = ref_id(value)
    if record_id is None:
        return None
    found = lookup.find("accounts", record_id)
    if found is None:
        return None
    kind = found.raw.get("AccountType")
    return kind if isinstance(kind, str) else None


def check_bank_or_card(issues: Issues, lookup: Lookup, value: Any, path: str, paid: str) -> None:
    """A payment leaves a Bank account (a check) or a CreditCard account (a charge) and no
    other; ``paid`` starts the message ("Bills are", "A direct cost is")."""
    kind = account_kind(lookup, value)
    if kind is not None and kind not in ("Bank", "CreditCard"):
        issues.add(
            path,
            f"{paid} paid from a Bank or CreditCard account, not a {kind} account.",
            "AccountType",
        )
