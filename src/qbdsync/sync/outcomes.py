"""What a session's dataset runs mean for each pull operation (Codat's statuses). Pure."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from qbdsync.statuses import FINISHED_RUN_STATUSES, PullStatus, RunStatus
from qbdsync.sync.datatypes import data_types
from qbdsync.sync.state import DatasetRun


@dataclass(frozen=True, slots=True)
class TypeOutcome:
    status: PullStatus  # Complete | FetchError | NotSupported | Queued (to try again)
    description: str
    error: str | None
    records: int
    # A transient QuickBooks failure uses up one of the type's attempts; running out of the
    # session's time budget does not.
    counts_attempt: bool = False


def type_outcome(
    data_type: str,
    runs: Mapping[str, DatasetRun],
    *,
    attempts: int,
    max_attempts: int,
) -> TypeOutcome | None:
    """The outcome of one data type once all its datasets have finished; None while running."""
    declared = data_types()[data_type]
    mine = [runs[name] for name in declared.datasets if name in runs]
    if any(run.status not in FINISHED_RUN_STATUSES for run in mine):
        return None
    if declared.derived:
        records = sum(run.derived.get(data_type, 0) for run in mine)
    else:
        records = sum(run.records for run in mine)
    statuses = {run.status for run in mine}
    problems = "; ".join(f"{run.name}: {run.message}" for run in mine if run.message)
    if RunStatus.FAILED in statuses:
        return TypeOutcome(
            PullStatus.FETCH_ERROR, "QuickBooks refused the request", problems, records
        )
    if RunStatus.RETRY in statuses:
        if attempts + 1 >= max_attempts:
            return TypeOutcome(
                PullStatus.FETCH_ERROR,
                f"Gave up after {attempts + 1} connector sessions",
                problems,
                records,
            )
        return TypeOutcome(
            PullStatus.QUEUED,
            f"Will retry at the next connector session: {problems}",
            None,
            records,
            counts_attempt=True,
        )
    if RunStatus.DEFERRED in statuses:
        return TypeOutcome(
            PullStatus.QUEUED,
            f"Will continue at the next connector session: {problems}",
            None,
            records,
        )
    if mine and statuses == {RunStatus.NOT_SUPPORTED}:
        return TypeOutcome(
            PullStatus.NOT_SUPPORTED,
            "This QuickBooks edition or version does not have this data type",
            problems or None,
            records,
        )
    description = "Complete"
    if RunStatus.NOT_SUPPORTED in statuses:
        description = f"Complete; not available in this edition: {problems}"
    return TypeOutcome(PullStatus.COMPLETE, description, None, records)
