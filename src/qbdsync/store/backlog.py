"""What waits to go out, read for the metrics at scrape time: pushes not yet settled and webhook
deliveries not yet delivered. One aggregate query each, on the indexes that lead with status,
so a scrape costs a scan of what waits, not of the history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, func, select

from qbdsync.statuses import DeliveryStatus, PushStatus
from qbdsync.store.tables import push_operations, webhook_deliveries


@dataclass(frozen=True, slots=True)
class Queue:
    depth: int
    oldest: datetime | None  # when the longest-waiting entry was queued


def push_queue(conn: Connection) -> Queue:
    """Push operations still Pending (queued, or sent and not yet settled)."""
    row = conn.execute(
        select(func.count(), func.min(push_operations.c.requested_at)).where(
            push_operations.c.status == PushStatus.PENDING
        )
    ).one()
    return Queue(int(row[0]), row[1])


def webhook_backlog(conn: Connection) -> Queue:
    """Webhook deliveries still pending (due now, or waiting for their next attempt)."""
    row = conn.execute(
        select(func.count(), func.min(webhook_deliveries.c.created_at)).where(
            webhook_deliveries.c.status == DeliveryStatus.PENDING
        )
    ).one()
    return Queue(int(row[0]), row[1])
