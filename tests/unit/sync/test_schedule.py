"""Sync windows, schedules, pauses and pull outcomes: pure functions of settings and time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from qbdsync.errors import InvalidValue
from qbdsync.sync.availability import IdleReason, idle_reason
from qbdsync.sync.outcomes import type_outcome
from qbdsync.sync.schedule import (
    SyncWindow,
    due_types,
    history_start,
    next_due,
    parse_days,
    parse_until,
)
from qbdsync.sync.state import DatasetRun

# A Wednesday.
NOON_UTC = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def test_window_wrapping_midnight_in_the_company_time_zone() -> None:
    window = SyncWindow.parse("19:00-07:00", "Mon-Fri", "America/Chicago")
    # 12:00 UTC is 06:00 in Chicago: inside Tuesday evening's window.
    assert window.allows(NOON_UTC)
    assert not window.allows(NOON_UTC + timedelta(hours=2))  # 08:00 Chicago
    opens = window.next_opening(NOON_UTC + timedelta(hours=2))
    assert opens == datetime(2026, 11, 26, 1, 0, tzinfo=UTC)  # 19:00 Chicago


def test_window_days_apply_to_the_evening_it_opens() -> None:
    window = SyncWindow.parse("19:00-07:00", "Mon-Fri", "UTC")
    saturday_night = datetime(2026, 11, 28, 22, 0, tzinfo=UTC)
    friday_night = datetime(2026, 11, 27, 22, 0, tzinfo=UTC)
    saturday_early = datetime(2026, 11, 28, 6, 0, tzinfo=UTC)  # Friday's window still open
    assert not window.allows(saturday_night)
    assert window.allows(friday_night)
    assert window.allows(saturday_early)


@pytest.mark.parametrize(
    ("text", "days"),
    [
        ("Mon-Fri", {0, 1, 2, 3, 4}),
        ("Sat,Sun", {5, 6}),
        ("Fri-Mon", {4, 5, 6, 0}),
        ("", set(range(7))),
    ],
)
def test_days(text: str, days: set[int]) -> None:
    assert parse_days(text) == days


@pytest.mark.parametrize(
    "bad",
    [
        ("7pm-7am", None, None),
        ("19:00", None, None),
        ("19:00-07:00", "Funday", None),
        ("19:00-07:00", None, "Mars/Olympus"),
    ],
)
def test_bad_windows_are_clear_errors(bad: tuple[str, str | None, str | None]) -> None:
    with pytest.raises(InvalidValue):
        SyncWindow.parse(*bad)


def test_schedules() -> None:
    last = {"invoices": NOON_UTC - timedelta(hours=25), "customers": NOON_UTC - timedelta(hours=1)}
    schedule = {"invoices": 24, "customers": 24, "bills": 24, "items": 0}
    assert due_types(schedule, last, NOON_UTC) == ["invoices"]
    assert next_due(schedule, last) == NOON_UTC - timedelta(hours=1)


def test_pause_durations_and_times() -> None:
    assert parse_until("2h", NOON_UTC) == NOON_UTC + timedelta(hours=2)
    assert parse_until("30m", NOON_UTC) == NOON_UTC + timedelta(minutes=30)
    assert parse_until("2026-12-01T09:00:00+01:00", NOON_UTC) == datetime(
        2026, 12, 1, 8, 0, tzinfo=UTC
    )
    with pytest.raises(InvalidValue):
        parse_until("tomorrow", NOON_UTC)
    # A pause that is over before it starts pauses nothing.
    for over in ("0h", "0m", "0.0d", "2026-11-25T12:00", "2026-11-25T11:59:59Z", "2020-01-01"):
        with pytest.raises(InvalidValue, match="in the future"):
            parse_until(over, NOON_UTC)
    assert parse_until("2026-11-25T12:00:01", NOON_UTC) == NOON_UTC + timedelta(seconds=1)


def test_history_limits() -> None:
    class S:
        sync_from_utc = None
        months_to_sync = 14

    assert history_start(S(), NOON_UTC) == "2025-09-25"
    S.sync_from_utc = "2024-01-01T00:00:00Z"  # type: ignore[assignment]
    assert history_start(S(), NOON_UTC) == "2024-01-01"


def test_idle_reasons_in_order_of_precedence() -> None:
    base = {
        "status": "Linked",
        "next_sync_at": None,
        "paused_until": None,
        "sync_window": None,
        "sync_window_days": None,
        "timezone": None,
        "now": NOON_UTC,
    }
    assert idle_reason(**base) is None  # type: ignore[arg-type]
    paused = idle_reason(**{**base, "paused_until": NOON_UTC + timedelta(hours=1)})  # type: ignore[arg-type]
    assert paused is not None and paused.text.startswith("Paused until 2026-11-25 13:00 UTC. ")
    assert paused.code == "qbdsync:paused"
    gone = idle_reason(**{**base, "status": "Deauthorized", "paused_until": NOON_UTC})  # type: ignore[arg-type]
    assert gone is not None and gone.reason is IdleReason.INACTIVE
    # A finished one-time sync is told so, an unlinked connection that it was unlinked.
    assert gone.code == "qbdsync:deauthorized" and "one-time sync" in gone.text
    unlinked = idle_reason(**{**base, "status": "Unlinked"})  # type: ignore[arg-type]
    assert unlinked is not None and unlinked.code == "qbdsync:unlinked"
    later = idle_reason(**{**base, "next_sync_at": NOON_UTC + timedelta(hours=3)})  # type: ignore[arg-type]
    assert later is not None and later.reason is IdleReason.UP_TO_DATE
    window = idle_reason(**{**base, "sync_window": "19:00-07:00", "timezone": "UTC"})  # type: ignore[arg-type]
    assert window is not None and "outside the sync window" in window.text
    assert window.reason is IdleReason.OUTSIDE_WINDOW
    assert paused.reason is IdleReason.PAUSED


def run(name: str, status: str, records: int = 0, message: str | None = None) -> DatasetRun:
    return DatasetRun(name=name, status=status, records=records, message=message)  # type: ignore[arg-type]


def test_pull_outcomes() -> None:
    assert (
        type_outcome(
            "invoices", {"invoices": run("invoices", "running")}, attempts=0, max_attempts=5
        )
        is None
    )
    done = type_outcome(
        "invoices", {"invoices": run("invoices", "done", 7)}, attempts=0, max_attempts=5
    )
    assert done is not None and (done.status, done.records) == ("Complete", 7)
    busy = {"invoices": run("invoices", "retry", message="QuickBooks status 3175: locked")}
    again = type_outcome("invoices", busy, attempts=0, max_attempts=5)
    assert again is not None and again.status == "Queued" and "3175" in again.description
    gave_up = type_outcome("invoices", busy, attempts=4, max_attempts=5)
    assert gave_up is not None and gave_up.status == "FetchError"
    lacking = type_outcome(
        "invoices", {"invoices": run("invoices", "not_supported")}, attempts=0, max_attempts=5
    )
    assert lacking is not None and lacking.status == "NotSupported"
