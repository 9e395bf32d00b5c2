"""Strict converters from qbXML text to Python values, for the mapping layer.

QuickBooks' output is kept as text in the raw record; these converters are used only where a
typed value is needed, and they refuse anything they cannot convert exactly (a localized
``7038,20``, a thousands separator) with InvalidValue naming the field, instead of guessing.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Final

from qbdsync.errors import InvalidValue

# An optional sign, digits with an optional fraction, or a bare fraction (".5": QuickBooks writes
# leading zeros, but a bare fraction is still unambiguous). No exponent, no separators, no spaces.
_DECIMAL: Final = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
_INT: Final = re.compile(r"[+-]?[0-9]+")
_DATE: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# A real UTC offset: -14:00 to +14:00 (Kiribati is the farthest ahead). ``+99:59`` fits the
# digits but is no time zone, and would put a watermark days ahead of any clock.
_OFFSET: Final = r"(?:(?:0[0-9]|1[0-3]):[0-5][0-9]|14:00)"
_TIMESTAMP: Final = re.compile(
    r"(?P<wall>[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2})"
    r"(?P<offset>[+-]" + _OFFSET + r"|Z)?"
)
_WALL_FORMAT: Final = "%Y-%m-%dT%H:%M:%S"


def _reject(field_name: str, text: str, expected: str) -> InvalidValue:
    return InvalidValue(f"{field_name}: cannot read {text!r} as {expected}")


def parse_number(text: str, field: str, max_digits: int = 15) -> float:
    """A qbXML amount as a JSON number, exactly: the same strict syntax as parse_decimal, and
    refused when it has more significant digits than a double keeps (a float parsed from at most
    15 significant digits prints back to the same decimal). Faster than going through Decimal.
    """
    if _DECIMAL.fullmatch(text) is None:
        raise _reject(field, text, "a decimal number")
    digits = text.lstrip("+-").replace(".", "").lstrip("0")
    if len(digits) > max_digits:
        raise InvalidValue(f"{field}: {text!r} has more digits than a JSON number keeps")
    return float(text)


def parse_decimal(text: str, field: str) -> Decimal:
    """``"-12.50"`` → ``Decimal("-12.50")`` exactly; rejects ``"7038,20"``, ``"1,234.00"``, ``""``.

    The decimal comma of a localized QuickBooks is refused rather than guessed at: ``"1,234"``
    could be either one thousand two hundred and thirty-four or one point two three four.
    """
    if _DECIMAL.fullmatch(text) is None:
        raise _reject(field, text, "a decimal number")
    return Decimal(text)


def parse_int(text: str, field: str) -> int:
    """``"42"`` → 42; rejects fractions, separators, blanks and empty text."""
    if _INT.fullmatch(text) is None:
        raise _reject(field, text, "an integer")
    return int(text)


def parse_bool(text: str, field: str) -> bool:
    """qbXML booleans are exactly ``true`` / ``false``."""
    if text == "true":
        return True
    if text == "false":
        return False
    raise _reject(field, text, "a boolean (true/false)")


def parse_date(text: str, field: str) -> date:
    """``"2021-06-06"`` → ``date(2021, 6, 6)``."""
    if _DATE.fullmatch(text) is None:
        raise _reject(field, text, "a date (YYYY-MM-DD)")
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise _reject(field, text, "a date (YYYY-MM-DD)") from exc


@dataclass(frozen=True, slots=True, order=True)
class QbTimestamp:
    """A QuickBooks time stamp, split into its wall-clock part and its offset.

    QuickBooks stamps times from the PC's local clock and its offsets are wrong around daylight
    saving (an April time with ``-08:00``), while the wall-clock part is right. So time stamps
    order and compare by ``wall`` only (``offset`` is excluded from comparisons), and watermarks
    are kept as wall-clock text, never converted to UTC.
    """

    wall: str  # "2015-11-04T14:39:03", local wall-clock time
    offset: str = dataclasses.field(compare=False)  # "-08:00", "Z" or "" when QuickBooks sent none

    @property
    def text(self) -> str:
        """The time stamp exactly as QuickBooks sent it."""
        return self.wall + self.offset

    def to_utc_iso(self) -> str:
        """Wall-clock time minus offset, as UTC with ``Z``: for display only, never for syncing.

        A time stamp without an offset is treated as UTC.
        """
        moment = datetime.fromisoformat(self.wall)
        if self.offset and self.offset != "Z":
            sign = -1 if self.offset[0] == "-" else 1
            hours, minutes = int(self.offset[1:3]), int(self.offset[4:6])
            try:
                moment -= sign * timedelta(hours=hours, minutes=minutes)
            except OverflowError:  # 9999-12-31T23:59:59-08:00 is in the year 10000 in UTC
                raise InvalidValue(f"{self.text!r} is past the last date UTC can write") from None
        return moment.isoformat(timespec="seconds") + "Z"


def parse_timestamp(text: str, field: str = "timestamp") -> QbTimestamp:
    """``"2015-11-04T14:39:03-08:00"`` → ``QbTimestamp("2015-11-04T14:39:03", "-08:00")``."""
    match = _TIMESTAMP.fullmatch(text)
    if match is None:
        raise _reject(field, text, "a date-time (YYYY-MM-DDThh:mm:ss[±hh:mm])")
    wall = match["wall"]
    try:
        # fromisoformat is C code (strptime cost ~35 µs a call on the ingest hot path); the
        # regex above already pinned the exact shape, this checks the calendar.
        datetime.fromisoformat(wall)
    except ValueError as exc:
        raise _reject(field, text, "a date-time (YYYY-MM-DDThh:mm:ss[±hh:mm])") from exc
    return QbTimestamp(wall=wall, offset=match["offset"] or "")


def offset_seconds(offset: str) -> int:
    """``"-08:00"`` → -28800; ``"Z"`` → 0. Raises InvalidValue for anything else (even "")."""
    if offset == "Z":
        return 0
    if re.fullmatch(r"[+-]" + _OFFSET, offset) is None:
        raise _reject("UTC offset", offset, "±hh:mm (at most 14:00) or Z")
    sign = -1 if offset[0] == "-" else 1
    return sign * (int(offset[1:3]) * 3600 + int(offset[4:6]) * 60)


def wall_at(unix_time: float, offset_secs: int) -> str:
    """The wall-clock text of a UNIX time on a clock ``offset_secs`` ahead of UTC."""
    moment = datetime.fromtimestamp(unix_time, UTC) + timedelta(seconds=offset_secs)
    return moment.strftime(_WALL_FORMAT)


def wall_minus(wall: str, seconds: int) -> str:
    """A wall-clock time ``seconds`` earlier, for the overlap window of modified-date filters.

    Pure calendar arithmetic on the wall-clock text: no time zone is involved, which is what
    QuickBooks expects (it reads ``FromModifiedDate`` as local time and rejects ``Z``).
    """
    if _TIMESTAMP.fullmatch(wall) is None or len(wall) != 19:
        raise _reject("wall-clock time", wall, "YYYY-MM-DDThh:mm:ss")
    try:
        moment = datetime.fromisoformat(wall)
    except ValueError as exc:
        raise _reject("wall-clock time", wall, "YYYY-MM-DDThh:mm:ss") from exc
    return (moment - timedelta(seconds=seconds)).strftime(_WALL_FORMAT)
