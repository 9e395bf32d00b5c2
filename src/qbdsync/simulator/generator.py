"""A deterministic QuickBooks company: same (size, seed, country) → the same records.

Only ``random.Random`` seeded from the arguments is used. List records are built eagerly; the
transactions (about 92 % of the records and most of the bytes) are produced lazily by
``CompanyData.transactions()`` (see ``streams``), so a large company (200,000 records) can be
written to disk without ever holding it in memory.

Choices a real company file would make, fixed here so tests can rely on them:

* Edition by country: US companies are QuickBooks Enterprise (everything, including inventory
  sites), CA companies Premier (no inventory sites: InventorySiteQueryRq → 3250), UK companies Pro
  (no inventory sites, no sales orders, no assemblies: those queries → 3250, and none exist).
* Multi-currency is on for every CA and UK *medium* company and, whatever the country, for one
  seed in four (``seed % 4 == 3``) — except the US medium benchmark company, which stays
  single-currency. Customers may then carry a foreign currency; vendors are in home currency.
* Mix of a medium company (≈20,000 records): invoices ≈35 %, customer payments ≈12 %, bills
  ≈12 %, bill payments ≈6 %, checks ≈6 %, sales receipts ≈5 %, the other transaction kinds the
  rest, lists ≈7 %. The record total is exact: journal entries absorb rounding.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Final, Literal

from qbdsync.simulator.catalogue import LIST_RET_TYPES
from qbdsync.simulator.chart import BALANCE_SHEET_TYPES, CHART
from qbdsync.simulator.clock import (
    DAY,
    FIRST_LIST_COUNTER,
    STANDARD_OFFSETS,
    CompanyClock,
    parse_wall,
)
from qbdsync.simulator.factories import (
    Currency,
    CustomerEntry,
    ItemEntry,
    Record,
    Setup,
    TaxCode,
    address,
    build_account,
    build_customer,
    build_item_service,
    build_vendor,
    cents_of,
    money,
    rate_text,
    ref,
)
from qbdsync.simulator.list_factories import (
    CLASSES,
    DATE_DRIVEN_TERMS,
    DISCOUNTS,
    EXTRA_TAX_CODES,
    FIXED_ASSETS,
    INVENTORY_PARTS,
    INVENTORY_SITES,
    NON_INVENTORY_PARTS,
    OTHER_CHARGES,
    PAYMENT_METHODS,
    SALES_TAX_GROUPS,
    SALES_TAX_ITEMS,
    SETUP_TAX_ITEMS,
    STANDARD_TERMS,
    build_class,
    build_currency,
    build_date_driven_terms,
    build_employee,
    build_inventory_site,
    build_item_discount,
    build_item_fixed_asset,
    build_item_group,
    build_item_inventory,
    build_item_non_inventory,
    build_item_other_charge,
    build_item_payment,
    build_item_sales_tax,
    build_item_sales_tax_group,
    build_item_subtotal,
    build_payment_method,
    build_sales_tax_code,
    build_standard_terms,
)
from qbdsync.simulator.names import (
    JOB_NAMES,
    SERVICE_ITEMS,
    UniqueNames,
    clip,
    company_name,
    person_name,
    qb_text,
)
from qbdsync.simulator.streams import (
    Allocation,
    StreamContext,
    all_transactions,
    invoices_and_payments,
    modified_time,
    pick_owners,
    plan_settlements,
    sorted_times,
)
from qbdsync.simulator.txn_factories import Books, PurchaseItem, VendorEntry

Size = Literal["small", "medium", "large"]
Country = Literal["US", "CA", "UK"]

TOTAL_RECORDS: Final[dict[str, int]] = {"small": 1_000, "medium": 20_000, "large": 200_000}
CLOCK_START: Final[str] = "2026-06-01T09:00:00"
HISTORY: Final[int] = 730 * DAY

SUPPORTED_VERSIONS: Final[tuple[str, ...]] = (
    "1.0",
    "1.1",
    "2.0",
    "2.1",
    "3.0",
    "4.0",
    "4.1",
    "5.0",
    "6.0",
    "7.0",
    "8.0",
    "9.0",
    "10.0",
    "11.0",
    "12.0",
    "13.0",
    "14.0",
    "15.0",
    "16.0",
)
PRODUCT_NAMES: Final[dict[str, str]] = {
    "US": "QuickBooks Enterprise Solutions 23.0",
    "CA": "QuickBooks Premier Accountant Edition 2023",
    "UK": "QuickBooks Pro 2023",
}
# Requests an edition does not have (QuickBooks answers them with status 3250).
UNSUPPORTED_BY_EDITION: Final[dict[str, tuple[str, ...]]] = {
    "Enterprise": (),
    "Premier": ("InventorySiteQueryRq",),
    "Pro": ("InventorySiteQueryRq", "SalesOrderQueryRq", "ItemInventoryAssemblyQueryRq"),
}
_TAX_CODES: Final[dict[str, tuple[tuple[str, int], tuple[str, int]]]] = {
    "US": (("Tax", 825), ("Non", 0)),
    "CA": (("H", 1300), ("E", 0)),
    "UK": (("S", 2000), ("Z", 0)),
}
_CURRENCIES: Final[dict[str, tuple[tuple[str, int], ...]]] = {
    "US": (("US Dollar", 10_000), ("Canadian Dollar", 7_321), ("Euro", 10_850)),
    "CA": (("Canadian Dollar", 10_000), ("US Dollar", 13_650), ("Euro", 14_800)),
    "UK": (("British Pound Sterling", 10_000), ("US Dollar", 7_900), ("Euro", 8_550)),
}
_TAX_AGENCIES: Final[dict[str, str]] = {
    "US": "State Board of Equalization",
    "CA": "Receiver General",
    "UK": "HM Revenue & Customs",
}

# Shares of the transactions (percent of all records, before lists are taken out).
_TXN_WEIGHTS: Final[dict[str, float]] = {
    "InvoiceRet": 35,
    "ReceivePaymentRet": 12,
    "BillRet": 12,
    "BillPaymentCheckRet": 4,
    "BillPaymentCreditCardRet": 2,
    "CheckRet": 6,
    "SalesReceiptRet": 5,
    "CreditMemoRet": 2,
    "VendorCreditRet": 1.5,
    "JournalEntryRet": 2,
    "DepositRet": 2,
    "TransferRet": 1,
    "PurchaseOrderRet": 2,
    "SalesOrderRet": 1.5,
    "ItemReceiptRet": 1.5,
    "EstimateRet": 2,
    "CreditCardChargeRet": 2.5,
}


def edition_of(product_name: str) -> str:
    for edition in ("Enterprise", "Premier", "Pro"):
        if edition in product_name:
            return edition
    return "Pro"


def unsupported_requests(product_name: str) -> tuple[str, ...]:
    """Query requests the product answers with status 3250."""
    return UNSUPPORTED_BY_EDITION[edition_of(product_name)]


def supported_versions(country: str) -> list[str]:
    """CA/UK editions name their pre-6.0 versions with a country prefix (``CA3.0``)."""
    if country == "US":
        return list(SUPPORTED_VERSIONS)
    prefixed = [f"{country}2.0", f"{country}3.0"]
    return ["1.0", "1.1", *prefixed, *(v for v in SUPPORTED_VERSIONS[5:])]


def multi_currency_for(size: str, seed: int, country: str) -> bool:
    """On for CA/UK medium companies and one seed in four, never for the US medium benchmark."""
    if country == "US" and size == "medium":
        return False
    return seed % 4 == 3 or (country != "US" and size == "medium")


def make_setup(country: str, created: int, multi_currency: bool) -> Setup:
    """Tax codes and currencies take the first ListIDs of a new company file."""
    clock = CompanyClock(STANDARD_OFFSETS[country])
    (taxable, taxable_rate), (exempt, exempt_rate) = _TAX_CODES[country]
    currencies = tuple(
        Currency(ref(clock.list_id(FIRST_LIST_COUNTER + 2 + i, created), name), rate)
        for i, (name, rate) in enumerate(_CURRENCIES[country])
    )
    return Setup(
        country=country,
        clock=clock,
        taxable=TaxCode(ref(clock.list_id(FIRST_LIST_COUNTER, created), taxable), taxable_rate),
        exempt=TaxCode(ref(clock.list_id(FIRST_LIST_COUNTER + 1, created), exempt), exempt_rate),
        currencies=currencies,
        multi_currency=multi_currency,
    )


FIRST_RECORD_COUNTER: Final[int] = FIRST_LIST_COUNTER + 5  # after tax codes and currencies


@dataclass
class CompanyData:
    """A generated company: its info records, list records and lazy transaction streams."""

    size: str
    seed: int
    country: str
    clock: int  # local seconds; the simulated "now"
    setup: Setup
    company: Record
    host: Record
    preferences: Record
    company_file: str
    lists: dict[str, list[Record]]
    context: StreamContext
    unsupported: tuple[str, ...]
    counters: dict[str, int] = field(default_factory=dict)

    @property
    def customers(self) -> list[CustomerEntry]:
        return self.context.customers

    @property
    def txn_counts(self) -> dict[str, int]:
        """How many transactions of each kind the streams yield."""
        return dict(self.context.counts)

    def invoices(self) -> Iterator[Record]:
        """The company's invoices, oldest first; every call yields the same invoices."""
        for ret_type, record in invoices_and_payments(self.context):
            if ret_type == "InvoiceRet":
                yield record

    def transactions(self) -> Iterator[tuple[str, Record]]:
        """Every transaction as (ret type, record); every call yields the same ones."""
        return all_transactions(self.context)

    def records(self) -> Iterator[tuple[str, Record]]:
        """Every record as (ret type, record); customers and vendors last (balances)."""
        for ret_type, records in self.lists.items():
            if ret_type not in ("CustomerRet", "VendorRet"):
                for record in records:
                    yield ret_type, record
        customer_balances: dict[str, int] = {}
        vendor_balances: dict[str, int] = {}
        for ret_type, record in self.transactions():
            if ret_type == "InvoiceRet":
                customer_id = record["CustomerRef"]["ListID"]
                customer_balances[customer_id] = customer_balances.get(customer_id, 0) + cents_of(
                    record["BalanceRemaining"]
                )
            elif ret_type == "BillRet":
                vendor_id = record["VendorRef"]["ListID"]
                vendor_balances[vendor_id] = vendor_balances.get(vendor_id, 0) + cents_of(
                    record["OpenAmount"]
                )
            yield ret_type, record
        set_customer_balances(self.lists["CustomerRet"], customer_balances)
        for record in self.lists["CustomerRet"]:
            yield "CustomerRet", record
        for record in self.lists["VendorRet"]:
            record["Balance"] = money(vendor_balances.get(record["ListID"], 0))
            yield "VendorRet", record


def set_customer_balances(customers: list[Record], balances: dict[str, int]) -> None:
    """Balance = the customer's own open invoices; TotalBalance adds its jobs'."""
    totals = dict(balances)
    for record in customers:
        parent = record.get("ParentRef")
        if parent is not None:
            own = balances.get(record["ListID"], 0)
            totals[parent["ListID"]] = totals.get(parent["ListID"], 0) + own
    for record in customers:
        record["Balance"] = money(balances.get(record["ListID"], 0))
        record["TotalBalance"] = money(totals.get(record["ListID"], 0))


class _Generator:
    """Builds one company; holds the running ListID counter."""

    def __init__(self, size: Size, seed: int, country: Country) -> None:
        self.rng = random.Random(f"{seed}:{size}:{country}")
        self.size = size
        self.seed = seed
        self.country = country
        self.now = parse_wall(CLOCK_START)
        self.begin = self.now - HISTORY
        self.setup = make_setup(country, self.begin, multi_currency_for(size, seed, country))
        self.counter = FIRST_RECORD_COUNTER
        self.names = UniqueNames()
        self.product = PRODUCT_NAMES[country]
        self.edition = edition_of(self.product)
        self.lists: dict[str, list[Record]] = {name: [] for name in LIST_RET_TYPES}

    def next_list_id(self, created: int) -> str:
        list_id = self.setup.clock.list_id(self.counter, created)
        self.counter += 1
        return list_id

    def setup_times(self, count: int) -> list[int]:
        """List records set up in the company's first two weeks."""
        return sorted_times(self.rng, count, self.begin + 60, self.begin + 14 * DAY)

    def modified(self, created: int) -> int:
        return modified_time(self.rng, created, self.now)

    def run(self) -> CompanyData:
        total = TOTAL_RECORDS[self.size]
        accounts = self.accounts(extra=total // 1000)
        by_name = {a["FullName"]: a for a in accounts}
        vendor_records, vendors = self.vendors(max(12, round(total * 0.015)))
        self.classes()
        terms = self.terms()
        methods = self.payment_methods()
        self.sales_tax(vendor_records[0])
        services = self.items(max(10, total // 400), accounts)
        sales_items, purchase_items = self.other_items(by_name, vendors, methods)
        self.employees(3 + total // 2000)
        self.currencies()
        self.inventory_sites()
        lists_so_far = sum(len(records) for records in self.lists.values()) + len(accounts)
        customer_count = max(30, round(total * 0.045))
        transactions = total - lists_so_far - customer_count
        customers, entries = self.customers(customer_count)
        self.lists["AccountRet"] = accounts
        self.lists["CustomerRet"] = customers
        books = self.books(
            by_name,
            accounts,
            methods,
            terms,
            [entry for entry in services if entry.rate_cents > 0] + sales_items,
            purchase_items,
        )
        context = self.plan(transactions, books, entries, vendors)
        company = self.company_info()
        multi = self.setup.multi_currency
        allocation = context.allocation
        return CompanyData(
            size=self.size,
            seed=self.seed,
            country=self.country,
            clock=self.now,
            setup=self.setup,
            company=company,
            host={
                "ProductName": self.product,
                "MajorVersion": "33",
                "MinorVersion": "0",
                "Country": self.country,
                "SupportedQBXMLVersion": supported_versions(self.country),
                "IsAutomaticLogin": "false",
                "QBFileMode": "SingleUser",
            },
            preferences={
                "AccountingPreferences": {
                    "IsUsingAccountNumbers": "true",
                    "IsRequiringAccounts": "true",
                    "IsUsingClassTracking": "true",
                    "IsUsingAuditTrail": "true",
                    "IsAssigningJournalEntryNumbers": "true",
                },
                "MultiCurrencyPreferences": {
                    "IsMultiCurrencyOn": "true" if multi else "false",
                    "HomeCurrencyRef": self.setup.currencies[0].ref,
                },
                "CurrentAppAccessRights": {
                    "IsAutomaticLoginAllowed": "true",
                    "IsPersonalDataAccessAllowed": "true",
                },
            },
            company_file=company_file_path(company["CompanyName"]),
            lists=self.lists,
            context=context,
            unsupported=unsupported_requests(self.product),
            counters={
                "list": self.counter,
                "txn": allocation.next_counter,
                "txn_number": allocation.next_txn_number,
                "ref_number": 1001 + context.counts["InvoiceRet"],
            },
        )

    # -- transactions ------------------------------------------------------------------------

    def plan(
        self,
        transactions: int,
        books: Books,
        customers: list[CustomerEntry],
        vendors: list[VendorEntry],
    ) -> StreamContext:
        """Counts per kind, then who owns each invoice and bill and which are paid."""
        weights = dict(_TXN_WEIGHTS)
        if "SalesOrderQueryRq" in UNSUPPORTED_BY_EDITION[self.edition]:
            del weights["SalesOrderRet"]
        weight_sum = sum(weights.values())
        counts = {kind: int(transactions * w / weight_sum) for kind, w in weights.items()}
        rng = random.Random(f"{self.seed}:{self.size}:{self.country}:plan")
        start = max(self.begin + 14 * DAY, customers[0].created + 60, vendors[0].created + 60)
        invoice_times = sorted_times(rng, counts["InvoiceRet"], start, self.now - 60)
        invoice_plan = plan_settlements(
            rng,
            invoice_times,
            pick_owners(rng, invoice_times, [c.created for c in customers]),
            now=self.now,
            target=counts["ReceivePaymentRet"],
            group_sizes=(1, 1, 2, 2, 3, 3, 4),
        )
        bill_times = sorted_times(rng, counts["BillRet"], start, self.now - 60)
        bill_payments = counts["BillPaymentCheckRet"] + counts["BillPaymentCreditCardRet"]
        bill_plan = plan_settlements(
            rng,
            bill_times,
            pick_owners(rng, bill_times, [v.created for v in vendors]),
            now=self.now,
            target=bill_payments,
            group_sizes=(1, 1, 1, 2, 2, 3),
            card_share=counts["BillPaymentCreditCardRet"] / max(bill_payments, 1),
        )
        counts["ReceivePaymentRet"] = len(invoice_plan.settlements)
        cards = sum(1 for s in bill_plan.settlements if s.by_card)
        counts["BillPaymentCreditCardRet"] = cards
        counts["BillPaymentCheckRet"] = len(bill_plan.settlements) - cards
        counts["JournalEntryRet"] += transactions - sum(counts.values())
        return StreamContext(
            seed=self.seed,
            size=self.size,
            country=self.country,
            now=self.now,
            start=start,
            setup=self.setup,
            books=books,
            customers=customers,
            vendors=vendors,
            counts=counts,
            invoice_plan=invoice_plan,
            bill_plan=bill_plan,
            allocation=Allocation(counts),
        )

    def books(
        self,
        by_name: dict[str, Record],
        accounts: list[Record],
        methods: list[dict[str, str]],
        terms: list[dict[str, str]],
        sales_items: list[ItemEntry],
        purchase_items: list[PurchaseItem],
    ) -> Books:
        return books_of(accounts, methods, terms, sales_items, purchase_items)

    # -- lists -------------------------------------------------------------------------------

    def company_info(self) -> Record:
        rng = self.rng
        name = qb_text(company_name(rng))
        where = address(rng, self.country, name)
        info: Record = {
            "IsSampleCompany": "false",
            "CompanyName": name,
            "LegalCompanyName": name if name.endswith((".", "LLC", "Ltd")) else f"{name} Ltd.",
            "Address": where,
            "LegalAddress": where,
            "Phone": "(415) 555-0100" if self.country == "US" else "020 7946 0100",
            "Email": "office@example.com",
            "CompanyWebSite": "https://www.example.com",
            "FirstMonthFiscalYear": "January",
            "FirstMonthIncomeTaxYear": "January",
        }
        if self.country == "US":
            info["EIN"] = f"{rng.randrange(10, 99)}-{rng.randrange(1000000, 9999999)}"
            info["TaxForm"] = "Form1120S"
        return info

    def accounts(self, extra: int) -> list[Record]:
        rng = self.rng
        rows = list(CHART[self.country])
        rows += [
            (f"Job Expenses:Project {k:04d}", "Expense", "", f"63{k:02d}"[:6], "")
            for k in range(1, extra + 1)
        ]
        times = sorted_times(rng, len(rows), self.begin, self.begin + 7 * DAY)
        by_name: dict[str, Record] = {}
        records: list[Record] = []
        for (full_name, account_type, special, number, desc), created in zip(
            rows, times, strict=True
        ):
            parent_name = full_name.rpartition(":")[0]
            parent = by_name.get(parent_name)
            balance = rng.randrange(-500_000, 5_000_000)
            if account_type not in BALANCE_SHEET_TYPES:
                balance = abs(balance)
            record = build_account(
                self.setup,
                list_id=self.next_list_id(created),
                created=created,
                modified=self.modified(created),
                full_name=qb_text(full_name),
                parent=ref(parent["ListID"], parent["FullName"]) if parent else None,
                account_type=account_type,
                special_type=special,
                number=number,
                desc=qb_text(desc),
                balance_cents=balance,
                active=not full_name.startswith("Job Expenses:Project") or rng.random() > 0.1,
            )
            by_name[full_name] = record
            records.append(record)
        _roll_up_total_balances(records)
        return records

    def classes(self) -> None:
        parents: dict[str, dict[str, str]] = {}
        for full_name, created in zip(CLASSES, self.setup_times(len(CLASSES)), strict=True):
            record = build_class(
                self.setup,
                list_id=self.next_list_id(created),
                created=created,
                modified=self.modified(created),
                full_name=full_name,
                parent=parents.get(full_name.rpartition(":")[0]),
                active=full_name != "Overhead",
            )
            parents[full_name] = ref(record["ListID"], full_name)
            self.lists["ClassRet"].append(record)

    def terms(self) -> list[dict[str, str]]:
        refs = []
        times = self.setup_times(len(STANDARD_TERMS) + len(DATE_DRIVEN_TERMS))
        for (name, due, discount_days, pct), created in zip(STANDARD_TERMS, times, strict=False):
            record = build_standard_terms(
                self.setup,
                list_id=self.next_list_id(created),
                created=created,
                modified=self.modified(created),
                name=name,
                due_days=due,
                discount_days=discount_days,
                discount_pct=pct,
            )
            self.lists["StandardTermsRet"].append(record)
            refs.append(ref(record["ListID"], name))
        for (name, day, next_days), created in zip(
            DATE_DRIVEN_TERMS, times[len(STANDARD_TERMS) :], strict=True
        ):
            record = build_date_driven_terms(
                self.setup,
                list_id=self.next_list_id(created),
                created=created,
                modified=self.modified(created),
                name=name,
                day_of_month=day,
                next_month_days=next_days,
            )
            self.lists["DateDrivenTermsRet"].append(record)
            refs.append(ref(record["ListID"], name))
        return refs

    def payment_methods(self) -> list[dict[str, str]]:
        refs = []
        for (name, kind), created in zip(
            PAYMENT_METHODS, self.setup_times(len(PAYMENT_METHODS)), strict=True
        ):
            record = build_payment_method(
                self.setup,
                list_id=self.next_list_id(created),
                created=created,
                modified=self.modified(created),
                name=name,
                kind=kind,
            )
            self.lists["PaymentMethodRet"].append(record)
            refs.append(ref(record["ListID"], name))
        return refs

    def sales_tax(self, agency: Record) -> None:
        """Sales tax items (and US groups), then the sales tax codes pointing at them."""
        setup = self.setup
        agency_ref = ref(agency["ListID"], agency["Name"])
        items: dict[str, dict[str, str]] = {}
        rows = SALES_TAX_ITEMS[self.country]
        for (name, desc, rate), created in zip(rows, self.setup_times(len(rows)), strict=True):
            record = build_item_sales_tax(
                setup,
                list_id=self.next_list_id(created),
                created=created,
                modified=self.modified(created),
                name=name,
                desc=desc,
                rate_thousandths=rate,
                agency=agency_ref,
            )
            self.lists["ItemSalesTaxRet"].append(record)
            items[name] = ref(record["ListID"], name)
        if self.country == "US":
            groups = SALES_TAX_GROUPS
            for (name, desc, members), created in zip(
                groups, self.setup_times(len(groups)), strict=True
            ):
                self.lists["ItemSalesTaxGroupRet"].append(
                    build_item_sales_tax_group(
                        setup,
                        list_id=self.next_list_id(created),
                        created=created,
                        modified=self.modified(created),
                        name=name,
                        desc=desc,
                        members=[items[member] for member in members],
                    )
                )
        taxable_item, exempt_item = SETUP_TAX_ITEMS[self.country]
        for code, item_name, taxable in (
            (setup.taxable, taxable_item, True),
            (setup.exempt, exempt_item, False),
        ):
            self.lists["SalesTaxCodeRet"].append(
                build_sales_tax_code(
                    setup,
                    list_id=code.ref["ListID"],
                    created=self.begin,
                    modified=self.begin,
                    name=code.ref["FullName"],
                    taxable=taxable,
                    desc=_tax_code_desc(self.country, taxable, code.rate_basis_points),
                    tax_item=items.get(item_name),
                )
            )
        extra = EXTRA_TAX_CODES[self.country]
        for (name, taxable, desc, item_name), created in zip(
            extra, self.setup_times(len(extra)), strict=True
        ):
            self.lists["SalesTaxCodeRet"].append(
                build_sales_tax_code(
                    setup,
                    list_id=self.next_list_id(created),
                    created=created,
                    modified=self.modified(created),
                    name=name,
                    taxable=taxable,
                    desc=desc,
                    tax_item=items.get(item_name),
                )
            )

    def items(self, count: int, accounts: list[Record]) -> list[ItemEntry]:
        rng = self.rng
        income = next(a for a in accounts if a["FullName"] == "Services")
        income_ref = ref(income["ListID"], income["FullName"])
        times = sorted_times(rng, count, self.begin, self.begin + 7 * DAY)
        result: list[ItemEntry] = []
        parents: list[dict[str, str]] = []
        for index, created in enumerate(times):
            base_name, desc, rate = SERVICE_ITEMS[index % len(SERVICE_ITEMS)]
            parent = None
            full_name = base_name
            if index >= len(SERVICE_ITEMS):
                parent = parents[index % len(SERVICE_ITEMS)]
                full_name = f"{parent['FullName']}:Level {index // len(SERVICE_ITEMS) + 1}"
                rate = rate + 500 * (index // len(SERVICE_ITEMS))
            taxable = self.setup.taxable.ref if index % 4 else self.setup.exempt.ref
            record, entry = build_item_service(
                self.setup,
                list_id=self.next_list_id(created),
                created=created,
                modified=self.modified(created),
                full_name=full_name,
                parent=parent,
                desc=qb_text(desc),
                rate_cents=rate,
                income_account=income_ref,
                tax_code=taxable,
                active=index < len(SERVICE_ITEMS) or rng.random() > 0.1,
            )
            if parent is None:
                parents.append(ref(record["ListID"], record["FullName"]))
            self.lists["ItemServiceRet"].append(record)
            result.append(entry)
        return result

    def other_items(
        self,
        by_name: dict[str, Record],
        vendors: list[VendorEntry],
        methods: list[dict[str, str]],
    ) -> tuple[list[ItemEntry], list[PurchaseItem]]:
        """Parts, charges, discounts and the rest; returns what sales and purchases use."""
        setup, rng = self.setup, self.rng

        def account(name: str) -> dict[str, str]:
            return ref(by_name[name]["ListID"], by_name[name]["FullName"])

        sales, cogs, asset = (
            account("Sales"),
            account("Cost of Goods Sold"),
            account("Inventory Asset"),
        )
        supplies = account("Office Supplies")
        taxable = setup.taxable.ref
        sales_items: list[ItemEntry] = []
        purchase_items: list[PurchaseItem] = []

        def early_vendor(created: int) -> dict[str, str] | None:
            known = [v for v in vendors if v.created < created]
            return rng.choice(known).ref if known else None

        times = iter(self.setup_times(40))
        for name, desc, price, cost in NON_INVENTORY_PARTS:
            created = next(times)
            vendor = early_vendor(created) if rng.random() < 0.6 else None
            record = build_item_non_inventory(
                setup,
                list_id=self.next_list_id(created),
                created=created,
                modified=self.modified(created),
                full_name=name,
                desc=qb_text(desc),
                price_cents=price,
                cost_cents=cost,
                income_account=sales,
                expense_account=supplies,
                tax_code=taxable,
                vendor=vendor,
            )
            self.lists["ItemNonInventoryRet"].append(record)
            item_ref = ref(record["ListID"], name)
            sales_items.append(ItemEntry(item_ref, qb_text(desc), price, taxable))
            purchase_items.append(PurchaseItem(item_ref, qb_text(desc), cost, False))
        parts: list[dict[str, str]] = []
        for name, desc, price, cost in INVENTORY_PARTS:
            created = next(times)
            record = build_item_inventory(
                setup,
                list_id=self.next_list_id(created),
                created=created,
                modified=self.modified(created),
                full_name=name,
                desc=qb_text(desc),
                price_cents=price,
                cost_cents=cost,
                accounts=(sales, cogs, asset),
                tax_code=taxable,
                vendor=early_vendor(created),
                on_hand=rng.randrange(0, 250),
            )
            self.lists["ItemInventoryRet"].append(record)
            item_ref = ref(record["ListID"], name)
            parts.append(item_ref)
            sales_items.append(ItemEntry(item_ref, qb_text(desc), price, taxable))
            purchase_items.append(PurchaseItem(item_ref, qb_text(desc), cost, True))
        if self.edition != "Pro":
            for name, members in (
                ("Heating Kit", parts[:3]),
                ("Sensor Pack", parts[3:5]),
            ):
                created = next(times)
                self.lists["ItemInventoryAssemblyRet"].append(
                    build_item_inventory(
                        setup,
                        list_id=self.next_list_id(created),
                        created=created,
                        modified=self.modified(created),
                        full_name=name,
                        desc=f"{name} (assembled)",
                        price_cents=49_900,
                        cost_cents=27_000,
                        accounts=(sales, cogs, asset),
                        tax_code=taxable,
                        vendor=None,
                        on_hand=rng.randrange(0, 30),
                        assembly_of=[(part, 1 + k % 2) for k, part in enumerate(members)],
                    )
                )
        for name, desc, price in OTHER_CHARGES:
            created = next(times)
            record = build_item_other_charge(
                setup,
                list_id=self.next_list_id(created),
                created=created,
                modified=self.modified(created),
                full_name=name,
                desc=desc,
                price_cents=price,
                account=account("Reimbursed Expenses"),
                tax_code=setup.exempt.ref,
            )
            self.lists["ItemOtherChargeRet"].append(record)
            if price > 0:
                sales_items.append(
                    ItemEntry(ref(record["ListID"], name), desc, price, setup.exempt.ref)
                )
        for name, desc, rate, percent in DISCOUNTS:
            created = next(times)
            self.lists["ItemDiscountRet"].append(
                build_item_discount(
                    setup,
                    list_id=self.next_list_id(created),
                    created=created,
                    modified=self.modified(created),
                    full_name=name,
                    desc=desc,
                    rate=rate,
                    percent=percent,
                    account=sales,
                    tax_code=taxable,
                )
            )
        created = next(times)
        self.lists["ItemPaymentRet"].append(
            build_item_payment(
                setup,
                list_id=self.next_list_id(created),
                created=created,
                modified=created,
                name="Deposit Received",
                desc="Customer deposit or retainer",
                deposit_to=account("Undeposited Funds"),
                method=methods[1],
            )
        )
        created = next(times)
        self.lists["ItemSubtotalRet"].append(
            build_item_subtotal(
                setup,
                list_id=self.next_list_id(created),
                created=created,
                modified=created,
                name="Subtotal",
                desc="Subtotal",
            )
        )
        services = self.lists["ItemServiceRet"]
        for name, bundle in (
            ("Install Package", [(services[1], "2"), (services[4], "1")]),
            ("Annual Service Plan", [(services[4], "4"), (services[8], "2")]),
        ):
            created = next(times)
            self.lists["ItemGroupRet"].append(
                build_item_group(
                    setup,
                    list_id=self.next_list_id(created),
                    created=created,
                    modified=self.modified(created),
                    name=name,
                    desc=f"{name}: bundled services",
                    members=[(ref(item["ListID"], item["FullName"]), qty) for item, qty in bundle],
                )
            )
        for name, desc, cost, asset_account in FIXED_ASSETS:
            created = next(times)
            self.lists["ItemFixedAssetRet"].append(
                build_item_fixed_asset(
                    setup,
                    list_id=self.next_list_id(created),
                    created=created,
                    modified=self.modified(created),
                    name=qb_text(name),
                    desc=desc,
                    cost_cents=cost,
                    purchased=created - rng.randrange(30, 900) * DAY,
                    vendor_name=qb_text(company_name(rng)),
                    account=account(asset_account),
                    active=rng.random() > 0.2,
                )
            )
        return sales_items, purchase_items

    def employees(self, count: int) -> None:
        rng = self.rng
        times = sorted_times(rng, count, self.begin + DAY, self.now - 30 * DAY)
        for created in times:
            first, last = (qb_text(part) for part in person_name(rng))
            name = self.names.take(f"{first} {last}")
            if name != f"{first} {last}":
                last = name.removeprefix(f"{first} ")
            self.lists["EmployeeRet"].append(
                build_employee(
                    rng,
                    self.setup,
                    list_id=self.next_list_id(created),
                    created=created,
                    modified=self.modified(created),
                    first=first,
                    last=last,
                    hired=created - rng.randrange(0, 60) * DAY,
                    active=rng.random() > 0.15,
                )
            )

    def currencies(self) -> None:
        """Currency records exist (and are served) only with multi-currency on."""
        if not self.setup.multi_currency:
            return
        for currency in self.setup.currencies:
            self.lists["CurrencyRet"].append(
                build_currency(
                    self.setup,
                    list_id=currency.ref["ListID"],
                    created=self.begin,
                    modified=self.now - 10 * DAY,
                    name=currency.ref["FullName"],
                    rate=rate_text(currency.rate_ten_thousandths),
                    as_of=self.now - 10 * DAY,
                )
            )

    def inventory_sites(self) -> None:
        if self.edition != "Enterprise":
            return
        parents: dict[str, dict[str, str]] = {}
        times = self.setup_times(len(INVENTORY_SITES))
        for (name, parent), created in zip(INVENTORY_SITES, times, strict=True):
            record = build_inventory_site(
                self.rng,
                self.setup,
                list_id=self.next_list_id(created),
                created=created,
                modified=self.modified(created),
                name=name,
                parent=parents.get(parent),
                default=not parents,
            )
            parents[name] = ref(record["ListID"], name)
            self.lists["InventorySiteRet"].append(record)

    def customers(self, count: int) -> tuple[list[Record], list[CustomerEntry]]:
        rng = self.rng
        times = sorted_times(rng, count, self.begin + DAY, self.now - 3600)
        records: list[Record] = []
        entries: list[CustomerEntry] = []
        top_level: list[CustomerEntry] = []
        job_names: set[str] = set()
        for created in times:
            parent = None
            if top_level and rng.random() < 0.15:
                parent = top_level[rng.randrange(len(top_level))]
            company, first, last = "", "", ""
            if parent is not None:
                name = clip(qb_text(rng.choice(JOB_NAMES)))
                number = 2
                base = name
                while f"{parent.full_name}:{name}" in job_names:
                    name = clip(base, 34) + f" ({number})"
                    number += 1
                job_names.add(f"{parent.full_name}:{name}")
                currency = parent.currency
            else:
                if rng.random() < 0.6:
                    company = qb_text(company_name(rng))
                    name = self.names.take(company)
                    company = clip(company)
                else:
                    first, last = (qb_text(part) for part in person_name(rng))
                    name = self.names.take(f"{first} {last}")
                currency = 0
                if self.setup.multi_currency and rng.random() < 0.1:
                    currency = rng.choice((1, 2))
            record, entry = build_customer(
                rng,
                self.setup,
                list_id=self.next_list_id(created),
                created=created,
                modified=self.modified(created),
                name=name,
                parent=parent,
                company=company,
                first=first,
                last=last,
                currency=currency,
                active=rng.random() > 0.05,
            )
            records.append(record)
            entries.append(entry)
            if parent is None:
                top_level.append(entry)
        return records, entries

    def vendors(self, count: int) -> tuple[list[Record], list[VendorEntry]]:
        """The tax agency first (set up with the company), then suppliers over time."""
        rng = self.rng
        times = [self.begin + 30, *sorted_times(rng, count - 1, self.begin + DAY, self.now - 3600)]
        records = []
        entries = []
        for index, created in enumerate(times):
            company, first, last = "", "", ""
            if index == 0:
                company = _TAX_AGENCIES[self.country]
                name = self.names.take(company)
            elif rng.random() < 0.8:
                company = qb_text(company_name(rng))
                name = self.names.take(company)
                company = clip(company)
            else:
                first, last = (qb_text(part) for part in person_name(rng))
                name = self.names.take(f"{first} {last}")
            record = build_vendor(
                rng,
                self.setup,
                list_id=self.next_list_id(created),
                created=created,
                modified=self.modified(created),
                name=name,
                company=company,
                first=first,
                last=last,
                active=index == 0 or rng.random() > 0.08,
            )
            if index == 0:
                record["IsTaxAgency"] = "true"
            records.append(record)
            entries.append(VendorEntry(record["ListID"], name, created, record["VendorAddress"]))
        self.lists["VendorRet"] = records
        return records, entries


def books_of(
    accounts: list[Record],
    methods: list[dict[str, str]],
    terms: list[dict[str, str]],
    sales_items: list[ItemEntry],
    purchase_items: list[PurchaseItem],
) -> Books:
    """The accounts transactions point at, found by type and special type."""

    def refs(test: object) -> tuple[dict[str, str], ...]:
        assert callable(test)
        return tuple(ref(a["ListID"], a["FullName"]) for a in accounts if test(a))

    def special(kind: str) -> dict[str, str]:
        return refs(lambda a: a.get("SpecialAccountType") == kind)[0]

    active = [a for a in accounts if a["IsActive"] == "true"]

    def of_type(*types: str) -> tuple[dict[str, str], ...]:
        return tuple(
            ref(a["ListID"], a["FullName"])
            for a in active
            if a["AccountType"] in types and "SpecialAccountType" not in a
        )

    return Books(
        ar=special("AccountsReceivable"),
        ap=special("AccountsPayable"),
        undeposited=special("UndepositedFunds"),
        banks=of_type("Bank"),
        cards=tuple(r for r in of_type("CreditCard") if ":" in r["FullName"]),
        expenses=tuple(r for r in of_type("Expense") if "Project" not in r["FullName"]),
        income=of_type("Income", "OtherIncome"),
        journal=of_type("Expense", "OtherCurrentAsset", "FixedAsset", "Equity", "OtherExpense"),
        payment_methods=tuple(methods),
        terms=tuple(terms),
        sales_items=tuple(sales_items),
        purchase_items=tuple(purchase_items),
    )


def _tax_code_desc(country: str, taxable: bool, rate: int) -> str:
    if country == "US":
        return "Taxable sales" if taxable else "Non-taxable sales"
    if country == "CA":
        return f"HST {rate // 100}%" if taxable else "Exempt"
    return f"Standard rate {rate // 100}%" if taxable else "Zero rated"


def _roll_up_total_balances(accounts: list[Record]) -> None:
    """An account's TotalBalance is its own balance plus all its sub-accounts'."""
    totals = {a["FullName"]: cents_of(a["Balance"]) for a in accounts}
    for account in sorted(accounts, key=lambda a: -a["FullName"].count(":")):
        parent = account.get("ParentRef")
        if parent is not None:
            totals[parent["FullName"]] += totals[account["FullName"]]
    for account in accounts:
        account["TotalBalance"] = money(totals[account["FullName"]])


def company_file_path(company_name: str) -> str:
    file_name = re.sub(r'[<>:"/\\|?*]+', "", company_name).strip() or "Company"
    return "C:\\Users\\Public\\Documents\\Intuit\\QuickBooks\\Company Files\\" + file_name + ".qbw"


def generate(size: Size, seed: int, country: Country) -> CompanyData:
    """Generate a company; identical arguments give an identical company."""
    if size not in TOTAL_RECORDS:
        raise ValueError(f"unknown company size {size!r}")
    if country not in STANDARD_OFFSETS:
        raise ValueError(f"unknown country {country!r}")
    return _Generator(size, seed, country).run()
