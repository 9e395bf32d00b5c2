"""Money moved through bank and credit-card accounts: direct costs, direct incomes, transfers
and bank transactions.

* A direct cost (money spent on the spot) is a Check when its paymentAllocations[0] account is
  a Bank account, a CreditCardCharge when it is a CreditCard account; its lines are expense or
  item lines as on a bill (tax codes in CA/UK files, classes from ``tracking.recordRefs``).
* A direct income is a SalesReceipt when its lines name items, a Deposit when they name
  accounts (one or the other on every line); the money goes to paymentAllocations[0]'s account.
  A sales receipt's lines take tax codes as an invoice's do; a deposit's lines have none.
  Classes come from ``trackingCategoryRefs``.
* A transfer is a TransferAdd (qbXML 12.0) between two accounts, one amount, and its class from
  the transfer's ``trackingCategoryRefs``.
* A bank transaction, as codat-lending's loan writeback pushes it under
  ``bankAccounts/{accountId}/bankTransactions`` ({accountId, transactions: [{amount, date,
  description}]}), is money in or out of that account with no other side given: money in
  (amount > 0) becomes a Deposit to the account, money out a Check from a bank account (a
  CreditCardCharge on a credit card account), the other side posted to QuickBooks' "Ask My
  Accountant" account for the bookkeeper to classify. QuickBooks writes one transaction per
  request, so a push carries exactly one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, ClassVar, Final

from qbdsync.push.base import BaseKind, supports
from qbdsync.push.fields import (
    Issues,
    Resolver,
    Spec,
    amount_text,
    array,
    check_currency,
    currency_rate_spec,
    currency_spec,
    date_text,
    day,
    decimal_value,
    money,
    obj,
    put,
    put_ref,
    ref_id,
    reference,
    text,
)
from qbdsync.push.journals import contact_field, contact_reference, contact_spec
from qbdsync.push.kinds import CompanyProfile, Lookup, PushAction, Reference, Referenced
from qbdsync.push.lines import (
    account_kind,
    check_bank_or_card,
    check_lines,
    line_amount,
    purchase_lines,
    purchase_lines_spec,
    sales_lines,
)
from qbdsync.push.sales import exchange_fields
from qbdsync.push.taxes import Side, tax_included
from qbdsync.push.tracking import (
    check_tracking,
    class_ref,
    shared_class_ref,
    tracking_references,
    tracking_specs,
)
from qbdsync.qbxml.writes import Field, ref

# The account QuickBooks Desktop sets up for "ask my accountant" postings: the other side of a
# bank transaction that names none.
OFFSET_ACCOUNT: Final = "Ask My Accountant"


def _allocations_spec(what: str) -> Spec:
    return array(
        "paymentAllocations",
        "Payment allocations",
        f"One allocation: the account the money {what}",
        obj(
            "payment",
            "Payment",
            "The payment",
            reference(
                "accountRef", "Account", "accounts", f"The account the money {what}", required=True
            ),
            required=True,
        ),
        required=True,
    )


def _paid_account(payload: Mapping[str, Any]) -> Any:
    allocations = payload.get("paymentAllocations")
    if isinstance(allocations, list) and allocations and isinstance(allocations[0], Mapping):
        payment = allocations[0].get("payment")
        if isinstance(payment, Mapping):
            return payment.get("accountRef")
    return None


def _one_allocation(issues: Issues, payload: Mapping[str, Any]) -> None:
    allocations = payload.get("paymentAllocations")
    if isinstance(allocations, list) and len(allocations) > 1:
        issues.add(
            "paymentAllocations",
            "QuickBooks pays a direct cost or income from one account: give one allocation.",
            "OneAllocation",
        )


_ACCOUNT_PATH = "paymentAllocations[0].payment.accountRef.id"


def _check_on_the_spot(
    issues: Issues,
    payload: Mapping[str, Any],
    profile: CompanyProfile,
    lookup: Lookup,
    side: Side,
) -> None:
    """What a direct cost and a direct income both check: lines, currency, one allocation."""
    check_lines(issues, payload, profile, lookup, purchase=True, side=side, tax_total="taxAmount")
    check_currency(issues, "currency", payload.get("currency"), profile)
    _one_allocation(issues, payload)


_TOTALS: tuple[Spec, ...] = (
    money("subTotal", "Sub total", "Sum of the lines"),
    money("taxAmount", "Tax", "Total tax"),
    money("totalAmount", "Total", "Sub total plus tax", required=True),
)


class _OnTheSpotKind(BaseKind):
    """A direct cost or a direct income: paid on the spot, to or from one contact."""

    contact_type: ClassVar[str]  # "suppliers" for a cost, "customers" for an income

    def more_references(self, payload: Mapping[str, Any]) -> Sequence[Reference]:
        contact = contact_reference(payload.get("contactRef"), "contactRef", self.contact_type)
        classes = tracking_references(payload, "lineItems")
        return [contact, *classes] if contact is not None else classes


class DirectCostKind(_OnTheSpotKind):
    data_type: ClassVar[str] = "directCosts"
    display: ClassVar[str] = "Direct cost"
    description: ClassVar[str] = "Money spent on the spot: a check, or a credit card charge"
    qb_kind: ClassVar[str] = "Check"
    contact_type: ClassVar[str] = "suppliers"
    specs: ClassVar[tuple[Spec, ...]] = (
        text("reference", "Reference", "Check number", limit=("Check", "RefNumber")),
        text("note", "Note", "Memo", limit=("Check", "Memo")),
        contact_spec("The payee", "suppliers"),
        day("issueDate", "Issue date", "The transaction date", required=True),
        currency_spec(),
        currency_rate_spec(),
        purchase_lines_spec(shape="records"),
        _allocations_spec("is paid from (a Bank or CreditCard account)"),
        *_TOTALS,
    )

    def check_more(
        self,
        issues: Issues,
        action: PushAction,
        payload: Mapping[str, Any],
        profile: CompanyProfile,
        lookup: Lookup,
    ) -> None:
        _check_on_the_spot(issues, payload, profile, lookup, "purchase")
        check_bank_or_card(
            issues, lookup, _paid_account(payload), _ACCOUNT_PATH, "A direct cost is"
        )

    def add_kind(self, payload: Mapping[str, Any], resolver: Resolver) -> str:
        kind = account_kind(resolver.lookup, _paid_account(payload))
        return "CreditCardCharge" if kind == "CreditCard" else "Check"

    def add_fields(
        self, kind: str, payload: Mapping[str, Any], profile: CompanyProfile, resolver: Resolver
    ) -> tuple[Field, ...]:
        fields: list[Field] = []
        account = resolver.ref("accounts", _paid_account(payload))
        assert account is not None
        fields.append(("AccountRef", account))
        payee = contact_field(payload.get("contactRef"), resolver, "suppliers")
        put_ref(fields, "PayeeEntityRef", payee)
        put(fields, "RefNumber", payload.get("reference"))
        fields.append(("TxnDate", date_text(payload["issueDate"])))
        put(fields, "Memo", payload.get("note"))
        tax_included(fields, kind, profile)
        exchange_fields(fields, payload, resolver)
        fields.extend(purchase_lines(payload, profile, resolver))
        return tuple(fields)


class DirectIncomeKind(_OnTheSpotKind):
    data_type: ClassVar[str] = "directIncomes"
    display: ClassVar[str] = "Direct income"
    description: ClassVar[str] = (
        "Money received on the spot: a sales receipt (item lines) or a deposit (account lines)"
    )
    qb_kind: ClassVar[str] = "SalesReceipt"
    contact_type: ClassVar[str] = "customers"
    specs: ClassVar[tuple[Spec, ...]] = (
        text("reference", "Reference", "Receipt number", limit=("SalesReceipt", "RefNumber")),
        text("note", "Note", "Memo", limit=("SalesReceipt", "Memo")),
        contact_spec("The customer", "customers"),
        day("issueDate", "Issue date", "The transaction date", required=True),
        currency_spec(),
        currency_rate_spec(),
        purchase_lines_spec(
            "Items (a sales receipt) or accounts (a deposit)", shape="refs", side="sales"
        ),
        _allocations_spec("is deposited to"),
        *_TOTALS,
    )

    @staticmethod
    def _lines(payload: Mapping[str, Any]) -> list[Mapping[str, Any]]:
        lines = payload.get("lineItems")
        return (
            [line for line in lines if isinstance(line, Mapping)] if isinstance(lines, list) else []
        )

    def check_more(
        self,
        issues: Issues,
        action: PushAction,
        payload: Mapping[str, Any],
        profile: CompanyProfile,
        lookup: Lookup,
    ) -> None:
        _check_on_the_spot(issues, payload, profile, lookup, "sales")
        lines = self._lines(payload)
        with_items = [bool(line.get("itemRef")) for line in lines]
        if any(with_items) and not all(with_items):
            issues.add(
                "lineItems",
                "Every line names an item (a sales receipt) or every line an account (a deposit).",
                "AccountOrItem",
            )
        if not any(with_items):
            for index, line in enumerate(lines):
                for name in ("taxRateRef", "taxAmount"):
                    if line.get(name):
                        issues.add(
                            f"lineItems[{index}].{name}",
                            "A deposit's lines (accounts) carry no tax in QuickBooks: name items"
                            " for a sales receipt, which does.",
                            "NotSupported",
                        )

    def add_kind(self, payload: Mapping[str, Any], resolver: Resolver) -> str:
        lines = self._lines(payload)
        return "SalesReceipt" if lines and lines[0].get("itemRef") else "Deposit"

    def add_fields(
        self, kind: str, payload: Mapping[str, Any], profile: CompanyProfile, resolver: Resolver
    ) -> tuple[Field, ...]:
        fields: list[Field] = []
        account = resolver.ref("accounts", _paid_account(payload))
        assert account is not None
        customer = contact_field(payload.get("contactRef"), resolver, "customers")
        date = date_text(payload["issueDate"])
        if kind == "Deposit":
            fields.append(("TxnDate", date))
            fields.append(("DepositToAccountRef", account))
            put(fields, "Memo", payload.get("note"))
            exchange_fields(fields, payload, resolver)
            for line in self._lines(payload):
                parts: list[Field] = []
                put_ref(parts, "EntityRef", customer)
                line_account = resolver.ref("accounts", line.get("accountRef"))
                assert line_account is not None
                parts.append(("AccountRef", line_account))
                put(parts, "Memo", line.get("description"))
                put_ref(parts, "ClassRef", class_ref(resolver, line))
                amount = line_amount(line) or Decimal(0)
                parts.append(("Amount", amount_text(amount)))
                fields.append(("DepositLineAdd", tuple(parts)))
            return tuple(fields)
        put_ref(fields, "CustomerRef", customer)
        put_ref(fields, "ClassRef", shared_class_ref(resolver, self._lines(payload)))
        fields.append(("TxnDate", date))
        put(fields, "RefNumber", payload.get("reference"))
        put(fields, "Memo", payload.get("note"))
        tax_included(fields, kind, profile)
        fields.append(("DepositToAccountRef", account))
        exchange_fields(fields, payload, resolver)
        fields.extend(sales_lines(payload, "SalesReceiptLineAdd", profile, resolver))
        return tuple(fields)


class TransferKind(BaseKind):
    data_type: ClassVar[str] = "transfers"
    display: ClassVar[str] = "Transfer"
    description: ClassVar[str] = "Money moved between two accounts (qbXML 12.0 and later)"
    qb_kind: ClassVar[str] = "Transfer"
    specs: ClassVar[tuple[Spec, ...]] = (
        day("date", "Date", "The transfer's date", required=True),
        text("description", "Description", "Memo", limit=("Transfer", "Memo")),
        obj(
            "from",
            "From",
            "The account the money leaves",
            reference("accountRef", "Account", "accounts", "The account", required=True),
            money("amount", "Amount", "The amount moved", required=True),
            currency_spec(),
            required=True,
        ),
        obj(
            "to",
            "To",
            "The account the money enters",
            reference("accountRef", "Account", "accounts", "The account", required=True),
            money("amount", "Amount", "The amount moved (the same)"),
            currency_spec(),
            required=True,
        ),
        *tracking_specs("refs"),
    )

    def more_references(self, payload: Mapping[str, Any]) -> Sequence[Reference]:
        return tracking_references(payload, None)

    def check_more(
        self,
        issues: Issues,
        action: PushAction,
        payload: Mapping[str, Any],
        profile: CompanyProfile,
        lookup: Lookup,
    ) -> None:
        if not supports(profile, "TransferAdd"):
            issues.add("", "Transfers need qbXML 12.0 (QuickBooks 2013) or later.", "NotSupported")
        check_tracking(issues, payload, None, lookup)
        source, target = payload.get("from"), payload.get("to")
        if not isinstance(source, Mapping) or not isinstance(target, Mapping):
            return
        amount = decimal_value(source.get("amount"))
        if amount is not None and amount <= 0:
            issues.add("from.amount", "Must be more than zero.", "Range")
        other = decimal_value(target.get("amount"))
        if amount is not None and other is not None and other != amount:
            issues.add(
                "to.amount",
                f"A transfer moves one amount: {other} is not {amount}.",
                "AmountsAddUp",
            )
        if ref_id(source.get("accountRef")) and ref_id(source.get("accountRef")) == ref_id(
            target.get("accountRef")
        ):
            issues.add(
                "to.accountRef.id", "A transfer moves money between two accounts.", "Distinct"
            )

    def add_fields(
        self, kind: str, payload: Mapping[str, Any], profile: CompanyProfile, resolver: Resolver
    ) -> tuple[Field, ...]:
        source, target = payload["from"], payload["to"]
        from_ref = resolver.ref("accounts", source.get("accountRef"))
        to_ref = resolver.ref("accounts", target.get("accountRef"))
        assert from_ref is not None
        assert to_ref is not None
        fields: list[Field] = [
            ("TxnDate", date_text(payload["date"])),
            ("TransferFromAccountRef", from_ref),
            ("TransferToAccountRef", to_ref),
            ("Amount", amount_text(source["amount"])),
        ]
        put_ref(fields, "ClassRef", class_ref(resolver, payload))
        put(fields, "Memo", payload.get("description"))
        return tuple(fields)


class BankTransactionKind(BaseKind):
    data_type: ClassVar[str] = "bankTransactions"
    display: ClassVar[str] = "Bank transactions"
    description: ClassVar[str] = (
        "One transaction in a bank account: money in is a deposit, money out a check "
        f"(a charge on a credit card); the other side is posted to {OFFSET_ACCOUNT!r}"
    )
    qb_kind: ClassVar[str] = "Deposit"
    specs: ClassVar[tuple[Spec, ...]] = (
        text("accountId", "Bank account", "The bank account's id", required=True),
        array(
            "transactions",
            "Transactions",
            "Exactly one transaction",
            money("amount", "Amount", "Positive: money in; negative: money out", required=True),
            day("date", "Date", "The transaction date", required=True),
            text("description", "Description", "Memo", limit=("Deposit", "Memo")),
            required=True,
        ),
    )

    @property
    def actions(self) -> frozenset[PushAction]:
        return frozenset({PushAction.CREATE})

    def references(self, payload: Mapping[str, Any]) -> Sequence[Reference]:
        account = payload.get("accountId")
        return (
            [Reference("accountId", "bankAccounts", account)]
            if isinstance(account, str) and account
            else []
        )

    @staticmethod
    def _transaction(payload: Mapping[str, Any]) -> Mapping[str, Any]:
        transaction = payload["transactions"][0]
        assert isinstance(transaction, Mapping)
        return transaction

    def check_more(
        self,
        issues: Issues,
        action: PushAction,
        payload: Mapping[str, Any],
        profile: CompanyProfile,
        lookup: Lookup,
    ) -> None:
        transactions = payload.get("transactions")
        if isinstance(transactions, list) and len(transactions) > 1:
            issues.add(
                "transactions",
                "QuickBooks Desktop writes one bank transaction per push.",
                "OneTransaction",
            )
        if isinstance(transactions, list) and transactions and isinstance(transactions[0], Mapping):
            amount = decimal_value(transactions[0].get("amount"))
            if amount == 0:
                issues.add(
                    "transactions[0].amount", "A transaction moves money: not zero.", "Range"
                )
            account = payload.get("accountId")
            found = lookup.find("bankAccounts", account) if isinstance(account, str) else None
            if (
                found is not None
                and amount is not None
                and amount > 0
                and found.data.get("accountType") == "Credit"
            ):
                issues.add(
                    "transactions[0].amount",
                    "Money into a credit card account (a refund) cannot be written through qbXML.",
                    "NotSupported",
                )

    def add_kind(self, payload: Mapping[str, Any], resolver: Resolver) -> str:
        amount = decimal_value(self._transaction(payload).get("amount")) or Decimal(0)
        if amount > 0:
            return "Deposit"
        account = resolver.lookup.find("bankAccounts", payload["accountId"])
        card = account is not None and account.data.get("accountType") == "Credit"
        return "CreditCardCharge" if card else "Check"

    def target_kind(self, target: Referenced) -> str:
        raise ValueError("bank transactions are only created")

    def add_fields(
        self, kind: str, payload: Mapping[str, Any], profile: CompanyProfile, resolver: Resolver
    ) -> tuple[Field, ...]:
        transaction = self._transaction(payload)
        account = resolver.ref("bankAccounts", {"id": payload["accountId"]})
        assert account is not None
        amount = decimal_value(transaction["amount"])
        assert amount is not None
        date = date_text(transaction["date"])
        memo = transaction.get("description")
        offset = ref(full_name=OFFSET_ACCOUNT)
        fields: list[Field] = []
        if kind == "Deposit":
            fields.append(("TxnDate", date))
            fields.append(("DepositToAccountRef", account))
            put(fields, "Memo", memo)
            line: list[Field] = [("AccountRef", offset)]
            put(line, "Memo", memo)
            line.append(("Amount", amount_text(amount)))
            fields.append(("DepositLineAdd", tuple(line)))
            return tuple(fields)
        fields.append(("AccountRef", account))
        fields.append(("TxnDate", date))
        put(fields, "Memo", memo)
        expense: list[Field] = [("AccountRef", offset), ("Amount", amount_text(-amount))]
        put(expense, "Memo", memo)
        fields.append(("ExpenseLineAdd", tuple(expense)))
        return tuple(fields)
