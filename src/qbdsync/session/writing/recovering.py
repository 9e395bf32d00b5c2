"""What became of a write whose answer was lost: QuickBooks is asked for the message set's
stored result (``oldMessageSetID``) before anything else is written, since it keeps the
recovery state of one message set per application and company file.

* 0 (or 9005, the set as stored): the stored responses settle the push (`settling`), then the
  stored set is cleared.
* 600, 9001, 9002, QuickBooks cannot tell: an Add is looked for in QuickBooks itself (by the
  ExternalGUID stamped on it, else by name or reference number) — found, it succeeded; not
  found, it is sent once more, and after `MAX_SENDS` unconfirmed sends it fails for a person
  to check. A Mod or a Delete is sent again: a Mod already applied is refused for its stale
  EditSequence and a Delete already done for the missing record, so neither applies twice.
  After 9001/9002 the stored set is cleared first.
* 9004: the id was refused and nothing ran: the push fails (our bug, said so).
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from sqlalchemy import Connection

from qbdsync.outbox import PushOutcome
from qbdsync.push.kinds import PushAction
from qbdsync.qbxml.parser import Record
from qbdsync.qbxml.write_schema import LIST_KINDS
from qbdsync.qbxml.writes import AddRequest, build_recovery_clear, build_recovery_query
from qbdsync.session.context import Env
from qbdsync.session.writing.answers import Answer
from qbdsync.session.writing.building import build_query, field_value, rebuilt_write
from qbdsync.session.writing.phase import WritePhase, go_on, phase_of, save_phase, settle
from qbdsync.session.writing.sending import send
from qbdsync.session.writing.settling import success, take_write
from qbdsync.store.pushes import PushRow
from qbdsync.sync.engine import SyncEngine

# A push sent this often without QuickBooks confirming it is left for a person to check.
MAX_SENDS: Final = 2


def recover_repeated(engine: SyncEngine) -> str | None:
    """The write in flight was asked for again: QuickBooks may already have run the copy
    handed out (its answer never came back), and a second copy would run it twice. Ask for
    the stored result of its message set instead; None when no write is in flight."""
    phase = phase_of(engine)
    if phase.step != "write" or phase.message_set_id is None:
        return None
    phase.step = "recover"
    save_phase(engine, phase)
    return build_recovery_query(engine.state.qbxml_version, phase.message_set_id)


def take_recovery(
    conn: Connection,
    env: Env,
    engine: SyncEngine,
    phase: WritePhase,
    push: PushRow,
    answer: Answer,
    now: datetime,
) -> str | None:
    """QuickBooks' answer to the ``oldMessageSetID`` query: the push settled from the stored
    result, or the next step of finding out (a clear, a search, a resend)."""
    code = answer.message_set.status_code if answer.message_set is not None else None
    if code in (0, None, 9005):
        follow = take_write(conn, env, engine, phase, push, answer, now, recovered=True)
        if follow is not None:
            return follow
        return _clear(engine, phase, push.message_set_id, then_search=False)
    if code == 9004:
        message = (
            "QuickBooks refused the message set id of this push as too long, so it never "
            "ran the write. This is a problem in qbdsync; please report it."
        )
        settle(conn, phase, push, PushOutcome.failure(message), now)
        return go_on(engine, phase)
    # 600, 9001, 9002: QuickBooks cannot tell whether the write happened.
    if code == 600:
        return _after_unknown(conn, engine, phase, push, now)
    return _clear(engine, phase, push.message_set_id, then_search=True)


def take_clear(
    conn: Connection, engine: SyncEngine, phase: WritePhase, push: PushRow, now: datetime
) -> str | None:
    """The stored set is cleared: the search follows when QuickBooks could not tell."""
    if phase.then_search and push.pending:
        return _after_unknown(conn, engine, phase, push, now)
    return go_on(engine, phase)


def take_search(
    conn: Connection,
    engine: SyncEngine,
    phase: WritePhase,
    push: PushRow,
    answer: Answer,
    now: datetime,
) -> str | None:
    """The records the search for a lost Add found: the one it made settles the push;
    none, and it is sent again."""
    found = _match(push, answer.records)
    if found is not None:
        settle(conn, phase, push, success(conn, engine, push, found), now)
        return go_on(engine, phase)
    return _resend(conn, engine, phase, push, now)


def _clear(
    engine: SyncEngine, phase: WritePhase, message_set_id: str | None, *, then_search: bool
) -> str | None:
    if message_set_id is None:
        return None
    phase.step, phase.then_search = "clear", then_search
    save_phase(engine, phase)
    return build_recovery_clear(engine.state.qbxml_version, message_set_id)


def _after_unknown(
    conn: Connection, engine: SyncEngine, phase: WritePhase, push: PushRow, now: datetime
) -> str | None:
    """QuickBooks cannot tell whether the push ran: an Add is looked for, others resent."""
    if PushAction(push.action) is PushAction.CREATE:
        request = _search_query(conn, engine, push)
        if request is not None:
            phase.step = "search"
            save_phase(engine, phase)
            return request
    return _resend(conn, engine, phase, push, now)


def _resend(
    conn: Connection, engine: SyncEngine, phase: WritePhase, push: PushRow, now: datetime
) -> str | None:
    if push.attempts >= MAX_SENDS:
        message = (
            f"QuickBooks did not confirm this {push.action.lower()} after it was sent "
            f"{push.attempts} times and the answers were lost, and the record was not found in "
            "QuickBooks. It was not sent again: check the company file, then push again if "
            "the record is missing."
        )
        settle(conn, phase, push, PushOutcome.failure(message), now)
        return go_on(engine, phase)
    request = send(conn, engine, phase, push, now)
    if request is None:
        return go_on(engine, phase)
    return request


def _search_query(conn: Connection, engine: SyncEngine, push: PushRow) -> str | None:
    """A query for the record a lost Add may have made: by name (lists are unique by name) or
    by reference number or date (transactions), matched on its ExternalGUID."""
    request = rebuilt_write(conn, engine, push)
    if not isinstance(request, AddRequest):
        return None
    version = engine.state.qbxml_version
    if request.kind in LIST_KINDS:
        name = field_value(request.fields, "Name")
        parent = field_value(request.fields, "ParentRef")
        if not isinstance(name, str):
            return None
        if parent is not None:
            parent_name = field_value(parent, "FullName")
            if not isinstance(parent_name, str):
                return None
            name = f"{parent_name}:{name}"
        return build_query(version, push, request.kind, (("FullName", name),))
    ref_number = field_value(request.fields, "RefNumber")
    lines = (("IncludeLineItems", "true"),)
    if isinstance(ref_number, str):
        return build_query(version, push, request.kind, (("RefNumber", ref_number), *lines))
    txn_date = field_value(request.fields, "TxnDate")
    if isinstance(txn_date, str):
        dates = (("FromTxnDate", txn_date), ("ToTxnDate", txn_date))
        return build_query(version, push, request.kind, (("TxnDateRangeFilter", dates), *lines))
    return build_query(version, push, request.kind, lines)


def _match(push: PushRow, records: list[Record]) -> Record | None:
    """The record the lost Add made, among those found: by its ExternalGUID where it carries
    one; otherwise (no GUID in this kind or version) the only one found by name or number."""
    guid = (push.external_guid or "").lower()
    with_guid = [r for r in records if isinstance(r.data.get("ExternalGUID"), str)]
    if guid and with_guid:
        for record in with_guid:
            if str(record.data["ExternalGUID"]).lower() == guid:
                return record
        return None
    return records[0] if len(records) == 1 else None
