"""SalesTaxCodeRet, ItemSalesTaxRet and ItemSalesTaxGroupRet → Codat TaxRate.

The three are one Codat list (their ListIDs are unique across QuickBooks lists). Only a sales
tax item carries a rate (TaxRate, a percentage). A US tax code ("Tax"/"Non") only says whether
a line is taxable: "Non" is 0 %, a taxable code's rate is set per customer by a sales tax item
and is unknown here (None). CA/UK codes name their tax items (ItemSalesTaxRef,
ItemPurchaseTaxRef), and a group names its items; those refs are kept so a reader can look the
rates up, rather than computed from other records.
"""

from __future__ import annotations

from typing import Any

from qbdsync.mapping.common import (
    Mapped,
    MappingContext,
    Raw,
    amount,
    children,
    flag,
    metadata,
    ref,
    required,
    source_modified,
    status,
    text,
)


def _kind(raw: Raw, ctx: MappingContext) -> str:
    if ctx.ret_name:
        return ctx.ret_name
    if "TaxRate" in raw or "TaxVendorRef" in raw:
        return "ItemSalesTaxRet"
    if "IsTaxable" in raw:
        return "SalesTaxCodeRet"
    return "ItemSalesTaxGroupRet"


def _refs(raw: Raw, name: str) -> list[dict[str, str]]:
    return [r for child in children(raw, name) if (r := ref({name: child}, name)) is not None]


def map_tax_rate(raw: Raw, ctx: MappingContext) -> Mapped:
    kind = _kind(raw, ctx)
    name = text(raw, "Name")
    content: dict[str, Any] = {"kind": kind}
    rate: float | None
    components: list[dict[str, Any]]
    if kind == "SalesTaxCodeRet":
        taxable = flag(raw, "IsTaxable")
        rate = 0.0 if taxable is False else None
        components = []
        content.update(
            description=text(raw, "Desc"),
            isTaxable=taxable,
            itemSalesTaxRef=ref(raw, "ItemSalesTaxRef"),
            itemPurchaseTaxRef=ref(raw, "ItemPurchaseTaxRef"),
        )
    elif kind == "ItemSalesTaxRet":
        rate = amount(raw, "TaxRate")
        components = [{"name": name, "rate": rate, "isCompound": False}]
        content.update(description=text(raw, "ItemDesc"), taxVendorRef=ref(raw, "TaxVendorRef"))
    else:
        members = _refs(raw, "ItemSalesTaxRef")
        rate = None
        components = [{"name": m.get("name"), "rate": None, "isCompound": False} for m in members]
        content.update(description=text(raw, "ItemDesc"), itemSalesTaxRefs=members)
    return {
        "id": required(raw, "ListID"),
        "name": name,
        "code": name,
        "effectiveTaxRate": rate,
        "totalTaxRate": rate,
        "components": components,
        "status": status(raw),
        "sourceModifiedDate": source_modified(raw),
        "metadata": metadata(),
        "supplementalData": {"content": content},
    }
