"""A day of bookkeeping: create, modify and delete records in a simulated company.

The random generator is seeded from the company's seed and its clock, so the same file churned
the same way always changes the same way. QuickBooks' rules are kept: a customer with invoices
or jobs cannot be deleted, names stay unique across customers and vendors, and every change
bumps ``TimeModified`` and ``EditSequence``. Customer balances are those computed when the
company was generated; churn does not roll invoice changes up into them.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

from qbdsync.simulator.clock import DAY
from qbdsync.simulator.factories import (
    INVOICE_COUNTER_BLOCK,
    CustomerEntry,
    ItemEntry,
    Record,
    apply_payment,
    build_account,
    build_customer,
    build_invoice,
    build_item_service,
    build_vendor,
    cents_of,
    money,
    phone,
    quantity,
    recompute_invoice,
    ref,
    tenths_of,
)
from qbdsync.simulator.names import MEMOS, clip, company_name, person_name, qb_text

if TYPE_CHECKING:
    from qbdsync.simulator.company import SimulatedCompany

_CREATE_WEIGHTS: Final[dict[str, int]] = {
    "InvoiceRet": 70,
    "CustomerRet": 18,
    "VendorRet": 8,
    "ItemServiceRet": 2,
    "AccountRet": 2,
}
_MODIFY_WEIGHTS: Final[dict[str, int]] = {
    "InvoiceRet": 60,
    "CustomerRet": 25,
    "VendorRet": 10,
    "ItemServiceRet": 3,
    "AccountRet": 2,
}
_DELETE_WEIGHTS: Final[dict[str, int]] = {"InvoiceRet": 75, "CustomerRet": 10, "VendorRet": 15}
_PICK_ATTEMPTS: Final[int] = 30


@dataclass(frozen=True)
class ChurnSummary:
    """What one churn did, by record type (``"InvoiceRet"`` …), and the clock it ended at."""

    clock: str
    created: dict[str, int] = field(default_factory=dict)
    modified: dict[str, int] = field(default_factory=dict)
    deleted: dict[str, int] = field(default_factory=dict)

    @property
    def total_created(self) -> int:
        return sum(self.created.values())

    @property
    def total_modified(self) -> int:
        return sum(self.modified.values())

    @property
    def total_deleted(self) -> int:
        return sum(self.deleted.values())

    @property
    def total(self) -> int:
        return self.total_created + self.total_modified + self.total_deleted


def apply_churn(company: SimulatedCompany, n: int) -> ChurnSummary:
    """Advance the clock one day, then make about ``n`` changes spread over that day."""
    if n < 0:
        raise ValueError("churn needs n >= 0")
    start = company.now
    rng = random.Random(f"{company.seed}:churn:{start}")
    creates = round(n * 0.4)
    deletes = round(n * 0.2)
    kinds = ["create"] * creates + ["modify"] * (n - creates - deletes) + ["delete"] * deletes
    rng.shuffle(kinds)
    step = DAY // (n + 1)
    day = _Day(company, rng)
    with company.transaction():
        for index, kind in enumerate(kinds):
            moment = start + (index + 1) * step
            if kind == "create":
                day.create(moment)
            elif kind == "modify":
                day.modify(moment)
            else:
                day.delete(moment)
        company.set_meta("clock", start + DAY)
        company.set_meta("counters", day.counters)
    return ChurnSummary(
        clock=company.clock.stamp(start + DAY),
        created=day.created,
        modified=day.modified,
        deleted=day.deleted,
    )


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


class _Day:
    """The state of one churn: id lists, records already touched, counters."""

    def __init__(self, company: SimulatedCompany, rng: random.Random) -> None:
        self.company = company
        self.setup = company.setup
        self.rng = rng
        self.counters = company.counters
        self.created: dict[str, int] = {}
        self.modified: dict[str, int] = {}
        self.deleted: dict[str, int] = {}
        self._ids: dict[str, list[str]] = {}
        self._touched: set[tuple[str, str]] = set()
        self._items: list[ItemEntry] | None = None

    # -- helpers ----------------------------------------------------------------------------

    def ids(self, ret_type: str) -> list[str]:
        if ret_type not in self._ids:
            self._ids[ret_type] = self.company.live_ids(ret_type)
        return self._ids[ret_type]

    def pick(self, ret_type: str, accept: Callable[[Record], bool] | None = None) -> Record | None:
        """A random live record of the type not yet touched today (and accepted)."""
        ids = self.ids(ret_type)
        for _ in range(_PICK_ATTEMPTS if ids else 0):
            record_id = ids[self.rng.randrange(len(ids))]
            if (ret_type, record_id) in self._touched:
                continue
            record = self.company.get(ret_type, record_id)
            if record is not None and (accept is None or accept(record)):
                return record
        return None

    def next_list_id(self, moment: int) -> str:
        list_id = self.setup.clock.list_id(self.counters["list"], moment)
        self.counters["list"] += 1
        return list_id

    def save(self, ret_type: str, record: Record, tally: dict[str, int]) -> None:
        self.company.put(ret_type, record)
        record_id = record.get("TxnID") or record["ListID"]
        self._touched.add((ret_type, record_id))
        tally[ret_type] = tally.get(ret_type, 0) + 1

    def items(self) -> list[ItemEntry]:
        if self._items is None:
            self._items = []
            for record_id in self.ids("ItemServiceRet"):
                item = self.company.get("ItemServiceRet", record_id)
                if item is not None and item["IsActive"] == "true":
                    self._items.append(
                        ItemEntry(
                            ref(item["ListID"], item["FullName"]),
                            item["SalesOrPurchase"]["Desc"],
                            cents_of(item["SalesOrPurchase"]["Price"]),
                            item["SalesTaxCodeRef"],
                        )
                    )
        return self._items

    def account(self, full_name: str | None = None, account_type: str | None = None) -> Record:
        for record in self.company.records("AccountRet"):
            if record["FullName"] == full_name or record["AccountType"] == account_type:
                return record
        raise LookupError(full_name or account_type)

    def unique_name(self, wanted: str) -> str:
        name = clip(qb_text(wanted))
        number = 2
        while self.company.name_taken(name):
            name = clip(qb_text(wanted), 33) + f" ({number})"
            number += 1
        return name

    def customer_entry(self, record: Record) -> CustomerEntry:
        currency = 0
        if "CurrencyRef" in record:
            names = [c.ref["FullName"] for c in self.setup.currencies]
            currency = names.index(record["CurrencyRef"]["FullName"])
        return CustomerEntry(
            record["ListID"],
            record["FullName"],
            0,
            record["BillAddress"],
            currency,
            record["SalesTaxCodeRef"],
        )

    # -- creating ---------------------------------------------------------------------------

    def create(self, moment: int) -> None:
        ret_type = _weighted(self.rng, _CREATE_WEIGHTS)
        record = None
        if ret_type == "InvoiceRet":
            record = self.new_invoice(moment)
            if record is None:
                ret_type = "CustomerRet"
        if ret_type == "CustomerRet":
            record = self.new_customer(moment)
        elif ret_type == "VendorRet":
            record = self.new_vendor(moment)
        elif ret_type == "ItemServiceRet":
            record = self.new_item(moment)
        elif ret_type == "AccountRet":
            record = self.new_account(moment)
        assert record is not None
        self.save(ret_type, record, self.created)
        self.ids(ret_type).append(record.get("TxnID") or record["ListID"])

    def new_invoice(self, moment: int) -> Record | None:
        customer = self.pick("CustomerRet", lambda r: r["IsActive"] == "true")
        if customer is None or not self.items():
            return None
        counters = self.counters
        invoice = build_invoice(
            self.rng,
            self.setup,
            counter=counters["txn"],
            txn_number=counters["txn_number"],
            ref_number=str(counters["ref_number"]),
            created=moment,
            modified=moment,
            now=moment,
            customer=self.customer_entry(customer),
            items=self.items(),
            ar_account=ref(*_id_and_name(self.account(account_type="AccountsReceivable"))),
        )
        counters["txn"] += INVOICE_COUNTER_BLOCK
        counters["txn_number"] += 1
        counters["ref_number"] += 1
        return invoice

    def new_customer(self, moment: int) -> Record:
        rng = self.rng
        parent_record = None
        if rng.random() < 0.25:
            parent_record = self.pick(
                "CustomerRet", lambda r: r["Sublevel"] == "0" and r["IsActive"] == "true"
            )
        company, first, last = "", "", ""
        if parent_record is not None:
            parent: CustomerEntry | None = self.customer_entry(parent_record)
            name = clip(f"Job {self.counters['list'] % 10_000:04d}")
            currency = parent.currency if parent else 0
        else:
            parent = None
            if rng.random() < 0.6:
                company = clip(qb_text(company_name(rng)))
                name = self.unique_name(company)
            else:
                first, last = (qb_text(part) for part in person_name(rng))
                name = self.unique_name(f"{first} {last}")
            currency = 0
        record, _ = build_customer(
            rng,
            self.setup,
            list_id=self.next_list_id(moment),
            created=moment,
            modified=moment,
            name=name,
            parent=parent,
            company=company,
            first=first,
            last=last,
            currency=currency,
            active=True,
        )
        return record

    def new_vendor(self, moment: int) -> Record:
        company = clip(qb_text(company_name(self.rng)))
        return build_vendor(
            self.rng,
            self.setup,
            list_id=self.next_list_id(moment),
            created=moment,
            modified=moment,
            name=self.unique_name(company),
            company=company,
            first="",
            last="",
            active=True,
        )

    def new_item(self, moment: int) -> Record:
        income = self.account(full_name="Services")
        list_id = self.next_list_id(moment)
        record, entry = build_item_service(
            self.setup,
            list_id=list_id,
            created=moment,
            modified=moment,
            full_name=f"Service {self.counters['list']:X}",
            parent=None,
            desc="Additional service",
            rate_cents=self.rng.randrange(20, 300) * 100,
            income_account=ref(*_id_and_name(income)),
            tax_code=self.setup.taxable.ref,
            active=True,
        )
        self.items().append(entry)
        return record

    def new_account(self, moment: int) -> Record:
        parent = self.account(full_name="Job Expenses")
        number = self.counters["list"] % 100_000
        return build_account(
            self.setup,
            list_id=self.next_list_id(moment),
            created=moment,
            modified=moment,
            full_name=f"Job Expenses:Project N{number:05d}",
            parent=ref(*_id_and_name(parent)),
            account_type="Expense",
            special_type="",
            number="",
            desc="",
            balance_cents=0,
        )

    # -- modifying --------------------------------------------------------------------------

    def modify(self, moment: int) -> None:
        ret_type = _weighted(self.rng, _MODIFY_WEIGHTS)
        record = self.pick(ret_type) or self.pick("InvoiceRet")
        if record is None:
            return
        if "TxnID" in record:
            ret_type = "InvoiceRet"
            self.edit_invoice(record, moment)
        else:
            self.edit_list_record(ret_type, record)
        clock = self.setup.clock
        record["TimeModified"] = clock.stamp(moment)
        record["EditSequence"] = clock.edit_sequence(moment)
        self.save(ret_type, record, self.modified)

    def edit_invoice(self, record: Record, moment: int) -> None:
        rng = self.rng
        action = rng.random()
        balance = cents_of(record["BalanceRemaining"])
        if action < 0.4 and balance > 0:
            paid = balance if rng.random() < 0.7 else max(balance // 2, 1)
            payment_id = self.setup.clock.txn_id(self.counters["txn"], moment)
            self.counters["txn"] += INVOICE_COUNTER_BLOCK
            apply_payment(record, self.setup, paid, payment_id=payment_id, paid_on=moment)
        elif action < 0.7 and record.get("InvoiceLineRet"):
            line = rng.choice(record["InvoiceLineRet"])
            tenths = tenths_of(line["Quantity"]) + 10
            line["Quantity"] = quantity(tenths)
            line["Amount"] = money((tenths * cents_of(line["Rate"]) + 5) // 10)
            recompute_invoice(record, self.setup)
        else:
            memo = qb_text(rng.choice(MEMOS)) or "Updated"
            if "Memo" in record:
                record["Memo"] = memo
            else:
                _insert_before(record, "IsPaid", "Memo", memo)

    def edit_list_record(self, ret_type: str, record: Record) -> None:
        rng = self.rng
        if ret_type in ("CustomerRet", "VendorRet"):
            if rng.random() < 0.1:
                record["IsActive"] = "false" if record["IsActive"] == "true" else "true"
            else:
                record["Phone"] = phone(rng, self.setup.country)
        elif ret_type == "ItemServiceRet":
            sales = record["SalesOrPurchase"]
            sales["Price"] = money(cents_of(sales["Price"]) + 500)
        else:
            record["Desc"] = f"Reviewed {rng.randrange(1000, 9999)}"
            if "Desc" not in _keys_before(record, "Balance"):
                value = record.pop("Desc")
                _insert_before(record, "Balance", "Desc", value)

    # -- deleting ---------------------------------------------------------------------------

    def delete(self, moment: int) -> None:
        ret_type = _weighted(self.rng, _DELETE_WEIGHTS)
        record = None
        if ret_type == "CustomerRet":
            record = self.pick(
                "CustomerRet", lambda r: not self.company.has_live_links(r["ListID"])
            )
        elif ret_type == "VendorRet":
            record = self.pick("VendorRet")
        if record is None:
            ret_type = "InvoiceRet"
            record = self.pick("InvoiceRet")
        if record is None:
            return
        self.company.delete(ret_type, record, moment)
        self._touched.add((ret_type, record.get("TxnID") or record["ListID"]))
        self.deleted[ret_type] = self.deleted.get(ret_type, 0) + 1


def _id_and_name(record: Record) -> tuple[str, str]:
    return record["ListID"], record["FullName"]


def _keys_before(record: Record, key: str) -> list[str]:
    keys = list(record)
    return keys[: keys.index(key)] if key in keys else keys


def _insert_before(record: Record, anchor: str, key: str, value: object) -> None:
    """Insert ``key`` just before ``anchor`` so the record keeps its RET_ORDER order."""
    items = list(record.items())
    record.clear()
    for existing, existing_value in items:
        if existing == anchor:
            record[key] = value
        record[existing] = existing_value
    if key not in record:
        record[key] = value
