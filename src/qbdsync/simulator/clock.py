"""Simulated QuickBooks time and ids.

QuickBooks stamps records with the PC's *local* wall-clock time and a UTC offset that does not
follow daylight saving (an April time may carry ``-08:00``). The simulator models that quirk by
keeping every time as "local seconds" (seconds since 1970-01-01T00:00:00 on the local wall clock)
and always appending the company's standard offset. The unix time inside ids and EditSequences
is derived from the same wall clock and the fixed offset, as QuickBooks does.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Final

# Standard-time offsets of the company's PC per country; never adjusted for summer time.
STANDARD_OFFSETS: Final[dict[str, str]] = {"US": "-08:00", "CA": "-05:00", "UK": "+00:00"}

WALL_LENGTH: Final[int] = len("2026-06-01T09:00:00")
DAY: Final[int] = 86_400

# The first ListID counter QuickBooks hands out in a new company file is 0x80000001.
FIRST_LIST_COUNTER: Final[int] = 0x80000001
FIRST_TXN_COUNTER: Final[int] = 0x100


def offset_seconds(offset: str) -> int:
    """``"-08:00"`` → -28800."""
    sign = -1 if offset.startswith("-") else 1
    hours, minutes = offset[1:].split(":")
    return sign * (int(hours) * 3600 + int(minutes) * 60)


def wall(local_seconds: int) -> str:
    """Local seconds → ``YYYY-MM-DDTHH:MM:SS`` (the wall-clock part QuickBooks shows)."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(local_seconds))


def parse_wall(text: str) -> int:
    """``YYYY-MM-DDTHH:MM:SS`` (no offset) → local seconds."""
    moment = datetime.strptime(text, "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC)
    return int(moment.timestamp())


def date_of(local_seconds: int) -> str:
    """Local seconds → ``YYYY-MM-DD``."""
    return time.strftime("%Y-%m-%d", time.gmtime(local_seconds))


class CompanyClock:
    """Formats local times and mints ids for one company (fixed offset, forward-only clock)."""

    __slots__ = ("_offset_seconds", "offset")

    def __init__(self, offset: str) -> None:
        self.offset = offset
        self._offset_seconds = offset_seconds(offset)

    def stamp(self, local_seconds: int) -> str:
        """A ``TimeModified``-style value: wall clock plus the fixed standard offset."""
        return wall(local_seconds) + self.offset

    def unix(self, local_seconds: int) -> int:
        """The unix time QuickBooks embeds in ids and EditSequences."""
        return local_seconds - self._offset_seconds

    def list_id(self, counter: int, local_seconds: int) -> str:
        """``80000003-1446676743``: an 8-digit hex counter and the creation unix time."""
        return f"{counter:08X}-{self.unix(local_seconds)}"

    def txn_id(self, counter: int, local_seconds: int) -> str:
        """``5D21-1622994339``: a short hex counter and the creation unix time."""
        return f"{counter:X}-{self.unix(local_seconds)}"

    def edit_sequence(self, local_seconds: int) -> str:
        return str(self.unix(local_seconds))
