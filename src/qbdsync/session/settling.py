"""What a response changed in the session's pull operations. Pure: no database, no clock."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from qbdsync.session.pulls import PullChange
from qbdsync.statuses import PullStatus, RunStatus
from qbdsync.store.pulls import PullRow
from qbdsync.sync.datatypes import data_types
from qbdsync.sync.outcomes import type_outcome
from qbdsync.sync.state import DatasetRun

# A run whose dataset a later session need not read again for this pull operation.
_SETTLED_RUNS = frozenset({RunStatus.DONE, RunStatus.NOT_SUPPORTED})


def settle_pulls(
    pulls: Sequence[PullRow],
    runs: Mapping[str, DatasetRun],
    *,
    session_key: str,
    max_attempts: int,
    now: datetime,
) -> list[PullChange]:
    """Changes for this session's pull operations: datasets newly done are remembered (a later
    session skips them), and an operation whose datasets have all finished gets its outcome
    (Complete, FetchError, NotSupported, or Queued again to retry or continue)."""
    finished = {name for name, run in runs.items() if run.status in _SETTLED_RUNS}
    types = data_types()
    changes: list[PullChange] = []
    for pull in pulls:
        if pull.status != PullStatus.FETCHING or pull.ticket != session_key:
            continue
        done_before = set(pull.datasets_done or ())
        done_now = done_before | (finished & set(types[pull.data_type].datasets))
        outcome = type_outcome(
            pull.data_type, runs, attempts=pull.attempts, max_attempts=max_attempts
        )
        if outcome is None:
            if done_now != done_before:
                changes.append(PullChange(pull.id, {"datasets_done": sorted(done_now)}))
            continue
        values: dict[str, object] = {
            "datasets_done": sorted(done_now),
            "status": outcome.status,
            "status_description": outcome.description,
            "error_message": outcome.error,
            "records": pull.records + outcome.records,
        }
        if outcome.status == PullStatus.QUEUED:
            values["attempts"] = pull.attempts + int(outcome.counts_attempt)
            values["ticket"] = None
        else:
            values["completed"] = now
            values["progress"] = 100
        changes.append(PullChange(pull.id, values))
    return changes
