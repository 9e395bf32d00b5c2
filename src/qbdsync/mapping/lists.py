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


def map_currency(raw: Raw, ctx: MappingContext) -> Mapped:
    return {
        "id": required(raw, "ListID"),
        "name": text(raw, "Name"),
        "currencyCode": text(raw, "CurrencyCode"),
        "exchangeRate": amount(raw, "ExchangeRate"),
        "asOfDate": text(raw, "AsOfDate"),
        "isUserDefined": flag(raw, "IsUserDefinedCurrency"),
        "status": status(raw),
        "sourceModifiedDate": source_modified(raw),
        "metadata": metadata(),
    }
