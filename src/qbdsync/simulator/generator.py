"""A deterministic QuickBooks company: same (size, seed, country) → the same records.

Only ``random.Random`` seeded from the arguments is used. List records (accounts, customers,
vendors, items) are built eagerly; invoices — about 70 % of the records and most of the bytes —
are produced lazily by ``CompanyData.invoices()`` from their own seeded generator, so a large
company (200,000 records) can be written to disk without ever holding it in memory.
"""

from __future__ import annotations

import bisect
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Final, Literal

from qbdsync.simulator.chart import BALANCE_SHEET_TYPES, CHART
from qbdsync.simulator.clock import (
    DAY,
    FIRST_LIST_COUNTER,
    FIRST_TXN_COUNTER,
    STANDARD_OFFSETS,
    CompanyClock,
    parse_wall,
)
from qbdsync.simulator.factories import (
    INVOICE_COUNTER_BLOCK,
    Currency,
    CustomerEntry,
    ItemEntry,
    Record,
    Setup,
    TaxCode,
    address,
    build_account,
    build_customer,
    build_invoice,
    build_item_service,
    build_vendor,
    cents_of,
    money,
    ref,
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
    "UK": "QuickBooks Premier Accountant Edition 2023",
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
RECORD_TYPES: Final[tuple[str, ...]] = (
    "AccountRet",
    "CustomerRet",
    "VendorRet",
    "ItemServiceRet",
    "InvoiceRet",
)


def supported_versions(country: str) -> list[str]:
    """CA/UK editions name their pre-6.0 versions with a country prefix (``CA3.0``)."""
    if country == "US":
        return list(SUPPORTED_VERSIONS)
    prefixed = [f"{country}2.0", f"{country}3.0"]
    return ["1.0", "1.1", *prefixed, *(v for v in SUPPORTED_VERSIONS[5:])]


def multi_currency_for(size: str, seed: int, country: str) -> bool:
    """Multi-currency is on for one seed in four, never for the US medium benchmark company."""
    return seed % 4 == 3 and not (country == "US" and size == "medium")


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
    """A generated company: its info records, list records and a lazy stream of invoices."""

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
    customers: list[CustomerEntry]
    items: list[ItemEntry]
    ar_account: dict[str, str]
    invoice_count: int
    counters: dict[str, int] = field(default_factory=dict)

    def invoices(self) -> Iterator[Record]:
        """The company's invoices, oldest first; every call yields the same invoices."""
        rng = random.Random(f"{self.seed}:{self.size}:{self.country}:invoices")
        customer_times = [c.created for c in self.customers]
        # No invoice before the first customer exists.
        start = max(self.clock - HISTORY + 7 * DAY, customer_times[0] + 60)
        times = sorted(rng.randrange(start, self.clock - 60) for _ in range(self.invoice_count))
        active_items = [i for i in self.items if i.rate_cents > 0]
        for index, created in enumerate(times):
            known = bisect.bisect_right(customer_times, created)
            customer = self.customers[rng.randrange(known)]
            modified = _modified_time(rng, created, self.clock)
            yield build_invoice(
                rng,
                self.setup,
                counter=FIRST_TXN_COUNTER + index * INVOICE_COUNTER_BLOCK,
                txn_number=index + 1,
                ref_number=str(1001 + index),
                created=created,
                modified=modified,
                now=self.clock,
                customer=customer,
                items=active_items,
                ar_account=self.ar_account,
            )

    def records(self) -> Iterator[tuple[str, Record]]:
        """Every record as (ret type, record), customers last so their balances are known."""
        for ret_type in ("AccountRet", "VendorRet", "ItemServiceRet"):
            for record in self.lists[ret_type]:
                yield ret_type, record
        balances: dict[str, int] = {}
        for invoice in self.invoices():
            customer_id = invoice["CustomerRef"]["ListID"]
            balances[customer_id] = balances.get(customer_id, 0) + cents_of(
                invoice["BalanceRemaining"]
            )
            yield "InvoiceRet", invoice
        set_customer_balances(self.lists["CustomerRet"], balances)
        for record in self.lists["CustomerRet"]:
            yield "CustomerRet", record


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


def _modified_time(rng: random.Random, created: int, now: int) -> int:
    if rng.random() < 0.7:
        return created
    return min(created + rng.randrange(0, 90 * DAY), now - 1)


def _sorted_times(rng: random.Random, count: int, start: int, end: int) -> list[int]:
    return sorted(rng.randrange(start, end) for _ in range(count))


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

    def next_list_id(self, created: int) -> str:
        list_id = self.setup.clock.list_id(self.counter, created)
        self.counter += 1
        return list_id

    def run(self) -> CompanyData:
        total = TOTAL_RECORDS[self.size]
        invoices = round(total * 0.70)
        item_count = max(10, total // 400)
        vendor_count = round(total * 0.05)
        accounts = self.accounts(extra=total // 1000)
        items = self.items(item_count, accounts)
        customer_count = total - invoices - len(accounts) - len(items) - vendor_count
        customers, entries = self.customers(customer_count)
        vendors = self.vendors(vendor_count)
        ar_account = next(a for a in accounts if a["AccountType"] == "AccountsReceivable")
        company = self.company_info()
        multi = self.setup.multi_currency
        return CompanyData(
            size=self.size,
            seed=self.seed,
            country=self.country,
            clock=self.now,
            setup=self.setup,
            company=company,
            host={
                "ProductName": PRODUCT_NAMES[self.country],
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
                    "IsUsingClassTracking": "false",
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
            lists={
                "AccountRet": accounts,
                "CustomerRet": customers,
                "VendorRet": vendors,
                "ItemServiceRet": [record for record, _ in items],
            },
            customers=entries,
            items=[entry for _, entry in items],
            ar_account=ref(ar_account["ListID"], ar_account["FullName"]),
            invoice_count=invoices,
            counters={
                "list": self.counter,
                "txn": FIRST_TXN_COUNTER + invoices * INVOICE_COUNTER_BLOCK,
                "txn_number": invoices + 1,
                "ref_number": 1001 + invoices,
            },
        )

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
        times = _sorted_times(rng, len(rows), self.begin, self.begin + 7 * DAY)
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
                modified=_modified_time(rng, created, self.now),
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

    def items(self, count: int, accounts: list[Record]) -> list[tuple[Record, ItemEntry]]:
        rng = self.rng
        income = next(a for a in accounts if a["FullName"] == "Services")
        income_ref = ref(income["ListID"], income["FullName"])
        times = _sorted_times(rng, count, self.begin, self.begin + 7 * DAY)
        result: list[tuple[Record, ItemEntry]] = []
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
                modified=_modified_time(rng, created, self.now),
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
            result.append((record, entry))
        return result

    def customers(self, count: int) -> tuple[list[Record], list[CustomerEntry]]:
        rng = self.rng
        times = _sorted_times(rng, count, self.begin + DAY, self.now - 3600)
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
                modified=_modified_time(rng, created, self.now),
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

    def vendors(self, count: int) -> list[Record]:
        rng = self.rng
        times = _sorted_times(rng, count, self.begin + DAY, self.now - 3600)
        records = []
        for created in times:
            company, first, last = "", "", ""
            if rng.random() < 0.8:
                company = qb_text(company_name(rng))
                name = self.names.take(company)
                company = clip(company)
            else:
                first, last = (qb_text(part) for part in person_name(rng))
                name = self.names.take(f"{first} {last}")
            records.append(
                build_vendor(
                    rng,
                    self.setup,
                    list_id=self.next_list_id(created),
                    created=created,
                    modified=_modified_time(rng, created, self.now),
                    name=name,
                    company=company,
                    first=first,
                    last=last,
                    active=rng.random() > 0.08,
                )
            )
        return records


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
