"""The human summary of a session: what was synced, and what is left for next time. Pure."""

from __future__ import annotations

from qbdsync.statuses import RunStatus
from qbdsync.sync.datasets import DATASETS
from qbdsync.sync.engine import Summary

# Nothing left of these for a later session: the rest is "not complete".
_SETTLED = frozenset({RunStatus.DONE, RunStatus.NOT_SUPPORTED})


def close_text(summary: Summary) -> str:
    synced_types = len({DATASETS[name].data_type for name, n in summary.records.items() if n})
    trips = f"{summary.round_trips} round trip" + ("s" if summary.round_trips != 1 else "")
    text = (
        f"qbdsync: synced {summary.total_records:,} records in {synced_types} data types ({trips})."
    )
    deleted = sum(summary.deleted.values())
    if deleted:
        text += f" {deleted:,} deletions applied."
    left = {k: v for k, v in summary.statuses.items() if v not in _SETTLED}
    if left:
        text += " Not complete: " + ", ".join(f"{k} ({v})" for k, v in sorted(left.items())) + "."
    lacking = sorted(k for k, v in summary.statuses.items() if v == RunStatus.NOT_SUPPORTED)
    if lacking:
        text += " Not in this QuickBooks edition: " + ", ".join(lacking) + "."
    return text


def problems_text(summary: Summary) -> str | None:
    """The connection's last error after a session: its datasets' problems, if any."""
    return (
        "; ".join(
            f"{k}: {v}"
            for k, v in summary.problems.items()
            if summary.statuses.get(k) != RunStatus.NOT_SUPPORTED
        )
        or None
    )


def with_prefix(text: str) -> str:
    return text if text.startswith("qbdsync") else f"qbdsync: {text}"
