"""The session core: one sync session of one connection, driven by any driver.

A driver starts a session with what QuickBooks said when it opened the company file, asks for
the next request, hands over each response (streamed, or only an hresult), reports a failure to
open QuickBooks, and closes the session with a human summary. Every call is one transaction and
reads the session row once, so any server process can answer any call. The outcomes are the
typed values of `outcomes`; what they are called on the wire is the driver's business.

Sessions are keyed by an opaque `key` the driver chooses (the Web Connector adapter uses its
ticket). Time comes from the injected clock only, so a test clock drives the time budget, the
takeover of silent sessions and the engine's deadlines alike.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine

from qbdsync.errors import InvalidXML, NotFound, QbdsyncError, RecordTooLarge, SessionNotStarted
from qbdsync.mapping.currencies import CompanyCurrency, CurrencyCodes, company_currency
from qbdsync.qbxml.hostinfo import (
    HostInfo,
    host_query_request,
    host_query_version,
    parse_host_info,
    read_host_query_answer,
)
from qbdsync.qbxml.parser import Event, ResponseParser
from qbdsync.qbxml.status import Recovery, describe_hresult
from qbdsync.session import opening
from qbdsync.session.outcomes import Ended, Finished, Progress, Response, Send, Step, Taken, Wait
from qbdsync.session.planning import plan_session, scheduled_types
from qbdsync.session.processor import OpenedCompany
from qbdsync.session.pulls import PullChange, applied, still_active
from qbdsync.session.settling import settle_pulls
from qbdsync.session.summary import close_text, problems_text, with_prefix
from qbdsync.settings import Settings
from qbdsync.store import companies as company_store
from qbdsync.store import pulls as pull_store
from qbdsync.store import records as record_store
from qbdsync.store import sessions as session_store
from qbdsync.store import sync_settings
from qbdsync.store.companies import CompanyRow, ConnectionRow
from qbdsync.store.pulls import PullRow
from qbdsync.sync.availability import idle_reason
from qbdsync.sync.engine import Deletion, ResponseOutcome, SyncEngine
from qbdsync.sync.output import RecordRow, SyncErrorRow
from qbdsync.sync.schedule import next_due
from qbdsync.sync.state import SessionState
from qbdsync.untrusted import quote_untrusted
from qbdsync.views import connection_event_payload, connection_view
from qbdsync.webhooks.events import READ_COMPLETED, READ_COMPLETED_INITIAL, emit

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]

_CANNOT_RESEND = (
    "qbdsync: QuickBooks was asked again for a request whose text this server did not keep, "
    "so the session ended. The next update resumes where it stopped."
)
_CLOSED_EARLY = "qbdsync: session closed before the sync finished; the next update resumes."
_NOTHING_SCHEDULED = timedelta(days=3650)  # wait for a queued pull operation


@dataclass(frozen=True, slots=True)
class _Context:
    """The connection and its company, read once per call and handed down from there."""

    connection: ConnectionRow
    company: CompanyRow


@dataclass(frozen=True)
class _PendingHostQuery:
    """A session waiting for the answer to its own host query (kept as the session's state):
    the driver had no company information, so the core asked QuickBooks for it."""

    version: str
    company_file: str
    country: str
    major: str
    minor: str

    def to_json(self) -> dict[str, Any]:
        return {"host_query": asdict(self)}

    @classmethod
    def from_json(cls, state: dict[str, Any]) -> _PendingHostQuery | None:
        found = state.get("host_query")
        return cls(**found) if isinstance(found, dict) else None

    def opened(self) -> OpenedCompany:
        return OpenedCompany("", self.company_file, self.country, self.major, self.minor)


class SessionCore:
    def __init__(self, db: Engine, settings: Settings, *, clock: Clock) -> None:
        self._db = db
        self._settings = settings
        self._clock = clock
        with db.begin() as conn:
            self.owner_id = company_store.owner_id(conn)

    # -- who holds a connection ---------------------------------------------------------

    def takeover_at(self, active: session_store.Liveness) -> datetime:
        """When a silent session counts as abandoned and the next start may take over: a
        driver calls back within seconds, except while QuickBooks works on a request."""
        silence = (
            self._settings.session_response_silence_seconds
            if active.in_flight
            else self._settings.session_call_silence_seconds
        )
        return active.updated_at + timedelta(seconds=silence)

    def live_holder(self, connection_id: str) -> session_store.Liveness | None:
        """The connection's active session, if it is not yet silent long enough to take over."""
        with self._db.connect() as conn:
            return self._live_holder(conn, connection_id, self._clock())

    def _live_holder(
        self, conn: Connection, connection_id: str, now: datetime
    ) -> session_store.Liveness | None:
        active = session_store.active_session_for(conn, connection_id)
        return active if active is not None and now < self.takeover_at(active) else None

    def busy_text(self, active: session_store.Liveness) -> str:
        doing = (
            "QuickBooks is working on a request of it"
            if active.in_flight
            else "it is between calls"
        )
        return (
            f"{session_store.BUSY_PREFIX} another Web Connector is syncing this connection "
            f"(session started {active.created_at:%Y-%m-%d %H:%M} UTC, last heard from "
            f"{active.updated_at:%H:%M:%S} UTC; {doing}), so this update did nothing. "
            "If that Web Connector has stopped, the first update after "
            f"{self.takeover_at(active):%Y-%m-%d %H:%M:%S} UTC takes over."
        )

    def note_busy(self, connection_id: str, active: session_store.Liveness, now: datetime) -> None:
        """Record that a start was turned away (the connection's last error and one sync error
        per live session). Safe to run on a background thread: it logs instead of raising."""
        try:
            with self._db.begin() as conn:
                session_store.note_busy(
                    conn,
                    connection_id,
                    active.ticket,
                    self.busy_text(active),
                    str(Recovery.RETRY_NEXT_SESSION),
                    now,
                )
        except Exception:  # a background thread: nobody else would see it
            log.exception("connection %s: could not record a busy answer", connection_id)

    def refusal(self, connection_id: str) -> str | None:
        """Why a session may not start for the connection now (None: it may), worked out from
        the connection as it is now."""
        with self._db.connect() as conn:
            return self._refusal(conn, connection_id, self._clock())[0]

    def _refusal(
        self, conn: Connection, connection_id: str, now: datetime
    ) -> tuple[str | None, _Context | None]:
        stop, context = self._connection_stop(conn, connection_id, now, schedule=True)
        if stop is not None:
            return stop, context
        active = self._live_holder(conn, connection_id, now)
        if active is not None:
            return self.busy_text(active), context
        return None, context

    def _connection_stop(
        self, conn: Connection, connection_id: str, now: datetime, *, schedule: bool
    ) -> tuple[str | None, _Context | None]:
        """Why the connection may not sync now: deleted, unlinked or deauthorized, and with
        `schedule` also paused or outside its sync window (None: it may). With the connection
        and company it read, so the rest of the call needs not read them again."""
        try:
            connection = company_store.get_connection(conn, connection_id)
            company = company_store.get_company(conn, connection.company_id)
        except NotFound:
            return (
                "qbdsync: this connection was deleted, so nothing was synced. You can remove "
                "this entry from the Web Connector."
            ), None
        idle = idle_reason(
            status=connection.status,
            next_sync_at=None,  # being due was the driver's question; a session may finish
            paused_until=connection.paused_until if schedule else None,
            sync_window=company.sync_window if schedule else None,
            sync_window_days=company.sync_window_days,
            timezone=company.timezone,
            now=now,
        )
        return (idle.text if idle is not None else None), _Context(connection, company)

    # -- starting -------------------------------------------------------------------------

    def start(self, key: str, connection_id: str, opened: OpenedCompany) -> Step:
        """Start a session for the connection, unless anything forbids it now."""
        now = self._clock()
        try:
            with self._db.begin() as conn:
                refusal, context = self._refusal(conn, connection_id, now)
                if refusal is not None or context is None:
                    return Ended(refusal or _CLOSED_EARLY)
                self._take_over(conn, connection_id, key, now)
                session_store.create_session(conn, key, connection_id, now)
                if not opened.hcp_response.strip():
                    # No company information from the driver: ask QuickBooks for it first.
                    pending = _PendingHostQuery(host_query_version(opened.country), *opened[1:])
                    request = host_query_request(pending.version, self.owner_id)
                    session_store.save_session(
                        conn, key, now, state=pending.to_json(), pending_request=request
                    )
                    return Send(request)
                try:
                    host = _parse_host(opened.hcp_response)
                    engine, pulls = self._bind_and_plan(conn, key, context, host, opened, now)
                except opening.Refused as refused:
                    self._fail(conn, key, context, refused.message, refused.recovery, now)
                    return Ended(refused.message)
                return self._ask(conn, key, context, engine, pulls, now)
        except SessionNotStarted:
            # Another driver won the race for this connection (or it was deleted meanwhile);
            # the transaction rolled back, so work the reason out again.
            with self._db.connect() as conn:
                active = session_store.active_session_for(conn, connection_id)
                reason = self._refusal(conn, connection_id, now)[0]
            if active is not None:
                self.note_busy(connection_id, active, now)
            return Ended(reason or _CLOSED_EARLY)

    def _take_over(self, conn: Connection, connection_id: str, key: str, now: datetime) -> None:
        """Mark the connection's silent active session abandoned, so this one may start
        (_refusal has already found it silent past its limit)."""
        previous = session_store.active_session_for(conn, connection_id)
        if previous is None:
            return
        message = (
            f"The Web Connector session started {previous.created_at:%Y-%m-%d %H:%M} "
            f"UTC went silent at {previous.updated_at:%H:%M:%S} UTC (a crashed or "
            "stopped Web Connector); the next update took over and resumed its work."
        )
        if not session_store.abandon(conn, previous, message, now):
            return  # it came back: still active, so the unique index refuses this session
        log.warning("connection %s: %s", connection_id, message)
        record_store.add_errors(
            conn,
            connection_id,
            key,
            [SyncErrorRow(None, None, None, str(Recovery.RETRY_NEXT_SESSION), message)],
            now,
        )

    def _bind_and_plan(
        self,
        conn: Connection,
        key: str,
        context: _Context,
        host: HostInfo,
        opened: OpenedCompany,
        now: datetime,
    ) -> tuple[SyncEngine, list[PullRow]]:
        """Check the company file, then store its company info and plan the session.

        Nothing is written before the FileID check passes. Returns the engine and the
        connection's active pull operations as planning left them.
        """
        connection = context.connection
        opening.check_company_file(
            host,
            owner_id=self.owner_id,
            linked_file_id=connection.file_id,
            company_file=opened.company_file,
        )
        settings = self._settings
        version = opening.negotiate(
            host, opened.country, opened.major, opened.minor, settings.max_qbxml_version
        )
        qb_country = opening.company_country(host, opened.country)
        home = host.home_currency or opening.HOME_CURRENCY.get(qb_country)
        currencies = _company_currencies(conn, connection.id)
        company_row, warning = opening.company_row(
            host, home, CurrencyCodes(currencies), qb_country
        )
        record_store.upsert_records(conn, connection.id, [company_row], now)
        if warning is not None:
            record_store.add_errors(conn, connection.id, key, [warning], now)
        company_store.update_connection(
            conn,
            connection.id,
            qb_product=host.product_name,
            qb_country=qb_country,
            qbxml_version=version,
            company_file=opened.company_file or None,
        )
        effective = sync_settings.effective(conn, connection.company_id)
        pull_store.queue(
            conn,
            company_id=connection.company_id,
            connection_id=connection.id,
            data_types=scheduled_types(
                effective, pull_store.last_success(conn, connection.id), now
            ),
            now=now,
            description="Scheduled sync",
        )
        active = pull_store.active_for(conn, connection.id)
        plan = plan_session(active, effective, session_key=key, now=now)
        _write(conn, plan.changes)
        started = now.timestamp()
        budget = settings.session_time_budget_seconds
        engine = SyncEngine.plan(
            datasets=plan.datasets,
            history=plan.history,
            bank_account_ids=record_store.live_ids(conn, connection.id, "bankAccounts"),
            currencies=currencies,
            watermarks=record_store.get_watermarks(conn, connection.id),
            version=version,
            home_currency=home,
            country=qb_country,
            max_returned=settings.max_returned,
            overlap_seconds=settings.watermark_overlap_seconds,
            future_tolerance_seconds=settings.watermark_future_tolerance_seconds,
            deadline=started + budget,
            hard_deadline=started + max(budget, settings.session_hard_limit_seconds),
        )
        return engine, applied(active, plan.changes)

    # -- asking ---------------------------------------------------------------------------

    def next_request(self, key: str) -> Step | None:
        """What to give QuickBooks next; None when there is no session with this key."""
        now = self._clock()
        with self._db.begin() as conn:
            session = session_store.get_session(conn, key, for_update=True)
            if session is None:
                return None
            if session.status == "complete":
                return Finished(session.close_message or "")
            if session.status != "active" or session.state is None:
                return Ended(session.last_error or _CLOSED_EARLY)
            in_flight = session.pending_request is not None
            stop, context = self._stop_reason(
                conn, session, now, in_flight=in_flight, schedule=True
            )
            if stop is not None or context is None:
                return self._stop(conn, session, stop or _CLOSED_EARLY, now)
            if session.pending_request is not None:
                # Asked again before the answer came (a retry): the same request again.
                session_store.save_session(conn, key, now)
                return Send(session.pending_request, repeated=True)
            if (waiting := _PendingHostQuery.from_json(session.state)) is not None:
                # Its request is not stored (a session from before revision 0006): the same one.
                return Send(host_query_request(waiting.version, self.owner_id), repeated=True)
            engine = SyncEngine(SessionState.from_json(session.state))
            if engine.state.in_flight:
                # A request is out but its text was not kept (a session from before revision
                # 0006): it cannot be sent again exactly, so end cleanly; the next resumes.
                return self._stop(conn, session, _CANNOT_RESEND, now)
            return self._ask(conn, key, context, engine, None, now)

    def _ask(
        self,
        conn: Connection,
        key: str,
        context: _Context,
        engine: SyncEngine,
        pulls: list[PullRow] | None,
        now: datetime,
    ) -> Step:
        request = engine.next_request(now.timestamp())
        if request is not None:
            session_store.save_session(
                conn, key, now, state=engine.state.to_json(), pending_request=request
            )
            return Send(request)
        # Nothing left to ask (a refresh of company info alone, or every dataset finished
        # between calls): the session is complete.
        if pulls is None:
            pulls = pull_store.active_for(conn, context.connection.id)
        summary = self._finish(conn, key, context, engine, pulls, now)
        session_store.save_session(
            conn,
            key,
            now,
            state=engine.state.to_json(),
            pending_request=None,
            status="complete",
            close_message=summary,
        )
        return Finished(summary)

    def _stop_reason(
        self,
        conn: Connection,
        session: session_store.SessionRow,
        now: datetime,
        *,
        in_flight: bool,
        schedule: bool,
    ) -> tuple[str | None, _Context | None]:
        """Why an active session must end now: the connection changed, or the session was
        silent so long that it counts as abandoned (a later run may already have taken over)."""
        liveness = session_store.Liveness(
            session.ticket, session.created_at, session.updated_at, in_flight
        )
        if now >= self.takeover_at(liveness):
            return (
                f"qbdsync: this session went silent at {session.updated_at:%H:%M:%S} UTC, "
                "longer than the Web Connector's calls allow, so it was ended and nothing more "
                "is stored from it. The next update resumes where it stopped."
            ), None
        return self._connection_stop(conn, session.connection_id, now, schedule=schedule)

    def _stop(
        self, conn: Connection, session: session_store.SessionRow, reason: str, now: datetime
    ) -> Ended:
        """End a session at a clean point: its pull operations stay queued for the next one."""
        log.info("connection %s session ended: %s", session.connection_id, reason)
        session_store.save_session(
            conn, session.ticket, now, status="closed", last_error=reason, pending_request=None
        )
        return Ended(reason)

    # -- taking responses -----------------------------------------------------------------

    def take_response(self, key: str, response: Response) -> Taken:
        """Store what a response carries and settle what it changed."""
        now = self._clock()
        try:
            with self._db.begin() as conn:
                session = session_store.get_session(conn, key, for_update=True)
                if session is None:
                    return Ended(_CLOSED_EARLY)
                if session.status == "complete":
                    # The answer to the closing request of a session with nothing to fetch.
                    return Finished(session.close_message or "")
                if session.status != "active" or session.state is None:
                    return Ended(session.last_error or _CLOSED_EARLY)
                # A pause or a closing window lets the answer asked for be stored (the next
                # request stops); an unlink, a deletion or a long silence does not.
                stop, context = self._stop_reason(
                    conn, session, now, in_flight=True, schedule=False
                )
                if stop is not None or context is None:
                    return self._stop(conn, session, stop or _CLOSED_EARLY, now)
                pending = _PendingHostQuery.from_json(session.state)
                if pending is not None:
                    return self._take_host_answer(conn, key, context, pending, response, now)
                engine = SyncEngine(SessionState.from_json(session.state))
                connection_id = context.connection.id
                received = self._ingest(conn, engine, connection_id, response, now)
                pulls = pull_store.active_for(conn, connection_id)
                if not received:
                    info = describe_hresult(response.hresult or "0x80040402")
                    engine.fail_response(info, response.message)
                    if info.recovery in (Recovery.RETRY_NEXT_SESSION, Recovery.PERMISSION):
                        return self._end_for_retry(
                            conn, key, context, engine, pulls, info, response, now
                        )
                outcome = engine.end_response(received, now=self._clock().timestamp())
                return self._settle(conn, key, context, engine, outcome, pulls, now)
        except RecordTooLarge as exc:
            return self._reject_response(key, exc, now)
        except InvalidXML as exc:
            message = (
                "QuickBooks' response could not be read safely, so nothing from it was stored: "
                f"{exc}"
            )
            self.fail(key, message, Recovery.FATAL_REQUEST)
            return Ended(message)

    def _end_for_retry(
        self,
        conn: Connection,
        key: str,
        context: _Context,
        engine: SyncEngine,
        pulls: list[PullRow],
        info: Any,
        response: Response,
        now: datetime,
    ) -> Ended:
        """QuickBooks cannot go on now (locked, no permission): settle, schedule, end."""
        connection_id = context.connection.id
        message = f"{info.user_message} ({info.hex}) {quote_untrusted(response.message)}".strip()
        self._save_errors(conn, engine, connection_id, key, now)
        engine.end_response()
        pulls = self._settle_pulls(conn, engine, key, pulls, now)
        next_at = self._next_sync_at(conn, context, still_active(pulls), now)
        session_store.save_session(
            conn, key, now, state=engine.state.to_json(), status="failed", last_error=message
        )
        company_store.update_connection(
            conn, connection_id, last_error=message, next_sync_at=next_at
        )
        return Ended(message)

    def _take_host_answer(
        self,
        conn: Connection,
        key: str,
        context: _Context,
        pending: _PendingHostQuery,
        response: Response,
        now: datetime,
    ) -> Taken:
        """Start the session from QuickBooks' answer to the host query, as from an HCP
        response: the company file is checked before anything is stored."""
        answer = read_host_query_answer(response.response_chunks())
        if answer.host is None:
            if answer.problem is None:  # no response at all, only an hresult
                info = describe_hresult(response.hresult or "0x80040402")
                problem = f"{info.user_message} ({info.hex}) {quote_untrusted(response.message)}"
                problem, recovery = problem.strip(), info.recovery
            else:
                problem, recovery = answer.problem, answer.recovery
            message = (
                f"QuickBooks did not answer qbdsync's question about the company file: {problem}"
            )
            self._fail(conn, key, context, message, recovery, now)
            return Ended(message)
        try:
            engine, pulls = self._bind_and_plan(
                conn, key, context, answer.host, pending.opened(), now
            )
        except opening.Refused as refused:
            self._fail(conn, key, context, refused.message, refused.recovery, now)
            return Ended(refused.message)
        engine.state.answered_host_query = True
        values: dict[str, Any] = {"state": engine.state.to_json(), "pending_request": None}
        progress = engine.progress()
        taken: Taken = Progress(progress)
        if progress >= 100:
            # Nothing to fetch: the session is complete with the company info alone.
            pulls = self._settle_pulls(conn, engine, key, pulls, now)
            summary = self._finish(conn, key, context, engine, pulls, now)
            values["close_message"] = summary
            values["status"] = "complete"
            taken = Finished(summary)
        session_store.save_session(conn, key, now, **values)
        return taken

    def _reject_response(self, key: str, error: RecordTooLarge, now: datetime) -> Taken:
        """A record was past the record limits: its query fails, the session goes on.

        The transaction that read the response has rolled back, so nothing from it is stored
        and the engine starts again from the state saved before it.
        """
        message = (
            f"{error}. Nothing from that response was stored; to read such records, raise "
            f"QBDSYNC_{error.setting.upper()}."
        )
        with self._db.begin() as conn:
            session = session_store.get_session(conn, key, for_update=True)
            if session is None or session.status != "active" or session.state is None:
                return Ended(session.last_error if session and session.last_error else message)
            stop, context = self._connection_stop(conn, session.connection_id, now, schedule=False)
            if context is None:
                return self._stop(conn, session, stop or _CLOSED_EARLY, now)
            engine = SyncEngine(SessionState.from_json(session.state))
            engine.reject_response(error.request_id, message)
            outcome = engine.end_response(now=self._clock().timestamp())
            pulls = pull_store.active_for(conn, session.connection_id)
            return self._settle(conn, key, context, engine, outcome, pulls, now)

    def _settle(
        self,
        conn: Connection,
        key: str,
        context: _Context,
        engine: SyncEngine,
        outcome: ResponseOutcome,
        pulls: list[PullRow],
        now: datetime,
    ) -> Taken:
        """Commit what an answered response changed; what the driver is told."""
        connection_id = context.connection.id
        record_store.set_watermarks(conn, connection_id, outcome.watermarks, now)
        pulls = self._settle_pulls(conn, engine, key, pulls, now)
        self._save_errors(conn, engine, connection_id, key, now)
        # Answered: the next request is asked of the engine instead of resending this one.
        values: dict[str, Any] = {"state": engine.state.to_json(), "pending_request": None}
        taken: Taken = Progress(outcome.progress)
        if outcome.done:
            summary = self._finish(conn, key, context, engine, pulls, now)
            values["close_message"] = summary
            values["status"] = "complete"
            taken = Finished(summary)
        # The silence before the next call is measured from now, not from when the (possibly
        # long) ingest began.
        session_store.save_session(conn, key, self._clock(), **values)
        return taken

    def _settle_pulls(
        self,
        conn: Connection,
        engine: SyncEngine,
        key: str,
        pulls: list[PullRow],
        now: datetime,
    ) -> list[PullRow]:
        """Write what the engine's runs changed in the pull operations; the pulls after it."""
        runs = {run.name: run for run in engine.state.runs}
        changes = settle_pulls(
            pulls,
            runs,
            session_key=key,
            max_attempts=self._settings.max_pull_attempts,
            now=now,
        )
        _write(conn, changes)
        return applied(pulls, changes)

    def _ingest(
        self,
        conn: Connection,
        engine: SyncEngine,
        connection_id: str,
        response: Response,
        now: datetime,
    ) -> int:
        """Stream the response through the parser and the engine into the store, in batches.

        Returns the length of the response text (0: QuickBooks sent none, only an hresult).
        """
        parser = ResponseParser(self._settings.record_limits())
        batch_size = self._settings.store_batch_size
        rows: list[RecordRow] = []
        deletions: dict[str, list[str]] = {}
        received = 0

        def take(events: Sequence[Event]) -> None:
            for event in events:
                for change in engine.receive(event):
                    if isinstance(change, Deletion):
                        deletions.setdefault(change.data_type, []).append(change.record_id)
                    else:
                        rows.append(change)
            if len(rows) >= batch_size:
                record_store.upsert_records(conn, connection_id, rows, now)
                rows.clear()

        for chunk in response.response_chunks():
            received += len(chunk)
            take(parser.feed(chunk))
        if received:
            take(parser.close())
        record_store.upsert_records(conn, connection_id, rows, now)
        for data_type, ids in deletions.items():
            record_store.mark_deleted(conn, connection_id, data_type, ids, now)
        return received

    # -- finishing ------------------------------------------------------------------------

    def _finish(
        self,
        conn: Connection,
        key: str,
        context: _Context,
        engine: SyncEngine,
        pulls: list[PullRow],
        now: datetime,
    ) -> str:
        """Update the connection, schedule its next sync and emit the webhook events of a
        complete session; its summary. Works from what the call already read: the connection,
        its company and its pull operations as settled."""
        connection, company = context.connection, context.company
        summary = engine.summary()
        left = still_active(pulls)
        values: dict[str, Any] = {"last_sync_at": now, "last_error": problems_text(summary)}
        first = connection.status == "PendingAuth"
        if first:
            values["status"] = "Linked"
            values["linked_at"] = now
        text = close_text(summary)
        mode = company.sync_mode or self._settings.sync_mode
        if mode == "one-time" and not left:
            values["status"] = "Deauthorized"
            text += (
                " This was a one-time sync: the connection is now closed and you can remove "
                "this entry from the Web Connector."
            )
        values["next_sync_at"] = self._next_sync_at(conn, context, left, now)
        company_store.update_connection(conn, connection.id, **values)
        after = _Context(replace(connection, **values), company)
        if first:
            self._emit(conn, "connection.connected", after, now)
        read = {
            "dataTypes": sorted(t for t, n in summary.records.items() if n),
            "recordsSynced": summary.total_records,
        }
        # As Codat: read.completed for every completed read, and read.completed.initial in
        # addition for the first one (a consumer may subscribe to either alone).
        self._emit(conn, READ_COMPLETED, after, now, extra=read)
        if first:
            self._emit(conn, READ_COMPLETED_INITIAL, after, now, extra=read)
        if values.get("status") == "Deauthorized":
            self._emit(conn, "connection.disconnected", after, now)
        return text

    def _next_sync_at(
        self, conn: Connection, context: _Context, left: list[PullRow], now: datetime
    ) -> datetime | None:
        """When the connection should next find work: now if anything is queued, else the
        earliest scheduled refresh."""
        if left:
            return None
        connection = context.connection
        settings = sync_settings.effective(conn, connection.company_id)
        schedule = {t: s.sync_schedule_hours for t, s in settings.items()}
        next_at = next_due(schedule, pull_store.last_success(conn, connection.id))
        return next_at if next_at is not None else now + _NOTHING_SCHEDULED

    def _emit(
        self,
        conn: Connection,
        event_type: str,
        context: _Context,
        now: datetime,
        extra: dict[str, Any] | None = None,
    ) -> None:
        """Queue a webhook event in this transaction (delivered by the background worker)."""
        company = context.company
        if company.client_id is None:
            return
        view = connection_view(conn, self._settings, context.connection)
        payload = {**connection_event_payload(company, view), **(extra or {})}
        emit(
            conn,
            client_id=company.client_id,
            event_type=event_type,
            payload=payload,
            company_tags=company.tags,
            now=now,
        )

    def _save_errors(
        self, conn: Connection, engine: SyncEngine, connection_id: str, key: str, now: datetime
    ) -> None:
        errors = engine.take_errors()
        for error in errors:
            # One line per cause and response, however many records it hit.
            log.warning(
                "connection %s dataset %s: %s (%s)",
                connection_id,
                error.dataset,
                error.summary,
                error.recovery,
            )
        record_store.add_errors(conn, connection_id, key, errors, now)

    # -- failing and closing --------------------------------------------------------------

    def open_failed(self, key: str, hresult: str, message: str) -> str:
        """QuickBooks could not be opened (or the session cannot go on): record it; the text."""
        info = describe_hresult(hresult or "0x80040402")
        text = f"{info.user_message} ({info.hex}) {quote_untrusted(message)}".strip()
        self.fail(key, text, info.recovery)
        return text

    def fail(self, key: str, message: str, recovery: Recovery) -> None:
        """End the session as failed with `message` (nothing happens without a session)."""
        now = self._clock()
        with self._db.begin() as conn:
            session = session_store.get_session(conn, key)
            if session is None:
                return
            context = self._connection_stop(conn, session.connection_id, now, schedule=False)[1]
            if context is None:  # the connection was deleted: nobody to tell
                session_store.save_session(conn, key, now, status="failed", last_error=message)
                return
            self._fail(conn, key, context, message, recovery, now)

    def _fail(
        self,
        conn: Connection,
        key: str,
        context: _Context,
        message: str,
        recovery: Recovery,
        now: datetime,
    ) -> None:
        connection_id = context.connection.id
        self._emit(conn, "connection.failed", context, now, extra={"error": message})
        log.warning("connection %s session failed: %s", connection_id, message)
        session_store.save_session(conn, key, now, status="failed", last_error=message)
        record_store.add_errors(
            conn,
            connection_id,
            key,
            [SyncErrorRow(None, None, None, str(recovery), message)],
            now,
        )
        company_store.update_connection(conn, connection_id, last_error=message)

    def last_error(self, key: str) -> Wait | str | None:
        """Why the session has nothing to send: `Wait` when it goes on (ask again), else the
        reason; None when there is no session with this key."""
        with self._db.connect() as conn:
            session = session_store.get_session(conn, key)
        if session is None:
            return None
        waiting = session.pending_request is None and session.last_error is None
        if session.status == "active" and waiting:
            return Wait()
        return session.last_error or "qbdsync could not continue this session."

    def close(self, key: str) -> str | None:
        """Close the session; its human summary (None when there is no session with this key)."""
        now = self._clock()
        with self._db.begin() as conn:
            session = session_store.get_session(conn, key)
            if session is None:
                return None
            if session.status == "active":
                session_store.save_session(conn, key, now, status="closed", pending_request=None)
        if session.close_message:
            return session.close_message
        if session.last_error:
            return with_prefix(session.last_error)
        return _CLOSED_EARLY


def _parse_host(hcp_response: str) -> HostInfo:
    try:
        return parse_host_info(hcp_response)
    except QbdsyncError as exc:
        raise opening.Refused(
            f"QuickBooks' company information could not be read: {exc}",
            Recovery.FATAL_REQUEST,
        ) from exc


def _company_currencies(conn: Connection, connection_id: str) -> list[CompanyCurrency]:
    """The company's Currency list as last synced (deleted ones too: old records use them)."""
    stored = record_store.iter_records(conn, connection_id, "currencies")
    return [c for r in stored if (c := company_currency(r["raw"])) is not None]


def _write(conn: Connection, changes: list[PullChange]) -> None:
    for change in changes:
        pull_store.update_pull(conn, change.pull_id, **change.values)
