"""The status enums keep the strings already stored, and each fits its column."""

from __future__ import annotations

from enum import StrEnum

import pytest
from sqlalchemy import Column, String

from qbdsync.statuses import (
    ACTIVE_PULL_STATUSES,
    COMPLETED_PULL_STATUSES,
    ERRORED_PULL_STATUSES,
    FINISHED_RUN_STATUSES,
    INACTIVE_CONNECTION_STATUSES,
    ConnectionStatus,
    DeliveryStatus,
    PullStatus,
    PushStatus,
    RunStatus,
    SessionStatus,
)
from qbdsync.store.tables import (
    connections,
    pull_operations,
    push_operations,
    qbwc_sessions,
    webhook_deliveries,
)

# The values databases and session states already hold: renaming one would orphan them.
STORED = {
    PullStatus: {
        "Initial",
        "Queued",
        "Fetching",
        "Complete",
        "FetchError",
        "NotSupported",
        "MapError",
        "InternalError",
        "Cancelled",
        "AuthError",
        "PermissionsError",
        "PrerequisiteNotMet",
    },
    ConnectionStatus: {"PendingAuth", "Linked", "Unlinked", "Deauthorized"},
    SessionStatus: {"active", "complete", "closed", "failed", "abandoned"},
    RunStatus: {"pending", "running", "done", "retry", "failed", "not_supported", "deferred"},
    DeliveryStatus: {"pending", "succeeded", "failed"},
    PushStatus: {"Pending", "Success", "Failed", "TimedOut"},
}


@pytest.mark.parametrize("enum", list(STORED), ids=lambda e: e.__name__)
def test_the_stored_strings_stay_the_same(enum: type[StrEnum]) -> None:
    assert {member.value for member in enum} == STORED[enum]
    for member in enum:
        assert member == member.value  # a member compares equal to the string stored


@pytest.mark.parametrize(
    ("enum", "column"),
    [
        (PullStatus, pull_operations.c.status),
        (ConnectionStatus, connections.c.status),
        (SessionStatus, qbwc_sessions.c.status),
        (DeliveryStatus, webhook_deliveries.c.status),
        (PushStatus, push_operations.c.status),
    ],
    ids=lambda v: getattr(v, "__name__", ""),
)
def test_every_status_fits_its_column(enum: type[StrEnum], column: Column[str]) -> None:
    assert isinstance(column.type, String) and column.type.length is not None
    assert max(len(member) for member in enum) <= column.type.length


def test_the_groups() -> None:
    assert set(ACTIVE_PULL_STATUSES) == {PullStatus.QUEUED, PullStatus.FETCHING}
    assert not (COMPLETED_PULL_STATUSES | ERRORED_PULL_STATUSES) & set(ACTIVE_PULL_STATUSES)
    assert not COMPLETED_PULL_STATUSES & ERRORED_PULL_STATUSES
    assert {"done", "retry", "failed", "not_supported", "deferred"} == FINISHED_RUN_STATUSES
    assert ConnectionStatus.LINKED not in INACTIVE_CONNECTION_STATUSES
    assert ConnectionStatus.PENDING_AUTH not in INACTIVE_CONNECTION_STATUSES
