"""QuickBooks currency names → ISO 4217 codes.

QuickBooks refers to a currency by name: a record's ``CurrencyRef`` is {ListID, FullName
"US Dollar"}, and so is the home currency in the company's preferences. Codat wants ISO 4217
codes. A code is found, in this order:

1. the company's own Currency list (``CurrencyRet`` → ``CurrencyCode``), by ListID and then by
   name, once it is known: exact, and the only source for user-defined or renamed currencies;
2. one table of every ISO 4217 code under its ISO name (pycountry, Debian's iso-codes), its
   CLDR English names (Babel) and the QuickBooks spellings that differ from both. Withdrawn codes
   that were legal tender somewhere since 2000 are in it too (a file keeps its old currencies);
3. nothing: the caller reports the name. A name two codes share is not guessed either, and
   that includes a currency's name before and after a redenomination: CLDR names the old code
   "Mauritanian Ouguiya (1973–2017)" and the new one "Mauritanian Ouguiya", but a file from
   before 2018 says "Mauritanian Ouguiya" for MRO, worth 10 MRU. Guessing wrong would scale
   every amount, so such a name is reported unless the company's list gives its code.

Names are compared ignoring case, accents, punctuation and spacing ("U.S. dollar" = "US Dollar").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

import pycountry
from babel.core import get_global
from babel.numbers import get_currency_name, get_territory_currencies, list_currencies

# QuickBooks' built-in currency list names these differently from both ISO 4217 ("Pound
# Sterling", "Yuan Renminbi") and CLDR ("British Pound", "Chinese Yuan").
_QUICKBOOKS_SPELLINGS: Mapping[str, str] = {
    "British Pound Sterling": "GBP",
    "Chinese Yuan Renminbi": "CNY",
}
# Codes ISO reserves for tests and for "no currency": a name matching them names no currency.
_NOT_CURRENCIES = frozenset({"XTS", "XXX"})
# Withdrawn codes are kept when they were legal tender on or after this day.
_OLDEST_TENDER = date(2000, 1, 1)
# English locales whose CLDR names may differ from plain "en" (e.g. en_IN, en_ZA spellings).
_ENGLISH_LOCALES = ("en", "en_GB", "en_CA", "en_AU", "en_IN", "en_ZA")
_CODE_SHAPE = re.compile(r"[A-Z]{3}")
# The years CLDR appends to a withdrawn code's name when a newer code carries the same name.
_DATED = re.compile(r"\s*\(\s*\d{4}\s*(?:[-\u2013\u2014]\s*\d{4}\s*)?\)\s*$")


def name_key(name: str) -> str:
    """A currency name folded for comparison: no case, accents, punctuation or extra spaces."""
    # "São Tomé & Príncipe Dobra" (CLDR) = "Sao Tome and Principe Dobra".
    decomposed = unicodedata.normalize("NFKD", name.replace("&", " and "))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    # Dots and apostrophes join ("U.S." = "US"); any other punctuation separates words.
    joined = re.sub(r"[.'\u2019]", "", plain.casefold())
    return " ".join(re.sub(r"[^0-9a-z]+", " ", joined).split())


@cache
def iso_codes() -> frozenset[str]:
    """Every code the table knows: current ISO 4217 codes and those withdrawn since 2000."""
    current = {c.alpha_3 for c in pycountry.currencies}
    withdrawn: set[str] = set()
    for territory in get_global("territory_currencies"):
        withdrawn.update(
            get_territory_currencies(
                territory, start_date=_OLDEST_TENDER, end_date=date.max, tender=True
            )
        )
    return frozenset((current | withdrawn) - _NOT_CURRENCIES)


@cache
def all_iso_codes() -> frozenset[str]:
    """Every ISO 4217 code, current or withdrawn at any time (CLDR keeps the withdrawn ones)."""
    current = {c.alpha_3 for c in pycountry.currencies}
    return frozenset((current | set(list_currencies())) - _NOT_CURRENCIES)


@cache
def _names_table() -> Mapping[str, str]:
    """Folded name → code, without the names that more than one code carries."""
    candidates: dict[str, set[str]] = {}

    def add(name: str | None, code: str) -> None:
        if name:
            candidates.setdefault(name_key(name), set()).add(code)

    for currency in pycountry.currencies:
        if currency.alpha_3 in _NOT_CURRENCIES:
            continue
        add(currency.name, currency.alpha_3)
    for code in iso_codes():
        for locale in _ENGLISH_LOCALES:
            name = get_currency_name(code, locale=locale)
            add(name, code)
            # The undated name too, so that it counts as the old code's as well as the new
            # one's and is therefore not guessed (see the module docstring).
            undated = _DATED.sub("", name)
            if undated != name:
                add(undated, code)
    table = {key: next(iter(codes)) for key, codes in candidates.items() if len(codes) == 1}
    for name, code in _QUICKBOOKS_SPELLINGS.items():
        table[name_key(name)] = code
    return table


def code_for_name(name: str) -> str | None:
    """The ISO 4217 code a currency name means, from the table alone; an ISO code is itself."""
    stripped = name.strip()
    if stripped in iso_codes():
        return stripped
    return _names_table().get(name_key(stripped))


def iso_code(typed: str) -> str | None:
    """A CurrencyCode as QuickBooks holds it → the ISO 4217 code, or None when it is none."""
    code = typed.strip().upper()
    return code if _CODE_SHAPE.fullmatch(code) and code in all_iso_codes() else None


@dataclass(frozen=True, slots=True)
class CompanyCurrency:
    """One entry of the company's Currency list."""

    list_id: str
    name: str
    code: str


def company_currency(raw: Mapping[str, Any]) -> CompanyCurrency | None:
    """A CurrencyRet as a list entry; None when it has no usable code.

    A user-defined currency's CurrencyCode is whatever the user typed (QuickBooks allows up to
    three characters); only an ISO 4217 code (current or withdrawn) is taken, so "B$", "BTC"
    or "ABC" is reported like a name that matches no code, not passed off as ISO 4217.
    """
    list_id, name, code = raw.get("ListID"), raw.get("Name"), raw.get("CurrencyCode")
    if not (isinstance(list_id, str) and isinstance(name, str) and isinstance(code, str)):
        return None
    iso = iso_code(code)
    return None if iso is None else CompanyCurrency(list_id=list_id, name=name, code=iso)


class CurrencyCodes:
    """Resolves a QuickBooks currency (ListID and/or name) to an ISO 4217 code, or None."""

    __slots__ = ("_by_id", "_by_name", "_seen")

    def __init__(self, company: Iterable[CompanyCurrency] = ()) -> None:
        self._by_id: dict[str, str] = {}
        self._by_name: dict[str, str] = {}
        for entry in company:
            self._by_id[entry.list_id] = entry.code
            self._by_name[name_key(entry.name)] = entry.code
        # Name → answer, so the folding above runs once per distinct name, not per record.
        self._seen: dict[str, str | None] = {}

    def code(self, *, list_id: str | None = None, name: str | None = None) -> str | None:
        if list_id is not None and list_id in self._by_id:
            return self._by_id[list_id]
        if name is None:
            return None
        if name in self._seen:
            return self._seen[name]
        found = self._by_name.get(name_key(name)) or code_for_name(name)
        self._seen[name] = found
        return found
