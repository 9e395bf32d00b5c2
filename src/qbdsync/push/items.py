"""Items: Codat's Item → ItemServiceAdd / ItemNonInventoryAdd / ItemInventoryAdd (and Mods).

The reverse of mapping/items.py. An item sold and bought (isInvoiceItem and isBillItem) keeps
both sides in SalesAndPurchase (income and expense accounts); an item used one way only keeps
one in SalesOrPurchase. Either way QuickBooks needs the side's account.

An inventory part (type Inventory) is always sold and bought, and posts to three accounts: its
income account (``invoiceItem.accountRef``), its cost of goods sold account
(``billItem.accountRef``, as the read side serves an inventory item's COGSAccountRef) and the
Other Current Asset account holding its value (``supplementalData.content.assetAccountRef``,
where the read side serves AssetAccountRef). It starts with nothing on hand: quantities come
from the bills and adjustments that follow.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
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
    ref_id,
    reference,
    status_spec,
    tax_ref_spec,
    text,
)
from qbdsync.push.kinds import CompanyProfile, Lookup, PushAction, Referenced
from qbdsync.push.lines import account_kind
from qbdsync.qbxml.writes import Field

_TYPES = (
    ("Service", "ItemService"),
    ("NonInventory", "ItemNonInventory"),
    ("Inventory", "ItemInventory (an inventory part)"),
)
_QB_KINDS = {
    "Service": "ItemService",
    "NonInventory": "ItemNonInventory",
    "Inventory": "ItemInventory",
}
_ASSET_PATH = "supplementalData.content.assetAccountRef"
# The account type QuickBooks requires of an inventory part's asset account.
_ASSET_TYPE = "OtherCurrentAsset"


def _not_us(profile: CompanyProfile) -> bool:
    return profile.country != "US"


def _side(name: str, display: str, what: str, *, purchase: bool) -> Spec:
    code = tax_ref_spec()
    if purchase:
        # A purchase tax code (PurchaseTaxCodeRef) exists in CA and UK editions only.
        code = replace(
            code,
            when=_not_us,
            unavailable="US editions of QuickBooks keep no purchase tax code on items",
        )
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
            "accountRef",
            "Account",
            "accounts",
            f"The account used when {what} (an inventory part's cost of goods sold account "
            "when bought)",
            required=True,
        ),
        code,
    )


_ASSET_SPEC = obj(
    "supplementalData",
    "Supplemental data",
    "QuickBooks fields Codat's item has no place for",
    obj(
        "content",
        "Content",
        "QuickBooks' own fields",
        reference(
            "assetAccountRef",
            "Inventory asset account",
            "accounts",
            "Inventory parts: the Other Current Asset account holding their value",
        ),
    ),
)


class ItemKind(BaseKind):
    data_type: ClassVar[str] = "items"
    display: ClassVar[str] = "Item"
    description: ClassVar[str] = "A service, non-inventory or inventory item"
    qb_kind: ClassVar[str] = "ItemService"
    name_field: ClassVar[str | None] = "name"
    name_space: ClassVar[NameSpace | None] = ITEM_NAMES
    specs: ClassVar[tuple[Spec, ...]] = (
        text("name", "Name", "The item's name", required=True, limit=("ItemService", "Name")),
        text(
            "type",
            "Type",
            "Service, NonInventory or Inventory",
            required=True,
            choices=lambda _: _TYPES,
            strict=True,
        ),
        status_spec("Archived makes the item inactive", "itemStatus"),
        Spec("isInvoiceItem", "Boolean", "Sold", "Whether the item is sold"),
        _side("invoiceItem", "Invoice item", "sold", purchase=False),
        Spec("isBillItem", "Boolean", "Bought", "Whether the item is bought"),
        _side("billItem", "Bill item", "bought", purchase=True),
        _ASSET_SPEC,
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
        if payload.get("type") == "Inventory":
            self._check_inventory(issues, payload, lookup)
        elif ref_id(_asset(payload)) is not None:
            issues.add(
                f"{_ASSET_PATH}.id",
                "Only an inventory part has an asset account.",
                "NotSupported",
            )

    @classmethod
    def _check_inventory(cls, issues: Issues, payload: Mapping[str, Any], lookup: Lookup) -> None:
        """An inventory part is sold and bought, and names its three accounts."""
        sold, bought = cls._sides(payload)
        for side, present, what in (
            ("invoiceItem", sold, "its income account"),
            ("billItem", bought, "its cost of goods sold account"),
        ):
            if present is None:
                issues.add(
                    side,
                    f"An inventory part is sold and bought: give {side} with {what}.",
                    "Required",
                )
        asset = _asset(payload)
        if ref_id(asset) is None:
            issues.add(
                f"{_ASSET_PATH}.id",
                "An inventory part needs its inventory asset account"
                f" ({_ASSET_PATH}: an Other Current Asset account).",
                "Required",
            )
            return
        kind = account_kind(lookup, asset)
        if kind is not None and kind != _ASSET_TYPE:
            issues.add(
                f"{_ASSET_PATH}.id",
                f"An inventory asset account is an Other Current Asset account, not {kind}.",
                "AccountType",
            )

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
        return _QB_KINDS.get(str(payload.get("type")), "ItemService")

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
        if kind == "ItemInventory":
            assert sold is not None
            assert bought is not None
            fields.extend(self._prices(sold, bought, resolver, "COGSAccountRef"))
            asset = resolver.ref("accounts", _asset(payload))
            assert asset is not None
            fields.append(("AssetAccountRef", asset))
            return tuple(fields)
        if sold is not None and bought is not None:
            both = self._prices(sold, bought, resolver, "ExpenseAccountRef")
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

    @staticmethod
    def _prices(
        sold: Mapping[str, Any], bought: Mapping[str, Any], resolver: Resolver, cost_account: str
    ) -> list[Field]:
        """Both sides of an item sold and bought: SalesAndPurchase's children, or an inventory
        part's own (where the purchase side posts to ``cost_account``)."""
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
        cost = resolver.ref("accounts", bought.get("accountRef"))
        assert cost is not None
        both.append((cost_account, cost))
        return both


def _asset(payload: Mapping[str, Any]) -> Any:
    """supplementalData.content.assetAccountRef, if the payload has one."""
    supplemental = payload.get("supplementalData")
    content = supplemental.get("content") if isinstance(supplemental, Mapping) else None
    return content.get("assetAccountRef") if isinstance(content, Mapping) else None
