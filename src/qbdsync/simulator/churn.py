"""A day of bookkeeping: create, modify and delete records in a simulated company.

The random generator is seeded from the company's seed and its clock, so the same file churned
the same way always changes the same way. QuickBooks' rules are kept: a customer or vendor with
transactions or jobs cannot be deleted, an invoice or bill with payments applied cannot be
deleted (the payment goes first: deleting a payment re-opens what it paid), names stay unique
across customers, vendors and employees, and every change bumps ``TimeModified`` and
``EditSequence``. Receiving a payment or paying a bill also modifies the invoices or bills it
settles; those knock-on changes are reported as ``cascaded``. Customer and vendor balances are
those computed when the company was generated; churn does not roll changes up into them.
Transfers are created, modified and deleted too, although QuickBooks cannot report their
deletions (Transfer is not a TxnDelType).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Final

from qbdsync.simulator.catalogue import BY_RET
from qbdsync.simulator.clock import DAY
from qbdsync.simulator.factories import (
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
    put_in_order,
    quantity,
    recompute_invoice,
    ref,
    tenths_of,
    unapply_payment,
)
from qbdsync.simulator.list_factories import build_class, build_employee
from qbdsync.simulator.names import MEMOS, clip, company_name, person_name, qb_text
from qbdsync.simulator.streams import FIRST_REF
from qbdsync.simulator.txn_factories import (
    COUNTER_BLOCK,
    Applied,
    Books,
    PurchaseItem,
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
    set_memo,
    unapply_bill_payment,
)

if TYPE_CHECKING:
    from qbdsync.simulator.company import SimulatedCompany

_CREATE_WEIGHTS: Final[dict[str, int]] = {
    "InvoiceRet": 30,
    "ReceivePaymentRet": 10,
    "BillRet": 10,
    "BillPaymentCheckRet": 4,
    "BillPaymentCreditCardRet": 2,
    "CheckRet": 5,
    "SalesReceiptRet": 5,
    "CreditMemoRet": 2,
    "VendorCreditRet": 1,
    "JournalEntryRet": 2,
    "DepositRet": 2,
    "TransferRet": 2,
    "PurchaseOrderRet": 2,
    "SalesOrderRet": 1,
    "ItemReceiptRet": 1,
    "EstimateRet": 2,
    "CreditCardChargeRet": 2,
    "CustomerRet": 10,
    "VendorRet": 4,
    "EmployeeRet": 1,
    "ClassRet": 1,
    "ItemServiceRet": 1,
    "AccountRet": 1,
}
_MODIFY_WEIGHTS: Final[dict[str, int]] = {
    "InvoiceRet": 30,
    "ReceivePaymentRet": 4,
    "BillRet": 8,
    "BillPaymentCheckRet": 2,
    "CheckRet": 4,
    "SalesReceiptRet": 3,
    "CreditMemoRet": 2,
    "VendorCreditRet": 1,
    "JournalEntryRet": 2,
    "DepositRet": 2,
    "TransferRet": 2,
    "PurchaseOrderRet": 2,
    "SalesOrderRet": 1,
    "ItemReceiptRet": 1,
    "EstimateRet": 2,
    "CreditCardChargeRet": 2,
    "CustomerRet": 15,
    "VendorRet": 6,
    "EmployeeRet": 2,
    "ClassRet": 1,
    "PaymentMethodRet": 1,
    "StandardTermsRet": 1,
    "ItemServiceRet": 2,
    "ItemInventoryRet": 2,
    "ItemNonInventoryRet": 1,
    "SalesTaxCodeRet": 1,
    "ItemSalesTaxRet": 1,
    "AccountRet": 2,
}
_DELETE_WEIGHTS: Final[dict[str, int]] = {
    "InvoiceRet": 30,
    "ReceivePaymentRet": 6,
    "BillRet": 8,
    "BillPaymentCheckRet": 3,
    "BillPaymentCreditCardRet": 1,
    "CheckRet": 5,
    "SalesReceiptRet": 4,
    "CreditMemoRet": 2,
    "VendorCreditRet": 1,
    "JournalEntryRet": 2,
    "DepositRet": 2,
    "TransferRet": 1,
    "PurchaseOrderRet": 2,
    "SalesOrderRet": 1,
    "ItemReceiptRet": 1,
    "EstimateRet": 2,
    "CreditCardChargeRet": 2,
    "CustomerRet": 6,
    "VendorRet": 4,
    "EmployeeRet": 1,
    "ClassRet": 1,
    "ItemFixedAssetRet": 1,
}
_PICK_ATTEMPTS: Final[int] = 30
_SETTLING: Final[dict[str, str]] = {
    "ReceivePaymentRet": "InvoiceRet",
    "BillPaymentCheckRet": "BillRet",
    "BillPaymentCreditCardRet": "BillRet",
}


@dataclass(frozen=True)
class ChurnSummary:
    """What one churn did, by record type (``"InvoiceRet"`` …), and the clock it ended at.

    ``cascaded`` counts records changed as a consequence of another change: invoices and bills
    (re)settled by a created payment or re-opened by a deleted one.
    """

    clock: str
    created: dict[str, int] = field(default_factory=dict)
    modified: dict[str, int] = field(default_factory=dict)
    deleted: dict[str, int] = field(default_factory=dict)
    cascaded: dict[str, int] = field(default_factory=dict)

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
    def total_cascaded(self) -> int:
        return sum(self.cascaded.values())

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
        cascaded=day.cascaded,
    )


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _record_id(record: Record) -> str:
    return str(record.get("TxnID") or record["ListID"])


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
        self.cascaded: dict[str, int] = {}
        self._ids: dict[str, list[str]] = {}
        self._touched: set[tuple[str, str]] = set()
        self._books: Books | None = None
        unsupported = company.unsupported
        self._skip = {"SalesOrderRet"} if "SalesOrderQueryRq" in unsupported else set()

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

    def weighted(self, weights: dict[str, int]) -> str:
        kind = _weighted(self.rng, weights)
        return "InvoiceRet" if kind in self._skip else kind

    def next_list_id(self, moment: int) -> str:
        list_id = self.setup.clock.list_id(self.counters["list"], moment)
        self.counters["list"] += 1
        return list_id

    def next_stamp(self, kind: str, moment: int) -> Stamp:
        counters = self.counters
        if kind == "InvoiceRet":
            ref_number = str(counters["ref_number"])
            counters["ref_number"] += 1
        elif kind in FIRST_REF:
            ref_number = str(FIRST_REF[kind] + 100_000 + counters["txn_number"])
        else:
            ref_number = ""
        stamp = Stamp(counters["txn"], counters["txn_number"], ref_number, moment, moment)
        counters["txn"] += COUNTER_BLOCK
        counters["txn_number"] += 1
        return stamp

    def save(self, ret_type: str, record: Record, tally: dict[str, int]) -> None:
        self.company.put(ret_type, record)
        self._touched.add((ret_type, _record_id(record)))
        tally[ret_type] = tally.get(ret_type, 0) + 1

    def touch(self, record: Record, moment: int) -> None:
        clock = self.setup.clock
        record["TimeModified"] = clock.stamp(moment)
        record["EditSequence"] = clock.edit_sequence(moment)

    def books(self) -> Books:
        """Accounts, items, methods and terms as they stand today (read once per churn)."""
        if self._books is None:
            from qbdsync.simulator.generator import books_of

            company = self.company
            sales: list[ItemEntry] = []
            purchases: list[PurchaseItem] = []
            for kind in ("ItemServiceRet", "ItemNonInventoryRet", "ItemInventoryRet"):
                for item in company.records(kind):
                    if item["IsActive"] != "true":
                        continue
                    item_ref = ref(item["ListID"], item["FullName"])
                    tax = item["SalesTaxCodeRef"]
                    if "SalesOrPurchase" in item:
                        price = cents_of(item["SalesOrPurchase"]["Price"])
                        sales.append(
                            ItemEntry(item_ref, item["SalesOrPurchase"]["Desc"], price, tax)
                        )
                    elif "SalesAndPurchase" in item:
                        both = item["SalesAndPurchase"]
                        sales.append(
                            ItemEntry(
                                item_ref, both["SalesDesc"], cents_of(both["SalesPrice"]), tax
                            )
                        )
                        purchases.append(
                            PurchaseItem(
                                item_ref,
                                both["PurchaseDesc"],
                                cents_of(both["PurchaseCost"]),
                                False,
                            )
                        )
                    else:
                        sales.append(
                            ItemEntry(
                                item_ref, item["SalesDesc"], cents_of(item["SalesPrice"]), tax
                            )
                        )
                        purchases.append(
                            PurchaseItem(
                                item_ref, item["PurchaseDesc"], cents_of(item["PurchaseCost"]), True
                            )
                        )
            methods = [ref(r["ListID"], r["Name"]) for r in company.records("PaymentMethodRet")]
            terms = [ref(r["ListID"], r["Name"]) for r in company.records("StandardTermsRet")]
            self._books = books_of(
                list(company.records("AccountRet")),
                methods,
                terms,
                [s for s in sales if s.rate_cents > 0],
                purchases,
            )
        return self._books

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

    def customer(self) -> CustomerEntry | None:
        record = self.pick("CustomerRet", lambda r: r["IsActive"] == "true")
        return None if record is None else self.customer_entry(record)

    def vendor(self) -> VendorEntry | None:
        record = self.pick(
            "VendorRet", lambda r: r["IsActive"] == "true" and r["IsTaxAgency"] == "false"
        )
        if record is None:
            return None
        return VendorEntry(record["ListID"], record["Name"], 0, record["VendorAddress"])

    # -- creating ---------------------------------------------------------------------------

    def create(self, moment: int) -> None:
        ret_type = self.weighted(_CREATE_WEIGHTS)
        if not BY_RET[ret_type].txn:
            record: Record | None = self.new_list_record(ret_type, moment)
        else:
            record = self.new_transaction(ret_type, moment)
        if record is None:  # nobody to sell to or buy from, nothing open to pay
            ret_type = "CustomerRet"
            record = self.new_customer(moment)
        self.save(ret_type, record, self.created)
        self.ids(ret_type).append(_record_id(record))

    def new_transaction(self, kind: str, moment: int) -> Record | None:
        """A new transaction of ``kind``, or None when it needs what the company lacks."""
        if kind in _SETTLING:
            return self.new_settlement(kind, moment)
        books = self.books()
        setup = self.setup
        if kind == "InvoiceRet":
            customer = self.customer()
            if customer is None or not books.sales_items:
                return None
            stamp = self.next_stamp(kind, moment)
            return build_invoice(
                self.rng,
                setup,
                counter=stamp.counter,
                txn_number=stamp.txn_number,
                ref_number=stamp.ref_number,
                created=moment,
                modified=moment,
                customer=customer,
                items=books.sales_items,
                ar_account=books.ar,
            )
        by_customer: dict[str, Callable[..., Record]] = {
            "SalesReceiptRet": build_sales_receipt,
            "CreditMemoRet": build_credit_memo,
            "SalesOrderRet": build_sales_order,
            "EstimateRet": build_estimate,
        }
        by_vendor: dict[str, Callable[..., Record]] = {
            "BillRet": build_bill,
            "VendorCreditRet": build_vendor_credit,
            "CheckRet": build_check,
            "CreditCardChargeRet": build_credit_card_charge,
            "PurchaseOrderRet": build_purchase_order,
            "ItemReceiptRet": build_item_receipt,
        }
        if kind in by_customer:
            customer = self.customer()
            if customer is None or not books.sales_items:
                return None
            return by_customer[kind](
                self.rng, setup, self.next_stamp(kind, moment), books, customer
            )
        if kind in by_vendor:
            vendor = self.vendor()
            if vendor is None or (kind == "ItemReceiptRet" and not books.purchase_items):
                return None
            stamp = self.next_stamp(kind, moment)
            if kind == "BillRet":
                stamp = Stamp(
                    stamp.counter,
                    stamp.txn_number,
                    f"INV-{self.rng.randrange(10000, 999999)}",
                    moment,
                    moment,
                )
            return by_vendor[kind](self.rng, setup, stamp, books, vendor)
        if kind == "DepositRet":
            customer = self.customer()
            customers = [] if customer is None else [customer]
            return build_deposit(self.rng, setup, self.next_stamp(kind, moment), books, customers)
        if kind == "TransferRet":
            return build_transfer(self.rng, setup, self.next_stamp(kind, moment), books)
        return build_journal_entry(self.rng, setup, self.next_stamp(kind, moment), books)

    def new_settlement(self, kind: str, moment: int) -> Record | None:
        """A payment of one open invoice or bill, which it also updates."""
        target_type = _SETTLING[kind]
        balance_key = "BalanceRemaining" if target_type == "InvoiceRet" else "OpenAmount"
        target = self.pick(target_type, lambda r: cents_of(r[balance_key]) > 0)
        if target is None:
            return None
        balance = cents_of(target[balance_key])
        paid = balance if self.rng.random() < 0.7 else max(balance // 2, 1)
        stamp = self.next_stamp(kind, moment)
        if kind == "ReceivePaymentRet":
            stamp = Stamp(
                stamp.counter,
                stamp.txn_number,
                str(self.rng.randrange(1000, 99999)),
                moment,
                moment,
            )
        payment_id = self.setup.clock.txn_id(stamp.counter, moment)
        books = self.books()
        if target_type == "InvoiceRet":
            apply_payment(
                target,
                self.setup,
                paid,
                payment_id=payment_id,
                paid_on=moment,
                ref_number=stamp.ref_number,
            )
        else:
            apply_bill_payment(
                target,
                paid,
                payment_id=payment_id,
                payment_type=kind.removesuffix("Ret"),
                paid_on=moment,
                ref_number=stamp.ref_number,
            )
        self.touch(target, moment)
        self.save(target_type, target, self.cascaded)
        applied = [
            Applied(
                target["TxnID"],
                target_type.removesuffix("Ret"),
                target["TxnDate"],
                target.get("RefNumber", ""),
                cents_of(target[balance_key]),
                paid,
            )
        ]
        if kind == "ReceivePaymentRet":
            customer = self.company.get("CustomerRet", target["CustomerRef"]["ListID"])
            entry = (
                self.customer_entry(customer)
                if customer is not None
                else CustomerEntry(
                    target["CustomerRef"]["ListID"],
                    target["CustomerRef"]["FullName"],
                    0,
                    {},
                    0,
                    self.setup.taxable.ref,
                )
            )
            return build_receive_payment(self.rng, self.setup, stamp, books, entry, applied)
        vendor = VendorEntry(
            target["VendorRef"]["ListID"],
            target["VendorRef"]["FullName"],
            0,
            target.get("VendorAddress", {}),
        )
        by_card = kind == "BillPaymentCreditCardRet"
        account = self.rng.choice(books.cards) if by_card else books.banks[0]
        return build_bill_payment(
            self.setup, stamp, books, vendor, applied, account=account, by_card=by_card
        )

    def new_list_record(self, kind: str, moment: int) -> Record:
        if kind == "VendorRet":
            return self.new_vendor(moment)
        if kind == "ItemServiceRet":
            return self.new_item(moment)
        if kind == "AccountRet":
            return self.new_account(moment)
        if kind == "EmployeeRet":
            first, last = (qb_text(part) for part in person_name(self.rng))
            name = self.unique_name(f"{first} {last}")
            return build_employee(
                self.rng,
                self.setup,
                list_id=self.next_list_id(moment),
                created=moment,
                modified=moment,
                first=first,
                last=name.removeprefix(f"{first} "),
                hired=moment,
                active=True,
            )
        if kind == "ClassRet":
            parent = self.pick("ClassRet", lambda r: r["FullName"] == "Region")
            number = self.counters["list"] % 10_000
            if parent is None:
                return build_class(
                    self.setup,
                    list_id=self.next_list_id(moment),
                    created=moment,
                    modified=moment,
                    full_name=f"Area {number:04d}",
                    parent=None,
                )
            return build_class(
                self.setup,
                list_id=self.next_list_id(moment),
                created=moment,
                modified=moment,
                full_name=f"Region:Area {number:04d}",
                parent=ref(parent["ListID"], parent["FullName"]),
            )
        return self.new_customer(moment)

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
        books = self.books()
        self._books = replace(books, sales_items=(*books.sales_items, entry))
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
        ret_type = self.weighted(_MODIFY_WEIGHTS)
        record = self.pick(ret_type)
        if record is None:
            ret_type = "InvoiceRet"
            record = self.pick(ret_type)
        if record is None:
            return
        if ret_type == "InvoiceRet":
            self.edit_invoice(record)
        elif ret_type == "JournalEntryRet":  # no header memo: the lines carry it
            note = f"Updated {self.rng.randrange(1000, 9999)}"
            for line in record["JournalDebitLine"] + record["JournalCreditLine"]:
                line["Memo"] = note
        elif "TxnID" in record:
            set_memo(record, ret_type, f"Updated {self.rng.randrange(1000, 9999)}")
        else:
            self.edit_list_record(ret_type, record)
        self.touch(record, moment)
        self.save(ret_type, record, self.modified)

    def edit_invoice(self, record: Record) -> None:
        rng = self.rng
        if rng.random() < 0.5 and record.get("InvoiceLineRet"):
            line = rng.choice(record["InvoiceLineRet"])
            tenths = tenths_of(line["Quantity"]) + 10
            line["Quantity"] = quantity(tenths)
            line["Amount"] = money((tenths * cents_of(line["Rate"]) + 5) // 10)
            recompute_invoice(record, self.setup)
        else:
            put_in_order(record, "InvoiceRet", "Memo", qb_text(rng.choice(MEMOS)) or "Updated")

    def edit_list_record(self, ret_type: str, record: Record) -> None:
        rng = self.rng
        if ret_type in ("CustomerRet", "VendorRet", "EmployeeRet"):
            if rng.random() < 0.1 and record.get("IsTaxAgency") != "true":
                record["IsActive"] = "false" if record["IsActive"] == "true" else "true"
            else:
                record["Phone"] = phone(rng, self.setup.country)
        elif ret_type == "ItemServiceRet":
            sales = record["SalesOrPurchase"]
            sales["Price"] = money(cents_of(sales["Price"]) + 500)
        elif ret_type == "ItemInventoryRet":
            record["QuantityOnHand"] = str(int(record["QuantityOnHand"]) + rng.randrange(1, 40))
        elif ret_type == "AccountRet":
            put_in_order(record, ret_type, "Desc", f"Reviewed {rng.randrange(1000, 9999)}")
        elif ret_type in ("SalesTaxCodeRet", "ItemSalesTaxRet", "ItemNonInventoryRet"):
            key = "Desc" if ret_type == "SalesTaxCodeRet" else "ItemDesc"
            if ret_type == "ItemNonInventoryRet":
                key = "ManufacturerPartNumber"
            put_in_order(record, ret_type, key, f"Rev {rng.randrange(100, 999)}")
        else:
            record["IsActive"] = "false" if record["IsActive"] == "true" else "true"

    # -- deleting ---------------------------------------------------------------------------

    def delete(self, moment: int) -> None:
        ret_type = self.weighted(_DELETE_WEIGHTS)
        record = self.deletable(ret_type)
        if record is None:
            ret_type = "InvoiceRet"
            record = self.deletable(ret_type)
        if record is None:
            return
        if ret_type in _SETTLING:
            self.reopen_settled(ret_type, record, moment)
        self.company.delete(ret_type, record, moment)
        self._touched.add((ret_type, _record_id(record)))
        self.deleted[ret_type] = self.deleted.get(ret_type, 0) + 1

    def deletable(self, ret_type: str) -> Record | None:
        """A record QuickBooks would let us delete (nothing depends on it)."""
        if ret_type in ("CustomerRet", "VendorRet", "ClassRet"):
            return self.pick(
                ret_type,
                lambda r: (
                    r.get("IsTaxAgency") != "true" and not self.company.has_live_links(r["ListID"])
                ),
            )
        if ret_type in ("InvoiceRet", "BillRet"):
            return self.pick(ret_type, lambda r: not r.get("LinkedTxn"))
        if ret_type in _SETTLING:
            target_type = _SETTLING[ret_type]
            return self.pick(
                ret_type,
                lambda r: all(
                    (target_type, row["TxnID"]) not in self._touched
                    for row in r.get("AppliedToTxnRet", ())
                ),
            )
        return self.pick(ret_type)

    def reopen_settled(self, ret_type: str, payment: Record, moment: int) -> None:
        """Deleting a payment takes it off every invoice or bill it paid."""
        target_type = _SETTLING[ret_type]
        for row in payment.get("AppliedToTxnRet", ()):
            target = self.company.get(target_type, row["TxnID"])
            if target is None:
                continue
            if target_type == "InvoiceRet":
                unapply_payment(target, self.setup, payment["TxnID"])
            else:
                unapply_bill_payment(target, payment["TxnID"])
            self.touch(target, moment)
            self.save(target_type, target, self.cascaded)


def _id_and_name(record: Record) -> tuple[str, str]:
    return record["ListID"], record["FullName"]
