"""Taking QuickBooks' responses: streamed through the parser and the engine into the store,
settled into the pull operations, and the next request prepared — one read and one write of
the session state per round trip."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime

from sqlalchemy import Connection

from qbdsync import metrics
from qbdsync.errors import RecordTooLarge
from qbdsync.qbxml.parser import Event, ResponseParser
from qbdsync.qbxml.status import HResultInfo, Recovery, describe_hresult
from qbdsync.session import asking, finishing, health_check, recording, starting
from qbdsync.session.context import Context, Env
from qbdsync.session.outcomes import Ended, Progress, Response, Send, Taken
from qbdsync.session.pulls import still_active
from qbdsync.session.stored import PendingHostQuery
from qbdsync.session.writing import taking
from qbdsync.session.writing.answers import Lost
from qbdsync.session.writing.phase import in_flight as write_in_flight
from qbdsync.statuses import SessionStatus
from qbdsync.store import companies as company_store
from qbdsync.store import pulls as pull_store
from qbdsync.store import records as record_store
from qbdsync.store import sessions as session_store
from qbdsync.store.pulls import PullRow
from qbdsync.sync.engine import Deletion, ResponseOutcome, SyncEngine
from qbdsync.sync.output import RecordRow, SyncErrorRow
from qbdsync.untrusted import quote_untrusted

_REPEATED = (
    "QuickBooks' answer to a request already answered arrived again (a repeated response); ignored"
)


def take(
    conn: Connection,
    env: Env,
    session: session_store.SessionRow,
    context: Context,
    saved: SyncEngine | PendingHostQuery,
    response: Response,
    now: datetime,
) -> Taken:
    """Store what a response carries, settle what it changed and prepare the next request."""
    key = session.ticket
    if isinstance(saved, PendingHostQuery):
        return starting.take_host_answer(conn, env, key, context, saved, response, now)
    engine = saved
    if _answers_nothing_sent(session):
        return _repeated(conn, env, engine, session, response, now)
    if health_check.is_check_request(session.pending_request):
        return _take_check(conn, env, key, context, engine, response, now)
    if write_in_flight(engine):
        return _take_write(conn, env, key, context, engine, response, now)
    connection_id = context.connection.id
    received = _ingest(conn, env, engine, connection_id, response, now)
    pulls = pull_store.active_for(conn, connection_id)
    if not received:
        info = describe_hresult(response.hresult or "0x80040402")
        engine.fail_response(info, response.message)
        if info.recovery in (Recovery.RETRY_NEXT_SESSION, Recovery.PERMISSION):
            return _end_for_retry(conn, env, key, context, engine, pulls, info, response, now)
    # The silence before the next call is measured from the end of the (possibly long) ingest.
    taken_at = env.clock()
    outcome = engine.end_response(received, now=taken_at.timestamp())
    return _settle(conn, env, key, context, engine, outcome, pulls, now, taken_at)


def _take_write(
    conn: Connection,
    env: Env,
    key: str,
    context: Context,
    engine: SyncEngine,
    response: Response,
    now: datetime,
) -> Taken:
    """The answer to a request of the writes phase: settled, then the next request."""
    follow = taking.take(conn, env, engine, response, now)
    pulls = pull_store.active_for(conn, context.connection.id)
    if isinstance(follow, Lost):
        # The answer to a write never came: the push stays sent, so the next session asks
        # QuickBooks what became of it before anything is written again.
        info = describe_hresult(follow.hresult)
        lost = _LostResponse(follow.hresult, follow.message)
        return _end_for_retry(conn, env, key, context, engine, pulls, info, lost, now)
    taken_at = env.clock()
    if follow is not None:
        asking.save_prepared(conn, key, engine, follow, taken_at)
        return Progress(engine.progress())
    step = asking.prepare_next(
        conn, env, key, context, engine, pulls, now, sent=False, saved_at=taken_at
    )
    return Progress(engine.progress()) if isinstance(step, Send) else step


def _take_check(
    conn: Connection,
    env: Env,
    key: str,
    context: Context,
    engine: SyncEngine,
    response: Response,
    now: datetime,
) -> Taken:
    """The answer to a health check's request: the checks settled, then the session's work."""
    health_check.take(conn, env, key, context, response, now)
    pulls = pull_store.active_for(conn, context.connection.id)
    taken_at = env.clock()
    step = asking.prepare_next(
        conn, env, key, context, engine, pulls, now, sent=False, saved_at=taken_at
    )
    return Progress(engine.progress()) if isinstance(step, Send) else step


class _LostResponse:
    """What `_end_for_retry` reads of a response that carried only an hresult."""

    def __init__(self, hresult: str, message: str) -> None:
        self.hresult = hresult
        self.message = message

    def response_chunks(self) -> Iterator[str]:
        return iter(())


def reject(
    conn: Connection,
    env: Env,
    session: session_store.SessionRow,
    context: Context,
    engine: SyncEngine,
    error: RecordTooLarge,
    now: datetime,
) -> Taken:
    """A record was past the record limits: its query fails, the session goes on.

    The caller's transaction that read the response has rolled back, so nothing from it is
    stored, and `engine` is the state saved before it.
    """
    key = session.ticket
    if _answers_nothing_sent(session):
        return _repeated_too_large(conn, engine, session, now)
    message = (
        f"{error}. Nothing from that response was stored; to read such records, raise "
        f"QBDSYNC_{error.setting.upper()}."
    )
    engine.reject_response(error.request_id, message)
    taken_at = env.clock()
    outcome = engine.end_response(now=taken_at.timestamp())
    pulls = pull_store.active_for(conn, context.connection.id)
    return _settle(conn, env, key, context, engine, outcome, pulls, now, taken_at)


def _answers_nothing_sent(session: session_store.SessionRow) -> bool:
    """The next request is prepared but was never handed out, so a response now answers one
    already taken: a Web Connector that did not get our reply posts the same response again."""
    return session.pending_request is not None and not session.request_sent


def _settle(
    conn: Connection,
    env: Env,
    key: str,
    context: Context,
    engine: SyncEngine,
    outcome: ResponseOutcome,
    pulls: list[PullRow],
    now: datetime,
    taken_at: datetime,
) -> Taken:
    """Commit what an answered response changed and prepare the next request (or finish)."""
    connection_id = context.connection.id
    record_store.set_watermarks(conn, connection_id, outcome.watermarks, now)
    pulls = recording.store_settled_pulls(conn, env.settings, engine, key, pulls, now)
    recording.store_errors(conn, engine, connection_id, key, now)
    step = asking.prepare_next(
        conn, env, key, context, engine, pulls, now, sent=False, saved_at=taken_at
    )
    return Progress(outcome.progress) if isinstance(step, Send) else step


def _repeated(
    conn: Connection,
    env: Env,
    engine: SyncEngine,
    session: session_store.SessionRow,
    response: Response,
    now: datetime,
) -> Taken:
    """A response posted again: nothing from it is stored (it was, the first time), and the
    engine counts what it carried as one warning. The state is not written: the request
    prepared for the next call sits out the response, so nothing in it can change."""
    prepared, engine.state.in_flight = engine.state.in_flight, {}
    parser = ResponseParser(env.settings.record_limits())
    for chunk in response.response_chunks():
        _ignored(engine, parser.feed(chunk))
    _ignored(engine, parser.close())
    engine.state.in_flight = prepared
    recording.store_errors(conn, engine, session.connection_id, session.ticket, now)
    session_store.save_session(conn, session.ticket, now)  # heard from: not silent
    return Progress(engine.progress())


def _ignored(engine: SyncEngine, events: Sequence[Event]) -> None:
    for event in events:
        engine.receive(event)  # nothing is in flight: a stray, only counted, nothing to store


def _repeated_too_large(
    conn: Connection, engine: SyncEngine, session: session_store.SessionRow, now: datetime
) -> Taken:
    """A response posted again that is past the record limits (the first time it was too):
    ignored as a repeat, in one warning without the engine's count."""
    record_store.add_errors(
        conn,
        session.connection_id,
        session.ticket,
        [SyncErrorRow(None, None, None, Recovery.KEEP_WARN, _REPEATED)],
        now,
    )
    session_store.save_session(conn, session.ticket, now)
    return Progress(engine.progress())


def _end_for_retry(
    conn: Connection,
    env: Env,
    key: str,
    context: Context,
    engine: SyncEngine,
    pulls: list[PullRow],
    info: HResultInfo,
    response: Response,
    now: datetime,
) -> Ended:
    """QuickBooks cannot go on now (locked, no permission): settle, schedule, end."""
    connection_id = context.connection.id
    message = f"{info.user_message} ({info.hex}) {quote_untrusted(response.message)}".strip()
    recording.store_errors(conn, engine, connection_id, key, now)
    engine.end_response()
    pulls = recording.store_settled_pulls(conn, env.settings, engine, key, pulls, now)
    next_at = finishing.next_sync_at(conn, context, still_active(pulls), now)
    session_store.save_session(
        conn,
        key,
        now,
        state=engine.state.to_json(),
        status=SessionStatus.FAILED,
        last_error=message,
        pending_request=None,
    )
    company_store.update_connection(conn, connection_id, last_error=message, next_sync_at=next_at)
    metrics.count_session("failed")
    return Ended(message)


def _ingest(
    conn: Connection,
    env: Env,
    engine: SyncEngine,
    connection_id: str,
    response: Response,
    now: datetime,
) -> int:
    """Stream the response through the parser and the engine into the store, in batches.

    Returns the length of the response text (0: QuickBooks sent none, only an hresult).
    """
    parser = ResponseParser(env.settings.record_limits())
    batch_size = env.settings.store_batch_size
    rows: list[RecordRow] = []
    deletions: dict[str, list[str]] = {}
    received = 0

    def take_events(events: Sequence[Event]) -> None:
        for event in events:
            for change in engine.receive(event):
                if isinstance(change, Deletion):
                    deletions.setdefault(change.data_type, []).append(change.record_id)
                else:
                    rows.append(change)
        if len(rows) >= batch_size:
            metrics.count_records(row.data_type for row in rows)
            record_store.upsert_records(conn, connection_id, rows, now)
            rows.clear()

    for chunk in response.response_chunks():
        received += len(chunk)
        take_events(parser.feed(chunk))
    if received:
        take_events(parser.close())
    metrics.count_records(row.data_type for row in rows)
    record_store.upsert_records(conn, connection_id, rows, now)
    for data_type, ids in deletions.items():
        record_store.mark_deleted(conn, connection_id, data_type, ids, now)
    return received
