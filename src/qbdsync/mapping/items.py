"""Item*Ret (every kind ItemQueryRq returns) → Codat Item.

QuickBooks keeps sale and purchase details in three layouts:
- SalesOrPurchase {Desc, Price | PricePercent, AccountRef}: the item is used one way only, and
  QuickBooks does not say which, so it is offered as both a bill and an invoice item.
- SalesAndPurchase {SalesDesc, SalesPrice, IncomeAccountRef, PurchaseDesc, PurchaseCost,
  PurchaseTaxCodeRef, ExpenseAccountRef}: separate sides.
- Inventory and assembly items: the same fields directly in the record, with COGSAccountRef as
  the purchase side's account.
"""

from __future__ import annotations

from typing import Any

from qbdsync.mapping.common import (
    Mapped,
    MappingContext,
    Raw,
    amount,
    metadata,
    ref,
    required,
    source_modified,
    status,
    text,
)

ITEM_TYPES: dict[str, str] = {
    "ItemServiceRet": "Service",
    "ItemNonInventoryRet": "NonInventory",
    "ItemInventoryRet": "Inventory",
    "ItemInventoryAssemblyRet": "Inventory",
    # Codat has no type for these; they are lines of documents rather than goods or services.
    "ItemOtherChargeRet": "Unknown",
    "ItemDiscountRet": "Unknown",
    "ItemPaymentRet": "Unknown",
    "ItemSubtotalRet": "Unknown",
    "ItemGroupRet": "Unknown",
    "ItemFixedAssetRet": "Unknown",
    "ItemSalesTaxRet": "Unknown",
    "ItemSalesTaxGroupRet": "Unknown",
}


def _side(
    details: Raw, desc: str, price: str | None, account: str | None, tax: str | None
) -> dict[str, Any] | None:
    """One side (bill or invoice) of an item; None when the record has none of its parts."""
    if not any(name in details for name in (desc, price, account) if name):
        return None
    return {
        "description": text(details, desc),
        "unitPrice": amount(details, price) if price else None,
        "accountRef": ref(details, account) if account else None,
        "taxRateRef": ref(details, tax) if tax else None,
    }


def _sides(raw: Raw) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """(billItem, invoiceItem) from whichever layout the record has."""
    either = raw.get("SalesOrPurchase")
    if isinstance(either, dict):
        price = "Price" if "Price" in either else "PricePercent"
        side = _side(either, "Desc", price, "AccountRef", None)
        if side is not None:
            side["taxRateRef"] = ref(raw, "SalesTaxCodeRef")
        return side, side
    both = raw.get("SalesAndPurchase")
    details = both if isinstance(both, dict) else raw
    bill = _side(details, "PurchaseDesc", "PurchaseCost", "ExpenseAccountRef", "PurchaseTaxCodeRef")
    if bill is None or bill["accountRef"] is None:
        # Inventory and assembly items buy into the cost of goods sold account.
        cogs = _side(details, "PurchaseDesc", "PurchaseCost", "COGSAccountRef", None)
        bill = cogs or bill
    invoice = _side(details, "SalesDesc", "SalesPrice", "IncomeAccountRef", None)
    if invoice is not None:
        invoice["taxRateRef"] = ref(raw, "SalesTaxCodeRef")
    return bill, invoice


def _other_sides(raw: Raw) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """Discount, payment, subtotal, group and fixed-asset items have their own layouts."""
    if "DiscountRate" in raw or "DiscountRatePercent" in raw or "AccountRef" in raw:
        price = "DiscountRate" if "DiscountRate" in raw else "DiscountRatePercent"
        invoice = _side(raw, "ItemDesc", price, "AccountRef", None)
        if invoice is not None:
            invoice["taxRateRef"] = ref(raw, "SalesTaxCodeRef")
        return None, invoice
    if "DepositToAccountRef" in raw:
        return None, _side(raw, "ItemDesc", None, "DepositToAccountRef", None)
    if "AssetAccountRef" in raw:  # fixed asset: bought at PurchaseCost into the asset account
        return _side(raw, "PurchaseDesc", "PurchaseCost", "AssetAccountRef", None), None
    if "ItemDesc" in raw:
        return None, _side(raw, "ItemDesc", None, None, None)
    return None, None


def map_item(raw: Raw, ctx: MappingContext) -> Mapped:
    if "SalesOrPurchase" in raw or "SalesAndPurchase" in raw or "IncomeAccountRef" in raw:
        bill, invoice = _sides(raw)
    else:
        bill, invoice = _other_sides(raw)
    return {
        "id": required(raw, "ListID"),
        "name": text(raw, "Name"),
        "code": text(raw, "FullName") or text(raw, "Name"),
        "itemStatus": status(raw),
        "type": ITEM_TYPES.get(ctx.ret_name, "Unknown"),
        "isBillItem": bill is not None,
        "billItem": bill,
        "isInvoiceItem": invoice is not None,
        "invoiceItem": invoice,
        "sourceModifiedDate": source_modified(raw),
        "metadata": metadata(),
        "supplementalData": {
            "content": {
                "itemKind": ctx.ret_name or None,
                "quantityOnHand": amount(raw, "QuantityOnHand"),
                "averageCost": amount(raw, "AverageCost"),
                "assetAccountRef": ref(raw, "AssetAccountRef"),
                "parentRef": ref(raw, "ParentRef"),
            }
        },
    }
