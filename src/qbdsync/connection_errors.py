"""A connection's sync errors as people read them: when, what happened, what it means, what
qbdsync does next, and whether it is resolved.

Resolved means that the same scope succeeded in a later session than the newest occurrence of
the same cause (the data set, the code and the message): for an error of a data set, a sync of
its data type completed; for one of the whole session (the connection was busy, QuickBooks could
not be opened, the wrong company file was open), a session completed. A success in the very
session the error happened in does not count (a warning recorded while the data was kept is
followed by that session completing), and a cause seen again since keeps its older rows open.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from qbdsync.explaining import Explained, explain_problem, explained_json, next_step
from qbdsync.store import error_log
from qbdsync.store import pulls as pull_store
from qbdsync.store.companies import ConnectionRow
from qbdsync.sync.datasets import DATASETS
from qbdsync.sync.output import SyncErrorRow
from qbdsync.views import codat_data_type, iso

_Cause = tuple[str | None, int | None, str | None, str]


@dataclass(frozen=True, slots=True)
class ExplainedError:
    occurred_at: datetime
    error: SyncErrorRow
    data_type: str | None  # the data type of its data set (None: the whole session)
    explained: Explained
    next_step: str
    resolved_at: datetime | None  # when its scope next succeeded (None: not resolved)


def connection_errors(
    conn: Connection, connection: ConnectionRow, limit: int
) -> list[ExplainedError]:
    """The connection's newest `limit` sync errors, newest first, explained."""
    logged = error_log.recent(conn, connection.id, limit)
    ends = error_log.session_ends(conn, {e.ticket for e in logged if e.ticket is not None})
    successes = pull_store.last_success(conn, connection.id)
    # The rows come newest first: the first of each cause is its newest occurrence, and the
    # session it happened in must be over before a success can resolve it.
    since: dict[_Cause, datetime] = {}
    for item in logged:
        happened = item.occurred_at
        if item.ticket is not None:
            happened = max(happened, ends.get(item.ticket, happened))
        since.setdefault(_cause(item.error), happened)
    explained = []
    for item in logged:
        error = item.error
        data_type = _data_type(error.dataset)
        succeeded = successes.get(data_type) if data_type is not None else connection.last_sync_at
        newest = since[_cause(error)]
        code = error.hresult or (str(error.status_code) if error.status_code is not None else None)
        explained.append(
            ExplainedError(
                occurred_at=item.occurred_at,
                error=error,
                data_type=data_type,
                explained=explain_problem(code, error.message, error.recovery),
                next_step=next_step(error.recovery),
                resolved_at=succeeded if succeeded is not None and succeeded > newest else None,
            )
        )
    return explained


def _cause(error: SyncErrorRow) -> _Cause:
    return (error.dataset, error.status_code, error.hresult, error.message)


def _data_type(dataset: str | None) -> str | None:
    found = DATASETS.get(dataset) if dataset is not None else None
    return found.data_type if found is not None else None


def error_json(item: ExplainedError) -> dict[str, Any]:
    """One error for scripts: what was recorded (the same keys as before), and the words."""
    error = item.error
    return {
        "occurredUtc": iso(item.occurred_at),
        "dataset": error.dataset,
        "dataType": codat_data_type(item.data_type) if item.data_type is not None else None,
        "statusCode": error.status_code,
        "hresult": error.hresult,
        "recovery": error.recovery.value,
        "message": error.message,
        "count": error.count,
        "sample": list(error.sample),
        "explanation": explained_json(item.explained, error.summary),
        "nextStep": item.next_step,
        "resolved": item.resolved_at is not None,
        "resolvedUtc": iso(item.resolved_at),
    }
