"""Builders of the smaller QuickBooks lists: classes, terms, payment methods, tax codes, sales
tax items, the item kinds other than services, employees, currencies and inventory sites.

Like ``factories``, every builder inserts keys in ``schema.RET_ORDER`` order and writes amounts
in integer cents. The catalogues below are the fixed content of a new company file; sizes only
scale how many inventory and non-inventory parts a company stocks.
"""

from __future__ import annotations

import random
from typing import Final

from qbdsync.simulator.clock import date_of
from qbdsync.simulator.factories import Record, Setup, address, header, money, phone

Ref = dict[str, str]

# Hierarchical classes ("Region:North") as QuickBooks class tracking shows them.
CLASSES: Final[tuple[str, ...]] = (
    "Region",
    "Region:North",
    "Region:South",
    "Region:East",
    "Region:West",
    "Department",
    "Department:Sales",
    "Department:Operations",
    "Department:Operations:Field Crew",
    "Overhead",
)
# (name, due days, discount days, discount percent) and (name, day of month due, next-month days)
STANDARD_TERMS: Final[tuple[tuple[str, int, int, str], ...]] = (
    ("Due on receipt", 0, 0, ""),
    ("Net 15", 15, 0, ""),
    ("Net 30", 30, 0, ""),
    ("Net 60", 60, 0, ""),
    ("1% 10 Net 30", 30, 10, "1.00"),
    ("2% 10 Net 30", 30, 10, "2.00"),
)
DATE_DRIVEN_TERMS: Final[tuple[tuple[str, int, int], ...]] = (
    ("Due 10th of month", 10, 5),
    ("End of next month", 31, 0),
)
PAYMENT_METHODS: Final[tuple[tuple[str, str], ...]] = (
    ("Cash", "Cash"),
    ("Check", "Check"),
    ("Visa", "Visa"),
    ("MasterCard", "MasterCard"),
    ("American Express", "AmericanExpress"),
    ("E-Check", "ECheck"),
    ("Debit Card", "DebitCard"),
)
# Sales tax items (tax agencies' rates): name, description, rate in thousandths of a
# percent (Quebec's QST is 9.975 %).
SALES_TAX_ITEMS: Final[dict[str, tuple[tuple[str, str, int], ...]]] = {
    "US": (
        ("San Tomas", "CA sales tax, San Tomas County", 7_750),
        ("East Bayshore", "CA sales tax, East Bayshore County", 8_250),
        ("City Surcharge", "Local district surcharge", 500),
        ("Out of State", "No tax on out-of-state sales", 0),
    ),
    "CA": (
        ("GST", "Goods and Services Tax", 5_000),
        ("HST ON", "Harmonized Sales Tax, Ontario", 13_000),
        ("PST BC", "Provincial Sales Tax, British Columbia", 7_000),
        ("QST", "Quebec Sales Tax", 9_975),
    ),
    "UK": (
        ("VAT Standard", "Standard rate VAT", 20_000),
        ("VAT Reduced", "Reduced rate VAT", 5_000),
        ("VAT Zero", "Zero rated VAT", 0),
    ),
}
# US sales tax groups: name, description, member item names.
SALES_TAX_GROUPS: Final[tuple[tuple[str, str, tuple[str, ...]], ...]] = (
    (
        "Bayshore Combined",
        "County rate plus district surcharge",
        ("East Bayshore", "City Surcharge"),
    ),
    ("San Tomas Combined", "County rate plus district surcharge", ("San Tomas", "City Surcharge")),
)
# Extra sales tax codes beyond the two in ``Setup``: name, taxable, description, tax item.
EXTRA_TAX_CODES: Final[dict[str, tuple[tuple[str, bool, str, str], ...]]] = {
    "US": (),
    "CA": (
        ("G", True, "GST 5%", "GST"),
        ("S", True, "GST + PST (BC) 12%", "PST BC"),
        ("Q", True, "GST + QST", "QST"),
        ("Z", False, "Zero-rated", ""),
    ),
    "UK": (
        ("R", True, "Reduced rate 5%", "VAT Reduced"),
        ("E", False, "Exempt", ""),
        ("O", False, "Outside the scope of VAT", ""),
    ),
}
# The tax item behind the two ``Setup`` codes (taxable, exempt) per country.
SETUP_TAX_ITEMS: Final[dict[str, tuple[str, str]]] = {
    "US": ("", ""),
    "CA": ("HST ON", ""),
    "UK": ("VAT Standard", "VAT Zero"),
}
NON_INVENTORY_PARTS: Final[tuple[tuple[str, str, int, int], ...]] = (
    # name, description, price, cost (cents)
    ("Fasteners", "Box of assorted fasteners", 1_200, 650),
    ("Sealant", "Silicone sealant, 300 ml", 950, 420),
    ("Cable Ties", "Cable ties, pack of 100", 600, 210),
    ("Filters", "Replacement air filter", 2_400, 1_100),
    ("Paint", "Interior paint, 5 l — white", 5_500, 3_100),
    ("Grout", "Tile grout, 2 kg", 1_450, 700),
)
INVENTORY_PARTS: Final[tuple[tuple[str, str, int, int], ...]] = (
    ("Thermostat", "Programmable thermostat", 14_900, 8_200),
    ("Valve", 'Brass ball valve ¾"', 3_200, 1_450),
    ("Pump", "Circulation pump 40 W", 27_500, 16_800),
    ("Sensor", "Temperature sensor", 4_800, 2_100),
    ("Controller", "Zone controller & relay", 19_900, 11_300),
    ("Hose", "Braided hose 1 m", 1_800, 700),
    ("Bracket", "Wall bracket, steel", 2_200, 900),
    ("Panel", "Access panel 30×30", 6_400, 3_300),
)
OTHER_CHARGES: Final[tuple[tuple[str, str, int], ...]] = (
    ("Freight", "Freight & handling", 3_500),
    ("Mileage", "Mileage (per mile)", 65),
    ("Late Fee", "Late payment fee", 2_500),
    ("Reimb Group", "Reimbursable expenses", 0),
)
DISCOUNTS: Final[tuple[tuple[str, str, str, bool], ...]] = (
    # name, description, rate, is a percentage
    ("Loyalty 5%", "Loyal customer discount", "5.0", True),
    ("Promo 50", "Promotional discount", "50.00", False),
)
FIXED_ASSETS: Final[tuple[tuple[str, str, int, str], ...]] = (
    # name, description, cost, account
    ("Service Van 1", "Ford Transit service van", 3_450_000, "Vehicles"),
    ("Laptop – Office", "Office laptop", 189_900, "Furniture and Equipment"),
    ("Compressor", "Industrial air compressor", 420_000, "Furniture and Equipment"),
    ("Service Van 2", "Mercedes Sprinter", 4_120_000, "Vehicles"),
)
INVENTORY_SITES: Final[tuple[tuple[str, str], ...]] = (
    ("Main Warehouse", ""),
    ("East Depot", "Main Warehouse"),
    ("Van Stock", ""),
)
CURRENCY_CODES: Final[dict[str, tuple[str, str]]] = {
    # name → ISO code, thousand separator style
    "US Dollar": ("USD", "Comma"),
    "Canadian Dollar": ("CAD", "Comma"),
    "Euro": ("EUR", "Period"),
    "British Pound Sterling": ("GBP", "Comma"),
}
DEPARTMENTS: Final[tuple[str, ...]] = ("Field Service", "Office", "Sales", "Warehouse")
JOB_TITLES: Final[tuple[str, ...]] = (
    "Technician",
    "Senior Technician",
    "Office Manager",
    "Bookkeeper",
    "Sales Rep",
    "Warehouse Lead",
)


def _named(
    setup: Setup, list_id: str, created: int, modified: int, name: str, active: bool
) -> Record:
    record = header(setup, list_id, created, modified)
    record["Name"] = name
    record["IsActive"] = "true" if active else "false"
    return record


def _full_named(
    setup: Setup,
    list_id: str,
    created: int,
    modified: int,
    full_name: str,
    parent: Ref | None,
    active: bool,
) -> Record:
    record = header(setup, list_id, created, modified)
    record["Name"] = full_name.rsplit(":", 1)[-1]
    record["FullName"] = full_name
    record["IsActive"] = "true" if active else "false"
    if parent is not None:
        record["ParentRef"] = parent
    record["Sublevel"] = str(full_name.count(":"))
    return record


def build_class(
    setup: Setup,
    *,
    list_id: str,
    created: int,
    modified: int,
    full_name: str,
    parent: Ref | None,
    active: bool = True,
) -> Record:
    return _full_named(setup, list_id, created, modified, full_name, parent, active)


def build_standard_terms(
    setup: Setup,
    *,
    list_id: str,
    created: int,
    modified: int,
    name: str,
    due_days: int,
    discount_days: int,
    discount_pct: str,
) -> Record:
    record = _named(setup, list_id, created, modified, name, True)
    record["StdDueDays"] = str(due_days)
    if discount_pct:
        record["StdDiscountDays"] = str(discount_days)
        record["DiscountPct"] = discount_pct
    return record


def build_date_driven_terms(
    setup: Setup,
    *,
    list_id: str,
    created: int,
    modified: int,
    name: str,
    day_of_month: int,
    next_month_days: int,
) -> Record:
    record = _named(setup, list_id, created, modified, name, True)
    record["DayOfMonthDue"] = str(day_of_month)
    record["DueNextMonthDays"] = str(next_month_days)
    return record


def build_payment_method(
    setup: Setup, *, list_id: str, created: int, modified: int, name: str, kind: str
) -> Record:
    record = _named(setup, list_id, created, modified, name, True)
    record["PaymentMethodType"] = kind
    return record


def build_sales_tax_code(
    setup: Setup,
    *,
    list_id: str,
    created: int,
    modified: int,
    name: str,
    taxable: bool,
    desc: str,
    tax_item: Ref | None,
) -> Record:
    """CA/UK codes point at the tax items holding their rate (purchase and sales side alike)."""
    record = _named(setup, list_id, created, modified, name, True)
    record["IsTaxable"] = "true" if taxable else "false"
    record["Desc"] = desc
    if tax_item is not None:
        record["ItemPurchaseTaxRef"] = tax_item
        record["ItemSalesTaxRef"] = tax_item
    return record


def rate_percent(thousandths: int) -> str:
    """8_250 → ``"8.25"``, 9_975 → ``"9.975"`` (QuickBooks' PERCENTTYPE, two decimals or more)."""
    text = f"{thousandths // 1000}.{thousandths % 1000:03d}"
    return text[:-1] if text.endswith("0") else text


def build_item_sales_tax(
    setup: Setup,
    *,
    list_id: str,
    created: int,
    modified: int,
    name: str,
    desc: str,
    rate_thousandths: int,
    agency: Ref,
) -> Record:
    record = _named(setup, list_id, created, modified, name, True)
    record["IsUsedOnPurchaseTransaction"] = "true" if setup.country != "US" else "false"
    record["ItemDesc"] = desc
    record["TaxRate"] = rate_percent(rate_thousandths)
    record["TaxVendorRef"] = agency
    return record


def build_item_sales_tax_group(
    setup: Setup,
    *,
    list_id: str,
    created: int,
    modified: int,
    name: str,
    desc: str,
    members: list[Ref],
) -> Record:
    record = _named(setup, list_id, created, modified, name, True)
    record["ItemDesc"] = desc
    record["ItemSalesTaxRef"] = members  # repeats inside a group
    return record


def build_item_non_inventory(
    setup: Setup,
    *,
    list_id: str,
    created: int,
    modified: int,
    full_name: str,
    desc: str,
    price_cents: int,
    cost_cents: int,
    income_account: Ref,
    expense_account: Ref,
    tax_code: Ref,
    vendor: Ref | None,
    active: bool = True,
) -> Record:
    """Bought and resold parts use SalesAndPurchase; the rest SalesOrPurchase."""
    record = _full_named(setup, list_id, created, modified, full_name, None, active)
    record["SalesTaxCodeRef"] = tax_code
    if vendor is None:
        record["SalesOrPurchase"] = {
            "Desc": desc,
            "Price": money(price_cents),
            "AccountRef": income_account,
        }
    else:
        record["SalesAndPurchase"] = {
            "SalesDesc": desc,
            "SalesPrice": money(price_cents),
            "IncomeAccountRef": income_account,
            "PurchaseDesc": desc,
            "PurchaseCost": money(cost_cents),
            "ExpenseAccountRef": expense_account,
            "PrefVendorRef": vendor,
        }
    return record


def build_item_inventory(
    setup: Setup,
    *,
    list_id: str,
    created: int,
    modified: int,
    full_name: str,
    desc: str,
    price_cents: int,
    cost_cents: int,
    accounts: tuple[Ref, Ref, Ref],  # income, cost of goods sold, inventory asset
    tax_code: Ref,
    vendor: Ref | None,
    on_hand: int,
    assembly_of: list[tuple[Ref, int]] | None = None,
    active: bool = True,
) -> Record:
    """An inventory part, or an assembly when ``assembly_of`` lists its components."""
    income, cogs, asset = accounts
    record = _full_named(setup, list_id, created, modified, full_name, None, active)
    record["SalesTaxCodeRef"] = tax_code
    record["SalesDesc"] = desc
    record["SalesPrice"] = money(price_cents)
    record["IncomeAccountRef"] = income
    record["PurchaseDesc"] = desc
    record["PurchaseCost"] = money(cost_cents)
    record["COGSAccountRef"] = cogs
    if vendor is not None:
        record["PrefVendorRef"] = vendor
    record["AssetAccountRef"] = asset
    record["BuildPoint" if assembly_of is not None else "ReorderPoint"] = "5"
    record["QuantityOnHand"] = str(on_hand)
    record["AverageCost"] = money(cost_cents)
    record["QuantityOnOrder"] = "0"
    record["QuantityOnSalesOrder"] = "0"
    if assembly_of is not None:
        record["ItemInventoryAssemblyLine"] = [
            {"ItemInventoryRef": part, "Quantity": str(quantity)} for part, quantity in assembly_of
        ]
    return record


def build_item_other_charge(
    setup: Setup,
    *,
    list_id: str,
    created: int,
    modified: int,
    full_name: str,
    desc: str,
    price_cents: int,
    account: Ref,
    tax_code: Ref,
) -> Record:
    record = _full_named(setup, list_id, created, modified, full_name, None, True)
    record["SalesTaxCodeRef"] = tax_code
    record["SalesOrPurchase"] = {"Desc": desc, "Price": money(price_cents), "AccountRef": account}
    return record


def build_item_discount(
    setup: Setup,
    *,
    list_id: str,
    created: int,
    modified: int,
    full_name: str,
    desc: str,
    rate: str,
    percent: bool,
    account: Ref,
    tax_code: Ref,
) -> Record:
    record = _full_named(setup, list_id, created, modified, full_name, None, True)
    record["ItemDesc"] = desc
    record["SalesTaxCodeRef"] = tax_code
    record["DiscountRatePercent" if percent else "DiscountRate"] = rate
    record["AccountRef"] = account
    return record


def build_item_payment(
    setup: Setup,
    *,
    list_id: str,
    created: int,
    modified: int,
    name: str,
    desc: str,
    deposit_to: Ref,
    method: Ref,
) -> Record:
    record = _named(setup, list_id, created, modified, name, True)
    record["ItemDesc"] = desc
    record["DepositToAccountRef"] = deposit_to
    record["PaymentMethodRef"] = method
    return record


def build_item_subtotal(
    setup: Setup, *, list_id: str, created: int, modified: int, name: str, desc: str
) -> Record:
    record = _named(setup, list_id, created, modified, name, True)
    record["ItemDesc"] = desc
    return record


def build_item_group(
    setup: Setup,
    *,
    list_id: str,
    created: int,
    modified: int,
    name: str,
    desc: str,
    members: list[tuple[Ref, str]],
) -> Record:
    record = _named(setup, list_id, created, modified, name, True)
    record["ItemDesc"] = desc
    record["IsPrintItemsInGroup"] = "true"
    record["ItemGroupLine"] = [{"ItemRef": item, "Quantity": qty} for item, qty in members]
    return record


def build_item_fixed_asset(
    setup: Setup,
    *,
    list_id: str,
    created: int,
    modified: int,
    name: str,
    desc: str,
    cost_cents: int,
    purchased: int,
    vendor_name: str,
    account: Ref,
    active: bool = True,
) -> Record:
    record = _named(setup, list_id, created, modified, name, active)
    record["AcquiredAs"] = "New"
    record["PurchaseDesc"] = desc
    record["PurchaseDate"] = date_of(purchased)
    record["PurchaseCost"] = money(cost_cents)
    record["VendorOrPayeeName"] = vendor_name
    record["AssetAccountRef"] = account
    record["AssetDesc"] = desc
    record["CostBasis"] = money(cost_cents)
    return record


def build_employee(
    rng: random.Random,
    setup: Setup,
    *,
    list_id: str,
    created: int,
    modified: int,
    first: str,
    last: str,
    hired: int,
    active: bool,
) -> Record:
    record = _named(setup, list_id, created, modified, f"{first} {last}", active)
    record["FirstName"] = first
    record["LastName"] = last
    record["JobTitle"] = rng.choice(JOB_TITLES)
    record["Department"] = rng.choice(DEPARTMENTS)
    where = address(rng, setup.country, f"{rng.randrange(1, 999)} {last} Lane")
    record["EmployeeAddress"] = {
        key: value
        for key, value in where.items()
        if key in ("Addr1", "Addr2", "City", "State", "PostalCode", "Country")
    }
    record["PrintAs"] = f"{first} {last}"
    record["Phone"] = phone(rng, setup.country)
    record["Email"] = f"{first.lower()}.{last.lower()}@example.com".encode(
        "ascii", "ignore"
    ).decode()
    record["EmployeeType"] = rng.choice(("Regular", "Regular", "Regular", "Officer"))
    record["PartOrFullTime"] = rng.choice(("FullTime", "FullTime", "PartTime"))
    record["Gender"] = rng.choice(("Male", "Female"))
    record["HiredDate"] = date_of(hired)
    if not active:
        record["ReleasedDate"] = date_of(modified)
    record["AccountNumber"] = f"E{list_id[:4]}"
    return record


def build_currency(
    setup: Setup,
    *,
    list_id: str,
    created: int,
    modified: int,
    name: str,
    rate: str,
    as_of: int,
) -> Record:
    code, separator = CURRENCY_CODES[name]
    record = _named(setup, list_id, created, modified, name, True)
    record["CurrencyCode"] = code
    record["CurrencyFormat"] = {
        "ThousandSeparator": separator,
        "ThousandSeparatorGrouping": "XX_XXX_XXX",
        "DecimalPlaces": "2",
        "DecimalSeparator": "Comma" if separator == "Period" else "Period",
    }
    record["IsUserDefinedCurrency"] = "false"
    record["ExchangeRate"] = rate
    record["AsOfDate"] = date_of(as_of)
    return record


def build_inventory_site(
    rng: random.Random,
    setup: Setup,
    *,
    list_id: str,
    created: int,
    modified: int,
    name: str,
    parent: Ref | None,
    default: bool,
) -> Record:
    record = _named(setup, list_id, created, modified, name, True)
    if parent is not None:
        record["ParentSiteRef"] = parent
    record["IsDefaultSite"] = "true" if default else "false"
    record["SiteDesc"] = f"{name} stock location"
    record["Phone"] = phone(rng, setup.country)
    where = address(rng, setup.country, name)
    record["SiteAddress"] = {k: v for k, v in where.items() if k != "Note"}
    return record
