"""Builders of single QuickBooks records, shared by the company generator and the churn.

Records are plain dicts in exactly the shape the qbXML parser produces: element name → text, a
nested dict for an aggregate, a list for an element that may repeat
(``schema.REPEATABLE_RET_ELEMENTS``). Keys are inserted in ``schema.RET_ORDER`` order so that
rendering can simply walk the dict. Amounts are computed in integer cents, so totals always add
up exactly, and written with two decimals as QuickBooks does.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from qbdsync.qbxml.schema import RET_ORDER
from qbdsync.simulator.clock import DAY, CompanyClock, date_of
from qbdsync.simulator.names import (
    CITIES,
    COUNTRY_NAMES,
    MEMOS,
    STREETS,
    clip,
    qb_text,
)

Record = dict[str, Any]

# Quantities in tenths, weighted towards whole numbers; a few halves exercise decimal quantities.
_QUANTITY_TENTHS: Final[tuple[int, ...]] = (
    10,
    10,
    10,
    10,
    20,
    20,
    20,
    30,
    30,
    40,
    50,
    60,
    80,
    100,
    120,
    15,
    25,
    75,
    200,
)
_LINE_COUNTS: Final[tuple[int, ...]] = (1, 2, 2, 3, 3, 3, 3, 4, 4, 5)  # mean 3.0
INVOICE_COUNTER_BLOCK: Final[int] = 8  # TxnID + up to 5 line ids + a payment id per invoice


def money(cents: int) -> str:
    """Integer cents → ``"1234.50"`` / ``"-12.00"``."""
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100}.{cents % 100:02d}"


def cents_of(amount: str) -> int:
    """``"1234.50"`` → 123450 (the simulator only reads amounts it wrote itself)."""
    negative = amount.startswith("-")
    whole, _, fraction = amount.lstrip("-").partition(".")
    cents = int(whole) * 100 + int((fraction + "00")[:2])
    return -cents if negative else cents


def quantity(tenths: int) -> str:
    return str(tenths // 10) if tenths % 10 == 0 else f"{tenths // 10}.{tenths % 10}"


def tenths_of(text: str) -> int:
    whole, _, fraction = text.partition(".")
    return int(whole) * 10 + int((fraction + "0")[:1])


def ref(list_id: str, full_name: str) -> dict[str, str]:
    return {"ListID": list_id, "FullName": full_name}


@dataclass(frozen=True)
class TaxCode:
    ref: dict[str, str]
    rate_basis_points: int  # 825 = 8.25 %


@dataclass(frozen=True)
class Currency:
    ref: dict[str, str]
    rate_ten_thousandths: int  # home-currency value of one unit: 7321 = 0.7321


@dataclass(frozen=True)
class Setup:
    """Company-wide facts every record builder needs."""

    country: str
    clock: CompanyClock
    taxable: TaxCode
    exempt: TaxCode
    currencies: tuple[Currency, ...]  # [0] is the home currency
    multi_currency: bool


@dataclass(frozen=True)
class CustomerEntry:
    """What an invoice needs to know about its customer."""

    list_id: str
    full_name: str
    created: int
    bill_address: dict[str, str]
    currency: int
    tax_code: dict[str, str]

    @property
    def ref(self) -> dict[str, str]:
        return ref(self.list_id, self.full_name)


@dataclass(frozen=True)
class ItemEntry:
    ref: dict[str, str]
    desc: str
    rate_cents: int
    tax_code: dict[str, str]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", ".", text.lower()).strip(".") or "info"


def phone(rng: random.Random, country: str) -> str:
    if country == "UK":
        return f"020 7946 0{rng.randrange(100, 1000)}"
    area = 416 if country == "CA" else rng.choice((415, 206, 512, 303, 617))
    return f"({area}) 555-0{rng.randrange(100, 200)}"


def address(rng: random.Random, country: str, first_line: str) -> dict[str, str]:
    city, state, postal_code = rng.choice(CITIES[country])
    result = {"Addr1": first_line, "Addr2": f"{rng.randrange(1, 9999)} {rng.choice(STREETS)}"}
    result["City"] = city
    if state:
        result["State"] = state
    result["PostalCode"] = postal_code
    result["Country"] = COUNTRY_NAMES[country]
    return result


def header(
    setup: Setup, record_id: str, created: int, modified: int, *, id_name: str = "ListID"
) -> Record:
    clock = setup.clock
    return {
        id_name: record_id,
        "TimeCreated": clock.stamp(created),
        "TimeModified": clock.stamp(modified),
        "EditSequence": clock.edit_sequence(modified),
    }


def build_account(
    setup: Setup,
    *,
    list_id: str,
    created: int,
    modified: int,
    full_name: str,
    parent: dict[str, str] | None,
    account_type: str,
    special_type: str,
    number: str,
    desc: str,
    balance_cents: int,
    active: bool = True,
) -> Record:
    record = header(setup, list_id, created, modified)
    record["Name"] = full_name.rsplit(":", 1)[-1]
    record["FullName"] = full_name
    record["IsActive"] = "true" if active else "false"
    if parent is not None:
        record["ParentRef"] = parent
    record["Sublevel"] = str(full_name.count(":"))
    record["AccountType"] = account_type
    if special_type:
        record["SpecialAccountType"] = special_type
    if number:
        record["AccountNumber"] = number
    if desc:
        record["Desc"] = desc
    record["Balance"] = money(balance_cents)
    record["TotalBalance"] = money(balance_cents)
    if setup.multi_currency:
        record["CurrencyRef"] = setup.currencies[0].ref
    return record


def build_customer(
    rng: random.Random,
    setup: Setup,
    *,
    list_id: str,
    created: int,
    modified: int,
    name: str,
    parent: CustomerEntry | None,
    company: str,
    first: str,
    last: str,
    currency: int,
    active: bool,
) -> tuple[Record, CustomerEntry]:
    full_name = f"{parent.full_name}:{name}" if parent else name
    record = header(setup, list_id, created, modified)
    record["Name"] = name
    record["FullName"] = full_name
    record["IsActive"] = "true" if active else "false"
    if parent is not None:
        record["ParentRef"] = parent.ref
    record["Sublevel"] = str(full_name.count(":"))
    if company:
        record["CompanyName"] = company
    if first:
        record["FirstName"] = first
        record["LastName"] = last
    bill = parent.bill_address if parent else address(rng, setup.country, company or name)
    record["BillAddress"] = bill
    record["ShipAddress"] = bill
    record["Phone"] = phone(rng, setup.country)
    record["Email"] = f"{_slug(first or company or name)}@example.com"
    if first:
        record["Contact"] = f"{first} {last}"
    record["Balance"] = "0.00"  # filled in from the customer's invoices
    record["TotalBalance"] = "0.00"
    tax_code = setup.taxable.ref if rng.random() < 0.85 else setup.exempt.ref
    record["SalesTaxCodeRef"] = tax_code
    if parent is not None:
        record["JobStatus"] = rng.choice(("Awarded", "InProgress", "Closed", "None"))
    if setup.multi_currency:
        record["CurrencyRef"] = setup.currencies[currency].ref
    entry = CustomerEntry(list_id, full_name, created, bill, currency, tax_code)
    return record, entry


def build_vendor(
    rng: random.Random,
    setup: Setup,
    *,
    list_id: str,
    created: int,
    modified: int,
    name: str,
    company: str,
    first: str,
    last: str,
    active: bool,
) -> Record:
    record = header(setup, list_id, created, modified)
    record["Name"] = name
    record["IsActive"] = "true" if active else "false"
    record["IsTaxAgency"] = "false"
    if company:
        record["CompanyName"] = company
    if first:
        record["FirstName"] = first
        record["LastName"] = last
    record["VendorAddress"] = address(rng, setup.country, company or name)
    record["Phone"] = phone(rng, setup.country)
    record["Email"] = f"{_slug(company or name)}@example.com"
    record["NameOnCheck"] = name
    record["AccountNumber"] = f"AC-{rng.randrange(10000, 99999)}"
    if setup.country == "US":
        record["IsVendorEligibleFor1099"] = "true" if rng.random() < 0.2 else "false"
    record["Balance"] = "0.00"
    if setup.multi_currency:
        record["CurrencyRef"] = setup.currencies[0].ref
    return record


def build_item_service(
    setup: Setup,
    *,
    list_id: str,
    created: int,
    modified: int,
    full_name: str,
    parent: dict[str, str] | None,
    desc: str,
    rate_cents: int,
    income_account: dict[str, str],
    tax_code: dict[str, str],
    active: bool,
) -> tuple[Record, ItemEntry]:
    record = header(setup, list_id, created, modified)
    record["Name"] = full_name.rsplit(":", 1)[-1]
    record["FullName"] = full_name
    record["IsActive"] = "true" if active else "false"
    if parent is not None:
        record["ParentRef"] = parent
    record["Sublevel"] = str(full_name.count(":"))
    record["SalesTaxCodeRef"] = tax_code
    record["SalesOrPurchase"] = {
        "Desc": desc,
        "Price": money(rate_cents),
        "AccountRef": income_account,
    }
    return record, ItemEntry(ref(list_id, full_name), desc, rate_cents, tax_code)


def build_invoice(
    rng: random.Random,
    setup: Setup,
    *,
    counter: int,
    txn_number: int,
    ref_number: str,
    created: int,
    modified: int,
    customer: CustomerEntry,
    items: Sequence[ItemEntry],
    ar_account: dict[str, str],
    terms: dict[str, str] | None = None,
) -> Record:
    """An unpaid 1–5 line invoice; payments are applied with :func:`apply_payment`."""
    clock = setup.clock
    txn_date = created - rng.randrange(0, 5) * DAY
    lines = []
    for j in range(rng.choice(_LINE_COUNTS)):
        item = items[rng.randrange(len(items))]
        tenths = rng.choice(_QUANTITY_TENTHS)
        lines.append(
            {
                "TxnLineID": clock.txn_id(counter + 1 + j, created),
                "ItemRef": item.ref,
                "Desc": item.desc,
                "Quantity": quantity(tenths),
                "Rate": money(item.rate_cents),
                "Amount": money((tenths * item.rate_cents + 5) // 10),
                "SalesTaxCodeRef": item.tax_code,
            }
        )
    record = header(setup, clock.txn_id(counter, created), created, modified, id_name="TxnID")
    record["TxnNumber"] = str(txn_number)
    record["CustomerRef"] = customer.ref
    record["ARAccountRef"] = ar_account
    record["TxnDate"] = date_of(txn_date)
    record["RefNumber"] = ref_number
    record["BillAddress"] = customer.bill_address
    record["IsPending"] = "false"
    record["IsFinanceCharge"] = "false"
    if rng.random() < 0.3:
        record["PONumber"] = f"PO-{rng.randrange(1000, 99999)}"
    if terms is not None:
        record["TermsRef"] = terms
    record["DueDate"] = date_of(txn_date + 30 * DAY)
    record["Subtotal"] = "0.00"
    record["SalesTaxTotal"] = "0.00"
    record["AppliedAmount"] = "0.00"
    record["BalanceRemaining"] = "0.00"
    if setup.multi_currency:
        currency = setup.currencies[customer.currency]
        record["CurrencyRef"] = currency.ref
        record["ExchangeRate"] = rate_text(currency.rate_ten_thousandths)
        record["BalanceRemainingInHomeCurrency"] = "0.00"
    memo = qb_text(rng.choice(MEMOS))
    if memo:
        record["Memo"] = memo
    record["IsPaid"] = "false"
    record["IsToBePrinted"] = "false"
    record["IsToBeEmailed"] = "true" if rng.random() < 0.5 else "false"
    record["CustomerSalesTaxCodeRef"] = customer.tax_code
    record["InvoiceLineRet"] = lines
    recompute_invoice(record, setup)

    return record


def rate_text(ten_thousandths: int) -> str:
    return f"{ten_thousandths // 10_000}.{ten_thousandths % 10_000:04d}".rstrip("0").rstrip(".")


def _tax_rate(setup: Setup, code: dict[str, str]) -> int:
    if code["ListID"] == setup.taxable.ref["ListID"]:
        return setup.taxable.rate_basis_points
    return setup.exempt.rate_basis_points


def recompute_invoice(record: Record, setup: Setup) -> None:
    """Derive Subtotal, tax and balances from the lines and the applied payments."""
    subtotal = 0
    tax_base_by_rate: dict[int, int] = {}
    for line in record.get("InvoiceLineRet", ()):
        amount = cents_of(line["Amount"])
        subtotal += amount
        rate = _tax_rate(setup, line["SalesTaxCodeRef"])
        tax_base_by_rate[rate] = tax_base_by_rate.get(rate, 0) + amount
    tax = sum((base * rate + 5000) // 10_000 for rate, base in tax_base_by_rate.items())
    applied = cents_of(record["AppliedAmount"])  # negative: payments received
    balance = max(subtotal + tax + applied, 0)
    record["Subtotal"] = money(subtotal)
    record["SalesTaxTotal"] = money(tax)
    record["BalanceRemaining"] = money(balance)
    if "BalanceRemainingInHomeCurrency" in record:
        rate = _rate_of(record["ExchangeRate"])
        record["BalanceRemainingInHomeCurrency"] = money((balance * rate + 5000) // 10_000)
    record["IsPaid"] = "true" if balance == 0 else "false"


def _rate_of(text: str) -> int:
    whole, _, fraction = text.partition(".")
    return int(whole) * 10_000 + int((fraction + "0000")[:4])


def apply_payment(
    record: Record,
    setup: Setup,
    cents: int,
    *,
    payment_id: str,
    paid_on: int,
    ref_number: str,
) -> None:
    """Record a ReceivePayment of ``cents`` against the invoice (a LinkedTxn, AppliedAmount)."""
    applied = cents_of(record["AppliedAmount"]) - cents
    record["AppliedAmount"] = money(applied)
    add_link(
        record, "InvoiceRet", payment_link(payment_id, "ReceivePayment", paid_on, ref_number, cents)
    )
    recompute_invoice(record, setup)


def unapply_payment(record: Record, setup: Setup, payment_id: str) -> None:
    """Undo every application of one payment (it was deleted)."""
    links = record.get("LinkedTxn", [])
    removed = sum(-cents_of(link["Amount"]) for link in links if link["TxnID"] == payment_id)
    kept = [link for link in links if link["TxnID"] != payment_id]
    if kept:
        record["LinkedTxn"] = kept
    else:
        record.pop("LinkedTxn", None)
    record["AppliedAmount"] = money(cents_of(record["AppliedAmount"]) + removed)
    recompute_invoice(record, setup)


def payment_link(txn_id: str, txn_type: str, on: int, ref_number: str, cents: int) -> Record:
    """A LinkedTxn as an invoice or bill shows a payment applied to it (a negative amount)."""
    link = {"TxnID": txn_id, "TxnType": txn_type, "TxnDate": date_of(on)}
    if ref_number:
        link["RefNumber"] = ref_number
    link["LinkType"] = "AMTTYPE"
    link["Amount"] = money(-cents)
    return link


def add_link(record: Record, ret_type: str, link: Record) -> None:
    links = record.get("LinkedTxn")
    if links is None:
        put_in_order(record, ret_type, "LinkedTxn", [link])
    else:
        links.append(link)


def put_in_order(record: Record, ret_type: str, key: str, value: Any) -> None:
    """Set ``key`` keeping the record's keys in ``schema.RET_ORDER`` order."""
    if key in record:
        record[key] = value
        return
    order = RET_ORDER[ret_type]
    position = order.index(key)
    items = list(record.items())
    record.clear()
    placed = False
    for existing, existing_value in items:
        if not placed and existing in order and order.index(existing) > position:
            record[key] = value
            placed = True
        record[existing] = existing_value
    if not placed:
        record[key] = value


def clip_name(text: str) -> str:
    return clip(qb_text(text))
