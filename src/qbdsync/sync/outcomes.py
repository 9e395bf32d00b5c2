"""What a session's dataset runs mean for each pull operation (Codat's statuses). Pure."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from qbdsync.sync.datatypes import data_types
from qbdsync.sync.state import FINISHED, DatasetRun


@dataclass(frozen=True, slots=True)
class TypeOutcome:
    status: str  # Complete | FetchError | NotSupported | Queued (to try again)
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
    if any(run.status not in FINISHED for run in mine):
        return None
    if declared.derived:
        records = sum(run.derived.get(data_type, 0) for run in mine)
    else:
        records = sum(run.records for run in mine)
    statuses = {run.status for run in mine}
    problems = "; ".join(f"{run.name}: {run.message}" for run in mine if run.message)
    if "failed" in statuses:
        return TypeOutcome("FetchError", "QuickBooks refused the request", problems, records)
    if "retry" in statuses:
        if attempts + 1 >= max_attempts:
            return TypeOutcome(
                "FetchError",
                f"Gave up after {attempts + 1} connector sessions",
                problems,
                records,
            )
        return TypeOutcome(
            "Queued",
            f"Will retry at the next connector session: {problems}",
            None,
            records,
            counts_attempt=True,
        )
    if "deferred" in statuses:
        return TypeOutcome(
            "Queued", f"Will continue at the next connector session: {problems}", None, records
        )
    if mine and statuses == {"not_supported"}:
        return TypeOutcome(
            "NotSupported",
            "This QuickBooks edition or version does not have this data type",
            problems or None,
            records,
        )
    description = "Complete"
    if "not_supported" in statuses:
        description = f"Complete; not available in this edition: {problems}"
    return TypeOutcome("Complete", description, None, records)
