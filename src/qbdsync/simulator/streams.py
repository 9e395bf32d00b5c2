"""Lazy, deterministic streams of a generated company's transactions.

Transactions are most of a company's records and bytes, so they are never held in memory: each
kind is produced by its own generator seeded from (seed, size, country, kind), and a large
company can be written to disk record by record. Payments need their invoices (and bill
payments their bills): a :class:`SettlementPlan`, computed up front from the documents' times and
owners only, says which documents each payment settles, so an invoice already knows its payment
when it is built and the payment is emitted as soon as its last invoice has been.
"""

from __future__ import annotations

import bisect
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Final

from qbdsync.simulator.catalogue import TXN_ID_ORDER
from qbdsync.simulator.clock import DAY, FIRST_TXN_COUNTER
from qbdsync.simulator.factories import (
    CustomerEntry,
    Record,
    Setup,
    apply_payment,
    build_invoice,
    cents_of,
)
from qbdsync.simulator.txn_factories import (
    COUNTER_BLOCK,
    Applied,
    Books,
    Stamp,
    VendorEntry,
    apply_bill_payment,
    build_bill,
    build_bill_payment,
    build_check,
    build_credit_card_charge,
    build_credit_memo,
    build_deposit,
    build_estimate,
    build_item_receipt,
    build_journal_entry,
    build_purchase_order,
    build_receive_payment,
    build_sales_order,
    build_sales_receipt,
    build_transfer,
    build_vendor_credit,
)

# Group sizes: how many documents of one owner a payment settles at once.
_INVOICE_GROUPS: Final[tuple[int, ...]] = (1, 1, 2, 2, 3, 3, 4)
_BILL_GROUPS: Final[tuple[int, ...]] = (1, 1, 1, 2, 2, 3)
_PARTIAL_SHARE: Final[float] = 0.12

# The first RefNumber of each transaction kind (None: QuickBooks leaves it empty or the
# builder picks one).
FIRST_REF: Final[dict[str, int]] = {
    "InvoiceRet": 1001,
    "CheckRet": 10001,
    "BillPaymentCheckRet": 20001,
    "SalesReceiptRet": 3001,
    "CreditMemoRet": 5001,
    "PurchaseOrderRet": 6001,
    "SalesOrderRet": 7001,
    "EstimateRet": 8001,
    "JournalEntryRet": 1,
}


@dataclass(frozen=True)
class Settlement:
    """One planned payment: the documents it settles (time order) and when."""

    members: tuple[int, ...]
    paid_on: int
    partial: bool
    by_card: bool


@dataclass
class SettlementPlan:
    """Documents' times and owners, and which payment settles which documents."""

    times: list[int]
    owners: list[int]
    settlements: list[Settlement]  # ordered by paid_on; the index is the payment's ordinal
    settled_by: dict[int, int] = field(default_factory=dict)  # document index → settlement

    def __post_init__(self) -> None:
        for ordinal, settlement in enumerate(self.settlements):
            for member in settlement.members:
                self.settled_by[member] = ordinal


def sorted_times(rng: random.Random, count: int, start: int, end: int) -> list[int]:
    return sorted(rng.randrange(start, end) for _ in range(count))


def pick_owners(rng: random.Random, times: Sequence[int], created: Sequence[int]) -> list[int]:
    """For each document time, an owner (customer/vendor) that already existed then."""
    owners = []
    for moment in times:
        known = max(bisect.bisect_right(created, moment), 1)
        owners.append(rng.randrange(known))
    return owners


def plan_settlements(
    rng: random.Random,
    times: list[int],
    owners: list[int],
    *,
    now: int,
    target: int,
    group_sizes: Sequence[int],
    card_share: float = 0.0,
) -> SettlementPlan:
    """Group each owner's documents into payments; settle ``target`` of them, older first.

    Old groups are far more likely to be among the settled ones, so recent documents are mostly
    open, as in a real company. Fewer than ``target`` payments result only when there are not
    enough groups whose payment date lies in the past.
    """
    by_owner: dict[int, list[int]] = {}
    for index, owner in enumerate(owners):
        by_owner.setdefault(owner, []).append(index)
    candidates: list[tuple[float, tuple[int, ...], int]] = []
    for owner in sorted(by_owner):
        documents = by_owner[owner]
        start = 0
        while start < len(documents):
            size = rng.choice(group_sizes)
            members = tuple(documents[start : start + size])
            start += size
            paid_on = times[members[-1]] + rng.randrange(2 * DAY, 45 * DAY)
            if paid_on >= now - 3600:
                continue
            weight = 1.0 if now - paid_on > 60 * DAY else 6.0
            candidates.append((rng.random() * weight, members, paid_on))
    candidates.sort()
    chosen = sorted(candidates[:target], key=lambda c: (c[2], c[1]))
    settlements = [
        Settlement(members, paid_on, rng.random() < _PARTIAL_SHARE, rng.random() < card_share)
        for _, members, paid_on in chosen
    ]
    return SettlementPlan(times, owners, settlements)


def modified_time(rng: random.Random, created: int, now: int) -> int:
    if rng.random() < 0.7:
        return created
    return min(created + rng.randrange(0, 90 * DAY), now - 1)


@dataclass
class Allocation:
    """TxnID counter, TxnNumber and RefNumber bases of each kind, from the record counts."""

    counts: dict[str, int]
    counter: dict[str, int] = field(default_factory=dict)
    txn_number: dict[str, int] = field(default_factory=dict)
    next_counter: int = 0
    next_txn_number: int = 0

    def __post_init__(self) -> None:
        counter, number = FIRST_TXN_COUNTER, 1
        for kind in TXN_ID_ORDER:
            self.counter[kind] = counter
            self.txn_number[kind] = number
            counter += self.counts.get(kind, 0) * COUNTER_BLOCK
            number += self.counts.get(kind, 0)
        self.next_counter, self.next_txn_number = counter, number

    def stamp(self, kind: str, index: int, created: int, modified: int, ref: str = "") -> Stamp:
        first = FIRST_REF.get(kind)
        return Stamp(
            counter=self.counter[kind] + index * COUNTER_BLOCK,
            txn_number=self.txn_number[kind] + index,
            ref_number=ref or ("" if first is None else str(first + index)),
            created=created,
            modified=modified,
        )


@dataclass
class StreamContext:
    """Everything the streams read: company facts, owners, plans and allocations."""

    seed: int
    size: str
    country: str
    now: int
    start: int  # no transaction before this
    setup: Setup
    books: Books
    customers: list[CustomerEntry]
    vendors: list[VendorEntry]
    counts: dict[str, int]
    invoice_plan: SettlementPlan
    bill_plan: SettlementPlan
    allocation: Allocation

    def rng(self, kind: str) -> random.Random:
        return random.Random(f"{self.seed}:{self.size}:{self.country}:{kind}")


def invoices_and_payments(ctx: StreamContext) -> Iterator[tuple[str, Record]]:
    """Invoices oldest first; each payment right after the last invoice it settles."""
    rng = ctx.rng("invoices")
    plan = ctx.invoice_plan
    allocation = ctx.allocation
    setup = ctx.setup
    pending: dict[int, list[Applied]] = {}
    for index, created in enumerate(plan.times):
        customer = ctx.customers[plan.owners[index]]
        ordinal = plan.settled_by.get(index)
        modified = modified_time(rng, created, ctx.now)
        settlement = None if ordinal is None else plan.settlements[ordinal]
        if settlement is not None:
            modified = max(modified, settlement.paid_on)
        invoice = build_invoice(
            rng,
            setup,
            counter=allocation.counter["InvoiceRet"] + index * COUNTER_BLOCK,
            txn_number=allocation.txn_number["InvoiceRet"] + index,
            ref_number=str(FIRST_REF["InvoiceRet"] + index),
            created=created,
            modified=modified,
            customer=customer,
            items=ctx.books.sales_items,
            ar_account=ctx.books.ar,
            terms=ctx.books.terms[index % len(ctx.books.terms)] if index % 3 else None,
        )
        if settlement is not None and ordinal is not None:
            total = cents_of(invoice["Subtotal"]) + cents_of(invoice["SalesTaxTotal"])
            last = settlement.members[-1] == index
            cents = total // (2 + rng.randrange(3)) if settlement.partial and last else total
            stamp = allocation.stamp(
                "ReceivePaymentRet",
                ordinal,
                settlement.paid_on,
                settlement.paid_on,
                ref=str(rng.randrange(1000, 99999)),
            )
            payment_id = setup.clock.txn_id(stamp.counter, stamp.created)
            if cents > 0:
                apply_payment(
                    invoice,
                    setup,
                    cents,
                    payment_id=payment_id,
                    paid_on=settlement.paid_on,
                    ref_number=stamp.ref_number,
                )
            pending.setdefault(ordinal, []).append(
                Applied(
                    invoice["TxnID"],
                    "Invoice",
                    invoice["TxnDate"],
                    invoice["RefNumber"],
                    cents_of(invoice["BalanceRemaining"]),
                    cents,
                )
            )
            if last:
                yield "InvoiceRet", invoice
                yield (
                    "ReceivePaymentRet",
                    build_receive_payment(
                        rng, setup, stamp, ctx.books, customer, pending.pop(ordinal)
                    ),
                )
                continue
        yield "InvoiceRet", invoice


def bills_and_payments(ctx: StreamContext) -> Iterator[tuple[str, Record]]:
    """Bills oldest first; each bill payment right after the last bill it pays."""
    rng = ctx.rng("bills")
    plan = ctx.bill_plan
    allocation = ctx.allocation
    setup = ctx.setup
    books = ctx.books
    pending: dict[int, list[Applied]] = {}
    # Check and card payments number separately, in plan order.
    kinds: list[tuple[str, int]] = []
    checks = cards = 0
    for planned in plan.settlements:
        if planned.by_card:
            kinds.append(("BillPaymentCreditCardRet", cards))
            cards += 1
        else:
            kinds.append(("BillPaymentCheckRet", checks))
            checks += 1
    for index, created in enumerate(plan.times):
        vendor = ctx.vendors[plan.owners[index]]
        ordinal = plan.settled_by.get(index)
        modified = modified_time(rng, created, ctx.now)
        settlement = None if ordinal is None else plan.settlements[ordinal]
        if settlement is not None:
            modified = max(modified, settlement.paid_on)
        stamp = allocation.stamp(
            "BillRet", index, created, modified, ref=f"INV-{rng.randrange(10000, 999999)}"
        )
        bill = build_bill(rng, setup, stamp, books, vendor)
        if settlement is not None and ordinal is not None:
            kind, number = kinds[ordinal]
            total = cents_of(bill["AmountDue"])
            last = settlement.members[-1] == index
            cents = total // 2 if settlement.partial and last else total
            payment_stamp = allocation.stamp(kind, number, settlement.paid_on, settlement.paid_on)
            payment_id = setup.clock.txn_id(payment_stamp.counter, payment_stamp.created)
            apply_bill_payment(
                bill,
                cents,
                payment_id=payment_id,
                payment_type=kind.removesuffix("Ret"),
                paid_on=settlement.paid_on,
                ref_number=payment_stamp.ref_number,
            )
            pending.setdefault(ordinal, []).append(
                Applied(
                    bill["TxnID"],
                    "Bill",
                    bill["TxnDate"],
                    bill["RefNumber"],
                    cents_of(bill["OpenAmount"]),
                    cents,
                )
            )
            if last:
                yield "BillRet", bill
                account = rng.choice(books.cards) if settlement.by_card else books.banks[0]
                yield (
                    kind,
                    build_bill_payment(
                        setup,
                        payment_stamp,
                        books,
                        vendor,
                        pending.pop(ordinal),
                        account=account,
                        by_card=settlement.by_card,
                    ),
                )
                continue
        yield "BillRet", bill


Builder = Callable[[random.Random, Stamp], Record]


def simple_stream(ctx: StreamContext, kind: str, build: Builder) -> Iterator[tuple[str, Record]]:
    """A kind that links to nothing: its own times, its own generator."""
    rng = ctx.rng(kind)
    times = sorted_times(rng, ctx.counts.get(kind, 0), ctx.start, ctx.now - 60)
    for index, created in enumerate(times):
        modified = modified_time(rng, created, ctx.now)
        yield kind, build(rng, ctx.allocation.stamp(kind, index, created, modified))


def other_streams(ctx: StreamContext) -> Iterator[tuple[str, Record]]:
    setup, books = ctx.setup, ctx.books
    customer_times = [c.created for c in ctx.customers]
    vendor_times = [v.created for v in ctx.vendors]

    def customer(rng: random.Random, moment: int) -> CustomerEntry:
        return ctx.customers[rng.randrange(max(bisect.bisect_right(customer_times, moment), 1))]

    def vendor(rng: random.Random, moment: int) -> VendorEntry:
        return ctx.vendors[rng.randrange(max(bisect.bisect_right(vendor_times, moment), 1))]

    builders: dict[str, Builder] = {
        "CheckRet": lambda r, s: build_check(r, setup, s, books, vendor(r, s.created)),
        "SalesReceiptRet": lambda r, s: build_sales_receipt(
            r, setup, s, books, customer(r, s.created)
        ),
        "CreditMemoRet": lambda r, s: build_credit_memo(r, setup, s, books, customer(r, s.created)),
        "VendorCreditRet": lambda r, s: build_vendor_credit(
            r, setup, s, books, vendor(r, s.created)
        ),
        "DepositRet": lambda r, s: build_deposit(
            r, setup, s, books, ctx.customers[: bisect.bisect_right(customer_times, s.created)]
        ),
        "TransferRet": lambda r, s: build_transfer(r, setup, s, books),
        "PurchaseOrderRet": lambda r, s: build_purchase_order(
            r, setup, s, books, vendor(r, s.created)
        ),
        "SalesOrderRet": lambda r, s: build_sales_order(r, setup, s, books, customer(r, s.created)),
        "ItemReceiptRet": lambda r, s: build_item_receipt(r, setup, s, books, vendor(r, s.created)),
        "EstimateRet": lambda r, s: build_estimate(r, setup, s, books, customer(r, s.created)),
        "CreditCardChargeRet": lambda r, s: build_credit_card_charge(
            r, setup, s, books, vendor(r, s.created)
        ),
        "JournalEntryRet": lambda r, s: build_journal_entry(r, setup, s, books),
    }
    for kind, build in builders.items():
        yield from simple_stream(ctx, kind, build)


def all_transactions(ctx: StreamContext) -> Iterator[tuple[str, Record]]:
    yield from invoices_and_payments(ctx)
    yield from bills_and_payments(ctx)
    yield from other_streams(ctx)
