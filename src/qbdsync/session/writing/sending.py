"""Choosing the next due push and sending it: alone in a message set with a fresh
``newMessageSetID``, marked sent with that id in the transaction that keeps the request as the
session's prepared one, so a lost answer can always be asked for."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Final

from sqlalchemy import Connection

from qbdsync import outbox
from qbdsync.outbox import PushOutcome
from qbdsync.qbxml.writes import build_recovery_query, build_write_set
from qbdsync.session.context import Context, Env
from qbdsync.session.writing.building import UNBUILDABLE, build_write, unbuildable
from qbdsync.session.writing.phase import WritePhase, phase_of, save_phase, settle
from qbdsync.store import pushes as push_store
from qbdsync.store.pushes import PushRow
from qbdsync.sync.engine import SyncEngine

# QuickBooks allows 24 characters; 24 hex digits are 96 random bits.
_MESSAGE_SET_ID_CHARS: Final = 24


def next_request(
    conn: Connection, env: Env, context: Context, engine: SyncEngine, now: datetime
) -> str | None:
    """The next request of the writes phase (a recovery, or the next due push), with the push
    marked sent in this transaction; None when the writes are done (the reads go on)."""
    del env
    phase = phase_of(engine)
    if phase.step == "done":
        return None
    version = engine.state.qbxml_version
    # Read once per call: a push that fails before it is sent (it cannot be built) is skipped
    # here, and so are its dependants (failed with it, and still waiting in `due`), so thousands
    # of such pushes cost one read rather than one per push.
    due = outbox.due_pushes(conn, context.connection.id, now)
    waiting = {p.push_key for p in due}
    tried: set[str] = set()
    while True:
        push = None if _over_budget(engine, phase, now) else _next_due(due, waiting, tried, phase)
        if push is None:
            phase.step, phase.push_key, phase.message_set_id = "done", None, None
            save_phase(engine, phase)
            return None
        if push.message_set_id is not None:
            # Sent, never settled: QuickBooks is asked what became of it before anything else.
            phase.step, phase.push_key = "recover", push.push_key
            phase.message_set_id = push.message_set_id
            save_phase(engine, phase)
            return build_recovery_query(version, push.message_set_id)
        request = send(conn, engine, phase, push, now)
        if request is not None:
            return request
        tried.add(push.push_key)


def _over_budget(engine: SyncEngine, phase: WritePhase, now: datetime) -> bool:
    """The session's time budget is spent and this session has settled a push already: the
    rest wait for the next session, so many pending pushes never make one endless session
    (QuickBooks stays locked while it lasts, and the reads wait behind the writes)."""
    deadline = engine.state.deadline
    return phase.settled > 0 and deadline is not None and now.timestamp() >= deadline


def _next_due(
    due: list[PushRow], waiting: set[str], tried: set[str], phase: WritePhase
) -> PushRow | None:
    """The first of the due pushes, not tried in this call nor left for the next session,
    whose prerequisites all succeeded (`waiting`: the keys of the due pushes)."""
    for push in due:
        if push.push_key in tried or push.push_key in phase.deferred:
            continue
        if any(key in waiting for key in push.depends_on):
            continue  # behind a prerequisite left for the next session
        return push
    return None


def send(
    conn: Connection, engine: SyncEngine, phase: WritePhase, push: PushRow, now: datetime
) -> str | None:
    """The push as a write in a new message set, marked sent with its id; None when it
    cannot be built (then it is failed, with its dependants)."""
    built = build_write(conn, engine, push)
    if isinstance(built, PushOutcome):
        settle(conn, phase, push, built, now)
        return None
    message_set_id = uuid.uuid4().hex[:_MESSAGE_SET_ID_CHARS]
    try:
        request = build_write_set(
            engine.state.qbxml_version,
            [built],
            new_message_set_id=message_set_id,
            on_error="stopOnError",
        )
    except UNBUILDABLE as exc:
        settle(conn, phase, push, PushOutcome.failure(unbuildable(exc)), now)
        return None
    push_store.mark_sent(conn, push.push_key, message_set_id, now)
    phase.step, phase.push_key, phase.message_set_id = "write", push.push_key, message_set_id
    save_phase(engine, phase)
    return request


def is_write_set(request: str) -> bool:
    """Is `request` a push's write (a set with only a newMessageSetID)? A recovery query
    carries both ids and a clear only the old one: those may be handed out twice."""
    return 'newMessageSetID="' in request and 'oldMessageSetID="' not in request
