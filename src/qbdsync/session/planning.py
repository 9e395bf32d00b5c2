"""What a session does: which data types are due, and what each pull operation becomes.

Pure functions of the pull operations, the sync settings and the time the caller passes in: no
database, no clock.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from qbdsync.session.pulls import PullChange
from qbdsync.statuses import PullStatus
from qbdsync.store.pulls import PullRow
from qbdsync.store.sync_settings import SyncSetting
from qbdsync.sync.datasets import DATASETS
from qbdsync.sync.datatypes import data_types, datasets_for
from qbdsync.sync.schedule import due_types, history_start

COMPANY = "company"  # company info arrives with the session's first answer, not by a query


@dataclass(frozen=True)
class Plan:
    """The session's datasets, their history limits, and what its pull operations become."""

    datasets: list[str]
    history: dict[str, str] = field(default_factory=dict)
    changes: list[PullChange] = field(default_factory=list)


def scheduled_types(
    settings: Mapping[str, SyncSetting], last_success: Mapping[str, datetime], now: datetime
) -> list[str]:
    """Data types whose scheduled refresh has come (derived types ride on their sources)."""
    types = data_types()
    schedule = {t: s.sync_schedule_hours for t, s in settings.items() if not types[t].derived}
    return due_types(schedule, last_success, now)


def plan_session(
    active: Sequence[PullRow],
    settings: Mapping[str, SyncSetting],
    *,
    session_key: str,
    now: datetime,
) -> Plan:
    """Turn the connection's active pull operations into this session's datasets.

    Company pulls complete at once (the company info came with the session's start); the rest
    are claimed by this session (Fetching). A dataset every asking operation already finished
    in an earlier session is skipped, so work split over sessions by the time budget always
    moves forward.
    """
    types = data_types()
    changes: list[PullChange] = []
    for pull in active:
        if pull.data_type == COMPANY:
            values: dict[str, object] = {
                "status": PullStatus.COMPLETE,
                "status_description": "Complete",
                "completed": now,
                "progress": 100,
                "ticket": session_key,
                "records": 1,
            }
        else:
            values = {
                "status": PullStatus.FETCHING,
                "ticket": session_key,
                "status_description": "Fetching from QuickBooks",
            }
        changes.append(PullChange(pull.id, values))
    requesting = [p for p in active if p.data_type != COMPANY]
    wanted = sorted({p.data_type for p in requesting}, key=lambda t: settings[t].sync_order)
    needed: list[str] = []
    for dataset in datasets_for(wanted):
        askers = [p for p in requesting if dataset in types[p.data_type].datasets]
        if askers and all(dataset in (p.datasets_done or ()) for p in askers):
            continue
        needed.append(dataset)
    history: dict[str, str] = {}
    for dataset in needed:
        since = history_start(settings[DATASETS[dataset].data_type], now)
        if since is not None:
            history[dataset] = since
    return Plan(datasets=needed, history=history, changes=changes)
