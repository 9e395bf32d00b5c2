"""Small QuickBooks lists: PaymentMethodRet → Codat PaymentMethod; terms and currencies, which
Codat has no type for, in a plain shape of our own."""

from __future__ import annotations

from qbdsync.mapping.common import (
    Mapped,
    MappingContext,
    Raw,
    amount,
    flag,
    integer,
    metadata,
    required,
    source_modified,
    status,
    text,
)
from qbdsync.mapping.currencies import iso_code

# QuickBooks PaymentMethodType → Codat PaymentMethodType.
PAYMENT_METHOD_TYPES: dict[str, str] = {
    "Cash": "Cash",
    "Check": "Check",
    "AmericanExpress": "CreditCard",
    "Discover": "CreditCard",
    "MasterCard": "CreditCard",
    "Visa": "CreditCard",
    "OtherCreditCard": "CreditCard",
    "DebitCard": "DebitCard",
    "ECheck": "BankTransfer",
    "GiftCard": "Other",
    "Other": "Other",
}


def map_payment_method(raw: Raw, ctx: MappingContext) -> Mapped:
    qb_type = text(raw, "PaymentMethodType")
    return {
        "id": required(raw, "ListID"),
        "name": text(raw, "Name"),
        "type": PAYMENT_METHOD_TYPES.get(qb_type or "", "Unknown"),
        "status": status(raw),
        "sourceModifiedDate": source_modified(raw),
        "metadata": metadata(),
        "supplementalData": {"content": {"paymentMethodType": qb_type}},
    }


def map_terms(raw: Raw, ctx: MappingContext) -> Mapped:
    """StandardTermsRet (due N days after the invoice) and DateDrivenTermsRet (due on a day of
    the month)."""
    date_driven = ctx.ret_name == "DateDrivenTermsRet" or (
        not ctx.ret_name and "DayOfMonthDue" in raw
    )
    common = {
        "id": required(raw, "ListID"),
        "name": text(raw, "Name"),
        "status": status(raw),
        "discountPercentage": amount(raw, "DiscountPct"),
        "sourceModifiedDate": source_modified(raw),
        "metadata": metadata(),
    }
    if date_driven:
        return {
            **common,
            "type": "DateDriven",
            "dayOfMonthDue": integer(raw, "DayOfMonthDue"),
            "dueNextMonthDays": integer(raw, "DueNextMonthDays"),
            "discountDayOfMonth": integer(raw, "DiscountDayOfMonth"),
        }
    return {
        **common,
        "type": "Standard",
        "dueDays": integer(raw, "StdDueDays"),
        "discountDays": integer(raw, "StdDiscountDays"),
    }


def _currency_code(raw: Raw, ctx: MappingContext) -> str | None:
    """The currency's ISO 4217 code; a user-defined one outside ISO 4217 is reported, not served."""
    typed = text(raw, "CurrencyCode")
    if not typed:
        return None
    code = iso_code(typed)
    if code is None:
        ctx.issues.add(
            f"currencyCode: QuickBooks' code {typed!r} for currency {text(raw, 'Name')!r} is "
            "not an ISO 4217 code; left empty"
        )
    return code


def map_currency(raw: Raw, ctx: MappingContext) -> Mapped:
    return {
        "id": required(raw, "ListID"),
        "name": text(raw, "Name"),
        "currencyCode": _currency_code(raw, ctx),
        "exchangeRate": amount(raw, "ExchangeRate"),
        "asOfDate": text(raw, "AsOfDate"),
        "isUserDefined": flag(raw, "IsUserDefinedCurrency"),
        "status": status(raw),
        "sourceModifiedDate": source_modified(raw),
        "metadata": metadata(),
    }
