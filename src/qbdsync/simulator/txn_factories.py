"""Builders of QuickBooks transactions other than invoices (see ``factories.build_invoice``).

Every builder takes a :class:`Stamp` (ids, numbers and times), the company :class:`Setup` and the
:class:`Books` (the accounts, items and methods transactions point at), and returns a record with
keys in ``schema.RET_ORDER`` order. Amounts are integer cents, so totals add up exactly; a
journal entry's debits always equal its credits. Settlements (payments applied to invoices,
bill payments applied to bills) are built from :class:`Applied` rows that the caller also
applies to the settled documents, so both sides of a link always agree.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from qbdsync.simulator.clock import DAY, date_of
from qbdsync.simulator.factories import (
    CustomerEntry,
    ItemEntry,
    Record,
    Setup,
    add_link,
    cents_of,
    money,
    payment_link,
    put_in_order,
    quantity,
    rate_text,
)
from qbdsync.simulator.names import MEMOS, qb_text

Ref = dict[str, str]

_QUANTITIES: Final[tuple[int, ...]] = (10, 10, 10, 20, 20, 30, 50, 100, 15, 25)
_LINE_COUNTS: Final[tuple[int, ...]] = (1, 2, 2, 3, 3, 4)
_EXPENSE_AMOUNTS: Final[tuple[tuple[int, int], ...]] = ((1_500, 20_000), (20_000, 150_000))
COUNTER_BLOCK: Final[int] = 8  # a TxnID plus up to 7 line ids


@dataclass(frozen=True)
class Stamp:
    """Identity and times of one transaction."""

    counter: int
    txn_number: int
    ref_number: str
    created: int
    modified: int


@dataclass(frozen=True)
class VendorEntry:
    list_id: str
    name: str
    created: int
    address: dict[str, str]

    @property
    def ref(self) -> Ref:
        return {"ListID": self.list_id, "FullName": self.name}


@dataclass(frozen=True)
class PurchaseItem:
    ref: Ref
    desc: str
    cost_cents: int
    inventory: bool


@dataclass(frozen=True)
class Books:
    """What transactions point at: accounts by role, items, payment methods, terms."""

    ar: Ref
    ap: Ref
    undeposited: Ref
    banks: tuple[Ref, ...]  # [0] is the main operating account
    cards: tuple[Ref, ...]
    expenses: tuple[Ref, ...]
    income: tuple[Ref, ...]
    journal: tuple[Ref, ...]  # accounts a journal entry may use without a name
    payment_methods: tuple[Ref, ...]
    terms: tuple[Ref, ...]
    sales_items: tuple[ItemEntry, ...]
    purchase_items: tuple[PurchaseItem, ...]


@dataclass(frozen=True)
class Applied:
    """One settled document as the settling payment lists it (AppliedToTxnRet)."""

    txn_id: str
    txn_type: str
    txn_date: str
    ref_number: str
    balance_after: int
    cents: int


def memo(rng: random.Random) -> str:
    return qb_text(rng.choice(MEMOS))


def txn_header(setup: Setup, stamp: Stamp) -> Record:
    clock = setup.clock
    return {
        "TxnID": clock.txn_id(stamp.counter, stamp.created),
        "TimeCreated": clock.stamp(stamp.created),
        "TimeModified": clock.stamp(stamp.modified),
        "EditSequence": clock.edit_sequence(stamp.modified),
        "TxnNumber": str(stamp.txn_number),
    }


def line_id(setup: Setup, stamp: Stamp, index: int) -> str:
    return setup.clock.txn_id(stamp.counter + 1 + index, stamp.created)


def txn_date_of(rng: random.Random, created: int) -> int:
    """Transactions are usually entered on their date or a few days later."""
    return created - rng.randrange(0, 4) * DAY


def _in_home(cents: int, rate: int) -> int:
    return (cents * rate + 5000) // 10_000


def _currency(setup: Setup, index: int) -> tuple[Ref, str, int]:
    currency = setup.currencies[index]
    rate = currency.rate_ten_thousandths
    return currency.ref, rate_text(rate), rate


def _set_currency(
    record: Record, setup: Setup, index: int, home_key: str | None = None, cents: int = 0
) -> None:
    """CurrencyRef/ExchangeRate (and an amount in home currency) when multi-currency is on."""
    if not setup.multi_currency:
        return
    currency_ref, text, rate = _currency(setup, index)
    record["CurrencyRef"] = currency_ref
    record["ExchangeRate"] = text
    if home_key is not None:
        record[home_key] = money(_in_home(cents, rate))


def _tax_rate(setup: Setup, code: Ref) -> int:
    if code["ListID"] == setup.taxable.ref["ListID"]:
        return setup.taxable.rate_basis_points
    return setup.exempt.rate_basis_points


def sales_lines(
    rng: random.Random, setup: Setup, stamp: Stamp, items: Sequence[ItemEntry]
) -> list[Record]:
    lines = []
    for j in range(rng.choice(_LINE_COUNTS)):
        item = items[rng.randrange(len(items))]
        tenths = rng.choice(_QUANTITIES)
        lines.append(
            {
                "TxnLineID": line_id(setup, stamp, j),
                "ItemRef": item.ref,
                "Desc": item.desc,
                "Quantity": quantity(tenths),
                "Rate": money(item.rate_cents),
                "Amount": money((tenths * item.rate_cents + 5) // 10),
                "SalesTaxCodeRef": item.tax_code,
            }
        )
    return lines


def sales_totals(setup: Setup, lines: Sequence[Record]) -> tuple[int, int]:
    """(subtotal, sales tax) of sales lines, tax rounded per rate as QuickBooks does."""
    subtotal = 0
    by_rate: dict[int, int] = {}
    for line in lines:
        amount = cents_of(line["Amount"])
        subtotal += amount
        rate = _tax_rate(setup, line["SalesTaxCodeRef"])
        by_rate[rate] = by_rate.get(rate, 0) + amount
    tax = sum((base * rate + 5000) // 10_000 for rate, base in by_rate.items())
    return subtotal, tax


def _sales_document(
    rng: random.Random,
    setup: Setup,
    stamp: Stamp,
    customer: CustomerEntry,
    items: Sequence[ItemEntry],
) -> tuple[Record, list[Record], int, int, int]:
    """The head every sales form shares, its lines, subtotal, tax and txn date."""
    txn_date = txn_date_of(rng, stamp.created)
    lines = sales_lines(rng, setup, stamp, items)
    subtotal, tax = sales_totals(setup, lines)
    record = txn_header(setup, stamp)
    record["CustomerRef"] = customer.ref
    return record, lines, subtotal, tax, txn_date


def build_credit_memo(
    rng: random.Random,
    setup: Setup,
    stamp: Stamp,
    books: Books,
    customer: CustomerEntry,
) -> Record:
    """An unapplied credit: CreditRemaining is the whole total."""
    record, lines, subtotal, tax, txn_date = _sales_document(
        rng, setup, stamp, customer, books.sales_items
    )
    total = subtotal + tax
    record["ARAccountRef"] = books.ar
    record["TxnDate"] = date_of(txn_date)
    record["RefNumber"] = stamp.ref_number
    record["BillAddress"] = customer.bill_address
    record["IsPending"] = "false"
    record["Subtotal"] = money(subtotal)
    record["SalesTaxTotal"] = money(tax)
    record["TotalAmount"] = money(total)
    record["CreditRemaining"] = money(total)
    if setup.multi_currency:
        currency_ref, text, rate = _currency(setup, customer.currency)
        record["CurrencyRef"] = currency_ref
        record["ExchangeRate"] = text
        record["CreditRemainingInHomeCurrency"] = money(_in_home(total, rate))
    note = memo(rng)
    if note:
        record["Memo"] = note
    record["IsToBePrinted"] = "false"
    record["IsToBeEmailed"] = "false"
    record["CustomerSalesTaxCodeRef"] = customer.tax_code
    record["CreditMemoLineRet"] = lines
    return record


def build_sales_receipt(
    rng: random.Random,
    setup: Setup,
    stamp: Stamp,
    books: Books,
    customer: CustomerEntry,
) -> Record:
    record, lines, subtotal, tax, txn_date = _sales_document(
        rng, setup, stamp, customer, books.sales_items
    )
    total = subtotal + tax
    record["TxnDate"] = date_of(txn_date)
    record["RefNumber"] = stamp.ref_number
    record["BillAddress"] = customer.bill_address
    record["IsPending"] = "false"
    method = rng.choice(books.payment_methods)
    if method["FullName"] == "Check":
        record["CheckNumber"] = str(rng.randrange(1000, 9999))
    record["PaymentMethodRef"] = method
    record["DueDate"] = date_of(txn_date)
    record["Subtotal"] = money(subtotal)
    record["SalesTaxTotal"] = money(tax)
    record["TotalAmount"] = money(total)
    _set_currency(record, setup, customer.currency, "TotalAmountInHomeCurrency", total)
    note = memo(rng)
    if note:
        record["Memo"] = note
    record["IsToBePrinted"] = "false"
    record["IsToBeEmailed"] = "false"
    record["CustomerSalesTaxCodeRef"] = customer.tax_code
    record["DepositToAccountRef"] = (
        books.undeposited if rng.random() < 0.7 or customer.currency else books.banks[0]
    )
    record["SalesReceiptLineRet"] = lines
    return record


def build_sales_order(
    rng: random.Random,
    setup: Setup,
    stamp: Stamp,
    books: Books,
    customer: CustomerEntry,
) -> Record:
    record, lines, subtotal, tax, txn_date = _sales_document(
        rng, setup, stamp, customer, books.sales_items
    )
    total = subtotal + tax
    for line in lines:
        line["Invoiced"] = "0"
    record["TxnDate"] = date_of(txn_date)
    record["RefNumber"] = stamp.ref_number
    record["BillAddress"] = customer.bill_address
    record["ShipAddress"] = customer.bill_address
    if rng.random() < 0.4:
        record["PONumber"] = f"PO-{rng.randrange(1000, 99999)}"
    record["DueDate"] = date_of(txn_date + 14 * DAY)
    record["Subtotal"] = money(subtotal)
    record["SalesTaxTotal"] = money(tax)
    record["TotalAmount"] = money(total)
    _set_currency(record, setup, customer.currency, "TotalAmountInHomeCurrency", total)
    record["IsManuallyClosed"] = "true" if rng.random() < 0.1 else "false"
    record["IsFullyInvoiced"] = "false"
    note = memo(rng)
    if note:
        record["Memo"] = note
    record["IsToBePrinted"] = "false"
    record["IsToBeEmailed"] = "false"
    record["CustomerSalesTaxCodeRef"] = customer.tax_code
    record["SalesOrderLineRet"] = lines
    return record


def build_estimate(
    rng: random.Random,
    setup: Setup,
    stamp: Stamp,
    books: Books,
    customer: CustomerEntry,
) -> Record:
    record, lines, subtotal, tax, txn_date = _sales_document(
        rng, setup, stamp, customer, books.sales_items
    )
    total = subtotal + tax
    record["TxnDate"] = date_of(txn_date)
    record["RefNumber"] = stamp.ref_number
    record["BillAddress"] = customer.bill_address
    record["IsActive"] = "true" if rng.random() < 0.8 else "false"
    record["DueDate"] = date_of(txn_date + 30 * DAY)
    record["Subtotal"] = money(subtotal)
    record["SalesTaxTotal"] = money(tax)
    record["TotalAmount"] = money(total)
    _set_currency(record, setup, customer.currency, "TotalAmountInHomeCurrency", total)
    note = memo(rng)
    if note:
        record["Memo"] = note
    record["IsToBeEmailed"] = "false"
    record["CustomerSalesTaxCodeRef"] = customer.tax_code
    record["EstimateLineRet"] = lines
    return record


def build_receive_payment(
    rng: random.Random,
    setup: Setup,
    stamp: Stamp,
    books: Books,
    customer: CustomerEntry,
    applied: Sequence[Applied],
) -> Record:
    """A customer payment applied in full to ``applied`` (nothing left unused)."""
    total = sum(row.cents for row in applied)
    record = txn_header(setup, stamp)
    record["CustomerRef"] = customer.ref
    record["ARAccountRef"] = books.ar
    record["TxnDate"] = date_of(stamp.created)
    record["RefNumber"] = stamp.ref_number
    record["TotalAmount"] = money(total)
    _set_currency(record, setup, customer.currency, "TotalAmountInHomeCurrency", total)
    record["PaymentMethodRef"] = rng.choice(books.payment_methods)
    record["DepositToAccountRef"] = books.undeposited
    record["UnusedPayment"] = "0.00"
    record["UnusedCredits"] = "0.00"
    record["AppliedToTxnRet"] = [_applied_row(row) for row in applied]
    return record


def _applied_row(row: Applied) -> Record:
    result = {"TxnID": row.txn_id, "TxnType": row.txn_type, "TxnDate": row.txn_date}
    if row.ref_number:
        result["RefNumber"] = row.ref_number
    result["BalanceRemaining"] = money(row.balance_after)
    result["Amount"] = money(row.cents)
    return result


def _expense_lines(
    rng: random.Random, setup: Setup, stamp: Stamp, books: Books, count: int, start: int = 0
) -> list[Record]:
    low, high = _EXPENSE_AMOUNTS[rng.random() < 0.2]
    lines = []
    for j in range(count):
        line = {
            "TxnLineID": line_id(setup, stamp, start + j),
            "AccountRef": rng.choice(books.expenses),
            "Amount": money(rng.randrange(low, high)),
        }
        note = memo(rng)
        if note:
            line["Memo"] = note
        line["BillableStatus"] = "NotBillable"
        lines.append(line)
    return lines


def _item_lines(
    rng: random.Random,
    setup: Setup,
    stamp: Stamp,
    items: Sequence[PurchaseItem],
    count: int,
    start: int = 0,
) -> list[Record]:
    lines = []
    for j in range(count):
        item = items[rng.randrange(len(items))]
        units = rng.choice((1, 2, 5, 10, 12, 20, 50))
        lines.append(
            {
                "TxnLineID": line_id(setup, stamp, start + j),
                "ItemRef": item.ref,
                "Desc": item.desc,
                "Quantity": str(units),
                "Cost": money(item.cost_cents),
                "Amount": money(units * item.cost_cents),
                "BillableStatus": "NotBillable",
            }
        )
    return lines


def _purchase_lines(
    rng: random.Random, setup: Setup, stamp: Stamp, books: Books
) -> tuple[list[Record], list[Record]]:
    """Expense lines, and item lines for about a third of purchases."""
    expense_count = rng.choice((1, 1, 2, 3))
    expenses = _expense_lines(rng, setup, stamp, books, expense_count)
    items: list[Record] = []
    if books.purchase_items and rng.random() < 0.35:
        items = _item_lines(
            rng, setup, stamp, books.purchase_items, rng.choice((1, 2, 3)), expense_count
        )
        if rng.random() < 0.5:
            expenses = []
    return expenses, items


def _lines_total(*groups: Sequence[Record]) -> int:
    return sum(cents_of(line["Amount"]) for lines in groups for line in lines)


def _set_lines(record: Record, expenses: list[Record], items: list[Record]) -> None:
    if expenses:
        record["ExpenseLineRet"] = expenses
    if items:
        record["ItemLineRet"] = items


def build_bill(
    rng: random.Random,
    setup: Setup,
    stamp: Stamp,
    books: Books,
    vendor: VendorEntry,
) -> Record:
    """An open bill; payments are applied with :func:`apply_bill_payment`."""
    txn_date = txn_date_of(rng, stamp.created)
    expenses, items = _purchase_lines(rng, setup, stamp, books)
    total = _lines_total(expenses, items)
    terms = rng.choice(books.terms)
    record = txn_header(setup, stamp)
    record["VendorRef"] = vendor.ref
    record["VendorAddress"] = vendor.address
    record["APAccountRef"] = books.ap
    record["TxnDate"] = date_of(txn_date)
    record["DueDate"] = date_of(txn_date + 30 * DAY)
    record["AmountDue"] = money(total)
    _set_currency(record, setup, 0, "AmountDueInHomeCurrency", total)
    record["RefNumber"] = stamp.ref_number
    record["TermsRef"] = terms
    note = memo(rng)
    if note:
        record["Memo"] = note
    record["IsPaid"] = "false"
    _set_lines(record, expenses, items)
    record["OpenAmount"] = money(total)
    return record


def apply_bill_payment(
    bill: Record,
    cents: int,
    *,
    payment_id: str,
    payment_type: str,
    paid_on: int,
    ref_number: str,
) -> None:
    """A bill payment of ``cents`` against the bill: LinkedTxn, OpenAmount, IsPaid."""
    add_link(bill, "BillRet", payment_link(payment_id, payment_type, paid_on, ref_number, cents))
    open_amount = max(cents_of(bill["OpenAmount"]) - cents, 0)
    bill["OpenAmount"] = money(open_amount)
    bill["IsPaid"] = "true" if open_amount == 0 else "false"


def unapply_bill_payment(bill: Record, payment_id: str) -> None:
    links = bill.get("LinkedTxn", [])
    removed = sum(-cents_of(link["Amount"]) for link in links if link["TxnID"] == payment_id)
    kept = [link for link in links if link["TxnID"] != payment_id]
    if kept:
        bill["LinkedTxn"] = kept
    else:
        bill.pop("LinkedTxn", None)
    open_amount = cents_of(bill["OpenAmount"]) + removed
    bill["OpenAmount"] = money(open_amount)
    bill["IsPaid"] = "true" if open_amount == 0 else "false"


def build_vendor_credit(
    rng: random.Random,
    setup: Setup,
    stamp: Stamp,
    books: Books,
    vendor: VendorEntry,
) -> Record:
    expenses, items = _purchase_lines(rng, setup, stamp, books)
    total = _lines_total(expenses, items)
    record = txn_header(setup, stamp)
    record["VendorRef"] = vendor.ref
    record["APAccountRef"] = books.ap
    record["TxnDate"] = date_of(txn_date_of(rng, stamp.created))
    record["CreditAmount"] = money(total)
    _set_currency(record, setup, 0, "CreditAmountInHomeCurrency", total)
    record["RefNumber"] = stamp.ref_number
    note = memo(rng)
    if note:
        record["Memo"] = note
    _set_lines(record, expenses, items)
    record["OpenAmount"] = money(total)
    return record


def build_bill_payment(
    setup: Setup,
    stamp: Stamp,
    books: Books,
    vendor: VendorEntry,
    applied: Sequence[Applied],
    *,
    account: Ref,
    by_card: bool,
) -> Record:
    """A BillPaymentCheck (``by_card`` False) or BillPaymentCreditCard paying ``applied``."""
    total = sum(row.cents for row in applied)
    record = txn_header(setup, stamp)
    record["PayeeEntityRef"] = vendor.ref
    record["APAccountRef"] = books.ap
    record["TxnDate"] = date_of(stamp.created)
    record["CreditCardAccountRef" if by_card else "BankAccountRef"] = account
    record["Amount"] = money(total)
    _set_currency(record, setup, 0, "AmountInHomeCurrency", total)
    if stamp.ref_number:
        record["RefNumber"] = stamp.ref_number
    if not by_card:
        record["Address"] = vendor.address
        record["IsToBePrinted"] = "false"
    record["AppliedToTxnRet"] = [_applied_row(row) for row in applied]
    return record


def build_purchase_order(
    rng: random.Random,
    setup: Setup,
    stamp: Stamp,
    books: Books,
    vendor: VendorEntry,
) -> Record:
    txn_date = txn_date_of(rng, stamp.created)
    lines = []
    for line in _item_lines(rng, setup, stamp, books.purchase_items, rng.choice((1, 2, 3, 4))):
        received = "0" if rng.random() < 0.6 else line["Quantity"]
        lines.append(
            {
                "TxnLineID": line["TxnLineID"],
                "ItemRef": line["ItemRef"],
                "Desc": line["Desc"],
                "Quantity": line["Quantity"],
                "Rate": line["Cost"],
                "Amount": line["Amount"],
                "ReceivedQuantity": received,
                "IsBilled": "false",
                "IsManuallyClosed": "false",
            }
        )
    total = _lines_total(lines)
    record = txn_header(setup, stamp)
    record["VendorRef"] = vendor.ref
    record["TxnDate"] = date_of(txn_date)
    record["RefNumber"] = stamp.ref_number
    record["VendorAddress"] = vendor.address
    record["DueDate"] = date_of(txn_date + 21 * DAY)
    record["ExpectedDate"] = date_of(txn_date + 14 * DAY)
    record["TotalAmount"] = money(total)
    _set_currency(record, setup, 0, "TotalAmountInHomeCurrency", total)
    record["IsManuallyClosed"] = "false"
    record["IsFullyReceived"] = (
        "true" if all(line["ReceivedQuantity"] != "0" for line in lines) else "false"
    )
    note = memo(rng)
    if note:
        record["Memo"] = note
    record["IsToBePrinted"] = "false"
    record["IsToBeEmailed"] = "true" if rng.random() < 0.5 else "false"
    record["PurchaseOrderLineRet"] = lines
    return record


def build_item_receipt(
    rng: random.Random,
    setup: Setup,
    stamp: Stamp,
    books: Books,
    vendor: VendorEntry,
) -> Record:
    """Items received before their bill: item lines only."""
    stocked = [item for item in books.purchase_items if item.inventory] or list(
        books.purchase_items
    )
    lines = _item_lines(rng, setup, stamp, stocked, rng.choice((1, 2, 3)))
    total = _lines_total(lines)
    record = txn_header(setup, stamp)
    record["VendorRef"] = vendor.ref
    record["APAccountRef"] = books.ap
    record["TxnDate"] = date_of(txn_date_of(rng, stamp.created))
    record["TotalAmount"] = money(total)
    _set_currency(record, setup, 0, "TotalAmountInHomeCurrency", total)
    record["RefNumber"] = stamp.ref_number
    note = memo(rng)
    if note:
        record["Memo"] = note
    record["ItemLineRet"] = lines
    return record


def build_journal_entry(rng: random.Random, setup: Setup, stamp: Stamp, books: Books) -> Record:
    """A balanced entry: one or two debits, one or two credits, equal totals."""
    total = rng.randrange(5_000, 500_000)
    debit_count = rng.choice((1, 1, 2))
    credit_count = rng.choice((1, 1, 2))
    accounts = rng.sample(list(books.journal), debit_count + credit_count)
    note = rng.choice(("Accrual", "Depreciation", "Reclassification", "Year-end adjustment"))

    def split(count: int) -> list[int]:
        if count == 1:
            return [total]
        first = rng.randrange(1, total)
        return [first, total - first]

    lines: dict[str, list[Record]] = {"JournalDebitLine": [], "JournalCreditLine": []}
    index = 0
    for kind, amounts in (
        ("JournalDebitLine", split(debit_count)),
        ("JournalCreditLine", split(credit_count)),
    ):
        for cents in amounts:
            lines[kind].append(
                {
                    "TxnLineID": line_id(setup, stamp, index),
                    "AccountRef": accounts[index],
                    "Amount": money(cents),
                    "Memo": note,
                }
            )
            index += 1
    record = txn_header(setup, stamp)
    record["TxnDate"] = date_of(txn_date_of(rng, stamp.created))
    record["RefNumber"] = stamp.ref_number
    record["IsAdjustment"] = "true" if rng.random() < 0.2 else "false"
    if setup.multi_currency:
        record["IsHomeCurrencyAdjustment"] = "false"
        record["IsAmountsEnteredInHomeCurrency"] = "true"
        _set_currency(record, setup, 0)
    record["JournalDebitLine"] = lines["JournalDebitLine"]
    record["JournalCreditLine"] = lines["JournalCreditLine"]
    return record


def build_check(
    rng: random.Random,
    setup: Setup,
    stamp: Stamp,
    books: Books,
    vendor: VendorEntry,
) -> Record:
    expenses, items = _purchase_lines(rng, setup, stamp, books)
    total = _lines_total(expenses, items)
    record = txn_header(setup, stamp)
    record["AccountRef"] = books.banks[0] if rng.random() < 0.9 else books.banks[-1]
    record["PayeeEntityRef"] = vendor.ref
    record["RefNumber"] = stamp.ref_number
    record["TxnDate"] = date_of(txn_date_of(rng, stamp.created))
    record["Amount"] = money(total)
    _set_currency(record, setup, 0, "AmountInHomeCurrency", total)
    note = memo(rng)
    if note:
        record["Memo"] = note
    record["Address"] = vendor.address
    record["IsToBePrinted"] = "false"
    _set_lines(record, expenses, items)
    return record


def build_credit_card_charge(
    rng: random.Random,
    setup: Setup,
    stamp: Stamp,
    books: Books,
    vendor: VendorEntry,
) -> Record:
    expenses = _expense_lines(rng, setup, stamp, books, rng.choice((1, 1, 2)))
    total = _lines_total(expenses)
    record = txn_header(setup, stamp)
    record["AccountRef"] = rng.choice(books.cards)
    record["PayeeEntityRef"] = vendor.ref
    record["TxnDate"] = date_of(txn_date_of(rng, stamp.created))
    record["Amount"] = money(total)
    _set_currency(record, setup, 0, "AmountInHomeCurrency", total)
    if stamp.ref_number:
        record["RefNumber"] = stamp.ref_number
    note = memo(rng)
    if note:
        record["Memo"] = note
    record["ExpenseLineRet"] = expenses
    return record


def build_deposit(
    rng: random.Random,
    setup: Setup,
    stamp: Stamp,
    books: Books,
    customers: Sequence[CustomerEntry],
) -> Record:
    """A deposit of other income (interest, refunds, cash sales) into a bank account."""
    lines = []
    for j in range(rng.choice((1, 1, 2, 3))):
        line: Record = {"TxnLineID": line_id(setup, stamp, j)}
        if customers and rng.random() < 0.6:
            line["EntityRef"] = customers[rng.randrange(len(customers))].ref
        line["AccountRef"] = rng.choice(books.income)
        note = memo(rng)
        if note:
            line["Memo"] = note
        method = rng.choice(books.payment_methods)
        if method["FullName"] == "Check":
            line["CheckNumber"] = str(rng.randrange(100, 9999))
        line["PaymentMethodRef"] = method
        line["Amount"] = money(rng.randrange(2_000, 250_000))
        lines.append(line)
    total = _lines_total(lines)
    record = txn_header(setup, stamp)
    record["TxnDate"] = date_of(txn_date_of(rng, stamp.created))
    record["DepositToAccountRef"] = books.banks[0]
    note = memo(rng)
    if note:
        record["Memo"] = note
    record["DepositTotal"] = money(total)
    _set_currency(record, setup, 0, "DepositTotalInHomeCurrency", total)
    record["DepositLineRet"] = lines
    return record


def build_transfer(rng: random.Random, setup: Setup, stamp: Stamp, books: Books) -> Record:
    """Money moved between two bank accounts, or from the bank to pay a credit card."""
    source = books.banks[0]
    if rng.random() < 0.5 and len(books.banks) > 1:
        target = rng.choice(books.banks[1:])
    else:
        target = rng.choice(books.cards)
    amount = rng.randrange(10_000, 1_000_000)
    record = txn_header(setup, stamp)
    record["TxnDate"] = date_of(txn_date_of(rng, stamp.created))
    record["TransferFromAccountRef"] = source
    record["FromAccountBalance"] = money(rng.randrange(500_000, 9_000_000))
    record["TransferToAccountRef"] = target
    record["ToAccountBalance"] = money(rng.randrange(0, 2_000_000))
    record["Amount"] = money(amount)
    record["Memo"] = "Funds transfer"
    return record


def set_memo(record: Record, ret_type: str, text: str) -> None:
    """Change or add the header Memo in its schema position."""
    put_in_order(record, ret_type, "Memo", text)
