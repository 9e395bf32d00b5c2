"""Pull operations as the store returns them, for the pure planning and settling tests."""

from __future__ import annotations

from datetime import UTC, datetime

from qbdsync.store.pulls import PullRow

NOW = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def pull(
    data_type: str,
    *,
    status: str = "Queued",
    ticket: str | None = None,
    datasets_done: list[str] | None = None,
    attempts: int = 0,
    records: int = 0,
) -> PullRow:
    return PullRow(
        id=f"pull-{data_type}",
        company_id="co",
        connection_id="conn",
        data_type=data_type,
        status=status,
        status_description=None,
        error_message=None,
        requested=NOW,
        completed=None,
        progress=0,
        attempts=attempts,
        ticket=ticket,
        records=records,
        datasets_done=datasets_done,
    )
