"""How a query's value text is read against a JSON value; one definition for SQL and Python.

A value is untyped text. Its meaning depends on the JSON type of the property it meets:
a number property compares numerically with a value that reads as a number, a boolean property
matches the values `true` / `false`, a string property compares as text. Anything else (another
type, null, missing, array, object) never matches.
"""

from __future__ import annotations

import re
from decimal import Decimal

# Plain decimal notation with an optional exponent, as people write amounts and ids.
_NUMBER = re.compile(r"-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
# Beyond this a literal is no amount or id; keeping clear of 1e308 keeps doubles finite.
_MAX_EXPONENT = 300
_INT64 = 2**63

BOOLEAN_LITERALS = {"true": True, "false": False}

_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def as_number(text: str) -> Decimal | None:
    """The exact number `text` spells, or None when it is not a (finite, sane) number."""
    if not _NUMBER.fullmatch(text):
        return None
    number = Decimal(text)
    exponent = number.adjusted()
    if number and abs(exponent) > _MAX_EXPONENT:
        return None
    return number


def sqlite_integer(number: Decimal) -> int | None:
    """`number` as a SQLite 64-bit integer, or None when it is fractional or out of range."""
    if number == number.to_integral_value() and -_INT64 <= number < _INT64:
        return int(number)
    return None


def ascii_lower(text: str) -> str:
    """Lower-case A-Z only: what SQLite's lower() does, and PostgreSQL's under COLLATE "C"."""
    return text.translate(_ASCII_LOWER)
