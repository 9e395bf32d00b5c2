from __future__ import annotations

import pytest

from qbdsync.errors import InvalidValue
from qbdsync.mapping.items import map_item
from qbdsync.mapping.lists import map_currency, map_payment_method, map_terms
from qbdsync.mapping.tax import map_tax_rate
from qbdsync.mapping.tracking import map_tracking_category

from .helpers import STAMPS, ctx, ref


def listed(list_id: str, name: str, **extra: object) -> dict[str, object]:
    return {"ListID": list_id, **STAMPS, "Name": name, "IsActive": "true", **extra}


# --- items -------------------------------------------------------------------------------------


def test_service_item_sold_and_bought_has_both_sides() -> None:
    raw = listed(
        "I1",
        "Consulting",
        FullName="Services:Consulting",
        SalesTaxCodeRef=ref("T1", "Non"),
        SalesAndPurchase={
            "SalesDesc": "Consulting hour",
            "SalesPrice": "150.00",
            "IncomeAccountRef": ref("A4", "Consulting Income"),
            "PurchaseDesc": "Subcontractor hour",
            "PurchaseCost": "90.00",
            "ExpenseAccountRef": ref("A5", "Subcontractors"),
            "PrefVendorRef": ref("V1", "Acme Contractors"),
        },
    )
    mapped = map_item(raw, ctx("ItemServiceRet"))
    assert mapped["id"] == "I1"
    assert mapped["name"] == "Consulting"
    assert mapped["code"] == "Services:Consulting"
    assert mapped["type"] == "Service"
    assert mapped["itemStatus"] == "Active"
    assert mapped["isInvoiceItem"] is True
    assert mapped["invoiceItem"] == {
        "description": "Consulting hour",
        "unitPrice": 150.0,
        "accountRef": {"id": "A4", "name": "Consulting Income"},
        "taxRateRef": {"id": "T1", "name": "Non"},
    }
    assert mapped["isBillItem"] is True
    assert mapped["billItem"]["unitPrice"] == 90.0
    assert mapped["billItem"]["accountRef"] == {"id": "A5", "name": "Subcontractors"}


def test_sales_or_purchase_item_offers_one_side_as_both() -> None:
    raw = listed(
        "I2",
        "Delivery",
        FullName="Delivery",
        IsActive="false",
        SalesOrPurchase={"Desc": "Delivery fee", "Price": "25.00", "AccountRef": ref("A4", "Inc")},
    )
    mapped = map_item(raw, ctx("ItemNonInventoryRet"))
    assert mapped["type"] == "NonInventory"
    assert mapped["itemStatus"] == "Archived"
    assert mapped["billItem"] == mapped["invoiceItem"]
    assert mapped["invoiceItem"]["unitPrice"] == 25.0


def test_inventory_item_buys_into_cost_of_goods_sold() -> None:
    raw = listed(
        "I3",
        "Widget",
        FullName="Widget",
        SalesDesc="Blue widget",
        SalesPrice="12.50",
        IncomeAccountRef=ref("A4", "Sales"),
        PurchaseDesc="Blue widget",
        PurchaseCost="7.25",
        COGSAccountRef=ref("A6", "Cost of Goods Sold"),
        AssetAccountRef=ref("A7", "Inventory Asset"),
        QuantityOnHand="40",
    )
    mapped = map_item(raw, ctx("ItemInventoryRet"))
    assert mapped["type"] == "Inventory"
    assert mapped["billItem"]["accountRef"]["id"] == "A6"
    assert mapped["billItem"]["unitPrice"] == 7.25
    assert mapped["invoiceItem"]["unitPrice"] == 12.5
    assert mapped["supplementalData"]["content"]["quantityOnHand"] == 40.0


def test_discount_subtotal_and_group_items_are_unknown_type() -> None:
    discount = listed(
        "I4",
        "Loyalty",
        FullName="Loyalty",
        ItemDesc="10% off",
        DiscountRatePercent="10.0",
        AccountRef=ref("A8", "Discounts"),
    )
    mapped = map_item(discount, ctx("ItemDiscountRet"))
    assert mapped["type"] == "Unknown"
    assert mapped["isBillItem"] is False
    assert mapped["invoiceItem"]["unitPrice"] == 10.0
    subtotal = map_item(listed("I5", "Subtotal", ItemDesc="Subtotal"), ctx("ItemSubtotalRet"))
    assert subtotal["type"] == "Unknown"
    assert subtotal["code"] == "Subtotal"
    group = listed("I6", "Kit", ItemDesc="Kit", ItemGroupLine=[{"ItemRef": ref("I3", "Widget")}])
    assert map_item(group, ctx("ItemGroupRet"))["invoiceItem"]["description"] == "Kit"


def test_item_price_with_decimal_comma_is_refused() -> None:
    raw = listed("I7", "Bad", SalesOrPurchase={"Desc": "x", "Price": "12,50"})
    with pytest.raises(InvalidValue, match="Price"):
        map_item(raw, ctx("ItemServiceRet"))


def test_item_without_price_has_none() -> None:
    raw = listed("I8", "Free", SalesOrPurchase={"Desc": "Gift wrap"})
    mapped = map_item(raw, ctx("ItemServiceRet"))
    assert mapped["invoiceItem"]["unitPrice"] is None
    assert mapped["invoiceItem"]["accountRef"] is None


# --- tax rates ---------------------------------------------------------------------------------


def test_us_non_taxable_code_is_zero_percent_and_taxable_code_unknown() -> None:
    non = map_tax_rate(
        listed("T1", "Non", IsTaxable="false", Desc="Non-Taxable Sales"), ctx("SalesTaxCodeRet")
    )
    assert non["code"] == "Non"
    assert non["effectiveTaxRate"] == 0.0
    assert non["components"] == []
    tax = map_tax_rate(listed("T2", "Tax", IsTaxable="true"), ctx("SalesTaxCodeRet"))
    assert tax["effectiveTaxRate"] is None
    assert tax["supplementalData"]["content"]["isTaxable"] is True


def test_ca_code_keeps_refs_to_its_tax_items() -> None:
    raw = listed(
        "T3",
        "G",
        IsTaxable="true",
        Desc="GST",
        ItemPurchaseTaxRef=ref("X1", "GST on purchases"),
        ItemSalesTaxRef=ref("X2", "GST on sales"),
    )
    mapped = map_tax_rate(raw, ctx("SalesTaxCodeRet"))
    content = mapped["supplementalData"]["content"]
    assert content["itemSalesTaxRef"] == {"id": "X2", "name": "GST on sales"}
    assert content["itemPurchaseTaxRef"]["id"] == "X1"


def test_sales_tax_item_carries_its_rate() -> None:
    raw = listed(
        "X3",
        "San Tomas",
        ItemDesc="Sales tax",
        TaxRate="7.75",
        TaxVendorRef=ref("V9", "State Board"),
    )
    mapped = map_tax_rate(raw, ctx("ItemSalesTaxRet"))
    assert mapped["effectiveTaxRate"] == 7.75
    assert mapped["totalTaxRate"] == 7.75
    assert mapped["components"] == [{"name": "San Tomas", "rate": 7.75, "isCompound": False}]
    assert mapped["status"] == "Active"


def test_tax_group_lists_members_whether_one_or_many() -> None:
    one = listed("X4", "County", ItemSalesTaxRef=ref("X3", "San Tomas"))
    many = listed("X5", "Combined", ItemSalesTaxRef=[ref("X3", "San Tomas"), ref("X6", "City")])
    assert [c["name"] for c in map_tax_rate(one, ctx("ItemSalesTaxGroupRet"))["components"]] == [
        "San Tomas"
    ]
    mapped = map_tax_rate(many, ctx("ItemSalesTaxGroupRet"))
    assert [c["name"] for c in mapped["components"]] == ["San Tomas", "City"]
    assert mapped["effectiveTaxRate"] is None


def test_tax_rate_with_decimal_comma_is_refused() -> None:
    with pytest.raises(InvalidValue):
        map_tax_rate(listed("X7", "Bad", TaxRate="7,75"), ctx("ItemSalesTaxRet"))


# --- tracking, payment methods, terms, currencies ------------------------------------------------


def test_class_is_a_tracking_category_with_parent() -> None:
    raw = listed("C2", "East", FullName="Region:East", ParentRef=ref("C1", "Region"), Sublevel="1")
    mapped = map_tracking_category(raw, ctx("ClassRet"))
    assert mapped["name"] == "East"
    assert mapped["parentId"] == "C1"
    assert mapped["hasChildren"] is False
    assert mapped["categoryType"] == "Class"
    assert mapped["status"] == "Active"


def test_inventory_site_is_a_location() -> None:
    raw = listed("S1", "Warehouse", IsDefaultSite="true", SiteDesc="Main warehouse")
    mapped = map_tracking_category(raw, ctx("InventorySiteRet"))
    assert mapped["categoryType"] == "Location"
    assert mapped["parentId"] is None


@pytest.mark.parametrize(
    ("qb_type", "codat_type"),
    [("Visa", "CreditCard"), ("Cash", "Cash"), ("ECheck", "BankTransfer"), ("GiftCard", "Other")],
)
def test_payment_method_types(qb_type: str, codat_type: str) -> None:
    mapped = map_payment_method(listed("P1", qb_type, PaymentMethodType=qb_type), ctx())
    assert mapped["type"] == codat_type


def test_payment_method_without_type_is_unknown() -> None:
    assert map_payment_method(listed("P2", "Barter"), ctx())["type"] == "Unknown"


def test_standard_and_date_driven_terms() -> None:
    net30 = listed("TR1", "Net 30", StdDueDays="30", StdDiscountDays="10", DiscountPct="2.00")
    mapped = map_terms(net30, ctx("StandardTermsRet"))
    assert (mapped["type"], mapped["dueDays"], mapped["discountDays"]) == ("Standard", 30, 10)
    assert mapped["discountPercentage"] == 2.0
    eom = listed("TR2", "EOM", DayOfMonthDue="31", DueNextMonthDays="5")
    mapped = map_terms(eom, ctx("DateDrivenTermsRet"))
    assert (mapped["type"], mapped["dayOfMonthDue"], mapped["discountDayOfMonth"]) == (
        "DateDriven",
        31,
        None,
    )


def test_terms_with_fractional_days_are_refused() -> None:
    with pytest.raises(InvalidValue):
        map_terms(listed("TR3", "Odd", StdDueDays="30.5"), ctx("StandardTermsRet"))


def test_currency() -> None:
    raw = listed(
        "CU1",
        "Euro",
        CurrencyCode="EUR",
        IsUserDefinedCurrency="false",
        ExchangeRate="1.0825",
        AsOfDate="2024-03-01",
    )
    mapped = map_currency(raw, ctx("CurrencyRet"))
    assert mapped["currencyCode"] == "EUR"
    assert mapped["exchangeRate"] == 1.0825
    assert mapped["isUserDefined"] is False


@pytest.mark.parametrize("typed", ["BTC", "ABC", "B$"])
def test_a_user_defined_currency_code_outside_iso_4217_is_reported_not_served(typed: str) -> None:
    raw = listed("CU9", "Bitcoin", CurrencyCode=typed, IsUserDefinedCurrency="true")
    context = ctx("CurrencyRet")
    mapped = map_currency(raw, context)
    assert mapped["currencyCode"] is None
    assert mapped["name"] == "Bitcoin" and mapped["isUserDefined"] is True
    (note,) = context.issues.take()
    assert repr(typed) in note and "ISO 4217" in note
