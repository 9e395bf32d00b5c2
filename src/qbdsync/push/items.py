"""Items: Codat's Item → ItemServiceAdd / ItemNonInventoryAdd (and their Mods).

The reverse of mapping/items.py. An item sold and bought (isInvoiceItem and isBillItem) keeps
both sides in SalesAndPurchase (income and expense accounts); an item used one way only keeps
one in SalesOrPurchase. Either way QuickBooks needs the side's account. Inventory items need an
asset account and opening quantities Codat's item has no fields for, so type Inventory is
refused here; create them in QuickBooks.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from qbdsync.push.base import BaseKind
from qbdsync.push.fields import (
    ITEM_NAMES,
    Issues,
    NameSpace,
    Resolver,
    Spec,
    decimal_value,
    exact_text,
    name_and_status,
    obj,
    put,
    put_ref,
    reference,
    status_spec,
    tax_ref_spec,
    text,
)
from qbdsync.push.kinds import CompanyProfile, Lookup, PushAction, Referenced
from qbdsync.qbxml.writes import Field

_TYPES = (("Service", "ItemService"), ("NonInventory", "ItemNonInventory"))


def _side(name: str, display: str, what: str) -> Spec:
    return obj(
        name,
        display,
        f"How the item is {what}",
        text(
            "description",
            "Description",
            f"Description when {what}",
            limit=("SalesAndPurchase", "SalesDesc"),
        ),
        Spec("unitPrice", "Number", "Unit price", "Price of one unit", places=5),
        reference(
            "accountRef", "Account", "accounts", f"The account used when {what}", required=True
        ),
        tax_ref_spec(),
    )


class ItemKind(BaseKind):
    data_type: ClassVar[str] = "items"
    display: ClassVar[str] = "Item"
    description: ClassVar[str] = "A service or non-inventory item"
    qb_kind: ClassVar[str] = "ItemService"
    name_field: ClassVar[str | None] = "name"
    name_space: ClassVar[NameSpace | None] = ITEM_NAMES
    specs: ClassVar[tuple[Spec, ...]] = (
        text("name", "Name", "The item's name", required=True, limit=("ItemService", "Name")),
        text(
            "type",
            "Type",
            "Service or NonInventory",
            required=True,
            choices=lambda _: _TYPES,
            strict=True,
        ),
        status_spec("Archived makes the item inactive", "itemStatus"),
        Spec("isInvoiceItem", "Boolean", "Sold", "Whether the item is sold"),
        _side("invoiceItem", "Invoice item", "sold"),
        Spec("isBillItem", "Boolean", "Bought", "Whether the item is bought"),
        _side("billItem", "Bill item", "bought"),
    )

    def check_more(
        self,
        issues: Issues,
        action: PushAction,
        payload: Mapping[str, Any],
        profile: CompanyProfile,
        lookup: Lookup,
    ) -> None:
        name = payload.get("name")
        if isinstance(name, str) and ":" in name:
            issues.add("name", "An item name cannot contain ':'.", "Characters")
        sold, bought = self._sides(payload)
        if sold is None and bought is None:
            issues.add(
                "invoiceItem",
                "Give invoiceItem or billItem (with its accountRef): QuickBooks needs an account.",
                "Required",
            )
        for flag, side in (("isInvoiceItem", "invoiceItem"), ("isBillItem", "billItem")):
            if payload.get(flag) is True and not isinstance(payload.get(side), Mapping):
                issues.add(side, f"{flag} is true but {side} is missing.", "Required")

    @staticmethod
    def _sides(
        payload: Mapping[str, Any],
    ) -> tuple[Mapping[str, Any] | None, Mapping[str, Any] | None]:
        sold = payload.get("invoiceItem")
        bought = payload.get("billItem")
        if payload.get("isInvoiceItem") is False or not isinstance(sold, Mapping):
            sold = None
        if payload.get("isBillItem") is False or not isinstance(bought, Mapping):
            bought = None
        return sold, bought

    def add_kind(self, payload: Mapping[str, Any], resolver: Resolver) -> str:
        return "ItemNonInventory" if payload.get("type") == "NonInventory" else "ItemService"

    def target_kind(self, target: Referenced) -> str:
        if target.ret_name:
            return target.ret_name.removesuffix("Ret")
        content = target.data.get("supplementalData", {}).get("content", {})
        kind = content.get("itemKind") if isinstance(content, Mapping) else None
        return kind.removesuffix("Ret") if isinstance(kind, str) else self.qb_kind

    def add_fields(
        self, kind: str, payload: Mapping[str, Any], profile: CompanyProfile, resolver: Resolver
    ) -> tuple[Field, ...]:
        fields: list[Field] = []
        name_and_status(fields, payload.get("name"), payload.get("itemStatus"))
        sold, bought = self._sides(payload)
        code = resolver.ref("taxRates", (sold or {}).get("taxRateRef"))
        put_ref(fields, "SalesTaxCodeRef", code)
        if sold is not None and bought is not None:
            both: list[Field] = []
            put(both, "SalesDesc", sold.get("description"))
            if decimal_value(sold.get("unitPrice")) is not None:
                both.append(("SalesPrice", exact_text(sold["unitPrice"])))
            income = resolver.ref("accounts", sold.get("accountRef"))
            assert income is not None
            both.append(("IncomeAccountRef", income))
            put(both, "PurchaseDesc", bought.get("description"))
            if decimal_value(bought.get("unitPrice")) is not None:
                both.append(("PurchaseCost", exact_text(bought["unitPrice"])))
            purchase_code = resolver.ref("taxRates", bought.get("taxRateRef"))
            put_ref(both, "PurchaseTaxCodeRef", purchase_code)
            expense = resolver.ref("accounts", bought.get("accountRef"))
            assert expense is not None
            both.append(("ExpenseAccountRef", expense))
            fields.append(("SalesAndPurchase", tuple(both)))
        else:
            side = sold or bought
            assert side is not None
            one: list[Field] = []
            put(one, "Desc", side.get("description"))
            if decimal_value(side.get("unitPrice")) is not None:
                one.append(("Price", exact_text(side["unitPrice"])))
            account = resolver.ref("accounts", side.get("accountRef"))
            assert account is not None
            one.append(("AccountRef", account))
            fields.append(("SalesOrPurchase", tuple(one)))
        return tuple(fields)
