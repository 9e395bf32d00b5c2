"""Every pushable Codat data type, by name: what the push machinery dispatches on.

Bank transactions are pushed under a bank account
(``…/push/bankAccounts/{accountId}/bankTransactions``, body ``{accountId, transactions}``);
their data type here is ``bankTransactions``. Accounts are ``accounts`` (Codat's options path
calls them ``chartOfAccounts``: :func:`kind_for` takes both names).
"""

from __future__ import annotations

from typing import Final

from qbdsync.push.accounts import AccountKind, BankAccountKind
from qbdsync.push.banking import (
    BankTransactionKind,
    DirectCostKind,
    DirectIncomeKind,
    TransferKind,
)
from qbdsync.push.contacts import CustomerKind, SupplierKind
from qbdsync.push.items import ItemKind
from qbdsync.push.journals import JournalEntryKind
from qbdsync.push.kinds import PushKind
from qbdsync.push.purchases import (
    BillCreditNoteKind,
    BillKind,
    BillPaymentKind,
    PurchaseOrderKind,
)
from qbdsync.push.sales import CreditNoteKind, InvoiceKind, PaymentKind

_ALL: Final[tuple[PushKind, ...]] = (
    AccountKind(),
    BankAccountKind(),
    CustomerKind(),
    SupplierKind(),
    ItemKind(),
    InvoiceKind(),
    CreditNoteKind(),
    PaymentKind(),
    BillKind(),
    BillCreditNoteKind(),
    BillPaymentKind(),
    PurchaseOrderKind(),
    JournalEntryKind(),
    DirectCostKind(),
    DirectIncomeKind(),
    TransferKind(),
    BankTransactionKind(),
)

KINDS: Final[dict[str, PushKind]] = {kind.data_type: kind for kind in _ALL}

# Codat's other names for a data type in push and options paths.
ALIASES: Final[dict[str, str]] = {"chartOfAccounts": "accounts"}


def kind_for(data_type: str) -> PushKind | None:
    """The kind for a Codat data type (or its alias), or None when it cannot be pushed."""
    return KINDS.get(ALIASES.get(data_type, data_type))
