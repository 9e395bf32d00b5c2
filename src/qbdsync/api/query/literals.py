"""How a query's value text is read against a JSON value; one definition for SQL and Python.

A value is untyped text. Its meaning depends on the JSON type of the property it meets:
a number property compares numerically with a value that reads as a number, a boolean property
matches the values `true` / `false`, a string property compares as text. Anything else (another
type, null, missing, array, object) never matches.
"""

from __future__ import annotations

import math
import re
import sys
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Generic, TypeVar

# Plain decimal notation with an optional exponent, as people write amounts and ids. ASCII
# digits only: Python's \d and Decimal() would also read "١" (Arabic-Indic one) as 1.
_NUMBER = re.compile(r"-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)
# Every nonzero number must have, in the form d.ddd × 10^e, an exponent e that some finite double
# has: from -324 (the smallest subnormal, 5e-324) to 308 (the largest double, 1.79…e308). So the
# text of every double a record can hold is accepted (a stored 1e+301 or 5e-324 can be queried
# by its own JSON text), while a typo like 1e400 is refused. Inside it, PostgreSQL's numeric
# (131072 digits before the point, 16383 after) holds every literal a 2048-character query can
# spell; a zero with any exponent is plain 0, which both databases take.
MIN_EXPONENT = Decimal(math.ulp(0.0)).adjusted()  # -324
MAX_EXPONENT = Decimal(sys.float_info.max).adjusted()  # 308
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
_DOUBLE_MAX = sys.float_info.max

Held = TypeVar("Held", int, float)

BOOLEAN_LITERALS = {"true": True, "false": False}

_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def reads_as_number(text: str) -> bool:
    """Whether `text` is spelled as a number (in range or not)."""
    return _NUMBER.fullmatch(text) is not None


def in_range(number: Decimal) -> bool:
    return not number or MIN_EXPONENT <= number.adjusted() <= MAX_EXPONENT


def as_number(text: str) -> Decimal | None:
    """The exact number `text` spells, or None when it is not spelled as a number.

    The parser has already refused numbers out of range (see in_range); one that reaches here
    anyway reads as no number rather than failing in the database.
    """
    if not reads_as_number(text):
        return None
    number = Decimal(text)
    if not number:
        # "0e-999999999" is zero, but PostgreSQL refuses its scale: bind plain 0.
        return Decimal(0)
    return number if in_range(number) else None


@dataclass(frozen=True, slots=True)
class Bracket(Generic[Held]):
    """Where an exact number falls among the values a database can hold of one kind.

    `exact` is the held value equal to the number, if there is one; otherwise `below` and
    `above` are the nearest held values on either side (None past the end of the range).
    A held value v then compares with the number as: v < n ⇔ v <= below, v > n ⇔ v >= above,
    v = n never.
    """

    exact: Held | None = None
    below: Held | None = None
    above: Held | None = None


def integer_bracket(number: Decimal) -> Bracket[int]:
    """`number` among SQLite's 64-bit integers."""
    if number < _INT64_MIN:
        return Bracket(above=_INT64_MIN)
    if number > _INT64_MAX:
        return Bracket(below=_INT64_MAX)
    floor = int(number.to_integral_value(rounding=ROUND_FLOOR))
    if floor == number:
        return Bracket(exact=floor)
    return Bracket(below=floor, above=int(number.to_integral_value(rounding=ROUND_CEILING)))


def double_bracket(number: Decimal) -> Bracket[float]:
    """`number` among doubles, each standing for its shortest decimal (what JSON text holds).

    A stored 0.1 is the JSON text `0.1`, and PostgreSQL and the reference compare that text
    exactly; the double nearest 0.1 is a little more. So a double d is compared as repr(d).
    That map is increasing, so the doubles whose repr is below `number` are exactly those up to
    a threshold: the nearest double, or the one before it.
    """
    nearest = float(number)  # correctly rounded: ±inf past the largest double, ±0.0 below 5e-324
    if math.isinf(nearest):
        # Beyond every double (up to 1e309 is in range): all lie below it, or all above.
        return Bracket(below=_DOUBLE_MAX) if number > 0 else Bracket(above=-_DOUBLE_MAX)
    shown = Decimal(repr(nearest))
    if shown == number:
        return Bracket(exact=nearest)
    if shown < number:
        return Bracket(below=nearest, above=_finite(math.nextafter(nearest, math.inf)))
    return Bracket(below=_finite(math.nextafter(nearest, -math.inf)), above=nearest)


def _finite(neighbour: float) -> float | None:
    """The neighbouring double, or None past the end of the range (no double lies there)."""
    return neighbour if math.isfinite(neighbour) else None


def ascii_lower(text: str) -> str:
    """Lower-case A-Z only: what SQLite's lower() does, and PostgreSQL's under COLLATE "C"."""
    return text.translate(_ASCII_LOWER)
