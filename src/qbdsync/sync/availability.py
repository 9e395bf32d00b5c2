"""Whether a connection may sync now, and the words the Web Connector user sees if not. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from qbdsync.diagnosis import entries_connection, entries_service
from qbdsync.diagnosis.catalogue import web_connector_text
from qbdsync.errors import InvalidValue
from qbdsync.statuses import INACTIVE_CONNECTION_STATUSES, ConnectionStatus
from qbdsync.sync.schedule import SyncWindow


class IdleReason(StrEnum):
    """Why a connection does not sync now, most final first."""

    INACTIVE = "inactive"  # unlinked, or its one-time sync is done
    PAUSED = "paused"
    OUTSIDE_WINDOW = "window"  # outside its sync window
    UP_TO_DATE = "up_to_date"  # its next scheduled sync is not due yet


@dataclass(frozen=True, slots=True)
class Idle:
    """No sync now; `text` is what closeConnection shows in the Web Connector, `code` its
    catalogue entry's code."""

    reason: IdleReason
    text: str
    code: str


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
        code = (
            entries_connection.DEAUTHORIZED
            if status == ConnectionStatus.DEAUTHORIZED
            else entries_connection.UNLINKED
        )
        return Idle(IdleReason.INACTIVE, web_connector_text(code, "qbdsync:"), code)
    if paused_until is not None and paused_until > now:
        code = entries_connection.PAUSED
        fact = f"Paused until {paused_until:%Y-%m-%d %H:%M} UTC."
        return Idle(IdleReason.PAUSED, web_connector_text(code, fact), code)
    if sync_window:
        try:
            window = SyncWindow.parse(sync_window, sync_window_days, timezone)
        except InvalidValue:
            window = None  # a bad stored window must not stop syncing altogether
        if window is not None and not window.allows(now):
            opens = window.next_opening(now)
            code = entries_service.OUTSIDE_WINDOW
            fact = (
                f"qbdsync: outside the sync window {window.describe()}; the next sync starts "
                f"after {opens:%Y-%m-%d %H:%M} UTC."
            )
            return Idle(IdleReason.OUTSIDE_WINDOW, web_connector_text(code, fact), code)
    waiting = pending_pushes > 0 or health_check_due
    if next_sync_at is not None and next_sync_at > now and not waiting:
        code = entries_service.UP_TO_DATE
        fact = f"qbdsync: up to date. Next sync after {next_sync_at:%Y-%m-%d %H:%M} UTC."
        return Idle(IdleReason.UP_TO_DATE, fact, code)
    return None
