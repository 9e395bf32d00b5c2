"""A change to one pull operation, as planning and settling decide it (the store applies it)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from qbdsync.statuses import ACTIVE_PULL_STATUSES
from qbdsync.store.pulls import PullRow


@dataclass(frozen=True, slots=True)
class PullChange:
    pull_id: str
    values: Mapping[str, object]


def applied(pulls: Iterable[PullRow], changes: Iterable[PullChange]) -> list[PullRow]:
    """The pulls as they are once `changes` are written (so nobody has to read them again)."""
    by_id = {change.pull_id: change.values for change in changes}
    return [replace(p, **by_id[p.id]) if p.id in by_id else p for p in pulls]  # type: ignore[arg-type]


def still_active(pulls: Iterable[PullRow]) -> list[PullRow]:
    return [p for p in pulls if p.status in ACTIVE_PULL_STATUSES]
