"""Applying a write's result to its push: success with the records QuickBooks returned, a
refusal as a message a person can act on, a lock released for the next session, and a stale
EditSequence (3200) re-read, then applied once more with ``forceUpdate`` or failed as a conflict.

A write's result comes live, or as QuickBooks stored it (`recovering` asks for it after a lost
answer: ``recovered``); then the stored set is cleared next instead of going on.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from sqlalchemy import Connection

from qbdsync.outbox import PushOutcome
from qbdsync.push.kinds import PushAction, PushKind, Refusal
from qbdsync.push.registry import kind_for
from qbdsync.push.results import EXPLAINED, INVALID_REFERENCE
from qbdsync.qbxml.parser import Record, ResponseStatus
from qbdsync.qbxml.status import Recovery, classify_status
from qbdsync.qbxml.write_schema import LIST_KINDS
from qbdsync.qbxml.writes import DelRequest, ModRequest
from qbdsync.session.context import Env
from qbdsync.session.writing.answers import Answer
from qbdsync.session.writing.building import build_query, rebuilt_write, session_profile
from qbdsync.session.writing.phase import WritePhase, go_on, save_phase, settle
from qbdsync.session.writing.refusals import failure_outcome, stayed_locked
from qbdsync.session.writing.sending import send
from qbdsync.store import pushes as push_store
from qbdsync.store import records as record_store
from qbdsync.store.push_lookup import StoreLookup
from qbdsync.store.pushes import PushRow
from qbdsync.sync.engine import SyncEngine

# What a Del answers for a record that is no longer there: QuickBooks says its id is invalid
# (3000) for a ListDelRq/TxnDelRq, 3120 where the object is looked up by reference.
_DELETED_ALREADY: Final = frozenset({3000, 3120})


def take_write(
    conn: Connection,
    env: Env,
    engine: SyncEngine,
    phase: WritePhase,
    push: PushRow,
    answer: Answer,
    now: datetime,
    *,
    recovered: bool = False,
) -> str | None:
    """The answer to the push's write (live, or as QuickBooks stored it): the follow-up
    request (a re-read), or None (live: on to the next push; recovered: the set is cleared)."""
    status = answer.statuses[0] if answer.statuses else None
    if status is None:
        if answer.message_set is not None and not answer.message_set.outcome.processed:
            # The set was refused whole (9004 on a fresh write): nothing ran.
            message = f"QuickBooks did not run the write: {answer.message_set.outcome.meaning}."
            settle(conn, phase, push, PushOutcome.failure(message), now)
        else:
            message = "QuickBooks answered the write without a response to it."
            settle(conn, phase, push, PushOutcome.failure(message), now)
        return None if recovered else go_on(engine, phase)
    recovery = classify_status(status.code, status.severity, status.message)
    if recovery in (Recovery.OK, Recovery.KEEP_WARN):
        outcome = success(conn, engine, push, answer.records[0] if answer.records else None)
        settle(conn, phase, push, outcome, now)
        return None if recovered else go_on(engine, phase)
    if recovery is Recovery.REREAD_AND_RETRY and not phase.reapplied:
        request = _reread_query(conn, engine, push)
        if request is not None:
            phase.step = "reread"
            save_phase(engine, phase)
            return request
    action = PushAction(push.action)
    if action is PushAction.DELETE and status.code in _DELETED_ALREADY and push.attempts > 1:
        # Sent again after a lost answer: the record is gone because the first one deleted it.
        # (`attempts` counts sends QuickBooks may have run: a send refused as locked is not one.)
        settle(conn, phase, push, PushOutcome.success(push.record_id or ""), now)
        return None if recovered else go_on(engine, phase)
    if recovery is Recovery.RETRY_NEXT_SESSION:
        if push.lock_retries + 1 >= env.settings.max_push_lock_sessions:
            settle(conn, phase, push, stayed_locked(push, status), now)
            return None if recovered else go_on(engine, phase)
        # Not applied (a record locked by another user): sent afresh by the next session.
        push_store.release_sent(conn, push.push_key)
        phase.deferred.append(push.push_key)
        return None if recovered else go_on(engine, phase)
    outcome = _explained(conn, engine, push, status) or failure_outcome(push, status, recovery)
    settle(conn, phase, push, outcome, now)
    return None if recovered else go_on(engine, phase)


def _explained(
    conn: Connection, engine: SyncEngine, push: PushRow, status: ResponseStatus
) -> PushOutcome | None:
    """A refusal the kind ties to the payload's fields (3100: who holds the name; 3140: the
    field whose reference QuickBooks does not know, from the request it was sent as)."""
    kind = kind_for(push.data_type)
    profile = session_profile(conn, engine, push)
    if kind is None or profile is None or status.code not in EXPLAINED:
        return None
    request = rebuilt_write(conn, engine, push) if status.code == INVALID_REFERENCE else None
    refusal = Refusal(status.code, status.message, request, push.record_id)
    lookup = StoreLookup(conn, push.connection_id)
    issues = kind.explain_refusal(refusal, push.payload, profile, lookup)
    return PushOutcome.failure(" ".join(i.message for i in issues), issues) if issues else None


def success(
    conn: Connection, engine: SyncEngine, push: PushRow, record: Record | None
) -> PushOutcome:
    """Success with the records QuickBooks returned, mapped as a sync maps them."""
    if record is None:  # a Delete answers with the id only
        return PushOutcome.success(push.record_id or "")
    kind = kind_for(push.data_type)
    profile = session_profile(conn, engine, push)
    rows = kind.result(record, profile) if kind is not None and profile is not None else []
    data = record.data
    record_id = data.get("TxnID") or data.get("ListID") or push.record_id or ""
    return PushOutcome.success(str(record_id), rows)


# -- a stale EditSequence (3200) ----------------------------------------------------------------


def _reread_query(conn: Connection, engine: SyncEngine, push: PushRow) -> str | None:
    """A query by id for the record a Mod found changed (3200)."""
    request = rebuilt_write(conn, engine, push)
    if not isinstance(request, ModRequest | DelRequest):
        return None
    version = engine.state.qbxml_version
    if request.kind in LIST_KINDS:
        return build_query(version, push, request.kind, (("ListID", request.object_id),))
    return build_query(
        version,
        push,
        request.kind,
        (("TxnID", request.object_id), ("IncludeLineItems", "true")),
    )


def take_reread(
    conn: Connection,
    engine: SyncEngine,
    phase: WritePhase,
    push: PushRow,
    answer: Answer,
    now: datetime,
) -> str | None:
    """The record as QuickBooks has it now: stored (the data endpoints and the next Mod see
    its EditSequence); the change applied once more with forceUpdate, else a conflict."""
    kind: PushKind | None = kind_for(push.data_type)
    profile = session_profile(conn, engine, push)
    current = answer.records[0] if answer.records else None
    if current is not None and kind is not None and profile is not None:
        record_store.upsert_records(conn, push.connection_id, kind.result(current, profile), now)
    if push.force_update and current is not None:
        phase.reapplied = True
        request = send(conn, engine, phase, push, now)
        if request is not None:
            phase.reapplied = True
            save_phase(engine, phase)
            return request
        return go_on(engine, phase)
    status = ResponseStatus(
        rs_name="",
        request_id=None,
        code=3200,
        severity="Error",
        message=(
            "The provided edit sequence is out-of-date"
            + (
                f" (now {current.data.get('EditSequence')})"
                if current is not None
                else " (the record could not be read again)"
            )
        ),
        ret_count=None,
        iterator_id=None,
        remaining=None,
        recovery=Recovery.REREAD_AND_RETRY,
    )
    settle(conn, phase, push, failure_outcome(push, status, Recovery.REREAD_AND_RETRY), now)
    return go_on(engine, phase)
