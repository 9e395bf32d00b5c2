"""The writes of a session: the connection's due pushes, sent before any read, exactly once.

Each push travels alone in a message set with a fresh ``newMessageSetID``, stored on the push
(`push_store.mark_sent`) in the transaction that keeps the request as the session's prepared
one: before QuickBooks can see it. A push sent but not settled (its answer was lost: the
connection dropped, our server restarted, the Web Connector or the PC crashed) is recovered
first, before anything else is written — QuickBooks keeps the recovery state of one message set
per application and company file — by asking for its stored result (``oldMessageSetID``):

* status 0: the stored responses settle the push; then the stored set is cleared.
* 600, 9001, 9002 (QuickBooks cannot tell): an Add is looked for in QuickBooks itself (by the
  ExternalGUID stamped on it, else its name or reference number): found, it succeeded; not
  found, it is sent once more in a new message set (twice unconfirmed, it fails for a person to
  check). A Mod or a Delete is sent again: a Mod already applied is refused for its stale
  EditSequence and a Delete already done for the missing record, so neither applies twice.
* 9004: the id was refused, nothing ran: the push fails (our bug, said so).

A push QuickBooks refuses because a record is locked (open in a window, edited by another user)
never ran: it is released and sent afresh by the next session, counted as a lock retry rather
than a send, and fails after ``max_push_lock_sessions`` sessions naming the record to close.

QuickBooks' error statuses become messages a person can act on (`failure_outcome`); a stale
EditSequence (3200) re-reads the record and, with ``forceUpdate``, applies the change once more.

The phase is kept in the engine's state (``SessionState.writes``) as a `WritePhase`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import datetime
from typing import Any, Final, Literal, get_args

from sqlalchemy import Connection

from qbdsync import outbox
from qbdsync.errors import QbdsyncError, RequestBug, UnreadableState
from qbdsync.outbox import PushOutcome
from qbdsync.push.kinds import (
    CompanyProfile,
    PrepareRefused,
    PushAction,
    PushKind,
    Referenced,
    Refusal,
    ValidationIssue,
)
from qbdsync.push.registry import kind_for
from qbdsync.push.results import EXPLAINED, INVALID_REFERENCE
from qbdsync.qbxml.parser import MessageSetStatus, Record, ResponseParser, ResponseStatus
from qbdsync.qbxml.requests import QueryRequest, build_request
from qbdsync.qbxml.status import Recovery, classify_status
from qbdsync.qbxml.write_schema import LIST_KINDS
from qbdsync.qbxml.writes import (
    AddRequest,
    DelRequest,
    ModRequest,
    WriteRequest,
    build_recovery_clear,
    build_recovery_query,
    build_write_set,
)
from qbdsync.session.context import Context, Env
from qbdsync.session.outcomes import Response
from qbdsync.store import companies as company_store
from qbdsync.store import pushes as push_store
from qbdsync.store import records as record_store
from qbdsync.store.push_lookup import StoreLookup, company_profile
from qbdsync.store.pushes import PushRow
from qbdsync.sync.engine import SyncEngine
from qbdsync.untrusted import quote_untrusted

WRITES_SCHEMA: Final = 1
Step = Literal["start", "write", "recover", "clear", "search", "reread", "done"]
_IN_FLIGHT: Final = frozenset({"write", "recover", "clear", "search", "reread"})
# QuickBooks allows 24 characters; 24 hex digits are 96 random bits.
_MESSAGE_SET_ID_CHARS: Final = 24
# A push sent this often without QuickBooks confirming it is left for a person to check.
MAX_SENDS: Final = 2
_NOT_FOUND: Final = frozenset({3120, 500})
# What a Del answers for a record that is no longer there: QuickBooks says its id is invalid
# (3000) for a ListDelRq/TxnDelRq, 3120 where the object is looked up by reference.
_DELETED_ALREADY: Final = frozenset({3000, 3120})


@dataclass
class WritePhase:
    """Where the session's writes stand, kept between calls in the session state."""

    step: Step = "start"
    push_key: str | None = None  # the push the request in flight is about
    message_set_id: str | None = None  # of the write or recovery in flight
    then_search: bool = False  # a clear in flight is followed by the search for the push
    reapplied: bool = False  # the push's change was re-applied after a stale EditSequence
    deferred: list[str] = field(default_factory=list)  # left for the next session
    settled: int = 0  # pushes this session settled

    def to_json(self) -> dict[str, Any]:
        return {"schema": WRITES_SCHEMA, **asdict(self)}

    @classmethod
    def from_json(cls, data: object) -> WritePhase:
        """The phase stored by to_json (None: the session has not begun its writes)."""
        if data is None:
            return cls()
        if not isinstance(data, dict):
            raise UnreadableState(f"the stored writes phase is a {type(data).__name__}")
        schema = data.get("schema", WRITES_SCHEMA)
        if schema != WRITES_SCHEMA:
            raise UnreadableState(
                f"the stored writes phase is of schema {schema!r} (this qbdsync reads schema "
                f"{WRITES_SCHEMA})",
                schema=schema,
            )
        values = {k: v for k, v in data.items() if k != "schema"}
        names = {f.name for f in fields(cls)}
        if not set(values) <= names or values.get("step", "start") not in get_args(Step):
            raise UnreadableState(f"the stored writes phase cannot be read: {sorted(values)}")
        try:
            return cls(**values)
        except TypeError as exc:
            raise UnreadableState(f"the stored writes phase cannot be read: {exc}") from None


def phase_of(engine: SyncEngine) -> WritePhase:
    return WritePhase.from_json(engine.state.writes)


def _save(engine: SyncEngine, phase: WritePhase) -> None:
    engine.state.writes = phase.to_json()


def in_flight(engine: SyncEngine) -> bool:
    """Is the request out one of the writes phase's (its response is taken here)?"""
    return phase_of(engine).step in _IN_FLIGHT


# -- choosing the next write ------------------------------------------------------------------


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
            _save(engine, phase)
            return None
        if push.message_set_id is not None:
            # Sent, never settled: QuickBooks is asked what became of it before anything else.
            phase.step, phase.push_key = "recover", push.push_key
            phase.message_set_id = push.message_set_id
            _save(engine, phase)
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


# What a kind's prepare may raise on a payload it cannot turn into a request (a bug, or a
# payload stored by another qbdsync version). Nothing was sent, so failing the push is safe, and
# it must fail: left pending, it would make every poll a working session that breaks on it.
# Database errors are not among them: those end the call and the push is tried again.
_UNBUILDABLE: Final = (
    QbdsyncError,
    ValueError,
    LookupError,
    TypeError,
    AttributeError,
    ArithmeticError,
)


def send(
    conn: Connection, engine: SyncEngine, phase: WritePhase, push: PushRow, now: datetime
) -> str | None:
    """The push as a write in a new message set, marked sent with its id; None when it
    cannot be built (then it is failed, with its dependants)."""
    built = _build(conn, engine, push)
    if isinstance(built, PushOutcome):
        _settle(conn, phase, push, built, now)
        return None
    message_set_id = uuid.uuid4().hex[:_MESSAGE_SET_ID_CHARS]
    try:
        request = build_write_set(
            engine.state.qbxml_version,
            [built],
            new_message_set_id=message_set_id,
            on_error="stopOnError",
        )
    except _UNBUILDABLE as exc:
        _settle(conn, phase, push, PushOutcome.failure(_unbuildable(exc)), now)
        return None
    push_store.mark_sent(conn, push.push_key, message_set_id, now)
    phase.step, phase.push_key, phase.message_set_id = "write", push.push_key, message_set_id
    _save(engine, phase)
    return request


def _build(conn: Connection, engine: SyncEngine, push: PushRow) -> WriteRequest | PushOutcome:
    """The request the push is sent as (built afresh each time, so references to records made
    by earlier pushes resolve), or the failure that says why it never can be."""
    kind = kind_for(push.data_type)
    profile = _profile(conn, engine, push)
    if kind is None or profile is None:
        return PushOutcome.failure(_cannot_send(push))
    lookup = StoreLookup(conn, push.connection_id)
    action = PushAction(push.action)
    target: Referenced | None = None
    if action is not PushAction.CREATE:
        target = lookup.find(push.data_type, push.record_id or "")
        if target is None:
            issue = ValidationIssue(
                "id",
                f"The {push.data_type} record {push.record_id} no longer exists in QuickBooks "
                "(it was deleted since the push was queued), so nothing was sent.",
                "ReferenceExists",
            )
            return PushOutcome.failure(issue.message, [issue])
    try:
        return kind.prepare(
            action,
            push.payload,
            profile,
            lookup,
            request_id=str(push.seq),
            external_guid=push.external_guid,
            target=target,
        ).request
    except PrepareRefused as refused:
        return PushOutcome.failure(str(refused), refused.issues)
    except _UNBUILDABLE as exc:
        return PushOutcome.failure(_unbuildable(exc))


def _unbuildable(exc: Exception) -> str:
    return f"qbdsync could not build the QuickBooks request for this push: {exc}"


def _profile(conn: Connection, engine: SyncEngine, push: PushRow) -> CompanyProfile | None:
    connection = company_store.get_connection(conn, push.connection_id)
    profile = company_profile(conn, connection)
    if profile is None:
        return None
    # Written in the version this session speaks.
    return replace(profile, qbxml_version=engine.state.qbxml_version)


def _cannot_send(push: PushRow) -> str:
    return f"qbdsync cannot send a {push.action} of {push.data_type} to this company file."


def is_write_set(request: str) -> bool:
    """Is `request` a push's write (a set with only a newMessageSetID)? A recovery query
    carries both ids and a clear only the old one: those may be handed out twice."""
    return 'newMessageSetID="' in request and 'oldMessageSetID="' not in request


def recover_repeated(engine: SyncEngine) -> str | None:
    """The write in flight was asked for again: QuickBooks may already have run the copy
    handed out (its answer never came back), and a second copy would run it twice. Ask for
    the stored result of its message set instead; None when no write is in flight."""
    phase = phase_of(engine)
    if phase.step != "write" or phase.message_set_id is None:
        return None
    phase.step = "recover"
    _save(engine, phase)
    return build_recovery_query(engine.state.qbxml_version, phase.message_set_id)


# -- taking the answer ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Answer:
    """QuickBooks' answer to a request of the writes phase, read whole (they are small)."""

    text_chars: int
    message_set: MessageSetStatus | None
    statuses: list[ResponseStatus]
    records: list[Record]


@dataclass(frozen=True, slots=True)
class Lost:
    """No answer came (only an hresult): the push stays sent; the next session recovers it."""

    hresult: str
    message: str


def read_answer(env: Env, response: Response) -> Answer:
    parser = ResponseParser(env.settings.record_limits())
    message_set: MessageSetStatus | None = None
    statuses: list[ResponseStatus] = []
    records: list[Record] = []
    chars = 0

    def take(events: Iterable[object]) -> None:
        nonlocal message_set
        for event in events:
            if isinstance(event, MessageSetStatus):
                message_set = event
            elif isinstance(event, ResponseStatus):
                statuses.append(event)
            elif isinstance(event, Record):
                records.append(event)

    for chunk in response.response_chunks():
        chars += len(chunk)
        take(parser.feed(chunk))
    if chars:
        take(parser.close())
    return Answer(chars, message_set, statuses, records)


def take(
    conn: Connection,
    env: Env,
    engine: SyncEngine,
    response: Response,
    now: datetime,
) -> str | Lost | None:
    """Settle what the answer says; the follow-up request of the same push (clear, search,
    re-read, resend), or None to go on with the next push; Lost when no answer came."""
    phase = phase_of(engine)
    answer = read_answer(env, response)
    push = push_store.get_push(conn, phase.push_key or "")
    version = engine.state.qbxml_version
    if answer.text_chars == 0:
        return Lost(response.hresult or "0x80040402", response.message)
    step = phase.step
    if push is not None and not _answers_in_flight(phase, push, answer):
        # The answer to another request (an earlier one posted again late): settling a push
        # from it would be wrong, so it is treated as lost and the next session recovers.
        return Lost(
            "0x80040400",
            "QuickBooks' answer did not belong to the request qbdsync had sent; the session "
            "stopped so the next one asks QuickBooks what became of the write.",
        )
    if push is None or (not push.pending and step != "clear"):
        # Settled meanwhile (another process recovered it): nothing more for this push.
        return _go_on(engine, phase)
    if step == "write":
        return _take_write(conn, env, engine, phase, push, answer, now)
    if step == "recover":
        code = answer.message_set.status_code if answer.message_set is not None else None
        if code in (0, None, 9005):
            follow = _take_write(conn, env, engine, phase, push, answer, now, recovered=True)
            if follow is not None:
                return follow
            return _clear(engine, phase, version, push.message_set_id, then_search=False)
        if code == 9004:
            message = (
                "QuickBooks refused the message set id of this push as too long, so it never "
                "ran the write. This is a problem in qbdsync; please report it."
            )
            _settle(conn, phase, push, PushOutcome.failure(message), now)
            return _go_on(engine, phase)
        # 600, 9001, 9002: QuickBooks cannot tell whether the write happened.
        if code == 600:
            return _after_unknown(conn, engine, phase, push, now)
        return _clear(engine, phase, version, push.message_set_id, then_search=True)
    if step == "clear":
        if phase.then_search and push.pending:
            return _after_unknown(conn, engine, phase, push, now)
        return _go_on(engine, phase)
    if step == "search":
        found = _match(push, answer.records)
        if found is not None:
            _settle(conn, phase, push, _success(conn, engine, push, found), now)
            return _go_on(engine, phase)
        return _resend(conn, engine, phase, push, now)
    if step == "reread":
        return _take_reread(conn, engine, phase, push, answer, now)
    return _go_on(engine, phase)


def _answers_in_flight(phase: WritePhase, push: PushRow, answer: Answer) -> bool:
    """Does the answer belong to the request in flight? Its message set id (where QuickBooks
    echoes one) and its requestIDs must be the ones that request carried."""
    said_set = answer.message_set.message_set_id if answer.message_set is not None else None
    in_sets = phase.step in ("write", "recover", "clear")
    if in_sets and said_set is not None and said_set != (phase.message_set_id or said_set):
        return False
    expected = _query_id(push) if phase.step in ("search", "reread") else str(push.seq)
    return all(s.request_id in (None, expected) for s in answer.statuses)


def _go_on(engine: SyncEngine, phase: WritePhase) -> str | None:
    """Done with this push: the next due one is chosen (no follow-up request)."""
    phase.step, phase.push_key, phase.message_set_id = "start", None, None
    phase.then_search = phase.reapplied = False
    _save(engine, phase)
    return None


def _clear(
    engine: SyncEngine,
    phase: WritePhase,
    version: str,
    message_set_id: str | None,
    *,
    then_search: bool,
) -> str | None:
    if message_set_id is None:
        return None
    phase.step, phase.then_search = "clear", then_search
    _save(engine, phase)
    return build_recovery_clear(version, message_set_id)


def _take_write(
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
    """The answer to the push's write (live, or as QuickBooks stored it)."""
    status = answer.statuses[0] if answer.statuses else None
    if status is None:
        if answer.message_set is not None and not answer.message_set.outcome.processed:
            # The set was refused whole (9004 on a fresh write): nothing ran.
            message = f"QuickBooks did not run the write: {answer.message_set.outcome.meaning}."
            _settle(conn, phase, push, PushOutcome.failure(message), now)
        else:
            message = "QuickBooks answered the write without a response to it."
            _settle(conn, phase, push, PushOutcome.failure(message), now)
        return None if recovered else _go_on(engine, phase)
    recovery = classify_status(status.code, status.severity, status.message)
    if recovery in (Recovery.OK, Recovery.KEEP_WARN):
        outcome = _success(conn, engine, push, answer.records[0] if answer.records else None)
        _settle(conn, phase, push, outcome, now)
        return None if recovered else _go_on(engine, phase)
    if recovery is Recovery.REREAD_AND_RETRY and not phase.reapplied:
        request = _reread(engine, push, conn)
        if request is not None:
            phase.step = "reread"
            _save(engine, phase)
            return request
    action = PushAction(push.action)
    if action is PushAction.DELETE and status.code in _DELETED_ALREADY and push.attempts > 1:
        # Sent again after a lost answer: the record is gone because the first one deleted it.
        # (`attempts` counts sends QuickBooks may have run: a send refused as locked is not one.)
        _settle(conn, phase, push, PushOutcome.success(push.record_id or ""), now)
        return None if recovered else _go_on(engine, phase)
    if recovery is Recovery.RETRY_NEXT_SESSION:
        if push.lock_retries + 1 >= env.settings.max_push_lock_sessions:
            _settle(conn, phase, push, _stayed_locked(push, status), now)
            return None if recovered else _go_on(engine, phase)
        # Not applied (a record locked by another user): sent afresh by the next session.
        push_store.release_sent(conn, push.push_key)
        phase.deferred.append(push.push_key)
        return None if recovered else _go_on(engine, phase)
    outcome = _explained(conn, engine, push, status) or failure_outcome(push, status, recovery)
    _settle(conn, phase, push, outcome, now)
    return None if recovered else _go_on(engine, phase)


def _explained(
    conn: Connection, engine: SyncEngine, push: PushRow, status: ResponseStatus
) -> PushOutcome | None:
    """A refusal the kind ties to the payload's fields (3100: who holds the name; 3140: the
    field whose reference QuickBooks does not know, from the request it was sent as)."""
    kind = kind_for(push.data_type)
    profile = _profile(conn, engine, push)
    if kind is None or profile is None or status.code not in EXPLAINED:
        return None
    request = _written(conn, engine, push) if status.code == INVALID_REFERENCE else None
    refusal = Refusal(status.code, status.message, request, push.record_id)
    lookup = StoreLookup(conn, push.connection_id)
    issues = kind.explain_refusal(refusal, push.payload, profile, lookup)
    return PushOutcome.failure(" ".join(i.message for i in issues), issues) if issues else None


def _success(
    conn: Connection, engine: SyncEngine, push: PushRow, record: Record | None
) -> PushOutcome:
    """Success with the records QuickBooks returned, mapped as a sync maps them."""
    if record is None:  # a Delete answers with the id only
        return PushOutcome.success(push.record_id or "")
    kind = kind_for(push.data_type)
    profile = _profile(conn, engine, push)
    rows = kind.result(record, profile) if kind is not None and profile is not None else []
    data = record.data
    record_id = data.get("TxnID") or data.get("ListID") or push.record_id or ""
    return PushOutcome.success(str(record_id), rows)


def _settle(
    conn: Connection, phase: WritePhase, push: PushRow, outcome: PushOutcome, now: datetime
) -> None:
    outbox.settle_push(conn, push.push_key, outcome, now=now)
    phase.settled += 1


# -- errors a person can act on ---------------------------------------------------------------


def failure_outcome(push: PushRow, status: ResponseStatus, recovery: Recovery) -> PushOutcome:
    """A refused write as `validation.errors` naming the field and what to do."""
    said = quote_untrusted(status.message)
    code = status.code
    what = push.data_type
    if recovery is Recovery.NAME_IN_USE:
        item, rule = "name", "NameInUse"
        text = (
            f"QuickBooks refused the name: it is already used by another record (QuickBooks "
            f"keeps one list of names across customers, suppliers, employees and other names). "
            f"Choose a different name. QuickBooks said: {said}"
        )
    elif recovery is Recovery.CLOSED_PERIOD:
        item, rule = "issueDate", "ClosedPeriod"
        text = (
            "QuickBooks refused the transaction: it is dated on or before the company file's "
            "closing date. Date it after the closing date, or ask the QuickBooks administrator "
            f"to change the closing date. QuickBooks said: {said}"
        )
    elif recovery is Recovery.REREAD_AND_RETRY:
        item, rule = "id", "EditSequenceConflict"
        text = (
            f"Conflict: the {what} record {push.record_id} was changed in QuickBooks after "
            "qbdsync last read it, so the update was not applied. Its current version is now "
            "stored: read it again and push the change once more, or push with "
            f"forceUpdate=true to overwrite. QuickBooks said: {said}"
        )
    elif recovery is Recovery.PERMISSION:
        item, rule = "permissions", "Permission"
        text = (
            "The QuickBooks user the Web Connector runs as may not make this change. Ask the "
            "QuickBooks administrator to grant qbdsync's integrated application the access "
            f"(Edit > Preferences > Integrated Applications). QuickBooks said: {said}"
        )
    elif code == 3140:
        item, rule = "reference", "ReferenceExists"
        text = (
            "QuickBooks does not know a record this push refers to (it may have been deleted "
            f"or made inactive in QuickBooks). Check the reference it names: {said}"
        )
    elif code == 3210:
        item, rule = "value", "InvalidValue"
        text = f"QuickBooks refused a value of this push: {said}"
    else:
        item, rule = "quickBooks", f"QuickBooksStatus{code}"
        text = f"QuickBooks refused the write (status {code}): {said}"
    return PushOutcome.failure(text, [ValidationIssue(item, text, rule)])


def _stayed_locked(push: PushRow, status: ResponseStatus) -> PushOutcome:
    """The failure of a push QuickBooks refused as locked in every session it was sent in."""
    sessions = push.lock_retries + 1
    if push.record_id is not None and PushAction(push.action) is not PushAction.CREATE:
        record = f"the {push.data_type} record {push.record_id}"
    else:
        record = (
            f"a record this new {push.data_type} record changes (one it refers to, such as its "
            "customer, supplier, account or the transactions it pays)"
        )
    text = (
        f"QuickBooks refused this {push.action.lower()} in {sessions} sessions in a row because "
        f"{record} stayed locked: it is open in a window in QuickBooks or being edited by "
        "another QuickBooks user. Nothing was written. Close the record's window in QuickBooks "
        f"(on every computer using the company file), then push again. QuickBooks said: "
        f"{quote_untrusted(status.message)}"
    )
    return PushOutcome.failure(text, [ValidationIssue("id", text, "RecordLocked")])


# -- finding what QuickBooks cannot tell ------------------------------------------------------


def _after_unknown(
    conn: Connection, engine: SyncEngine, phase: WritePhase, push: PushRow, now: datetime
) -> str | None:
    """QuickBooks cannot tell whether the push ran: an Add is looked for, others resent."""
    if PushAction(push.action) is PushAction.CREATE:
        request = _search(engine, push, conn)
        if request is not None:
            phase.step = "search"
            _save(engine, phase)
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
        _settle(conn, phase, push, PushOutcome.failure(message), now)
        return _go_on(engine, phase)
    request = send(conn, engine, phase, push, now)
    if request is None:
        return _go_on(engine, phase)
    return request


def _written(conn: Connection, engine: SyncEngine, push: PushRow) -> WriteRequest | None:
    """The request the push is sent as (built again; None when it cannot be)."""
    built = _build(conn, engine, push)
    return None if isinstance(built, PushOutcome) else built


def _query_id(push: PushRow) -> str:
    """The requestID of the queries made for `push` (its write's is its seq)."""
    return f"q{push.seq}"


def _query(
    version: str, push: PushRow, name: str, filters: tuple[tuple[str, Any], ...]
) -> str | None:
    try:
        return build_request(version, QueryRequest(f"{name}QueryRq", _query_id(push), filters))
    except (RequestBug, KeyError):
        return None


def _field(fields: Iterable[tuple[str, Any]], name: str) -> Any:
    for key, value in fields:
        if key == name:
            return value
    return None


def _search(engine: SyncEngine, push: PushRow, conn: Connection) -> str | None:
    """A query for the record a lost Add may have made: by name (lists are unique by name) or
    by reference number or date (transactions), matched on its ExternalGUID."""
    request = _written(conn, engine, push)
    if not isinstance(request, AddRequest):
        return None
    version = engine.state.qbxml_version
    if request.kind in LIST_KINDS:
        name = _field(request.fields, "Name")
        parent = _field(request.fields, "ParentRef")
        if not isinstance(name, str):
            return None
        if parent is not None:
            parent_name = _field(parent, "FullName")
            if not isinstance(parent_name, str):
                return None
            name = f"{parent_name}:{name}"
        return _query(version, push, request.kind, (("FullName", name),))
    ref_number = _field(request.fields, "RefNumber")
    lines = (("IncludeLineItems", "true"),)
    if isinstance(ref_number, str):
        return _query(version, push, request.kind, (("RefNumber", ref_number), *lines))
    txn_date = _field(request.fields, "TxnDate")
    if isinstance(txn_date, str):
        dates = (("FromTxnDate", txn_date), ("ToTxnDate", txn_date))
        return _query(version, push, request.kind, (("TxnDateRangeFilter", dates), *lines))
    return _query(version, push, request.kind, lines)


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


def _reread(engine: SyncEngine, push: PushRow, conn: Connection) -> str | None:
    """A query by id for the record a Mod found changed (3200)."""
    request = _written(conn, engine, push)
    if not isinstance(request, ModRequest | DelRequest):
        return None
    version = engine.state.qbxml_version
    if request.kind in LIST_KINDS:
        return _query(version, push, request.kind, (("ListID", request.object_id),))
    return _query(
        version,
        push,
        request.kind,
        (("TxnID", request.object_id), ("IncludeLineItems", "true")),
    )


def _take_reread(
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
    profile = _profile(conn, engine, push)
    current = answer.records[0] if answer.records else None
    if current is not None and kind is not None and profile is not None:
        record_store.upsert_records(conn, push.connection_id, kind.result(current, profile), now)
    if push.force_update and current is not None:
        phase.reapplied = True
        request = send(conn, engine, phase, push, now)
        if request is not None:
            phase.reapplied = True
            _save(engine, phase)
            return request
        return _go_on(engine, phase)
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
    _settle(conn, phase, push, failure_outcome(push, status, Recovery.REREAD_AND_RETRY), now)
    return _go_on(engine, phase)
