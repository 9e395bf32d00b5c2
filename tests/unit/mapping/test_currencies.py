"""QuickBooks currency names become ISO 4217 codes, or are reported, never passed off as codes."""

from __future__ import annotations

import pycountry
import pytest

from qbdsync.mapping.common import MappingContext, currency
from qbdsync.mapping.currencies import (
    CompanyCurrency,
    CurrencyCodes,
    code_for_name,
    company_currency,
    iso_codes,
)
from qbdsync.mapping.purchases import map_bill
from qbdsync.mapping.sales import map_invoice
from tests.unit.mapping.helpers import STAMPS, ctx, ref

# Names as QuickBooks Desktop's built-in currency list spells them.
QUICKBOOKS_NAMES = {
    "US Dollar": "USD",
    "Canadian Dollar": "CAD",
    "British Pound Sterling": "GBP",
    "Euro": "EUR",
    "Australian Dollar": "AUD",
    "New Zealand Dollar": "NZD",
    "Japanese Yen": "JPY",
    "Swiss Franc": "CHF",
    "Mexican Peso": "MXN",
    "Indian Rupee": "INR",
    "Chinese Yuan Renminbi": "CNY",
    "Hong Kong Dollar": "HKD",
    "Singapore Dollar": "SGD",
    "South African Rand": "ZAR",
    "Swedish Krona": "SEK",
    "Norwegian Krone": "NOK",
    "Danish Krone": "DKK",
}


@pytest.mark.parametrize(("name", "code"), sorted(QUICKBOOKS_NAMES.items()))
def test_quickbooks_names_have_their_codes(name: str, code: str) -> None:
    assert code_for_name(name) == code


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Brazilian Real", "BRL"),  # beyond the 17 names the old table knew
        ("Polish Zloty", "PLN"),
        ("Thai Baht", "THB"),
        ("Philippine Peso", "PHP"),
        ("United Arab Emirates Dirham", "AED"),
        ("UAE Dirham", "AED"),  # ISO 4217's own name
        ("Pound Sterling", "GBP"),
        ("British Pound", "GBP"),  # CLDR's name
        ("Yen", "JPY"),
        ("Russian Rouble", "RUB"),  # British English
        ("Croatian Kuna", "HRK"),  # withdrawn (2023), still in old company files
        ("Bulgarian Lev", "BGN"),
    ],
)
def test_iso_and_cldr_names_and_withdrawn_currencies(name: str, code: str) -> None:
    assert code_for_name(name) == code


@pytest.mark.parametrize(
    "spelling", ["us dollar", "  US   Dollar ", "U.S. Dollar", "US-Dollar", "US DOLLAR"]
)
def test_case_spaces_and_punctuation_do_not_matter(spelling: str) -> None:
    assert code_for_name(spelling) == "USD"


def test_accents_do_not_matter() -> None:
    assert code_for_name("Costa Rican Colón") == code_for_name("Costa Rican Colon") == "CRC"


# A redenomination keeps the name: CLDR dates the old code ("Mauritanian Ouguiya (1973–2017)"),
# but QuickBooks files from before it say "Mauritanian Ouguiya" for the old one. Guessing the
# new code would be off by the redenomination factor (10 to 100,000 times).
REDENOMINATED = {
    "Mauritanian Ouguiya": ("MRO", "MRU"),
    "Sao Tome and Principe Dobra": ("STD", "STN"),
    "São Tomé & Príncipe Dobra": ("STD", "STN"),
    "Belarusian Ruble": ("BYR", "BYN"),
    "Zambian Kwacha": ("ZMK", "ZMW"),
    "Venezuelan Bolivar": ("VEF", "VES"),
    "Venezuelan Bolívar": ("VEF", "VES"),
    "Sierra Leonean Leone": ("SLL", "SLE"),
    "Turkish Lira": ("TRL", "TRY"),
    "Romanian Leu": ("ROL", "RON"),
}


@pytest.mark.parametrize("name", sorted(REDENOMINATED))
def test_a_name_both_before_and_after_a_redenomination_is_not_guessed(name: str) -> None:
    assert code_for_name(name) is None
    old, new = REDENOMINATED[name]
    # The company's own list decides, either way.
    for code in (old, new):
        codes = CurrencyCodes([CompanyCurrency("CU-1", name, code)])
        assert codes.code(name=name) == code
        assert codes.code(list_id="CU-1") == code


def test_names_that_say_which_side_of_a_redenomination_still_map() -> None:
    assert code_for_name("Mauritanian Ouguiya (1973–2017)") == "MRO"
    assert code_for_name("Zambian Kwacha (1968–2012)") == "ZMK"
    assert code_for_name("MRU") == "MRU" and code_for_name("MRO") == "MRO"


def test_every_current_iso_code_is_reachable_by_its_iso_name() -> None:
    # "Bolívar Soberano" is both VED and VES in ISO 4217; the others share their ISO name with
    # the code they replaced (RSD: "Serbian Dinar" was CSD until 2006).
    ambiguous = {"VED", "VES", "BYN", "RON", "RSD", "TRY", "ZMW"}
    unreachable = [
        c.alpha_3
        for c in pycountry.currencies
        if c.alpha_3 not in ambiguous | {"XTS", "XXX"} and code_for_name(c.name) != c.alpha_3
    ]
    assert unreachable == []
    assert {c.alpha_3 for c in pycountry.currencies} - {"XTS", "XXX"} <= iso_codes()


@pytest.mark.parametrize(
    "name",
    [
        "Bitcoin",  # user-defined: no ISO code
        "Dollar",  # which one?
        "Bolívar Soberano",  # two codes carry this name: not guessed
        "Unknown Currency",  # CLDR's name for XXX, "no currency"
        "Testing Currency Code",  # XTS
        "",
    ],
)
def test_names_that_match_no_code_give_none(name: str) -> None:
    assert code_for_name(name) is None


def test_an_iso_code_stands_for_itself() -> None:
    assert code_for_name("CAD") == "CAD"
    assert code_for_name("ABC") is None


def test_the_company_list_comes_first_by_list_id_then_by_name() -> None:
    codes = CurrencyCodes(
        [
            CompanyCurrency("CU-1", "Bitcoin", "XBT"),
            CompanyCurrency("CU-2", "Dollar", "AUD"),  # a renamed built-in currency
        ]
    )
    assert codes.code(name="Bitcoin") == "XBT"
    assert codes.code(name="bitcoin") == "XBT"
    assert codes.code(name="Dollar") == "AUD"
    # A record still carrying the name it had before a rename: its ListID decides.
    assert codes.code(list_id="CU-2", name="Australian Dollar (old)") == "AUD"
    assert codes.code(list_id="CU-9", name="Euro") == "EUR"  # not in the list: the table
    assert codes.code(list_id="CU-9") is None
    assert CurrencyCodes().code(name="Bitcoin") is None


def test_company_currency_takes_only_iso_codes() -> None:
    raw = {"ListID": "CU-1", "Name": "Euro", "CurrencyCode": " eur "}
    assert company_currency(raw) == CompanyCurrency("CU-1", "Euro", "EUR")
    # Withdrawn codes are ISO 4217 too: an old file keeps its old currencies.
    assert company_currency({**raw, "CurrencyCode": "MRO"}) == CompanyCurrency(
        "CU-1", "Euro", "MRO"
    )
    assert company_currency({**raw, "CurrencyCode": "DEM"}) == CompanyCurrency(
        "CU-1", "Euro", "DEM"
    )
    assert company_currency({**raw, "CurrencyCode": "B$"}) is None
    assert company_currency({**raw, "CurrencyCode": "BT"}) is None
    assert company_currency({"ListID": "CU-1", "Name": "Bitcoin"}) is None


@pytest.mark.parametrize("made_up", ["BTC", "ABC", "XBT", "QQQ", "XTS", "XXX"])
def test_a_user_defined_code_that_is_not_iso_4217_is_not_used(made_up: str) -> None:
    raw = {"ListID": "CU-1", "Name": "Bitcoin", "CurrencyCode": made_up}
    assert company_currency(raw) is None
    # ... so a record in it is reported like any currency without a code.
    context = ctx("InvoiceRet")
    mapped = map_invoice(invoice(CurrencyRef=ref("CU-1", "Bitcoin")), context)
    assert mapped["currency"] is None
    (note,) = context.issues.take()
    assert "'Bitcoin'" in note


def invoice(**extra: object) -> dict[str, object]:
    return {
        "TxnID": "T-1",
        **STAMPS,
        "CustomerRef": ref("C-1", "Ann"),
        "TxnDate": "2024-03-01",
        "Subtotal": "100.00",
        "BalanceRemaining": "100.00",
        **extra,
    }


def test_a_record_without_currency_ref_gets_the_home_currency_code_not_its_name() -> None:
    context = MappingContext(home_currency="US Dollar", ret_name="InvoiceRet")
    assert map_invoice(invoice(), context)["currency"] == "USD"
    assert context.issues.take() == []


def test_a_foreign_currency_ref_gets_its_code() -> None:
    context = ctx("InvoiceRet")
    mapped = map_invoice(invoice(CurrencyRef=ref("CU-2", "Hong Kong Dollar")), context)
    assert mapped["currency"] == "HKD"


def test_an_unknown_currency_is_left_empty_and_reported_the_rest_mapped() -> None:
    context = ctx("InvoiceRet")
    mapped = map_invoice(invoice(CurrencyRef=ref("CU-9", "Bitcoin"), ExchangeRate="60000"), context)
    assert mapped["currency"] is None
    assert mapped["currencyRate"] == 60000.0
    assert mapped["subTotal"] == 100.0
    (note,) = context.issues.take()
    assert "'Bitcoin'" in note and "ISO 4217" in note
    assert context.issues.take() == []  # taken once


def test_an_unknown_home_currency_is_left_empty_and_reported() -> None:
    context = MappingContext(home_currency="Galactic Credit", ret_name="BillRet")
    raw = {
        "TxnID": "B-1",
        **STAMPS,
        "VendorRef": ref("V-1", "Acme"),
        "TxnDate": "2024-03-01",
        "AmountDue": "5.00",
    }
    assert map_bill(raw, context)["currency"] is None
    (note,) = context.issues.take()
    assert "home currency 'Galactic Credit'" in note


def test_a_currency_ref_with_only_a_list_id_uses_the_company_list() -> None:
    codes = CurrencyCodes([CompanyCurrency("CU-3", "Euro", "EUR")])
    context = MappingContext(home_currency="USD", currencies=codes)
    assert currency({"CurrencyRef": {"ListID": "CU-3"}}, context) == "EUR"
    assert currency({"CurrencyRef": {"ListID": "CU-4"}}, context) is None
    (note,) = context.issues.take()
    assert "'CU-4'" in note
