"""Deleting what only grows: finished webhook deliveries, finished sessions, sync errors.

Each of these tables gains rows for as long as connectors poll and events happen, and none of
them is needed for long after the fact: the `retention.prune` background job (qbdsync.jobs)
deletes what is older than the retention period. Deletes go in batches, each its own
statement, so one run never holds many rows locked nor grows one transaction without end.
What a connection's state still rests on stays whatever its age: a delivery still pending, the
session still active, and each connection's newest session.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import Connection, Engine, delete, func, select

from qbdsync.statuses import DeliveryStatus, SessionStatus
from qbdsync.store.tables import qbwc_sessions, sync_errors, webhook_deliveries

# Rows deleted per statement.
BATCH: Final = 1000


@dataclass(frozen=True, slots=True)
class Pruned:
    """How many rows one run deleted, by table."""

    deliveries: int
    sessions: int
    sync_errors: int


def _old_deliveries(before: datetime) -> Any:
    finished = webhook_deliveries.c.status.in_([DeliveryStatus.SUCCEEDED, DeliveryStatus.FAILED])
    return select(webhook_deliveries.c.id).where(finished, webhook_deliveries.c.created_at < before)


def _old_sessions(before: datetime) -> Any:
    # The newest session of each connection stays (its last outcome, shown and explained).
    newest = (
        select(qbwc_sessions.c.connection_id, func.max(qbwc_sessions.c.created_at).label("at"))
        .group_by(qbwc_sessions.c.connection_id)
        .subquery()
    )
    is_newest = (
        select(newest.c.connection_id)
        .where(
            newest.c.connection_id == qbwc_sessions.c.connection_id,
            newest.c.at == qbwc_sessions.c.created_at,
        )
        .exists()
    )
    return select(qbwc_sessions.c.ticket).where(
        qbwc_sessions.c.status != SessionStatus.ACTIVE,
        qbwc_sessions.c.updated_at < before,
        ~is_newest,
    )


def _old_errors(before: datetime) -> Any:
    return select(sync_errors.c.id).where(sync_errors.c.occurred_at < before)


def _delete_in_batches(engine: Engine, column: Any, chosen: Any) -> int:
    total = 0
    while True:
        with engine.begin() as conn:
            ids = list(conn.scalars(chosen.limit(BATCH)))
            if ids:
                conn.execute(delete(column.table).where(column.in_(ids)))
        total += len(ids)
        if len(ids) < BATCH:
            return total


def prune(engine: Engine, before: datetime) -> Pruned:
    """Delete the finished rows older than `before` (each batch its own transaction)."""
    return Pruned(
        deliveries=_delete_in_batches(engine, webhook_deliveries.c.id, _old_deliveries(before)),
        sessions=_delete_in_batches(engine, qbwc_sessions.c.ticket, _old_sessions(before)),
        sync_errors=_delete_in_batches(engine, sync_errors.c.id, _old_errors(before)),
    )


def count_old(conn: Connection, before: datetime) -> Pruned:
    """How many rows `prune(before)` would delete now (for tests and the CLI)."""

    def count(chosen: Any) -> int:
        return int(conn.scalar(select(func.count()).select_from(chosen.subquery())) or 0)

    return Pruned(
        deliveries=count(_old_deliveries(before)),
        sessions=count(_old_sessions(before)),
        sync_errors=count(_old_errors(before)),
    )
