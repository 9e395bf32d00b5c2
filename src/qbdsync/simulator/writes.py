"""Add, Mod and Del requests against a simulated company, with QuickBooks' rules.

* Names are unique (case-insensitively) across customers, vendors, employees and other names
  together, and within the account list and the item list: a clash is status 3100, and the
  message says which list already holds the name.
* A Mod carries the record's current EditSequence; a stale one is 3200, an unknown id 3000.
* A transaction dated on or before the company's closing date (Preferences
  AccountingPreferences/ClosingDate, set with :func:`set_closing_date`) cannot be added,
  modified or deleted: 3171.
* Every ``…Ref`` of a kind the simulator keeps must name a live record (by ListID, else by
  FullName): otherwise 3140. The stored record carries both ListID and FullName.
* Payments update what they settle, credits they apply included (see ``settlements``);
  deleting the payment puts them back; an invoice or bill with payments or credits applied, and
  a credit that has been used, cannot be deleted.
* Totals and tax come from the lines and their tax codes (see ``write_tax``); an element the
  company's edition does not have (a line TaxAmount anywhere, a tax code on a US bill line) is
  3250, as QuickBooks refuses a feature its edition lacks.
* An inventory part needs its income, cost of goods sold and (Other Current Asset) inventory
  asset accounts; it starts with nothing on hand.
* New records get ListID/TxnID, EditSequence, TimeCreated/TimeModified shaped like QuickBooks'
  from the company clock, which moves on one second per write; they are stored like generated
  records, so every query handler returns them.

Each write runs in one SQLite transaction: a refused write changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Final

from qbdsync.qbxml.schema import REPEATABLE_RET_ELEMENTS, RET_ORDER
from qbdsync.qbxml.write_schema import LIST_KINDS, in_edition
from qbdsync.simulator.catalogue import ITEM_RET_TYPES
from qbdsync.simulator.clock import date_of
from qbdsync.simulator.company import SimulatedCompany
from qbdsync.simulator.factories import Record, cents_of, money
from qbdsync.simulator.render import Response
from qbdsync.simulator.request_parser import QueryRequest
from qbdsync.simulator.settlements import settle_bills, settle_invoices, unsettle
from qbdsync.simulator.write_context import Write, WriteStatus, cents
from qbdsync.simulator.write_parser import Node, to_record
from qbdsync.simulator.write_tax import Side, tax_cents

NAME_TYPES: Final[tuple[str, ...]] = ("CustomerRet", "VendorRet", "EmployeeRet", "OtherNameRet")
# Every item an ItemRef may name: the catalogue's items plus the sales-tax items it files as
# tax rates (they share the item name space).
ITEM_TYPES: Final[tuple[str, ...]] = (*ITEM_RET_TYPES, "ItemSalesTaxRet", "ItemSalesTaxGroupRet")
_LIST_LABELS: Final[dict[str, str]] = {
    "CustomerRet": "Customer",
    "VendorRet": "Vendor",
    "EmployeeRet": "Employee",
    "OtherNameRet": "Other Name",
}
_REF_TARGETS: Final[dict[str, tuple[str, ...]]] = {
    "CustomerRef": ("CustomerRet",),
    "VendorRef": ("VendorRet",),
    "PrefVendorRef": ("VendorRet",),
    "PayeeEntityRef": NAME_TYPES,
    "EntityRef": NAME_TYPES,
    "ShipToEntityRef": NAME_TYPES,
    "ItemRef": ITEM_TYPES,
    "ClassRef": ("ClassRet",),
    "DiscountClassRef": ("ClassRet",),
    "TermsRef": ("StandardTermsRet", "DateDrivenTermsRet"),
    "PaymentMethodRef": ("PaymentMethodRet",),
    "PreferredPaymentMethodRef": ("PaymentMethodRet",),
    "SalesTaxCodeRef": ("SalesTaxCodeRet",),
    "CustomerSalesTaxCodeRef": ("SalesTaxCodeRet",),
    "PurchaseTaxCodeRef": ("SalesTaxCodeRet",),
    "ItemSalesTaxRef": ("ItemSalesTaxRet", "ItemSalesTaxGroupRet"),
    "CurrencyRef": ("CurrencyRet",),
    "InventorySiteRef": ("InventorySiteRet",),
}
# Line elements of requests → the line elements of the stored record.
_LINES: Final[dict[str, str]] = {
    "InvoiceLineAdd": "InvoiceLineRet",
    "InvoiceLineMod": "InvoiceLineRet",
    "CreditMemoLineAdd": "CreditMemoLineRet",
    "CreditMemoLineMod": "CreditMemoLineRet",
    "SalesReceiptLineAdd": "SalesReceiptLineRet",
    "SalesReceiptLineMod": "SalesReceiptLineRet",
    "PurchaseOrderLineAdd": "PurchaseOrderLineRet",
    "PurchaseOrderLineMod": "PurchaseOrderLineRet",
    "ExpenseLineAdd": "ExpenseLineRet",
    "ExpenseLineMod": "ExpenseLineRet",
    "ItemLineAdd": "ItemLineRet",
    "ItemLineMod": "ItemLineRet",
    "DepositLineAdd": "DepositLineRet",
    "DepositLineMod": "DepositLineRet",
    "JournalDebitLine": "JournalDebitLine",
    "JournalCreditLine": "JournalCreditLine",
}
_REQUEST_REPEATS: Final[frozenset[str]] = frozenset(
    {*_LINES, "JournalLineMod", "AppliedToTxnAdd", "AppliedToTxnMod", "SetCredit", "LinkToTxnID"}
)
# The Ret element a kind's total goes into, and the lines it sums.
_TOTALS: Final[dict[str, str]] = {
    "PurchaseOrder": "TotalAmount",
    "Bill": "AmountDue",
    "VendorCredit": "CreditAmount",
    "Check": "Amount",
    "CreditCardCharge": "Amount",
    "Deposit": "DepositTotal",
}
_SALES_KINDS: Final[frozenset[str]] = frozenset({"Invoice", "CreditMemo", "SalesReceipt"})
# Purchases whose lines may carry tax codes (CA/UK): their total includes the tax.
_TAXED_PURCHASES: Final[frozenset[str]] = frozenset(
    {"Bill", "VendorCredit", "Check", "CreditCardCharge", "PurchaseOrder"}
)
_PURCHASE_LINES: Final[tuple[str, ...]] = ("ExpenseLineRet", "ItemLineRet", "PurchaseOrderLineRet")
_CENT: Final = Decimal("0.01")
_LIST_ID_BLOCK: Final[int] = 8
# What an inventory part must name, and the account type its asset account must be.
_INVENTORY_ACCOUNTS: Final[tuple[str, ...]] = (
    "IncomeAccountRef",
    "COGSAccountRef",
    "AssetAccountRef",
)
_NEW_INVENTORY: Final[dict[str, str]] = {
    "QuantityOnHand": "0",
    "AverageCost": "0.00",
    "QuantityOnOrder": "0",
    "QuantityOnSalesOrder": "0",
}


def set_closing_date(company: SimulatedCompany, closing_date: str | None) -> None:
    """Set (or clear) the company's closing date, as Preferences report it."""
    preferences = company.preferences
    accounting = dict(preferences.get("AccountingPreferences", {}))
    accounting.pop("ClosingDate", None)
    if closing_date is not None:
        accounting["ClosingDate"] = closing_date  # the last element of AccountingPreferences
    preferences["AccountingPreferences"] = accounting
    company.set_meta("preferences", preferences)


def closing_date_of(company: SimulatedCompany) -> str | None:
    found = company.preferences.get("AccountingPreferences", {}).get("ClosingDate")
    return str(found) if found else None


def _ordered(record: Record, ret_type: str) -> Record:
    """Keys in RET_ORDER order; request-only elements (IsAutoApply, LinkToTxnID…) dropped."""
    order = RET_ORDER[ret_type]
    return {key: record[key] for key in order if key in record}


def edition_violation(parent: str, nodes: list[Node], country: str) -> str | None:
    """The first element of a request body the ``country`` edition does not have, or None."""
    for name, value in nodes:
        if not in_edition(parent, name, country):
            return (
                f"The element <{name}> in <{parent}> is not available in this edition"
                f" ({country}) of QuickBooks."
            )
        if not isinstance(value, str):
            found = edition_violation(name, value, country)
            if found is not None:
                return found
    return None


class WriteProcessor:
    """Answers Add/Mod/Del requests against one company."""

    def __init__(self, company: SimulatedCompany) -> None:
        self.company = company

    def answer(self, request: QueryRequest) -> Response:
        rs_name = request.name[:-2] + "Rs"
        body = request.body or []
        try:
            with self.company.transaction():
                write = self._begin()
                if request.name in ("ListDelRq", "TxnDelRq"):
                    fields = to_record(body, frozenset())
                    response = self._delete(write, rs_name, request, fields)
                else:
                    body_name, nodes = body[0]
                    assert not isinstance(nodes, str)
                    unavailable = edition_violation(body_name, nodes, self.company.country)
                    if unavailable is not None:
                        raise WriteStatus(3250, unavailable)
                    fields = to_record(nodes, _REQUEST_REPEATS)
                    if body_name.endswith("Add"):
                        ret_type, record = self._add(write, body_name.removesuffix("Add"), fields)
                    else:
                        ret_type, record = self._mod(write, body_name.removesuffix("Mod"), fields)
                    response = Response(rs_name, request.request_id, records=[(ret_type, record)])
                for ret_type, changed in write.touched:
                    self.company.put(ret_type, changed)
                write.counters.pop("next_line", None)
                self.company.set_meta("counters", write.counters)
                self.company.set_meta("clock", write.moment)
        except WriteStatus as status:
            return Response(rs_name, request.request_id, status.code, "Error", status.message)
        return response

    # -- identity and time ----------------------------------------------------------------

    def _begin(self) -> Write:
        # The clock moves on a second per write, so EditSequences and times always change.
        return Write(self.company, self.company.now + 1, self.company.counters)

    def _new_list_head(self, write: Write) -> Record:
        clock = self.company.clock
        list_id = clock.list_id(write.counters["list"], write.moment)
        write.counters["list"] += 1
        return {
            "ListID": list_id,
            "TimeCreated": clock.stamp(write.moment),
            "TimeModified": clock.stamp(write.moment),
            "EditSequence": clock.edit_sequence(write.moment),
        }

    def _new_txn_head(self, write: Write, lines: int) -> Record:
        clock = self.company.clock
        counter = write.counters["txn"]
        write.counters["txn"] += max(_LIST_ID_BLOCK, lines + 1)
        number = write.counters["txn_number"]
        write.counters["txn_number"] += 1
        write.counters["next_line"] = counter + 1
        return {
            "TxnID": clock.txn_id(counter, write.moment),
            "TimeCreated": clock.stamp(write.moment),
            "TimeModified": clock.stamp(write.moment),
            "EditSequence": clock.edit_sequence(write.moment),
            "TxnNumber": str(number),
        }

    def _line_id(self, write: Write) -> str:
        counter = write.counters.pop("next_line", None)
        if counter is None:  # a line added by a Mod: a fresh counter
            counter = write.counters["txn"]
            write.counters["txn"] += 1
        else:
            write.counters["next_line"] = counter + 1
        return self.company.clock.txn_id(counter, write.moment)

    # -- references -------------------------------------------------------------------------

    def _resolve(self, name: str, value: Any, owner: str, ret_type: str) -> Any:
        """A request value with every known ``…Ref`` checked and completed (3140 if unknown)."""
        if isinstance(value, list):
            return [self._resolve(name, item, owner, ret_type) for item in value]
        if not isinstance(value, dict):
            return value
        if name.endswith("Ref"):
            targets = _REF_TARGETS.get(name)
            if targets is None and name.endswith("AccountRef"):
                targets = ("AccountRet",)
            if targets is None and name == "ParentRef":
                targets = ITEM_TYPES if ret_type in ITEM_TYPES else (ret_type,)
            if targets is not None:
                return self._lookup(name, value, targets, owner)
            return value
        return {key: self._resolve(key, item, owner, ret_type) for key, item in value.items()}

    def _lookup(
        self, name: str, value: dict[str, str], targets: tuple[str, ...], owner: str
    ) -> dict[str, str]:
        company = self.company
        list_id, full_name = value.get("ListID"), value.get("FullName")
        keys = (
            company.select_ids(targets, ids=[list_id])
            if list_id
            else company.select_ids(targets, name_range=(full_name, full_name))
            if full_name
            else []
        )
        if keys:
            found = company.fetch(keys[:1])
            if found:
                _ret, target = found[0]
                return {
                    "ListID": target["ListID"],
                    "FullName": target.get("FullName", target.get("Name", "")),
                }
        label = name.removesuffix("Ref")
        raise WriteStatus(
            3140,
            f'There is an invalid reference to QuickBooks {label} "{list_id or full_name}" in the'
            f" {owner}. QuickBooks error message: Invalid argument. The specified record does"
            " not exist in the list.",
        )

    def _resolve_all(self, fields: Record, owner: str, ret_type: str) -> Record:
        return {key: self._resolve(key, value, owner, ret_type) for key, value in fields.items()}

    # -- rules ----------------------------------------------------------------------------

    def _check_name(self, ret_type: str, full_name: str, own_id: str | None) -> None:
        if ret_type in NAME_TYPES:
            space: tuple[str, ...] = NAME_TYPES
        elif ret_type in ITEM_TYPES:
            space = ITEM_TYPES
        else:
            space = (ret_type,)
        for holder, holder_id in self.company.select_ids(space, name_range=(full_name, full_name)):
            if holder_id != own_id:
                where = _LIST_LABELS.get(holder, holder.removesuffix("Ret"))
                raise WriteStatus(
                    3100,
                    f'The name "{full_name}" of the list element is already in use'
                    f" (by a record of the {where} list).",
                )

    def _check_closing(self, *dates: str | None) -> None:
        closing = closing_date_of(self.company)
        if closing is None:
            return
        for txn_date in dates:
            if txn_date is not None and txn_date <= closing:
                raise WriteStatus(
                    3171,
                    f'The transaction date "{txn_date}" is on or before the closing date'
                    f' "{closing}" of the company file: it cannot be changed here.',
                )

    # -- Add ------------------------------------------------------------------------------

    def _add(self, write: Write, kind: str, given: Record) -> tuple[str, Record]:
        ret_type = kind + "Ret"
        fields = self._resolve_all(given, kind, ret_type)
        if kind in LIST_KINDS:
            record = {**self._new_list_head(write), **self._list_fields(kind, fields, ret_type)}
            self._check_name(ret_type, record.get("FullName", record["Name"]), None)
            if kind == "ItemInventory":
                self._check_inventory(record)
                for name, value in _NEW_INVENTORY.items():
                    record.setdefault(name, value)
        else:
            fields.setdefault("TxnDate", date_of(self.company.now))
            self._check_closing(fields["TxnDate"])
            line_count = sum(len(v) for k, v in fields.items() if k in _LINES)
            record = {**self._new_txn_head(write, line_count), **fields}
            self._lines(write, record, {})
            self._finish_txn(write, kind, record, fields, previous=None)
        record = _ordered(record, ret_type)
        write.touched.append((ret_type, record))
        return ret_type, record

    def _check_inventory(self, record: Record) -> None:
        """An inventory part posts to three accounts; the asset one holds its value."""
        missing = [name for name in _INVENTORY_ACCOUNTS if name not in record]
        if missing:
            raise WriteStatus(
                3180,
                f'There was an error when saving the inventory item "{record["Name"]}".'
                f" QuickBooks error message: an inventory part needs {', '.join(missing)}.",
            )
        asset = self.company.get("AccountRet", record["AssetAccountRef"]["ListID"])
        if asset is None or asset.get("AccountType") != "OtherCurrentAsset":
            raise WriteStatus(
                3180,
                f'There was an error when saving the inventory item "{record["Name"]}".'
                " QuickBooks error message: the inventory asset account must be an Other Current"
                " Asset account.",
            )

    def _list_fields(self, kind: str, fields: Record, ret_type: str) -> Record:
        record = dict(fields)
        parent = record.get("ParentRef")
        name = record.get("Name", "")
        if parent is not None:
            parent_record = self.company.get(ret_type, parent["ListID"])
            depth = int(parent_record.get("Sublevel", "0")) + 1 if parent_record else 1
            record["FullName"] = f"{parent['FullName']}:{name}"
            record["Sublevel"] = str(depth)
        elif kind != "Vendor":
            record["FullName"] = name
            record["Sublevel"] = "0"
        record.setdefault("IsActive", "true")
        if kind in ("Customer", "Vendor", "Account"):
            opening = money(cents(record.pop("OpenBalance", "0"), "OpenBalance"))
            record["Balance"] = opening
            if kind != "Vendor":
                record["TotalBalance"] = opening
        return record

    # -- lines and totals --------------------------------------------------------------------

    def _lines(self, write: Write, record: Record, existing: dict[str, list[Record]]) -> None:
        """Turn request lines into stored lines (a Mod's lines replace the old ones)."""
        for request_name, ret_name in _LINES.items():
            given = record.pop(request_name, None)
            if given is None:
                continue
            old = {line["TxnLineID"]: line for line in existing.get(ret_name, [])}
            lines = record.setdefault(ret_name, [])
            for line in given:
                line_id = line.get("TxnLineID", "-1")
                base = dict(old[line_id]) if line_id in old else {}
                if line_id != "-1" and line_id not in old and request_name.endswith("Mod"):
                    raise WriteStatus(3000, f'The given object ID "{line_id}" is invalid.')
                merged = {**base, **line}
                merged["TxnLineID"] = line_id if line_id in old else self._line_id(write)
                self._line_amount(merged, request_name)
                lines.append(_ordered(merged, ret_name))

    def _line_amount(self, line: Record, request_name: str) -> None:
        price = line.get("Rate") or line.get("Cost")
        if "Amount" in line:
            line["Amount"] = money(cents(line["Amount"], "Amount"))
        elif price is not None:
            quantity = Decimal(line.get("Quantity", "1"))
            amount = (quantity * Decimal(price)).quantize(_CENT, rounding=ROUND_HALF_UP)
            line["Amount"] = money(cents(str(amount), "Amount"))
        elif not request_name.startswith(("Journal", "Deposit")):
            line["Amount"] = "0.00"
        for name in ("Rate", "Cost"):
            if name in line:
                line[name] = str(Decimal(line[name]))  # as given: QuickBooks keeps the digits

    def _finish_txn(
        self, write: Write, kind: str, record: Record, fields: Record, previous: Record | None
    ) -> None:
        """Totals, balances and settlements, for a new record or a changed one."""
        if kind in _SALES_KINDS:
            self._sales_totals(kind, record)
        elif kind in _TOTALS:
            lines = [line for name in _PURCHASE_LINES for line in record.get(name, ())]
            total = sum(cents_of(line["Amount"]) for line in lines)
            total += sum(cents_of(line["Amount"]) for line in record.get("DepositLineRet", ()))
            if kind in _TAXED_PURCHASES:
                total += self._tax(lines, "purchase")
            record[_TOTALS[kind]] = money(total)
            if kind == "Bill":
                paid = 0 if previous is None else _used_cents(previous)
                record["OpenAmount"] = money(total - paid)
                record["IsPaid"] = "true" if total - paid <= 0 and total else "false"
            elif kind == "VendorCredit":
                used = 0 if previous is None else _used_cents(previous)
                record["OpenAmount"] = money(total - used)
        elif kind == "JournalEntry":
            debits = sum(cents_of(line["Amount"]) for line in record.get("JournalDebitLine", ()))
            credits = sum(cents_of(line["Amount"]) for line in record.get("JournalCreditLine", ()))
            if debits != credits:
                raise WriteStatus(
                    3180,
                    "There was an error when saving a Journal Entry. QuickBooks error message:"
                    " Transaction must be balanced (debits equal credits).",
                )
        elif kind == "Transfer":
            record["Amount"] = money(cents(record.get("Amount", "0"), "Amount"))
        elif kind == "ReceivePayment":
            settle_invoices(write, record, fields, previous)
        elif kind in ("BillPaymentCheck", "BillPaymentCreditCard"):
            settle_bills(write, record, fields, previous)

    def _tax(self, lines: Iterable[Record], side: Side) -> int:
        return tax_cents(self.company, lines, side)

    def _sales_totals(self, kind: str, record: Record) -> None:
        setup = self.company.setup
        ret_lines = record.get(f"{kind}LineRet", [])
        for line in ret_lines:
            line.setdefault("SalesTaxCodeRef", setup.exempt.ref)
        subtotal = sum(cents_of(line["Amount"]) for line in ret_lines)
        tax = self._tax(ret_lines, "sales")
        record["Subtotal"] = money(subtotal)
        record["SalesTaxTotal"] = money(tax)
        if kind == "Invoice":
            record.setdefault("AppliedAmount", "0.00")
            balance = max(subtotal + tax + cents_of(record["AppliedAmount"]), 0)
            record["BalanceRemaining"] = money(balance)
            record["IsPaid"] = "true" if balance == 0 else "false"
        elif kind == "CreditMemo":
            used = _used_cents(record)
            record["TotalAmount"] = money(subtotal + tax)
            record["CreditRemaining"] = money(subtotal + tax - used)
        else:
            record["TotalAmount"] = money(subtotal + tax)

    # -- Mod ------------------------------------------------------------------------------

    def _mod(self, write: Write, kind: str, given: Record) -> tuple[str, Record]:
        ret_type = kind + "Ret"
        id_name = "ListID" if kind in LIST_KINDS else "TxnID"
        object_id = given.pop(id_name)
        edit_sequence = given.pop("EditSequence")
        current = self.company.get(ret_type, object_id)
        if current is None:
            raise WriteStatus(
                3000, f'The given object ID "{object_id}" in the field "{id_name}" is invalid.'
            )
        if current["EditSequence"] != edit_sequence:
            raise WriteStatus(
                3200,
                f'The provided edit sequence "{edit_sequence}" is out-of-date.',
            )
        fields = self._resolve_all(given, kind, ret_type)
        previous = current
        record = dict(current)
        if kind in LIST_KINDS:
            # An item's SalesOrPurchaseMod / SalesAndPurchaseMod changes the elements it names
            # in the stored SalesOrPurchase / SalesAndPurchase.
            for mod_name in ("SalesOrPurchaseMod", "SalesAndPurchaseMod"):
                if mod_name in fields:
                    stored = mod_name.removesuffix("Mod")
                    fields[stored] = {**current.get(stored, {}), **fields.pop(mod_name)}
            record.update(fields)
            if "Name" in fields or "ParentRef" in fields:
                record.update(self._list_fields(kind, {**record, "OpenBalance": "0"}, ret_type))
                record["Balance"] = current.get("Balance", "0.00")
                if "TotalBalance" in current:
                    record["TotalBalance"] = current["TotalBalance"]
                self._check_name(ret_type, record.get("FullName", record["Name"]), object_id)
        else:
            self._check_closing(current.get("TxnDate"), fields.get("TxnDate"))
            existing = {name: list(record.pop(name)) for name in set(_LINES.values()) & set(record)}
            if fields.pop("ClearExpenseLines", "false") == "true":
                existing.pop("ExpenseLineRet", None)
            if fields.pop("ClearItemLines", "false") == "true":
                existing.pop("ItemLineRet", None)
            _journal_mods(fields)
            record.update({key: value for key, value in fields.items() if key not in _LINES})
            for key, value in fields.items():
                if key in _LINES:
                    record[key] = value
            given_lines = {_LINES[key] for key in fields if key in _LINES}
            for ret_name, lines in existing.items():
                if ret_name not in given_lines:
                    record[ret_name] = lines
            self._lines(write, record, existing)
            self._finish_txn(write, kind, record, fields, previous)
        write.touch(record)
        record = _ordered(record, ret_type)
        write.touched.append((ret_type, record))
        return ret_type, record

    # -- Del ------------------------------------------------------------------------------

    def _delete(
        self, write: Write, rs_name: str, request: QueryRequest, fields: Record
    ) -> Response:
        is_list = request.name == "ListDelRq"
        del_type = fields["ListDelType" if is_list else "TxnDelType"]
        object_id = fields["ListID" if is_list else "TxnID"]
        ret_type = del_type + "Ret"
        record = self.company.get(ret_type, object_id)
        if record is None:
            id_field = "list id" if is_list else "txn id"
            raise WriteStatus(
                3000, f'The given object ID "{object_id}" in the field "{id_field}" is invalid.'
            )
        if is_list:
            if self.company.has_live_links(object_id):
                raise WriteStatus(
                    3180,
                    f'There was an error when deleting {del_type} "{record.get("FullName", "")}".'
                    " QuickBooks error message: This list entry is in use and cannot be deleted.",
                )
        else:
            self._check_closing(record.get("TxnDate"))
            payments = [
                link for link in record.get("LinkedTxn", ()) if str(link["Amount"]).startswith("-")
            ]
            if del_type in ("Invoice", "Bill") and payments:
                raise WriteStatus(
                    3180,
                    f"There was an error when deleting {del_type} {record.get('RefNumber', '')}."
                    " QuickBooks error message: payments are applied to it; delete them first.",
                )
            if del_type in ("CreditMemo", "VendorCredit") and payments:
                raise WriteStatus(
                    3180,
                    f"There was an error when deleting {del_type} {record.get('RefNumber', '')}."
                    " QuickBooks error message: the credit has been applied; delete the payments"
                    " that use it first.",
                )
            unsettle(write, del_type, record)
        for ret_name, changed in write.touched:
            self.company.put(ret_name, changed)
        write.touched.clear()
        self.company.delete(ret_type, record, write.moment)
        stamp = self.company.clock.stamp(write.moment)
        result: list[tuple[str, str]] = [
            ("ListDelType" if is_list else "TxnDelType", del_type),
            ("ListID" if is_list else "TxnID", object_id),
            ("TimeDeleted", stamp),
        ]
        if is_list:
            result.append(("FullName", str(record.get("FullName", record.get("Name", "")))))
        elif record.get("RefNumber"):
            result.append(("RefNumber", record["RefNumber"]))
        return FieldsResponse(rs_name, request.request_id, fields=result)


@dataclass
class FieldsResponse(Response):
    """A response whose content is plain fields (ListDelRs/TxnDelRs), not ``…Ret`` records."""

    fields: list[tuple[str, str]] = field(default_factory=list)

    def render(self, out: list[str]) -> None:
        inner: list[str] = []
        Response(
            self.name, self.request_id, self.status_code, self.status_severity, self.status_message
        ).render(inner)
        head = "".join(inner).removesuffix(" />\n")
        out.append(head + ">\n")
        for name, value in self.fields:
            escaped = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            out.append(f"<{name}>{escaped}</{name}>\n")
        out.append(f"</{self.name}>\n")


def _used_cents(record: Record) -> int:
    """What payments and credits have taken off a bill, or what has been used of a credit."""
    return sum(-cents_of(link["Amount"]) for link in record.get("LinkedTxn", ()))


def _journal_mods(fields: Record) -> None:
    """JournalLineMod rows become debit or credit lines by their JournalLineType."""
    mods: Iterable[Record] = fields.pop("JournalLineMod", ())
    for given in mods:
        line = dict(given)
        line_type = line.pop("JournalLineType", "Debit")
        target = "JournalCreditLine" if line_type == "Credit" else "JournalDebitLine"
        fields.setdefault(target, []).append(line)


assert REPEATABLE_RET_ELEMENTS  # the stored shape: lines are always lists (see to_record)
