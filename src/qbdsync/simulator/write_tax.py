"""The tax QuickBooks adds to a written transaction, from its lines' tax codes.

QuickBooks computes tax; a request cannot give it (no US, CA or UK edition takes a line's
TaxAmount). A line's SalesTaxCodeRef decides its rate:

* a code that is not taxable (US "Non", CA "E"/"Z", UK "Z"/"E"/"O") is 0 %;
* in CA and UK files a taxable code names the tax items holding its rates: ItemSalesTaxRef on
  sales forms, ItemPurchaseTaxRef on purchases (an item's TaxRate, or a group's items summed);
* in US files a taxable code's rate comes from the customer's sales tax item; the simulator
  uses the company's one taxable rate (``Setup.taxable``), as its generated invoices do.

Tax is rounded once per rate, as the generated documents are. Sales forms keep it in
SalesTaxTotal; CA and UK purchases (bills, credits, checks, charges, orders) add it to their
total, as the VAT or GST/HST QuickBooks posts with them. US purchase lines carry no tax code.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Final, Literal

from qbdsync.simulator.company import SimulatedCompany
from qbdsync.simulator.factories import cents_of

Side = Literal["sales", "purchase"]
_HUNDRED: Final = Decimal(100)
_TAX_ITEM_REF: Final[dict[Side, str]] = {
    "sales": "ItemSalesTaxRef",
    "purchase": "ItemPurchaseTaxRef",
}


def _item_rate(company: SimulatedCompany, item: Mapping[str, Any]) -> Decimal:
    list_id = item.get("ListID", "")
    found = company.get("ItemSalesTaxRet", list_id)
    if found is not None:
        return Decimal(str(found.get("TaxRate", "0")))
    group = company.get("ItemSalesTaxGroupRet", list_id)
    if group is None:
        return Decimal(0)
    members = group.get("ItemSalesTaxRef", [])
    if isinstance(members, dict):
        members = [members]
    return sum((_item_rate(company, member) for member in members), Decimal(0))


def rate_of(company: SimulatedCompany, code: Mapping[str, Any] | None, side: Side) -> Decimal:
    """The percentage a line with this SalesTaxCodeRef is taxed at."""
    if not code:
        return Decimal(0)
    found = company.get("SalesTaxCodeRet", code.get("ListID", ""))
    if found is None or found.get("IsTaxable") != "true":
        return Decimal(0)
    if company.country == "US":
        return Decimal(company.setup.taxable.rate_basis_points) / _HUNDRED
    item = found.get(_TAX_ITEM_REF[side])
    return _item_rate(company, item) if isinstance(item, Mapping) else Decimal(0)


def tax_cents(company: SimulatedCompany, lines: Iterable[Mapping[str, Any]], side: Side) -> int:
    """The tax of these lines (each with Amount and maybe SalesTaxCodeRef), rounded per rate."""
    by_rate: dict[Decimal, int] = {}
    for line in lines:
        rate = rate_of(company, line.get("SalesTaxCodeRef"), side)
        if rate:
            by_rate[rate] = by_rate.get(rate, 0) + cents_of(line["Amount"])
    return sum(
        int((Decimal(base) * rate / _HUNDRED).quantize(Decimal(1), rounding=ROUND_HALF_UP))
        for rate, base in by_rate.items()
    )
