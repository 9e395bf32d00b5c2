"""Every stored status in qbdsync, one enum per thing that has one.

StrEnums, so a stored value is the same string it always was (the database, the JSON of the
session state and the API keep their values) and a member compares equal to its string. A
bottom module: every layer may use them.

How to recover from a QuickBooks outcome is not a status of anything stored; it is
`qbdsync.qbxml.status.Recovery`, next to the table of QuickBooks' codes it comes from.
"""

from __future__ import annotations

from enum import StrEnum


class PullStatus(StrEnum):
    """A pull operation's status: Codat's values, as its API shows them."""

    INITIAL = "Initial"  # shown, never stored: a queued pull on a paused connection
    QUEUED = "Queued"
    FETCHING = "Fetching"
    COMPLETE = "Complete"
    FETCH_ERROR = "FetchError"
    NOT_SUPPORTED = "NotSupported"
    MAP_ERROR = "MapError"
    INTERNAL_ERROR = "InternalError"
    CANCELLED = "Cancelled"
    AUTH_ERROR = "AuthError"
    PERMISSIONS_ERROR = "PermissionsError"
    PREREQUISITE_NOT_MET = "PrerequisiteNotMet"


# A pull operation still to be worked on (queued, or being fetched in a session).
ACTIVE_PULL_STATUSES: tuple[PullStatus, ...] = (PullStatus.QUEUED, PullStatus.FETCHING)
# What Codat's isCompleted and isErrored flags of a pull operation say.
COMPLETED_PULL_STATUSES: frozenset[PullStatus] = frozenset(
    {PullStatus.COMPLETE, PullStatus.NOT_SUPPORTED}
)
ERRORED_PULL_STATUSES: frozenset[PullStatus] = frozenset(
    {
        PullStatus.FETCH_ERROR,
        PullStatus.MAP_ERROR,
        PullStatus.INTERNAL_ERROR,
        PullStatus.AUTH_ERROR,
        PullStatus.PERMISSIONS_ERROR,
    }
)


class ConnectionStatus(StrEnum):
    """A data connection's status: Codat's values."""

    PENDING_AUTH = "PendingAuth"  # created; the Web Connector has not authenticated yet
    LINKED = "Linked"  # the Web Connector has synced with it
    UNLINKED = "Unlinked"  # the operator unlinked it: it authenticates no more
    DEAUTHORIZED = "Deauthorized"  # a one-time sync finished: it syncs no more


# A connection the operator (or a finished one-time sync) ended: it syncs no more.
INACTIVE_CONNECTION_STATUSES: frozenset[ConnectionStatus] = frozenset(
    {ConnectionStatus.UNLINKED, ConnectionStatus.DEAUTHORIZED}
)


class HealthState(StrEnum):
    """A connection's health (connection_health.py), worked out when read; the last one
    announced is stored (connections.health_state)."""

    HEALTHY = "healthy"  # the connector calls within its schedule and nothing is failing
    LATE = "late"  # no call for about three schedules: the Web Connector is not running
    FAILING = "failing"  # it calls, but recent work failed and has not recovered since
    PAUSED = "paused"  # a pause is in force: nothing syncs until it ends
    DEAUTHORIZED = "deauthorized"  # a one-time sync finished: it syncs no more
    UNLINKED = "unlinked"  # the operator ended it
    NOT_CONNECTED = "notConnected"  # created, but its Web Connector never called


class PushStatus(StrEnum):
    """A push operation's status: Codat's values, as its API shows them."""

    PENDING = "Pending"  # queued; waiting for the connector (or sent, its answer not settled)
    SUCCESS = "Success"
    FAILED = "Failed"
    TIMED_OUT = "TimedOut"  # its timeoutInMinutes passed before it was sent: never sent


# A push operation that will not change any more.
FINISHED_PUSH_STATUSES: frozenset[PushStatus] = frozenset(
    {PushStatus.SUCCESS, PushStatus.FAILED, PushStatus.TIMED_OUT}
)


class HealthCheckStatus(StrEnum):
    """A health check's status (the names of a push operation's, for the same ideas)."""

    PENDING = "Pending"  # waiting for the connector, or sent and waiting for QuickBooks
    SUCCESS = "Success"  # QuickBooks answered with the linked company file open
    FAILED = "Failed"  # the connector or QuickBooks reported a problem (its code says which)
    TIMED_OUT = "TimedOut"  # nobody answered before its timeout


FINISHED_HEALTH_CHECK_STATUSES: frozenset[HealthCheckStatus] = frozenset(
    {HealthCheckStatus.SUCCESS, HealthCheckStatus.FAILED, HealthCheckStatus.TIMED_OUT}
)


class SessionStatus(StrEnum):
    """A Web Connector session's status (the qbwc_sessions row)."""

    ACTIVE = "active"  # at most one per connection (the database enforces it)
    COMPLETE = "complete"  # every request answered; the Web Connector has not closed it yet
    CLOSED = "closed"  # the Web Connector closed it (closeConnection), or it was ended early
    FAILED = "failed"  # ended by a failure (QuickBooks refused, or its answer was unreadable)
    ABANDONED = "abandoned"  # silent too long: taken over by a newer session


class RunStatus(StrEnum):
    """One dataset's run within a session (kept in the session state's JSON)."""

    PENDING = "pending"  # not asked for yet in this session
    RUNNING = "running"  # asked for; an iterator may be open
    DONE = "done"  # complete; its watermark was committed
    RETRY = "retry"  # a transient QuickBooks problem: try again next session
    FAILED = "failed"  # QuickBooks refused our request: recorded, not resent
    NOT_SUPPORTED = "not_supported"  # the edition or version lacks it
    DEFERRED = "deferred"  # the session's time budget ran out first: next session resumes


FINISHED_RUN_STATUSES: frozenset[RunStatus] = frozenset(
    s for s in RunStatus if s not in (RunStatus.PENDING, RunStatus.RUNNING)
)


class DeliveryStatus(StrEnum):
    """A webhook delivery's status."""

    PENDING = "pending"  # to be posted (again) at next_attempt_at
    SUCCEEDED = "succeeded"  # the consumer answered 2xx
    FAILED = "failed"  # out of attempts, or refused for good
