"""Money moving through bank and credit-card accounts.

Direct costs (CheckRet, CreditCardChargeRet), direct incomes (SalesReceiptRet, DepositRet) and
transfers (TransferRet) are mapped from their own queries. Account transactions and bank
transactions are derived from those and from payments: one per bank or credit-card account a
record moves money in, found by :func:`bank_movements`. A transfer between two bank accounts is
a movement in each, so it derives two rows, told apart by the side suffixed to its TxnID
(:func:`transfer_row_ids`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from qbdsync.mapping.common import (
    Mapped,
    MappingContext,
    Raw,
    amount,
    children,
    currency,
    decimal,
    exchange_rate,
    is_void,
    number,
    ref,
    required,
    text,
    txn_envelope,
)
from qbdsync.mapping.lines import (
    DATA_TYPES,
    contact_ref,
    purchase_lines,
    sales_lines,
    tracking_refs,
)

_UNDEPOSITED_FUNDS = "Undeposited Funds"


def _payment_allocation(raw: Raw, ctx: MappingContext, account: str, value: float | None) -> Mapped:
    date = text(raw, "TxnDate")
    cur = currency(raw, ctx)
    rate = exchange_rate(raw)
    return {
        "payment": {
            "accountRef": ref(raw, account),
            "paymentMethodRef": ref(raw, "PaymentMethodRef"),
            "currency": cur,
            "currencyRate": rate,
            "paidOnDate": date,
            "totalAmount": value,
        },
        "allocation": {
            "currency": cur,
            "currencyRate": rate,
            "allocatedOnDate": date,
            "totalAmount": value,
        },
    }


def map_direct_cost(raw: Raw, ctx: MappingContext) -> Mapped:
    """CheckRet and CreditCardChargeRet: both pay from AccountRef; Amount is the total."""
    value = amount(raw, "Amount")
    return {
        "id": required(raw, "TxnID"),
        "reference": text(raw, "RefNumber"),
        "note": text(raw, "Memo"),
        "contactRef": contact_ref(raw, "PayeeEntityRef", None),
        "issueDate": text(raw, "TxnDate"),
        "currency": currency(raw, ctx),
        "currencyRate": exchange_rate(raw),
        "lineItems": purchase_lines(raw),
        "paymentAllocations": [_payment_allocation(raw, ctx, "AccountRef", value)],
        "subTotal": value,
        "taxAmount": 0.0,
        "totalAmount": value,
        **txn_envelope(raw),
    }


def _deposit_line(line: Raw) -> Mapped:
    value = amount(line, "Amount")
    txn_id = text(line, "TxnID")
    return {
        "lineNumber": text(line, "TxnLineID"),
        "description": text(line, "Memo"),
        "unitAmount": 0.0,
        "quantity": 0.0,
        "discountAmount": 0.0,
        "subTotal": value,
        "taxAmount": 0.0,
        "totalAmount": value,
        "accountRef": ref(line, "AccountRef"),
        "itemRef": None,
        "taxRateRef": None,
        "trackingCategoryRefs": tracking_refs(line),
        # A deposit line either deposits an earlier payment (TxnID/TxnType) or is new income
        # from an account; the former is kept linked so the income is not counted twice.
        "depositedRecordRef": (
            {"id": txn_id, "dataType": DATA_TYPES.get(text(line, "TxnType") or "")}
            if txn_id
            else None
        ),
        "contactRef": contact_ref(line, "EntityRef", None),
    }


def _is_deposit(raw: Raw, ctx: MappingContext) -> bool:
    if ctx.ret_name:
        return ctx.ret_name == "DepositRet"
    return "DepositTotal" in raw or "DepositLineRet" in raw


def map_direct_income(raw: Raw, ctx: MappingContext) -> Mapped:
    """SalesReceiptRet (a sale paid on the spot) and DepositRet (money into a bank account)."""
    if _is_deposit(raw, ctx):
        value = amount(raw, "DepositTotal")
        return {
            "id": required(raw, "TxnID"),
            "reference": None,
            "note": text(raw, "Memo"),
            "contactRef": None,
            "issueDate": text(raw, "TxnDate"),
            "currency": currency(raw, ctx),
            "currencyRate": exchange_rate(raw),
            "lineItems": [_deposit_line(line) for line in children(raw, "DepositLineRet")],
            "paymentAllocations": [_payment_allocation(raw, ctx, "DepositToAccountRef", value)],
            "subTotal": value,
            "taxAmount": 0.0,
            "totalAmount": value,
            **txn_envelope(raw),
        }
    sub_total = decimal(raw, "Subtotal")
    tax = decimal(raw, "SalesTaxTotal")
    value = amount(raw, "TotalAmount")
    return {
        "id": required(raw, "TxnID"),
        "reference": text(raw, "RefNumber"),
        "note": text(raw, "Memo"),
        "contactRef": contact_ref(raw, "CustomerRef", "customers"),
        "issueDate": text(raw, "TxnDate"),
        "currency": currency(raw, ctx),
        "currencyRate": exchange_rate(raw),
        "lineItems": [
            {**line, "isDirectIncome": True}
            for line in sales_lines(raw, "SalesReceiptLineRet", "SalesReceiptLineGroupRet")
        ],
        "paymentAllocations": [_payment_allocation(raw, ctx, "DepositToAccountRef", value)],
        "subTotal": number(sub_total, "Subtotal"),
        "taxAmount": number(tax or Decimal(0), "SalesTaxTotal"),
        "totalAmount": value,
        **txn_envelope(raw),
    }


def map_transfer(raw: Raw, ctx: MappingContext) -> Mapped:
    value = amount(raw, "Amount")
    cur = currency(raw, ctx)
    tracking = ref(raw, "ClassRef")
    return {
        "id": required(raw, "TxnID"),
        "description": text(raw, "Memo"),
        "contactRef": None,
        "date": text(raw, "TxnDate"),
        "from": {
            "accountRef": ref(raw, "TransferFromAccountRef"),
            "amount": value,
            "currency": cur,
        },
        "to": {"accountRef": ref(raw, "TransferToAccountRef"), "amount": value, "currency": cur},
        "depositedRecordRefs": [],
        "trackingCategoryRefs": [tracking] if tracking else [],
        **txn_envelope(raw),
    }


# The two sides of a transfer, as suffixes of the transfer's TxnID: the derived rows need ids
# of their own (one store key per row), stable from one sync to the next.
TRANSFER_FROM = "-from"
TRANSFER_TO = "-to"


def transfer_row_ids(txn_id: str) -> tuple[str, ...]:
    """Every id a transfer's derived rows may have. The bare TxnID is listed too: rows stored
    under it (when only the "from" side was served) are deleted when the transfer syncs again."""
    return (txn_id + TRANSFER_FROM, txn_id + TRANSFER_TO, txn_id)


@dataclass(frozen=True, slots=True)
class BankMovement:
    """Money in (+) or out (-) of one account, as one source record shows it."""

    account: dict[str, str]  # Codat ref {id, name} of the bank/credit-card account
    amount: Decimal  # signed: money out of the account is negative
    transaction_type: str  # Codat BankTransactionType
    counterparty: str | None
    data_type: str  # the Codat data type the source record is served as
    side: str = ""  # suffix of the source's id for this movement's rows (a transfer's side)


# ret name → (account ref element, amount element, sign, Codat type, counterparty ref, data type,
# whether QuickBooks only allows a bank/credit-card account there).
_SOURCES: dict[str, tuple[str, str, int, str, str | None, str, bool]] = {
    "CheckRet": ("AccountRef", "Amount", -1, "Check", "PayeeEntityRef", "directCosts", True),
    "CreditCardChargeRet": (
        "AccountRef",
        "Amount",
        -1,
        "Debit",
        "PayeeEntityRef",
        "directCosts",
        True,
    ),
    "BillPaymentCheckRet": (
        "BankAccountRef",
        "Amount",
        -1,
        "Check",
        "PayeeEntityRef",
        "billPayments",
        True,
    ),
    "BillPaymentCreditCardRet": (
        "CreditCardAccountRef",
        "Amount",
        -1,
        "Debit",
        "PayeeEntityRef",
        "billPayments",
        True,
    ),
    "DepositRet": ("DepositToAccountRef", "DepositTotal", 1, "Dep", None, "directIncomes", False),
    "ReceivePaymentRet": (
        "DepositToAccountRef",
        "TotalAmount",
        1,
        "Credit",
        "CustomerRef",
        "payments",
        False,
    ),
    "SalesReceiptRet": (
        "DepositToAccountRef",
        "TotalAmount",
        1,
        "Credit",
        "CustomerRef",
        "directIncomes",
        False,
    ),
}


def _is_bank(account: dict[str, str] | None, ctx: MappingContext, always_bank: bool) -> bool:
    """Whether money in this account is a bank movement.

    With the company's bank account ids known, that decides. Without them, a check or bill
    payment account is a bank/credit-card account by QuickBooks' own rule, and a deposit-to
    account counts unless it is Undeposited Funds (money waiting to be banked).
    """
    if account is None or "id" not in account:
        return False
    if ctx.bank_account_ids is not None:
        return account["id"] in ctx.bank_account_ids
    return always_bank or account.get("name") != _UNDEPOSITED_FUNDS


def bank_movements(raw: Raw, ctx: MappingContext) -> list[BankMovement]:
    """Every bank/credit-card account the record moves money in (two for a transfer)."""
    if ctx.ret_name == "TransferRet":
        value = decimal(raw, "Amount") or Decimal(0)
        sides = (
            ("TransferFromAccountRef", -value, TRANSFER_FROM),
            ("TransferToAccountRef", value, TRANSFER_TO),
        )
        return [
            BankMovement(account, signed, "Xfer", None, "transfers", side)
            for name, signed, side in sides
            if (account := ref(raw, name)) is not None and _is_bank(account, ctx, False)
        ]
    source = _SOURCES.get(ctx.ret_name)
    if source is None:
        return []
    account_name, amount_name, sign, kind, party_name, data_type, always_bank = source
    account = ref(raw, account_name)
    if account is None or not _is_bank(account, ctx, always_bank):
        return []
    value = decimal(raw, amount_name) or Decimal(0)
    party = ref(raw, party_name) if party_name else None
    counterparty = party.get("name") if party else None
    return [BankMovement(account, sign * value, kind, counterparty, data_type)]


def _account_lines(raw: Raw, movement: BankMovement) -> list[dict[str, Any]]:
    txn_id = text(raw, "TxnID")
    if movement.data_type == "directIncomes" and "DepositLineRet" in raw:
        lines = []
        for line in children(raw, "DepositLineRet"):
            linked_id = text(line, "TxnID")
            record = (
                {"id": linked_id, "dataType": DATA_TYPES.get(text(line, "TxnType") or "")}
                if linked_id
                else {"id": txn_id, "dataType": movement.data_type}
            )
            lines.append(
                {
                    "description": text(line, "Memo"),
                    "recordRef": record,
                    "amount": amount(line, "Amount"),
                }
            )
        return lines
    return [
        {
            "description": text(raw, "Memo"),
            "recordRef": {"id": txn_id, "dataType": movement.data_type},
            "amount": number(movement.amount, "Amount"),
        }
    ]


def _account_transaction(raw: Raw, ctx: MappingContext, movement: BankMovement) -> Mapped:
    return {
        "id": required(raw, "TxnID") + movement.side,
        # The source record, whichever side of it this is.
        "transactionId": text(raw, "TxnID"),
        "note": text(raw, "Memo"),
        "date": text(raw, "TxnDate"),
        "status": "Void" if is_void(raw) else "Unknown",
        "currency": currency(raw, ctx),
        "currencyRate": exchange_rate(raw),
        "bankAccountRef": movement.account,
        "lines": _account_lines(raw, movement),
        "totalAmount": number(movement.amount, "Amount"),
        **txn_envelope(raw),
    }


def map_account_transactions(raw: Raw, ctx: MappingContext) -> list[Mapped]:
    """One Codat AccountTransaction per bank/credit-card account the record moves money in
    (none when it touches no such account; both sides of a transfer between two)."""
    return [_account_transaction(raw, ctx, m) for m in bank_movements(raw, ctx)]


def _bank_transaction(raw: Raw, movement: BankMovement) -> Mapped:
    return {
        "id": required(raw, "TxnID") + movement.side,
        "accountId": movement.account.get("id"),
        "date": text(raw, "TxnDate"),
        "clearedOnDate": None,
        "description": text(raw, "Memo"),
        "counterparty": movement.counterparty,
        "reference": text(raw, "RefNumber"),
        "reconciled": False,
        "amount": number(movement.amount, "Amount"),
        "balance": None,
        "transactionType": movement.transaction_type,
        **txn_envelope(raw),
    }


def map_bank_transactions(raw: Raw, ctx: MappingContext) -> list[Mapped]:
    """One Codat BankTransaction per bank/credit-card account the record moves money in: a
    transfer between two bank accounts is money out of the "from" account (negative) and into
    the "to" account (positive), each listed under its own account."""
    return [_bank_transaction(raw, movement) for movement in bank_movements(raw, ctx)]
