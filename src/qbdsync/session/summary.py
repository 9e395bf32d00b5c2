"""The human summary of a session: what was synced, and what is left for next time. Pure."""

from __future__ import annotations

from qbdsync.sync.datasets import DATASETS
from qbdsync.sync.engine import Summary


def close_text(summary: Summary) -> str:
    synced_types = len({DATASETS[name].data_type for name, n in summary.records.items() if n})
    trips = f"{summary.round_trips} round trip" + ("s" if summary.round_trips != 1 else "")
    text = (
        f"qbdsync: synced {summary.total_records:,} records in {synced_types} data types ({trips})."
    )
    deleted = sum(summary.deleted.values())
    if deleted:
        text += f" {deleted:,} deletions applied."
    left = {k: v for k, v in summary.statuses.items() if v not in ("done", "not_supported")}
    if left:
        text += " Not complete: " + ", ".join(f"{k} ({v})" for k, v in sorted(left.items())) + "."
    lacking = sorted(k for k, v in summary.statuses.items() if v == "not_supported")
    if lacking:
        text += " Not in this QuickBooks edition: " + ", ".join(lacking) + "."
    return text


def problems_text(summary: Summary) -> str | None:
    """The connection's last error after a session: its datasets' problems, if any."""
    return (
        "; ".join(
            f"{k}: {v}"
            for k, v in summary.problems.items()
            if summary.statuses.get(k) != "not_supported"
        )
        or None
    )


def with_prefix(text: str) -> str:
    return text if text.startswith("qbdsync") else f"qbdsync: {text}"
