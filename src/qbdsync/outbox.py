"""The push outbox: queue writes into QuickBooks, settle them, time them out — each with its
webhook event in the same transaction.

Shared by the REST API (queueing, reading), the session core (what to send, settling what
QuickBooks answered) and the background worker (timeouts). Every function works on the caller's
connection inside the caller's transaction, like the operator actions in lifecycle.py: the
push, the records it wrote, the connection's pending count and the `{dataType}.write.*` event
commit together or not at all.

Ordering: a push waits for the pending pushes whose records it refers to (`depends_on`). A push
can only depend on earlier pushes, so sending a connection's pending pushes in creation order
sends every prerequisite first; a prerequisite that fails or times out fails its dependants
with a message naming it.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from qbdsync.errors import InvalidPush, NotFound, PushRefused
from qbdsync.guids import braced_guid
from qbdsync.push.kinds import PushAction, PushKind, ValidationIssue
from qbdsync.statuses import INACTIVE_CONNECTION_STATUSES, PushStatus
from qbdsync.store import companies as company_store
from qbdsync.store import pushes as push_store
from qbdsync.store import records as record_store
from qbdsync.store.companies import CompanyRow
from qbdsync.store.push_lookup import StoreLookup, company_profile
from qbdsync.store.pushes import PushRow
from qbdsync.sync.output import RecordRow
from qbdsync.views import codat_data_type, push_event_payload
from qbdsync.webhooks import events

# statusCode of a finished push (Codat's field; HTTP-like values).
SUCCESS_CODE = 200
FAILED_CODE = 400
TIMED_OUT_CODE = 408
PREREQUISITE_FAILED_CODE = 424

_CHANGE_TYPES = {
    PushAction.CREATE: "Created",
    PushAction.UPDATE: "Modified",
    PushAction.DELETE: "Deleted",
}
_VERBS = {PushAction.CREATE: "create", PushAction.UPDATE: "update", PushAction.DELETE: "delete"}


@dataclass(frozen=True, slots=True)
class PushOutcome:
    """What QuickBooks made of a push, as the session step settles it."""

    succeeded: bool
    # The QuickBooks id (ListID/TxnID) of the record created, changed or deleted.
    record_id: str | None = None
    # The records QuickBooks' answer holds, mapped (the kind's `result`): stored at once, so
    # the data endpoints serve them before the next sync.
    rows: Sequence[RecordRow] = ()
    status_code: int | None = None
    message: str | None = None
    issues: Sequence[ValidationIssue] = ()

    @classmethod
    def success(cls, record_id: str, rows: Sequence[RecordRow] = ()) -> PushOutcome:
        return cls(succeeded=True, record_id=record_id, rows=tuple(rows))

    @classmethod
    def failure(
        cls,
        message: str,
        issues: Sequence[ValidationIssue] = (),
        *,
        status_code: int = FAILED_CODE,
    ) -> PushOutcome:
        return cls(succeeded=False, message=message, issues=tuple(issues), status_code=status_code)


def _validation(issues: Sequence[ValidationIssue]) -> dict[str, Any]:
    return {"errors": [i.to_codat() for i in issues], "warnings": []}


# -- queueing -------------------------------------------------------------------------------


def queue_push(
    conn: Connection,
    *,
    connection_id: str,
    kind: PushKind,
    action: PushAction,
    payload: Mapping[str, Any],
    now: datetime,
    record_id: str | None = None,
    timeout_in_minutes: int | None = None,
    force_update: bool = False,
) -> PushRow:
    """Validate a push against the company file and its synced data and queue it (Pending).

    Raises PushRefused (the connection cannot take it), NotFound (the record an update or
    delete names does not exist) or InvalidPush (QuickBooks would refuse the payload); nothing
    is queued then. The connection is locked first, so an unlink committed meanwhile is seen
    and two pushes on one connection take their sequence numbers in turn.
    """
    data_type = kind.data_type
    if action not in kind.actions:
        raise PushRefused(
            f"QuickBooks Desktop cannot {_VERBS[action]} {codat_data_type(data_type)}.",
            "not_supported",
        )
    connection = company_store.lock_connection(conn, connection_id)
    if connection.status in INACTIVE_CONNECTION_STATUSES:
        raise PushRefused(
            f"This connection is {connection.status}: QuickBooks will not call for writes. "
            "Link the company file again before pushing to it.",
            "inactive",
        )
    profile = company_profile(conn, connection)
    if profile is None:
        raise PushRefused(
            "The QuickBooks connector has not synced this connection yet, so there is nothing "
            "to check a push against. Push once the first sync has completed.",
            "not_synced",
        )
    lookup = StoreLookup(conn, connection.id)
    waits: dict[str, None] = {}
    if action is not PushAction.CREATE:
        if record_id is None:
            raise NotFound(f"an {_VERBS[action]} needs the id of the {data_type} record")
        if lookup.find(data_type, record_id) is None:
            raise NotFound(f"no {codat_data_type(data_type)} record with id {record_id}")
        # A later change to a record waits for the earlier ones (their EditSequence first).
        for earlier in push_store.pending_target(conn, connection.id, data_type, record_id):
            waits.setdefault(earlier.push_key, None)
    # Every reference is looked up here too, not only by the kind's checks: one to a record a
    # pending push creates makes this push wait for that one, whatever the kind validates.
    for reference in kind.references(payload):
        lookup.find(reference.data_type, reference.record_id)
    issues = kind.validate(action, payload, profile, lookup, record_id=record_id)
    if issues:
        raise InvalidPush(
            "The push is not valid for QuickBooks Desktop: "
            + "; ".join(f"{i.item_id}: {i.message}" for i in issues),
            [i.to_codat() for i in issues],
        )
    for key in lookup.waits_for:
        waits.setdefault(key, None)
    create = action is PushAction.CREATE
    row = push_store.insert_push(
        conn,
        company_id=connection.company_id,
        connection_id=connection.id,
        data_type=data_type,
        action=action,
        payload=dict(payload),
        now=now,
        record_id=record_id,
        provisional_id=push_store.new_provisional_id() if create else None,
        # Allocated for every create: a kind whose Add carries an ExternalGUID stamps it, so
        # after a lost response the record can be found in QuickBooks; others ignore it.
        external_guid=braced_guid() if create else None,
        timeout_in_minutes=timeout_in_minutes,
        force_update=force_update,
        depends_on=list(waits),
        validation=_validation(()),
    )
    push_store.refresh_pending_count(conn, connection.id)
    return row


# -- settling ---------------------------------------------------------------------------------


def settle_push(conn: Connection, push_key: str, outcome: PushOutcome, *, now: datetime) -> PushRow:
    """Record what QuickBooks made of a push: on success its records (readable from the data
    endpoints at once), `changes` and Success; else Failed with the reasons, and its dependants
    failed too. Each with its write event. A push already settled is returned unchanged (the
    first answer stands: recovery may learn a result twice)."""
    row = push_store.get_push(conn, push_key)
    if row is None:
        raise NotFound(f"no push operation with key {push_key}")
    if not row.pending:
        return row
    company_store.lock_connection(conn, row.connection_id)
    if outcome.succeeded:
        if outcome.record_id is None:
            raise ValueError("a successful outcome names the record QuickBooks wrote")
        _store_result(conn, row, outcome, now)
        changes = [
            {
                "type": _CHANGE_TYPES[PushAction(row.action)],
                "recordRef": {"id": outcome.record_id, "dataType": codat_data_type(row.data_type)},
            }
        ]
        push_store.finish(
            conn,
            push_key,
            status=PushStatus.SUCCESS,
            status_code=outcome.status_code or SUCCESS_CODE,
            now=now,
            validation=_validation(outcome.issues),
            changes=changes,
            result_record_id=outcome.record_id,
        )
    else:
        push_store.finish(
            conn,
            push_key,
            status=PushStatus.FAILED,
            status_code=outcome.status_code or FAILED_CODE,
            now=now,
            error_message=outcome.message,
            validation=_validation(outcome.issues),
        )
    settled = _get(conn, push_key)
    companies: dict[str, CompanyRow] = {}
    _emit(conn, companies, settled, now)
    if not outcome.succeeded:
        waiting = _Waiting(push_store.pending_for_connection(conn, row.connection_id))
        _fail_dependants(conn, companies, [settled], waiting, now)
    push_store.refresh_pending_count(conn, row.connection_id)
    return settled


def _store_result(conn: Connection, row: PushRow, outcome: PushOutcome, now: datetime) -> None:
    record_store.upsert_records(conn, row.connection_id, list(outcome.rows), now)
    if row.action == PushAction.DELETE and outcome.record_id is not None:
        record_store.mark_deleted(conn, row.connection_id, row.data_type, [outcome.record_id], now)


# -- timeouts and failed prerequisites ------------------------------------------------------


def expire_due(
    conn: Connection,
    now: datetime,
    *,
    connection_id: str | None = None,
    company_id: str | None = None,
    limit: int = 500,
) -> list[PushRow]:
    """Pending pushes past their timeoutInMinutes that were never sent become TimedOut (with
    `.write.unsuccessful`), and so do nothing; their dependants fail. Called before a session
    sends, when pushes are read, and by the background worker. Returns those it timed out."""
    timed_out: list[PushRow] = []
    companies: dict[str, CompanyRow] = {}
    touched: set[str] = set()
    # Each connection's pending pushes are read once, when its first push times out, and kept
    # up to date from there: the walks of later timeouts look their dependants up in it.
    waiting: dict[str, _Waiting] = {}
    for row in push_store.expired(
        conn, now, connection_id=connection_id, company_id=company_id, limit=limit
    ):
        minutes = row.timeout_in_minutes
        message = (
            f"Timed out: the QuickBooks connector did not call within {minutes} minute"
            f"{'' if minutes == 1 else 's'} of the request, so this push was never sent."
        )
        done = _never_sent(
            conn, companies, row.push_key, PushStatus.TIMED_OUT, TIMED_OUT_CODE, message, (), now
        )
        if done is None:
            continue  # settled by another process meanwhile
        timed_out.append(done)
        touched.add(row.connection_id)
        found = waiting.get(row.connection_id)
        if found is None:
            found = waiting[row.connection_id] = _Waiting(
                push_store.pending_for_connection(conn, row.connection_id)
            )
        found.settled(done.push_key)
        _fail_dependants(conn, companies, [done], found, now)
    for connection in touched:
        push_store.refresh_pending_count(conn, connection)
    return timed_out


def fail_blocked(conn: Connection, connection_id: str, now: datetime) -> list[PushRow]:
    """Fail every pending push of the connection whose prerequisite ended without success
    (the session step calls it before sending). Returns those it failed."""
    pending = push_store.pending_for_connection(conn, connection_id)
    needed = sorted({key for p in pending for key in p.depends_on})
    prerequisites = push_store.get_pushes(conn, needed)
    # The prerequisites that ended without success, in the order their dependants come.
    causes: dict[str, PushRow] = {}
    for push in pending:
        for key in push.depends_on:
            prerequisite = prerequisites.get(key)
            if prerequisite is None or prerequisite.pending:
                continue
            if prerequisite.status == PushStatus.SUCCESS:
                continue
            causes.setdefault(key, prerequisite)
    failed = _fail_dependants(conn, {}, list(causes.values()), _Waiting(pending), now)
    if failed:
        push_store.refresh_pending_count(conn, connection_id)
    return failed


def due_pushes(conn: Connection, connection_id: str, now: datetime) -> list[PushRow]:
    """What a session may send, in the order to send it: the connection's pending pushes
    after timing out the expired and failing the blocked. Sent-but-unsettled ones are among
    them (their message_set_id says so): those are recovered, never sent again."""
    expire_due(conn, now, connection_id=connection_id)
    fail_blocked(conn, connection_id, now)
    return push_store.pending_for_connection(conn, connection_id)


class _Waiting:
    """A connection's pending pushes, read once, indexed by the push each waits for: the walk
    that fails dependants looks them up here rather than reading the pending pushes again for
    every failed one (which made failing a long chain quadratic). Kept up to date as pushes
    are settled in the caller's transaction."""

    def __init__(self, pending: Sequence[PushRow]) -> None:
        self._pending = {push.push_key for push in pending}
        self._waiting_for: dict[str, list[PushRow]] = {}
        for push in pending:  # in creation order, kept in each list
            for key in dict.fromkeys(push.depends_on):
                self._waiting_for.setdefault(key, []).append(push)

    def dependants(self, push_key: str) -> list[PushRow]:
        """The pushes still pending that wait for `push_key`, in creation order."""
        return [p for p in self._waiting_for.get(push_key, ()) if p.push_key in self._pending]

    def settled(self, push_key: str) -> None:
        self._pending.discard(push_key)


def _fail_dependants(
    conn: Connection,
    companies: dict[str, CompanyRow],
    failed: Sequence[PushRow],
    waiting: _Waiting,
    now: datetime,
) -> list[PushRow]:
    """Fail the pending pushes waiting for each of `failed` in turn, and theirs in turn, each
    naming the prerequisite it waited for; their `.write.unsuccessful` events follow, in the
    order they failed. Returns them.

    One walk over `waiting`; the dependants of one cause share their message, so they are
    failed by one update. A push another process settled meanwhile is left as it is (the first
    answer stands), and its own dependants are not failed through it.
    """
    done: list[str] = []
    for first in failed:
        # Each cause with the push whose own failure began its part of the walk.
        causes: deque[tuple[PushRow, PushRow]] = deque([(first, first)])
        while causes:
            cause, origin = causes.popleft()
            dependants = waiting.dependants(cause.push_key)
            if not dependants:
                continue
            message = _prerequisite_failed(cause, origin)
            issue = ValidationIssue("dependsOn", message, "PrerequisiteFailed")
            moved = set(
                push_store.finish_many(
                    conn,
                    [p.push_key for p in dependants],
                    status=PushStatus.FAILED,
                    status_code=PREREQUISITE_FAILED_CODE,
                    now=now,
                    error_message=message,
                    validation=_validation([issue]),
                )
            )
            for push in dependants:
                if push.push_key not in moved:
                    continue
                waiting.settled(push.push_key)
                done.append(push.push_key)
                # What the walk reads of it as the next cause, as it now stands.
                failed_now = replace(push, status=PushStatus.FAILED, error_message=message)
                causes.append((failed_now, origin))
    rows = _get_many(conn, done)
    for row in rows:
        _emit(conn, companies, row, now)
    return rows


def _prerequisite_failed(cause: PushRow, origin: PushRow) -> str:
    """Why a push waiting for `cause` is not sent: the prerequisite is named, and so is the
    push where the failure began (`origin`) with its reason. The origin's reason is quoted
    rather than each link's message, which would hold the whole chain again at every link."""
    what = "timed out" if origin.status == PushStatus.TIMED_OUT else "failed"
    reason = f": {origin.error_message}" if origin.error_message else "."
    if cause.push_key == origin.push_key:
        return f"Not sent: it depends on {_named(cause)}, which {what}{reason}"
    return (
        f"Not sent: it depends on {_named(cause)}, which was not sent because "
        f"{_named(origin)}, further up its dependencies, {what}{reason}"
    )


def _named(push: PushRow) -> str:
    return f"push operation {push.push_key} ({push.action} {codat_data_type(push.data_type)})"


# -- helpers --------------------------------------------------------------------------------


def _never_sent(
    conn: Connection,
    companies: dict[str, CompanyRow],
    push_key: str,
    status: PushStatus,
    status_code: int,
    message: str,
    issues: Sequence[ValidationIssue],
    now: datetime,
) -> PushRow | None:
    """Settle a pending push that will never be sent (timed out, or its prerequisite failed)
    and queue its `.write.unsuccessful`; None when another process settled it meanwhile."""
    if not push_store.finish(
        conn,
        push_key,
        status=status,
        status_code=status_code,
        now=now,
        error_message=message,
        validation=_validation(issues),
    ):
        return None
    row = _get(conn, push_key)
    _emit(conn, companies, row, now)
    return row


# Keys per statement when reading pushes back: well inside SQLite's limit of bound parameters.
_READ_BATCH = 500


def _get_many(conn: Connection, push_keys: Sequence[str]) -> list[PushRow]:
    """The pushes, in the order of `push_keys`, read back in batches."""
    rows: list[PushRow] = []
    for start in range(0, len(push_keys), _READ_BATCH):
        batch = push_keys[start : start + _READ_BATCH]
        found = push_store.get_pushes(conn, batch)
        rows += [found[key] for key in batch]
    return rows


def _get(conn: Connection, push_key: str) -> PushRow:
    row = push_store.get_push(conn, push_key)
    if row is None:  # pragma: no cover - read back in the transaction that wrote it
        raise NotFound(f"no push operation with key {push_key}")
    return row


def _emit(conn: Connection, companies: dict[str, CompanyRow], row: PushRow, now: datetime) -> None:
    """Queue `{dataType}.write.successful` or `.unsuccessful` for a finished push."""
    company = companies.get(row.company_id)
    if company is None:
        company = companies[row.company_id] = company_store.get_company(conn, row.company_id)
    if company.client_id is None:
        return
    events.emit(
        conn,
        client_id=company.client_id,
        event_type=events.write_event(
            codat_data_type(row.data_type), succeeded=row.status == PushStatus.SUCCESS
        ),
        payload=push_event_payload(company, row),
        company_tags=company.tags,
        now=now,
    )
