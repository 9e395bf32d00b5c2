"""What a payment written to the simulated company settles: invoices and bills, with money and
with credits.

Each AppliedToTxnAdd pays one invoice (ReceivePayment) or bill (BillPaymentCheck,
BillPaymentCreditCard): PaymentAmount of the payment's money, and any SetCredit applying a
credit memo (to an invoice) or a vendor credit (to a bill) of the same name. QuickBooks then:

* lowers the invoice's BalanceRemaining (its AppliedAmount, negative, grows) or the bill's
  OpenAmount by the money and the credits together; the tax on it is not computed again;
* lowers the credit's CreditRemaining (credit memo) or OpenAmount (vendor credit);
* links them: the invoice or bill lists the payment (−money) and each credit (−credit); the
  credit lists the payment (−credit); the payment's AppliedToTxnRet lists the credits it used
  (their applied amount) as LinkedTxn.

Paying more than is open, using more credit than remains, or applying nothing is 3210. A
payment changed or deleted first gives back everything it had applied.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import Final

from qbdsync.simulator.factories import Record, add_link, cents_of, money, payment_link
from qbdsync.simulator.write_context import Write, WriteStatus, cents

_BILL_PAYMENTS: Final = ("BillPaymentCheck", "BillPaymentCreditCard")


def _rows(fields: Record) -> list[Record] | None:
    rows = fields.get("AppliedToTxnAdd", fields.get("AppliedToTxnMod"))
    return None if rows is None else list(rows)


def _credits(row: Record) -> list[Record]:
    found = row.get("SetCredit", [])
    return list(found) if isinstance(found, list) else [found]


def _drop_links(record: Record, keep: Iterable[Record]) -> None:
    kept = list(keep)
    if kept:
        record["LinkedTxn"] = kept
    else:
        record.pop("LinkedTxn", None)


def _drop_one_link(record: Record, txn_id: str, amount: str) -> None:
    links = list(record.get("LinkedTxn", ()))
    for index, link in enumerate(links):
        if link["TxnID"] == txn_id and link["Amount"] == amount:
            del links[index]
            break
    _drop_links(record, links)


def _in_home(record: Record, cents_value: int) -> str:
    rate = Decimal(str(record.get("ExchangeRate", "1")))
    return money(int((Decimal(cents_value) * rate).quantize(Decimal(1), rounding=ROUND_HALF_UP)))


def _invoice_balance(invoice: Record) -> None:
    """BalanceRemaining from the invoice's totals and what has been applied to it."""
    total = cents_of(invoice["Subtotal"]) + cents_of(invoice.get("SalesTaxTotal", "0.00"))
    balance = max(total + cents_of(invoice["AppliedAmount"]), 0)
    invoice["BalanceRemaining"] = money(balance)
    if "BalanceRemainingInHomeCurrency" in invoice:
        invoice["BalanceRemainingInHomeCurrency"] = _in_home(invoice, balance)
    invoice["IsPaid"] = "true" if balance == 0 else "false"


def _reduce_invoice(invoice: Record, by: int) -> None:
    invoice["AppliedAmount"] = money(cents_of(invoice["AppliedAmount"]) - by)
    _invoice_balance(invoice)


def _reduce_bill(bill: Record, by: int) -> None:
    open_amount = cents_of(bill["OpenAmount"]) - by
    bill["OpenAmount"] = money(open_amount)
    bill["IsPaid"] = "true" if open_amount <= 0 else "false"


def _reduce_credit(credit: Record, ret_type: str, by: int) -> None:
    name = "CreditRemaining" if ret_type == "CreditMemoRet" else "OpenAmount"
    remaining = cents_of(credit[name]) - by
    credit[name] = money(remaining)
    home = f"{name}InHomeCurrency"
    if home in credit:
        credit[home] = _in_home(credit, remaining)


def _applied_row(settled: Record, txn_type: str, balance: str, paid: int) -> Record:
    row = {"TxnID": settled["TxnID"], "TxnType": txn_type, "TxnDate": settled["TxnDate"]}
    if settled.get("RefNumber"):
        row["RefNumber"] = settled["RefNumber"]
    row["BalanceRemaining"] = balance
    row["Amount"] = money(paid)
    return row


class _Settlement:
    """The settling of one payment: what it pays (invoices or bills) and with which credits."""

    def __init__(self, write: Write, record: Record, *, receivable: bool) -> None:
        self.write = write
        self.record = record
        self.receivable = receivable
        self.paid_ret = "InvoiceRet" if receivable else "BillRet"
        self.credit_ret = "CreditMemoRet" if receivable else "VendorCreditRet"
        self.entity = record.get("CustomerRef") if receivable else record.get("PayeeEntityRef")
        if receivable:
            self.payment_type = "ReceivePayment"
        else:
            bank = "BankAccountRef" in record
            self.payment_type = "BillPaymentCheck" if bank else "BillPaymentCreditCard"

    def _open(self, paid: Record) -> int:
        return cents_of(paid["BalanceRemaining" if self.receivable else "OpenAmount"])

    def _remaining(self, credit: Record) -> int:
        return cents_of(credit["CreditRemaining" if self.receivable else "OpenAmount"])

    def undo(self, previous: Record) -> None:
        """Give back everything ``previous`` (this payment as it was) had applied."""
        payment_id = self.record["TxnID"]
        for applied in previous.get("AppliedToTxnRet", ()):
            paid = self.write.settled(self.paid_ret, applied["TxnID"])
            restored = -sum(
                cents_of(link["Amount"])
                for link in paid.get("LinkedTxn", ())
                if link["TxnID"] == payment_id
            )
            _drop_links(paid, (k for k in paid.get("LinkedTxn", ()) if k["TxnID"] != payment_id))
            for used in applied.get("LinkedTxn", ()):
                amount = cents_of(used["Amount"])
                credit = self.write.settled(self.credit_ret, used["TxnID"])
                _reduce_credit(credit, self.credit_ret, -amount)
                _drop_links(
                    credit, (k for k in credit.get("LinkedTxn", ()) if k["TxnID"] != payment_id)
                )
                self.write.touch(credit)
                _drop_one_link(paid, used["TxnID"], money(-amount))
                restored += amount
            if self.receivable:
                _reduce_invoice(paid, -restored)
            else:
                _reduce_bill(paid, -restored)
            self.write.touch(paid)

    def apply(self, rows: list[Record]) -> int:
        """Apply each row; the payment's AppliedToTxnRet; returns the money applied."""
        result: list[Record] = []
        money_used = 0
        for row in rows:
            paid = self.write.settled(self.paid_ret, row["TxnID"], self.entity)
            cash = cents(row.get("PaymentAmount", "0"), "PaymentAmount")
            used = self._use_credits(paid, row)
            reduction = cash + sum(amount for _, amount in used)
            label = "invoice" if self.receivable else "bill"
            if cash < 0 or reduction <= 0 or reduction > self._open(paid):
                raise WriteStatus(
                    3210,
                    f"The payment amount {money(reduction)} for {label}"
                    f' "{paid.get("RefNumber", "")}" is more than its open balance'
                    f" {money(self._open(paid))} (or not positive).",
                )
            if cash:
                add_link(
                    paid,
                    self.paid_ret,
                    payment_link(
                        self.record["TxnID"],
                        self.payment_type,
                        self.write.company.now,
                        self.record.get("RefNumber", ""),
                        cash,
                    ),
                )
            if self.receivable:
                _reduce_invoice(paid, reduction)
            else:
                _reduce_bill(paid, reduction)
            self.write.touch(paid)
            money_used += cash
            balance = paid["BalanceRemaining" if self.receivable else "OpenAmount"]
            entry = _applied_row(paid, "Invoice" if self.receivable else "Bill", balance, cash)
            if used:
                entry["LinkedTxn"] = [self._used_link(credit, amount) for credit, amount in used]
            result.append(entry)
        self.record.pop("AppliedToTxnRet", None)
        if result:
            self.record["AppliedToTxnRet"] = result
        return money_used

    def _use_credits(self, paid: Record, row: Record) -> list[tuple[Record, int]]:
        used: list[tuple[Record, int]] = []
        credit_type = self.credit_ret.removesuffix("Ret")
        for given in _credits(row):
            credit = self.write.settled(self.credit_ret, given["CreditTxnID"], self.entity)
            amount = cents(given.get("AppliedAmount", "0"), "AppliedAmount")
            if amount <= 0 or amount > self._remaining(credit):
                raise WriteStatus(
                    3210,
                    f"The credit {money(amount)} from {credit_type}"
                    f' "{credit.get("RefNumber", "")}" is more than the'
                    f" {money(self._remaining(credit))} it has left (or not positive).",
                )
            _reduce_credit(credit, self.credit_ret, amount)
            now = self.write.company.now
            reference = self.record.get("RefNumber", "")
            add_link(
                credit,
                self.credit_ret,
                payment_link(self.record["TxnID"], self.payment_type, now, reference, amount),
            )
            credit_ref = credit.get("RefNumber", "")
            add_link(
                paid,
                self.paid_ret,
                payment_link(credit["TxnID"], credit_type, now, credit_ref, amount),
            )
            self.write.touch(credit)
            used.append((credit, amount))
        return used

    def _used_link(self, credit: Record, amount: int) -> Record:
        link = {
            "TxnID": credit["TxnID"],
            "TxnType": self.credit_ret.removesuffix("Ret"),
            "TxnDate": credit["TxnDate"],
        }
        if credit.get("RefNumber"):
            link["RefNumber"] = credit["RefNumber"]
        link["LinkType"] = "AMTTYPE"
        link["Amount"] = money(amount)
        return link


def settle_invoices(write: Write, record: Record, fields: Record, previous: Record | None) -> None:
    """A ReceivePayment (new or changed) applied to invoices, with money and credit memos."""
    rows = _rows(fields)
    total = cents(record.get("TotalAmount", "0"), "TotalAmount")
    record["TotalAmount"] = money(total)
    if rows is None and previous is not None:
        return  # a Mod that does not name what it pays keeps what the payment paid
    settlement = _Settlement(write, record, receivable=True)
    if previous is not None:
        settlement.undo(previous)
    used = settlement.apply(rows or [])
    if used > total:
        raise WriteStatus(
            3210, f"The payment applies {money(used)}, more than its total {money(total)}."
        )
    record["UnusedPayment"] = money(total - used)
    record["UnusedCredits"] = "0.00"


def settle_bills(write: Write, record: Record, fields: Record, previous: Record | None) -> None:
    """A bill payment (new or changed) applied to bills, with money and vendor credits."""
    rows = _rows(fields)
    if rows is None:
        return
    settlement = _Settlement(write, record, receivable=False)
    if previous is not None:
        settlement.undo(previous)
    record["Amount"] = money(settlement.apply(rows))


def unsettle(write: Write, del_type: str, record: Record) -> None:
    """Deleting a payment re-opens what it paid and gives back the credits it used."""
    if del_type == "ReceivePayment":
        _Settlement(write, record, receivable=True).undo(record)
    elif del_type in _BILL_PAYMENTS:
        _Settlement(write, record, receivable=False).undo(record)
