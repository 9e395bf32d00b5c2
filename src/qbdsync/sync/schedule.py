"""When syncs may run and which data types are due: pure functions of settings and time.

The sync window keeps QuickBooks free while people work: outside it no session starts (a session
already running still ends at its time budget). Windows are read in the company's own time zone
and may wrap midnight ("19:00-07:00").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from qbdsync.errors import InvalidValue

DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@cache
def zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InvalidValue(f"unknown time zone {name!r}") from exc


def parse_days(text: str | None) -> frozenset[int]:
    """'Mon-Fri' / 'Sat,Sun' / 'Mon-Wed,Fri' → weekday numbers; empty = every day."""
    if not text:
        return frozenset(range(7))
    days: set[int] = set()
    for part in text.split(","):
        bounds = [p.strip().title()[:3] for p in part.split("-")]
        if any(b not in DAY_NAMES for b in bounds) or len(bounds) > 2:
            raise InvalidValue(f"days must look like 'Mon-Fri' or 'Sat,Sun'; got {text!r}")
        first, last = DAY_NAMES.index(bounds[0]), DAY_NAMES.index(bounds[-1])
        day = first
        while True:
            days.add(day)
            if day == last:
                break
            day = (day + 1) % 7
    return frozenset(days)


def _clock(text: str) -> time:
    try:
        return time.fromisoformat(text.strip())
    except ValueError as exc:
        raise InvalidValue(f"times must be HH:MM; got {text!r}") from exc


@dataclass(frozen=True, slots=True)
class SyncWindow:
    start: time
    end: time
    days: frozenset[int]  # the weekdays on which a window *starts*
    tz: str

    @classmethod
    def parse(cls, window: str, days: str | None = None, tz: str | None = None) -> SyncWindow:
        start, sep, end = window.partition("-")
        if not sep:
            raise InvalidValue(f"a sync window looks like '19:00-07:00'; got {window!r}")
        zone(tz)
        return cls(_clock(start), _clock(end), parse_days(days), tz or "UTC")

    def _opening(self, day: date) -> tuple[datetime, datetime]:
        tzinfo = zone(self.tz)
        opens = datetime.combine(day, self.start, tzinfo)
        closes = datetime.combine(day, self.end, tzinfo)
        if closes <= opens:
            closes += timedelta(days=1)
        return opens, closes

    def allows(self, now: datetime) -> bool:
        local = now.astimezone(zone(self.tz))
        # A window that wraps midnight may have opened yesterday.
        for day in (local.date() - timedelta(days=1), local.date()):
            if day.weekday() in self.days:
                opens, closes = self._opening(day)
                if opens <= local < closes:
                    return True
        return False

    def next_opening(self, now: datetime) -> datetime:
        local = now.astimezone(zone(self.tz))
        for offset in range(8):
            day = local.date() + timedelta(days=offset)
            if day.weekday() in self.days:
                opens, _ = self._opening(day)
                if opens > local:
                    return opens.astimezone(UTC)
        return (local + timedelta(days=7)).astimezone(UTC)

    def describe(self) -> str:
        days = ",".join(DAY_NAMES[d] for d in sorted(self.days))
        return f"{self.start:%H:%M}-{self.end:%H:%M} ({days}, {self.tz})"


def due_types(
    schedule_hours: Mapping[str, int],
    last_success: Mapping[str, datetime],
    now: datetime,
) -> list[str]:
    """Types whose scheduled refresh has come (types never synced wait for a queue)."""
    due = []
    for data_type, hours in schedule_hours.items():
        last = last_success.get(data_type)
        if last is not None and hours > 0 and last + timedelta(hours=hours) <= now:
            due.append(data_type)
    return due


def next_due(
    schedule_hours: Mapping[str, int], last_success: Mapping[str, datetime]
) -> datetime | None:
    times = [
        last + timedelta(hours=schedule_hours[t])
        for t, last in last_success.items()
        if schedule_hours.get(t, 0) > 0
    ]
    return min(times) if times else None


def parse_until(text: str, now: datetime) -> datetime:
    """When a pause ends: '2h', '30m', '1d' or an ISO time (UTC if no offset) → an aware UTC
    datetime after `now` (a pause that is already over would pause nothing)."""
    until = _parse_time_or_duration(text.strip(), now)
    if until <= now:
        raise InvalidValue(f"a pause must end in the future; {text.strip()!r} does not")
    return until


def _parse_time_or_duration(text: str, now: datetime) -> datetime:
    units = {"m": 60, "h": 3600, "d": 86400}
    if text and text[-1] in units and text[:-1].replace(".", "", 1).isdigit():
        try:
            return now + timedelta(seconds=float(text[:-1]) * units[text[-1]])
        except OverflowError:  # past year 9999 (or more days than timedelta holds)
            raise InvalidValue(f"the duration {text!r} ends after the year 9999") from None
    try:
        value = datetime.fromisoformat(text)
    except ValueError as exc:
        raise InvalidValue(
            f"give a duration like 2h / 30m / 1d or an ISO time; got {text!r}"
        ) from exc
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)  # an operator's time without an offset means UTC
    try:
        return value.astimezone(UTC)
    except OverflowError:  # 9999-12-31T23:00-05:00 is past the last UTC datetime
        raise InvalidValue(f"the time {text!r} is after the year 9999 in UTC") from None


def history_start(setting: object, now: datetime) -> str | None:
    """The first transaction date to read for a data type's history limit, as YYYY-MM-DD."""
    sync_from = getattr(setting, "sync_from_utc", None)
    months = getattr(setting, "months_to_sync", None)
    if sync_from:
        return str(sync_from)[:10]
    if months:
        year, month = now.year, now.month - int(months)
        while month <= 0:
            month += 12
            year -= 1
        day = min(now.day, 28)
        return date(year, month, day).isoformat()
    return None
