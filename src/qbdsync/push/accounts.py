"""Accounts and bank accounts: Codat's Account and BankAccount → AccountAdd/Mod.

The reverse of mapping/accounts.py: QuickBooks' AccountType is the second part of Codat's
fullyQualifiedCategory ("Expense.Expense", "Asset.Bank"), nominalCode is AccountNumber. A bank
account is an account of type Bank (accountType Debit) or CreditCard (Credit), its
accountNumber the BankNumber. QuickBooks has no ExternalGUID on accounts (names are unique in the
chart instead) and cannot delete an account that is used.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from qbdsync.mapping.accounts import ACCOUNT_CLASS, BANK_ACCOUNT_TYPES
from qbdsync.push.base import BaseKind
from qbdsync.push.fields import (
    ACCOUNT_NAMES,
    Issues,
    NameSpace,
    Resolver,
    Spec,
    check_currency,
    currency_spec,
    name_and_status,
    put,
    put_ref,
    status_spec,
    text,
)
from qbdsync.push.kinds import CompanyProfile, Lookup, PushAction, Referenced
from qbdsync.qbxml.writes import Field

_CATEGORIES = tuple(
    (f"{kind}.{qb_type}", qb_type)
    for qb_type, kind in ACCOUNT_CLASS.items()
    if qb_type != "NonPosting"
)
_SIDES = tuple((side, qb_type) for qb_type, side in BANK_ACCOUNT_TYPES.items())


def _no_colon(issues: Issues, path: str, value: Any) -> None:
    if isinstance(value, str) and ":" in value:
        issues.add(
            path,
            "An account name cannot contain ':' (it separates a parent account's name).",
            "Characters",
        )


class _AccountBase(BaseKind):
    """What an account and a bank account check alike; ``name_field`` is the name's field."""

    name_field: ClassVar[str | None]
    name_space: ClassVar[NameSpace | None] = ACCOUNT_NAMES

    def check_more(
        self,
        issues: Issues,
        action: PushAction,
        payload: Mapping[str, Any],
        profile: CompanyProfile,
        lookup: Lookup,
    ) -> None:
        if self.name_field is not None:
            _no_colon(issues, self.name_field, payload.get(self.name_field))
        check_currency(issues, "currency", payload.get("currency"), profile)


class AccountKind(_AccountBase):
    name_field: ClassVar[str | None] = "name"
    data_type: ClassVar[str] = "accounts"
    display: ClassVar[str] = "Account"
    description: ClassVar[str] = "An account of the QuickBooks chart of accounts"
    qb_kind: ClassVar[str] = "Account"
    specs: ClassVar[tuple[Spec, ...]] = (
        text("name", "Name", "The account's name", required=True, limit=("Account", "Name")),
        text(
            "nominalCode",
            "Account number",
            "The account number",
            limit=("Account", "AccountNumber"),
        ),
        text("description", "Description", "What the account is for", limit=("Account", "Desc")),
        text(
            "fullyQualifiedCategory",
            "Category",
            "Codat's classification and QuickBooks' account type",
            required=True,
            choices=lambda _: _CATEGORIES,
            strict=True,
        ),
        currency_spec(),
        status_spec("Archived makes the account inactive"),
    )

    def add_fields(
        self, kind: str, payload: Mapping[str, Any], profile: CompanyProfile, resolver: Resolver
    ) -> tuple[Field, ...]:
        category = str(payload.get("fullyQualifiedCategory") or "")
        return _account_fields(
            payload.get("name"),
            payload.get("status"),
            category.partition(".")[2],
            payload.get("nominalCode"),
            None,
            payload.get("description"),
            resolver.currency(payload.get("currency")),
        )


def _account_fields(
    name: Any,
    status: Any,
    account_type: str,
    number: Any,
    bank_number: Any,
    description: Any,
    currency: tuple[Field, ...] | None,
) -> tuple[Field, ...]:
    fields: list[Field] = []
    name_and_status(fields, name, status)
    fields.append(("AccountType", account_type))
    put(fields, "AccountNumber", number)
    put(fields, "BankNumber", bank_number)
    put(fields, "Desc", description)
    put_ref(fields, "CurrencyRef", currency)
    return tuple(fields)


class BankAccountKind(_AccountBase):
    name_field: ClassVar[str | None] = "accountName"
    data_type: ClassVar[str] = "bankAccounts"
    display: ClassVar[str] = "Bank account"
    description: ClassVar[str] = "A Bank (Debit) or CreditCard (Credit) account in QuickBooks"
    qb_kind: ClassVar[str] = "Account"
    specs: ClassVar[tuple[Spec, ...]] = (
        text(
            "accountName",
            "Account name",
            "The account's name",
            required=True,
            limit=("Account", "Name"),
        ),
        text(
            "accountType",
            "Account type",
            "Debit: a bank account; Credit: a credit card account (Debit if not given)",
            choices=lambda _: _SIDES,
            strict=True,
        ),
        text(
            "nominalCode",
            "Nominal code",
            "The account number in the chart",
            limit=("Account", "AccountNumber"),
        ),
        text(
            "accountNumber",
            "Bank account number",
            "The number the bank gave the account",
            limit=("Account", "BankNumber"),
        ),
        currency_spec(),
        status_spec("Archived makes the account inactive"),
    )

    def add_fields(
        self, kind: str, payload: Mapping[str, Any], profile: CompanyProfile, resolver: Resolver
    ) -> tuple[Field, ...]:
        side = payload.get("accountType") or "Debit"
        account_type = "CreditCard" if side == "Credit" else "Bank"
        return _account_fields(
            payload.get("accountName"),
            payload.get("status"),
            account_type,
            payload.get("nominalCode"),
            payload.get("accountNumber"),
            None,
            resolver.currency(payload.get("currency")),
        )

    def target_kind(self, target: Referenced) -> str:
        return "Account"
