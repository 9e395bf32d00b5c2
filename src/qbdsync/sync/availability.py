"""Whether a connection may sync now, and the words the Web Connector user sees if not. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from qbdsync.errors import InvalidValue
from qbdsync.statuses import INACTIVE_CONNECTION_STATUSES
from qbdsync.sync.schedule import SyncWindow


class IdleReason(StrEnum):
    """Why a connection does not sync now, most final first."""

    INACTIVE = "inactive"  # unlinked, or its one-time sync is done
    PAUSED = "paused"
    OUTSIDE_WINDOW = "window"  # outside its sync window
    UP_TO_DATE = "up_to_date"  # its next scheduled sync is not due yet


@dataclass(frozen=True, slots=True)
class Idle:
    """No sync now; `text` is what closeConnection shows in the Web Connector."""

    reason: IdleReason
    text: str


def idle_reason(
    *,
    status: str,
    next_sync_at: datetime | None,
    paused_until: datetime | None,
    sync_window: str | None,
    sync_window_days: str | None,
    timezone: str | None,
    now: datetime,
    pending_pushes: int = 0,
    health_check_due: bool = False,
) -> Idle | None:
    """None when a session may start now: a sync is due, or pushes or a health check wait to
    be sent (they wait for a pause or the sync window like a sync does, but not for the
    schedule)."""
    if status in INACTIVE_CONNECTION_STATUSES:
        return Idle(
            IdleReason.INACTIVE,
            "qbdsync: this connection is no longer active, so nothing will sync. You can remove "
            "this entry from the Web Connector.",
        )
    if paused_until is not None and paused_until > now:
        return Idle(IdleReason.PAUSED, f"Paused until {paused_until:%Y-%m-%d %H:%M} UTC.")
    if sync_window:
        try:
            window = SyncWindow.parse(sync_window, sync_window_days, timezone)
        except InvalidValue:
            window = None  # a bad stored window must not stop syncing altogether
        if window is not None and not window.allows(now):
            opens = window.next_opening(now)
            return Idle(
                IdleReason.OUTSIDE_WINDOW,
                f"qbdsync: outside the sync window {window.describe()}; the next sync starts "
                f"after {opens:%Y-%m-%d %H:%M} UTC.",
            )
    waiting = pending_pushes > 0 or health_check_due
    if next_sync_at is not None and next_sync_at > now and not waiting:
        return Idle(
            IdleReason.UP_TO_DATE,
            f"qbdsync: up to date. Next sync after {next_sync_at:%Y-%m-%d %H:%M} UTC.",
        )
    return None
