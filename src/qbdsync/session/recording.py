"""Writing what planning and settling decided: pull-operation changes and the engine's errors.

Planning and settling are pure; this is where their decisions meet the store, inside the
caller's transaction.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import Connection

from qbdsync import metrics
from qbdsync.session.pulls import PullChange, applied
from qbdsync.session.settling import settle_pulls
from qbdsync.settings import Settings
from qbdsync.store import pulls as pull_store
from qbdsync.store import records as record_store
from qbdsync.store.pulls import PullRow
from qbdsync.sync.engine import SyncEngine

log = logging.getLogger(__name__)


def write_pull_changes(conn: Connection, changes: list[PullChange]) -> None:
    for change in changes:
        pull_store.update_pull(conn, change.pull_id, **change.values)


def store_settled_pulls(
    conn: Connection,
    settings: Settings,
    engine: SyncEngine,
    key: str,
    pulls: list[PullRow],
    now: datetime,
) -> list[PullRow]:
    """Write what the engine's runs changed in the pull operations; the pulls after it.

    Settling again what was settled changes nothing, so any step may call it before it ends
    a session.
    """
    runs = {run.name: run for run in engine.state.runs}
    changes = settle_pulls(
        pulls, runs, session_key=key, max_attempts=settings.max_pull_attempts, now=now
    )
    write_pull_changes(conn, changes)
    return applied(pulls, changes)


def store_errors(
    conn: Connection, engine: SyncEngine, connection_id: str, key: str, now: datetime
) -> None:
    """The engine's sync errors since it last gave them, each logged once."""
    errors = engine.take_errors()
    for error in errors:
        # One line per cause and response, however many records it hit.
        log.warning(
            "connection %s dataset %s: %s (%s)",
            connection_id,
            error.dataset,
            error.summary,
            error.recovery,
        )
    for error in errors:
        metrics.count_quickbooks_error(status_code=error.status_code, hresult=error.hresult)
    record_store.add_errors(conn, connection_id, key, errors, now)
