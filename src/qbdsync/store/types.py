"""Column types shared by every table.

SQLite keeps no time zone: a ``DateTime(timezone=True)`` column gives naive datetimes back there
and aware ones on PostgreSQL (in the session's time zone). Every time qbdsync stores is UTC, so
one column type makes both databases agree at the boundary instead of each reader fixing up
what it read.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DateTime, Dialect
from sqlalchemy.types import TypeDecorator


class UtcDateTime(TypeDecorator[datetime]):
    """A moment in UTC: refuses naive datetimes on write, gives aware UTC ones on read.

    A naive datetime is refused rather than assumed UTC because it is a bug where it was made
    (``datetime.now()`` without a zone is local time): storing it would move it silently. An
    aware one in another zone is converted, so SQLite (which drops the offset) keeps the moment.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime):
            raise TypeError(f"a UTC datetime column takes a datetime, not {type(value).__name__}")
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(
                f"naive datetime {value.isoformat()} refused: qbdsync stores aware UTC times "
                "(use datetime.now(UTC))"
            )
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else stored_utc(value)


def stored_utc(value: datetime) -> datetime:
    """A datetime read from a UTC column, as aware UTC: for the few reads that go straight to
    the driver (the idle-poll hot path) and so bypass UtcDateTime."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)  # SQLite: stored as UTC, read without a zone
    return value.astimezone(UTC)
