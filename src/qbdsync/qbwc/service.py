"""The Web Connector service: each QBWC call, answered from the store and the sync engine.

This is the SOAP driver of the sans-IO engine. Session state lives in the database, so any
server process answers any call, and a call with an unknown ticket ends cleanly.

Hot path: serverVersion and clientVersion answer from constants; authenticate is one indexed
read (user name → digest, status, next-due time) and writes only when there is work.

A session starts from QuickBooks' host, company and preferences answer: QBWC sends it as
strHCPResponse with the first sendRequestXML. A client that sends none gets that query as the
session's first request instead, and the session starts from its answer in receiveResponseXML.
Either way the company file is checked before anything is stored.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine

from qbdsync import __version__
from qbdsync.errors import (
    InvalidXML,
    NotFound,
    NotSupported,
    QbdsyncError,
    RecordTooLarge,
    SessionNotStarted,
)
from qbdsync.mapping.company import map_company_info
from qbdsync.mapping.currencies import CompanyCurrency, CurrencyCodes, company_currency
from qbdsync.qbwc.credentials import new_ticket, verify_password
from qbdsync.qbwc.handler import ReceiveResponse
from qbdsync.qbwc.tickets import TicketClaims, TicketSigner
from qbdsync.qbxml.hostinfo import (
    HostInfo,
    host_fields_refusal,
    host_query_request,
    host_query_version,
    parse_host_info,
    read_host_query_answer,
)
from qbdsync.qbxml.parser import ResponseParser
from qbdsync.qbxml.status import Recovery, describe_hresult
from qbdsync.qbxml.versions import negotiate_version, version_from_major_minor
from qbdsync.settings import Settings
from qbdsync.store import companies as company_store
from qbdsync.store import pulls as pull_store
from qbdsync.store import records as record_store
from qbdsync.store import sessions as session_store
from qbdsync.store import sync_settings
from qbdsync.store.companies import CompanyRow
from qbdsync.sync.availability import idle_reason
from qbdsync.sync.datasets import DATASETS
from qbdsync.sync.datatypes import data_types, datasets_for
from qbdsync.sync.engine import Deletion, ResponseOutcome, Summary, SyncEngine
from qbdsync.sync.outcomes import type_outcome
from qbdsync.sync.output import RecordRow, SyncErrorRow
from qbdsync.sync.schedule import due_types, history_start, next_due
from qbdsync.sync.state import SessionState
from qbdsync.untrusted import quote_untrusted
from qbdsync.views import connection_event_payload, connection_view
from qbdsync.webhooks.events import READ_COMPLETED, READ_COMPLETED_INITIAL, emit

log = logging.getLogger(__name__)

_CANNOT_RESEND = (
    "qbdsync: the Web Connector asked again for a request whose text this server did not keep, "
    "so the session ended. The next update resumes where it stopped."
)
_HOME_CURRENCY = {"US": "USD", "CA": "CAD", "UK": "GBP"}
_OLDEST_SUPPORTED_QBWC = (2, 0)


def _company_row(
    host: HostInfo, home: str | None, codes: CurrencyCodes, country: str
) -> tuple[RecordRow, SyncErrorRow | None]:
    """Company info from the host response, and a warning when its home currency has no code."""
    base_currency = codes.code(name=home) if home else None
    gap = None
    if home and base_currency is None:
        gap = (
            f"baseCurrency: the home currency {quote_untrusted(repr(home))} matches no ISO 4217 "
            "code; left empty"
        )
    row = RecordRow(
        data_type="company",
        record_id="company",
        edit_sequence=None,
        source_modified=None,
        raw=host.company,
        data=map_company_info(
            host.company, home_currency=base_currency, product=host.product_name, country=country
        ),
        mapping_error=gap,
    )
    warning = (
        None if gap is None else SyncErrorRow("company", None, None, str(Recovery.KEEP_WARN), gap)
    )
    return row, warning


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _version_tuple(text: str) -> tuple[int, ...] | None:
    try:
        return tuple(int(p) for p in text.strip().split("."))
    except ValueError:
        return None


class QbwcService:
    """Implements qbwc.handler.QbwcHandler on top of the store and the sync engine."""

    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        *,
        clock: Callable[[], datetime] = _utcnow,
    ) -> None:
        self._db = engine
        # authenticate is one read on every idle poll, on a connection of its own per thread.
        self._auth = company_store.AuthReader(engine)
        self._settings = settings
        self._clock = clock
        self._server_version = f"qbdsync {__version__}"
        self._min_version = _version_tuple(settings.min_qbwc_version) or (2, 1)
        self._notes = ThreadPoolExecutor(max_workers=1, thread_name_prefix="qbdsync-notes")
        with engine.begin() as conn:
            self._owner_id = company_store.owner_id(conn)
            self._tickets = TicketSigner(company_store.ticket_secret(conn))

    # -- idle-poll calls ------------------------------------------------------------------

    def server_version(self) -> str:
        return self._server_version

    def client_version(self, version: str) -> str:
        parsed = _version_tuple(version)
        if parsed is None:
            return ""
        if parsed[:2] < _OLDEST_SUPPORTED_QBWC:
            return (
                f"E:This Web Connector ({version}) is too old for qbdsync. Install the current "
                "QuickBooks Web Connector from Intuit and add the .qwc file again."
            )
        if parsed < self._min_version:
            return (
                f"W:This Web Connector ({version}) is older than "
                f"{self._settings.min_qbwc_version}. It should work, but updating it from "
                "Intuit's site avoids known problems."
            )
        return ""

    def authenticate(self, username: str, password: str) -> list[str]:
        """One indexed read and no write: tickets are signed, sessions start in sendRequestXML."""
        now = self._clock()
        row = self._auth.find(username)
        if row is None or not verify_password(password, row.password_digest):
            return [new_ticket(), "nvu"]
        idle = idle_reason(
            status=row.status,
            next_sync_at=row.next_sync_at,
            paused_until=row.paused_until,
            sync_window=row.sync_window,
            sync_window_days=row.sync_window_days,
            timezone=row.timezone,
            now=now,
        )
        if idle is not None:
            # "none": QBWC shows "No data exchange required" and calls closeConnection,
            # whose text (worked out again from the idle ticket) says why.
            return [self._tickets.issue(row.id, "idle", now), "none"]
        with self._db.connect() as conn:
            active = session_store.active_session_for(conn, row.id)
        if active is not None and now < self._takeover_at(active):
            # QBWC shows nothing useful for "busy"; closeConnection (and getLastError) on this
            # ticket say which session holds the connection and when it may be taken over, and
            # so do the connection's last error and sync errors: written by a background
            # thread, because this call runs in the event loop and the live session may hold
            # SQLite's write lock.
            self._notes.submit(self._note_busy, row.id, active, now)
            return [self._tickets.issue(row.id, "busy", now), "busy"]
        # "" = use the company file open in QuickBooks (the FileID check binds it).
        return [self._tickets.issue(row.id, "work", now), ""]

    def _takeover_at(self, active: session_store.Liveness) -> datetime:
        """When a silent session counts as abandoned and the next Web Connector run takes over:
        QBWC calls back within seconds, except while QuickBooks works on a request."""
        silence = (
            self._settings.session_response_silence_seconds
            if active.in_flight
            else self._settings.session_call_silence_seconds
        )
        return _aware(active.updated_at) + timedelta(seconds=silence)

    # -- the session ----------------------------------------------------------------------

    def send_request_xml(
        self,
        ticket: str,
        hcp_response: str,
        company_file: str,
        country: str,
        major: str,
        minor: str,
    ) -> str:
        now = self._clock()
        try:
            with self._db.begin() as conn:
                session = session_store.get_session(conn, ticket, for_update=True)
                if session is None:
                    return self._begin(
                        conn, ticket, hcp_response, company_file, country, major, minor, now
                    )
                return self._next_request(conn, session, now)
        except SessionNotStarted:
            # Another Web Connector won the race for this connection (or it was deleted
            # meanwhile); the transaction rolled back, and getLastError works out why.
            claims = self._tickets.verify(ticket)
            if claims is not None:
                with self._db.connect() as conn:
                    active = session_store.active_session_for(conn, claims.connection_id)
                if active is not None:
                    self._note_busy(claims.connection_id, active, now)
            return ""

    def _begin(
        self,
        conn: Connection,
        ticket: str,
        hcp_response: str,
        company_file: str,
        country: str,
        major: str,
        minor: str,
        now: datetime,
    ) -> str:
        """Start a session for a work ticket, unless anything since authenticate forbids it."""
        claims = self._tickets.verify(ticket)
        if claims is None or claims.kind != "work":
            return ""
        if self._refusal(conn, claims, now) is not None:
            return ""  # getLastError and closeConnection work the reason out again
        connection_id = claims.connection_id
        self._take_over(conn, connection_id, ticket, now)
        session_store.create_session(conn, ticket, connection_id, now)
        if not hcp_response.strip():
            # No company information from the client: ask QuickBooks for it first.
            pending = _PendingHostQuery(
                version=host_query_version(country),
                company_file=company_file,
                country=country,
                major=major,
                minor=minor,
            )
            request = host_query_request(pending.version, self._owner_id)
            session_store.save_session(
                conn, ticket, now, state=pending.to_json(), pending_request=request
            )
            return request
        try:
            engine = self._start_session(
                conn, ticket, connection_id, hcp_response, company_file, country, major, minor, now
            )
        except _SessionRefused as refused:
            self._fail(conn, ticket, connection_id, refused.message, refused.recovery, now)
            return ""
        return self._ask(conn, ticket, engine, now)

    def _next_request(
        self, conn: Connection, session: session_store.SessionRow, now: datetime
    ) -> str:
        if session.status != "active" or session.state is None:
            return ""
        in_flight = session.pending_request is not None
        stop = self._stop_reason(conn, session, now, in_flight=in_flight, schedule=True)
        if stop is not None:
            self._stop(conn, session, stop, now)
            return ""
        if in_flight and session.pending_request is not None:
            # Asked again before the answer came (QBWC retried): the same request again.
            session_store.save_session(conn, session.ticket, now)
            return session.pending_request
        if (waiting := _PendingHostQuery.from_json(session.state)) is not None:
            # Its request is not stored (a session from before revision 0006): the same one.
            return host_query_request(waiting.version, self._owner_id)
        engine = SyncEngine(SessionState.from_json(session.state))
        if engine.state.in_flight:
            # A request is out but its text was not kept (a session from before revision
            # 0006): it cannot be sent again exactly, so end cleanly; the next update resumes.
            self._stop(conn, session, _CANNOT_RESEND, now)
            return ""
        return self._ask(conn, session.ticket, engine, now)

    def _ask(self, conn: Connection, ticket: str, engine: SyncEngine, now: datetime) -> str:
        request = engine.next_request(time.time())
        if request is None:
            # Nothing left (e.g. the time budget ran out between calls): receiveResponseXML
            # already answered 100 in the normal case, so this is only a safety net.
            session_store.save_session(
                conn, ticket, now, state=engine.state.to_json(), last_error="NoOp"
            )
            return ""
        session_store.save_session(
            conn, ticket, now, state=engine.state.to_json(), pending_request=request
        )
        return request

    def _refusal(self, conn: Connection, claims: TicketClaims, now: datetime) -> str | None:
        """Why a work ticket may not start a session now (None: it may). Everything is checked
        again here, not trusted from authenticate: the ticket may be old or replayed."""
        lifetime = self._settings.ticket_lifetime_seconds
        if now - claims.issued_at > timedelta(seconds=lifetime):
            return (
                f"qbdsync: this update's ticket expired (issued {claims.issued_at:%Y-%m-%d %H:%M} "
                f"UTC, valid for {lifetime // 60} minutes) before it was used, so nothing was "
                "synced. The next update starts a fresh session."
            )
        stop = self._connection_stop(conn, claims.connection_id, now, schedule=True)
        if stop is not None:
            return stop
        active = session_store.active_session_for(conn, claims.connection_id)
        if active is not None and now < self._takeover_at(active):
            return self._busy_text(active)
        return None

    def _connection_stop(
        self, conn: Connection, connection_id: str, now: datetime, *, schedule: bool
    ) -> str | None:
        """Why the connection may not sync now: deleted, unlinked or deauthorized, and with
        `schedule` also paused or outside its sync window (None: it may)."""
        try:
            connection = company_store.get_connection(conn, connection_id)
            company = company_store.get_company(conn, connection.company_id)
        except NotFound:
            return (
                "qbdsync: this connection was deleted, so nothing was synced. You can remove "
                "this entry from the Web Connector."
            )
        idle = idle_reason(
            status=connection.status,
            next_sync_at=None,  # being due was authenticate's question; a session may finish
            paused_until=connection.paused_until if schedule else None,
            sync_window=company.sync_window if schedule else None,
            sync_window_days=company.sync_window_days,
            timezone=company.timezone,
            now=now,
        )
        return idle.text if idle is not None else None

    def _stop_reason(
        self,
        conn: Connection,
        session: session_store.SessionRow,
        now: datetime,
        *,
        in_flight: bool,
        schedule: bool,
    ) -> str | None:
        """Why an active session must end now: the connection changed, or the session was
        silent so long that it counts as abandoned (a later run may already have taken over)."""
        liveness = session_store.Liveness(
            session.ticket, session.created_at, session.updated_at, in_flight
        )
        if now >= self._takeover_at(liveness):
            return (
                f"qbdsync: this session went silent at {_aware(session.updated_at):%H:%M:%S} UTC, "
                "longer than the Web Connector's calls allow, so it was ended and nothing more "
                "is stored from it. The next update resumes where it stopped."
            )
        return self._connection_stop(conn, session.connection_id, now, schedule=schedule)

    def _stop(
        self, conn: Connection, session: session_store.SessionRow, reason: str, now: datetime
    ) -> None:
        """End a session at a clean point: its pull operations stay queued for the next one."""
        log.info("connection %s session ended: %s", session.connection_id, reason)
        session_store.save_session(
            conn, session.ticket, now, status="closed", last_error=reason, pending_request=None
        )

    def _take_over(self, conn: Connection, connection_id: str, ticket: str, now: datetime) -> None:
        """Mark the connection's silent active session abandoned, so this one may start
        (_refusal has already found it silent past its limit)."""
        previous = session_store.active_session_for(conn, connection_id)
        if previous is None:
            return
        message = (
            f"The Web Connector session started {_aware(previous.created_at):%Y-%m-%d %H:%M} "
            f"UTC went silent at {_aware(previous.updated_at):%H:%M:%S} UTC (a crashed or "
            "stopped Web Connector); the next update took over and resumed its work."
        )
        if not session_store.abandon(conn, previous, message, now):
            return  # it came back: still active, so the unique index refuses this session
        log.warning("connection %s: %s", connection_id, message)
        record_store.add_errors(
            conn,
            connection_id,
            ticket,
            [SyncErrorRow(None, None, None, str(Recovery.RETRY_NEXT_SESSION), message)],
            now,
        )

    def _note_busy(self, connection_id: str, active: session_store.Liveness, now: datetime) -> None:
        try:
            with self._db.begin() as conn:
                session_store.note_busy(
                    conn,
                    connection_id,
                    active.ticket,
                    self._busy_text(active),
                    str(Recovery.RETRY_NEXT_SESSION),
                    now,
                )
        except Exception:  # a background thread: nobody else would see it
            log.exception("connection %s: could not record a busy answer", connection_id)

    def _busy_text(self, active: session_store.Liveness) -> str:
        doing = (
            "QuickBooks is working on a request of it"
            if active.in_flight
            else "it is between calls"
        )
        return (
            f"{session_store.BUSY_PREFIX} another Web Connector is syncing this connection "
            f"(session started {_aware(active.created_at):%Y-%m-%d %H:%M} UTC, last heard from "
            f"{_aware(active.updated_at):%H:%M:%S} UTC; {doing}), so this update did nothing. "
            "If that Web Connector has stopped, the first update after "
            f"{self._takeover_at(active):%Y-%m-%d %H:%M:%S} UTC takes over."
        )

    def _start_session(
        self,
        conn: Connection,
        ticket: str,
        connection_id: str,
        hcp_response: str,
        company_file: str,
        country: str,
        major: str,
        minor: str,
        now: datetime,
    ) -> SyncEngine:
        try:
            host = parse_host_info(hcp_response)
        except QbdsyncError as exc:
            raise _SessionRefused(
                f"QuickBooks' company information could not be read: {exc}",
                Recovery.FATAL_REQUEST,
            ) from exc
        return self._bind_and_plan(
            conn, ticket, connection_id, host, company_file, country, major, minor, now
        )

    def _bind_and_plan(
        self,
        conn: Connection,
        ticket: str,
        connection_id: str,
        host: HostInfo,
        company_file: str,
        country: str,
        major: str,
        minor: str,
        now: datetime,
    ) -> SyncEngine:
        """Check the company file, then store its company info and plan the session.

        Nothing is written before the FileID check passes.
        """
        connection = company_store.get_connection(conn, connection_id)
        file_id = host.file_id(self._owner_id)
        if file_id is None or file_id.strip("{}").upper() != connection.file_id.strip("{}").upper():
            raise _SessionRefused(
                "The company file open in QuickBooks "
                f"({quote_untrusted(host.company_name or company_file)}) is "
                "not the one this Web Connector entry is linked to. Open the linked company "
                "file and run the update again; to link this other file, use a new link from "
                "your provider. Nothing was synced.",
                Recovery.VALIDATION,
            )
        version = self._negotiate(host, country, major, minor)
        qb_country = (host.country or country or "US").upper()
        refusal = host_fields_refusal(host, qb_country)
        if refusal is not None:
            raise _SessionRefused(refusal, Recovery.VALIDATION)
        home = host.home_currency or _HOME_CURRENCY.get(qb_country)
        currencies = self._company_currencies(conn, connection_id)
        company_row, warning = _company_row(host, home, CurrencyCodes(currencies), qb_country)
        record_store.upsert_records(conn, connection_id, [company_row], now)
        if warning is not None:
            record_store.add_errors(conn, connection_id, ticket, [warning], now)
        company_store.update_connection(
            conn,
            connection_id,
            qb_product=host.product_name,
            qb_country=qb_country,
            qbxml_version=version,
            company_file=company_file or None,
        )
        datasets, history = self._plan(conn, connection.company_id, connection_id, ticket, now)
        budget = self._settings.session_time_budget_seconds
        return SyncEngine.plan(
            datasets=datasets,
            history=history,
            bank_account_ids=record_store.live_ids(conn, connection_id, "bankAccounts"),
            currencies=currencies,
            watermarks=record_store.get_watermarks(conn, connection_id),
            version=version,
            home_currency=home,
            country=qb_country,
            max_returned=self._settings.max_returned,
            overlap_seconds=self._settings.watermark_overlap_seconds,
            future_tolerance_seconds=self._settings.watermark_future_tolerance_seconds,
            deadline=time.time() + budget,
            hard_deadline=time.time() + max(budget, self._settings.session_hard_limit_seconds),
        )

    @staticmethod
    def _company_currencies(conn: Connection, connection_id: str) -> list[CompanyCurrency]:
        """The company's Currency list as last synced (deleted ones too: old records use them)."""
        stored = record_store.iter_records(conn, connection_id, "currencies")
        return [c for r in stored if (c := company_currency(r["raw"])) is not None]

    def _plan(
        self, conn: Connection, company_id: str, connection_id: str, ticket: str, now: datetime
    ) -> tuple[list[str], dict[str, str]]:
        """Turn queued and scheduled pull operations into this session's datasets."""
        settings = sync_settings.effective(conn, company_id)
        types = data_types()
        schedule = {t: s.sync_schedule_hours for t, s in settings.items() if not types[t].derived}
        due = due_types(schedule, pull_store.last_success(conn, connection_id), now)
        pull_store.queue(
            conn,
            company_id=company_id,
            connection_id=connection_id,
            data_types=due,
            now=now,
            description="Scheduled sync",
        )
        active = pull_store.active_for(conn, connection_id)
        for pull in active:
            if pull.data_type == "company":
                # Company info arrives with the first request itself.
                pull_store.update_pull(
                    conn,
                    pull.id,
                    status="Complete",
                    status_description="Complete",
                    completed=now,
                    progress=100,
                    ticket=ticket,
                    records=1,
                )
            else:
                pull_store.update_pull(
                    conn,
                    pull.id,
                    status="Fetching",
                    ticket=ticket,
                    status_description="Fetching from QuickBooks",
                )
        wanted = sorted(
            {p.data_type for p in active if p.data_type != "company"},
            key=lambda t: settings[t].sync_order,
        )
        requesting = [p for p in active if p.data_type != "company"]
        needed: list[str] = []
        for dataset in datasets_for(wanted):
            askers = [p for p in requesting if dataset in types[p.data_type].datasets]
            # Done for every operation that wants it in an earlier session: skip it, so work
            # split over sessions by the time budget always moves forward.
            if askers and all(dataset in (p.datasets_done or ()) for p in askers):
                continue
            needed.append(dataset)
        history: dict[str, str] = {}
        for dataset in needed:
            since = history_start(settings[DATASETS[dataset].data_type], now)
            if since is not None:
                history[dataset] = since
        return needed, history

    def _update_pulls(
        self,
        conn: Connection,
        engine: SyncEngine,
        ticket: str,
        connection_id: str,
        now: datetime,
    ) -> None:
        """Settle every pull operation of this session whose datasets have all finished."""
        runs = {run.name: run for run in engine.state.runs}
        finished = {name for name, run in runs.items() if run.status in ("done", "not_supported")}
        types = data_types()
        for pull in pull_store.active_for(conn, connection_id):
            if pull.status != "Fetching" or pull.ticket != ticket:
                continue
            done_before = set(pull.datasets_done or ())
            done_now = done_before | (finished & set(types[pull.data_type].datasets))
            outcome = type_outcome(
                pull.data_type,
                runs,
                attempts=pull.attempts,
                max_attempts=self._settings.max_pull_attempts,
            )
            if outcome is None:
                if done_now != done_before:
                    pull_store.update_pull(conn, pull.id, datasets_done=sorted(done_now))
                continue
            values: dict[str, Any] = {
                "datasets_done": sorted(done_now),
                "status": outcome.status,
                "status_description": outcome.description,
                "error_message": outcome.error,
                "records": pull.records + outcome.records,
            }
            if outcome.status == "Queued":
                values["attempts"] = pull.attempts + int(outcome.counts_attempt)
                values["ticket"] = None
            else:
                values["completed"] = now
                values["progress"] = 100
            pull_store.update_pull(conn, pull.id, **values)

    def _negotiate(self, host: HostInfo, country: str, major: str, minor: str) -> str:
        supported = list(host.supported_versions)
        if not supported:
            try:
                supported = [version_from_major_minor(major, minor)]
            except ValueError:
                supported = []
        try:
            return negotiate_version(
                self._settings.max_qbxml_version, supported, host.country or country
            )
        except NotSupported as exc:
            raise _SessionRefused(
                f"This QuickBooks speaks no qbXML version qbdsync supports ({exc}). "
                "Update QuickBooks Desktop to a current release.",
                Recovery.NOT_SUPPORTED,
            ) from exc

    def receive_response_xml(self, call: ReceiveResponse) -> int:
        now = self._clock()
        ticket = call.ticket
        try:
            with self._db.begin() as conn:
                session = session_store.get_session(conn, ticket, for_update=True)
                if session is None or session.status != "active" or session.state is None:
                    return -1
                # A pause or a closing window lets the answer asked for be stored (the next
                # sendRequestXML stops); an unlink, a deletion or a long silence does not.
                stop = self._stop_reason(conn, session, now, in_flight=True, schedule=False)
                if stop is not None:
                    self._stop(conn, session, stop, now)
                    return -1
                pending = _PendingHostQuery.from_json(session.state)
                if pending is not None:
                    return self._receive_host_answer(
                        conn, ticket, session.connection_id, pending, call, now
                    )
                engine = SyncEngine(SessionState.from_json(session.state))
                connection_id = session.connection_id
                received = self._ingest(conn, engine, connection_id, call, now)
                if not received:
                    info = describe_hresult(call.hresult or "0x80040402")
                    engine.fail_response(info, call.message)
                    if info.recovery in (Recovery.RETRY_NEXT_SESSION, Recovery.PERMISSION):
                        said = quote_untrusted(call.message)
                        message = f"{info.user_message} ({info.hex}) {said}".strip()
                        self._save_errors(conn, engine, connection_id, ticket, now)
                        engine.end_response()
                        self._update_pulls(conn, engine, ticket, connection_id, now)
                        self._schedule_next(conn, connection_id, now)
                        session_store.save_session(
                            conn,
                            ticket,
                            now,
                            state=engine.state.to_json(),
                            status="failed",
                            last_error=message,
                        )
                        company_store.update_connection(conn, connection_id, last_error=message)
                        return -1
                outcome = engine.end_response(received, now=time.time())
                return self._settle(conn, engine, outcome, ticket, connection_id, now)
        except RecordTooLarge as exc:
            return self._reject_response(ticket, exc, now)
        except InvalidXML as exc:
            message = (
                "QuickBooks' response could not be read safely, so nothing from it was stored: "
                f"{exc}"
            )
            with self._db.begin() as conn:
                session = session_store.get_session(conn, ticket)
                if session is not None:
                    self._fail(
                        conn, ticket, session.connection_id, message, Recovery.FATAL_REQUEST, now
                    )
            return -1

    def _receive_host_answer(
        self,
        conn: Connection,
        ticket: str,
        connection_id: str,
        pending: _PendingHostQuery,
        call: ReceiveResponse,
        now: datetime,
    ) -> int:
        """Start the session from QuickBooks' answer to the host query, as from an HCP
        response: the company file is checked before anything is stored."""
        answer = read_host_query_answer(call.response_chunks())
        if answer.host is None:
            if answer.problem is None:  # no response at all, only an hresult
                info = describe_hresult(call.hresult or "0x80040402")
                problem = f"{info.user_message} ({info.hex}) {quote_untrusted(call.message)}"
                problem = problem.strip()
                recovery = info.recovery
            else:
                problem, recovery = answer.problem, answer.recovery
            self._fail(
                conn,
                ticket,
                connection_id,
                f"QuickBooks did not answer qbdsync's question about the company file: {problem}",
                recovery,
                now,
            )
            return -1
        try:
            engine = self._bind_and_plan(
                conn,
                ticket,
                connection_id,
                answer.host,
                pending.company_file,
                pending.country,
                pending.major,
                pending.minor,
                now,
            )
        except _SessionRefused as refused:
            self._fail(conn, ticket, connection_id, refused.message, refused.recovery, now)
            return -1
        engine.state.answered_host_query = True
        values: dict[str, Any] = {"state": engine.state.to_json(), "pending_request": None}
        progress = engine.progress()
        if progress >= 100:
            # Nothing to fetch: the session is complete with the company info alone.
            self._update_pulls(conn, engine, ticket, connection_id, now)
            values["close_message"] = self._finish(conn, engine, connection_id, now)
            values["status"] = "complete"
        session_store.save_session(conn, ticket, now, **values)
        return progress

    def _reject_response(self, ticket: str, error: RecordTooLarge, now: datetime) -> int:
        """A record was past the record limits: its query fails, the session goes on.

        The transaction that read the response has rolled back, so nothing from it is stored
        and the engine starts again from the state saved before it.
        """
        message = (
            f"{error}. Nothing from that response was stored; to read such records, raise "
            f"QBDSYNC_{error.setting.upper()}."
        )
        with self._db.begin() as conn:
            session = session_store.get_session(conn, ticket, for_update=True)
            if session is None or session.status != "active" or session.state is None:
                return -1
            engine = SyncEngine(SessionState.from_json(session.state))
            connection_id = session.connection_id
            engine.reject_response(error.request_id, message)
            outcome = engine.end_response(now=time.time())
            return self._settle(conn, engine, outcome, ticket, connection_id, now)

    def _settle(
        self,
        conn: Connection,
        engine: SyncEngine,
        outcome: ResponseOutcome,
        ticket: str,
        connection_id: str,
        now: datetime,
    ) -> int:
        """Commit what an answered response changed; the progress to give QBWC."""
        record_store.set_watermarks(conn, connection_id, outcome.watermarks, now)
        self._update_pulls(conn, engine, ticket, connection_id, now)
        self._save_errors(conn, engine, connection_id, ticket, now)
        # Answered: the next sendRequestXML asks the engine instead of resending this request.
        values: dict[str, Any] = {"state": engine.state.to_json(), "pending_request": None}
        if outcome.done:
            values["close_message"] = self._finish(conn, engine, connection_id, now)
            values["status"] = "complete"
        # The silence before the next call is measured from now, not from when the (possibly
        # long) ingest began.
        session_store.save_session(conn, ticket, self._clock(), **values)
        return outcome.progress

    def _ingest(
        self,
        conn: Connection,
        engine: SyncEngine,
        connection_id: str,
        call: ReceiveResponse,
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

        def take(events: list[Any]) -> None:
            for event in events:
                for change in engine.receive(event):
                    if isinstance(change, Deletion):
                        deletions.setdefault(change.data_type, []).append(change.record_id)
                    else:
                        rows.append(change)
            if len(rows) >= batch_size:
                record_store.upsert_records(conn, connection_id, rows, now)
                rows.clear()

        for chunk in call.response_chunks():
            received += len(chunk)
            take(parser.feed(chunk))
        if received:
            take(parser.close())
        record_store.upsert_records(conn, connection_id, rows, now)
        for data_type, ids in deletions.items():
            record_store.mark_deleted(conn, connection_id, data_type, ids, now)
        return received

    def _finish(
        self, conn: Connection, engine: SyncEngine, connection_id: str, now: datetime
    ) -> str:
        summary = engine.summary()
        connection = company_store.get_connection(conn, connection_id)
        company = company_store.get_company(conn, connection.company_id)
        values: dict[str, Any] = {"last_sync_at": now}
        values["last_error"] = (
            "; ".join(
                f"{k}: {v}"
                for k, v in summary.problems.items()
                if summary.statuses.get(k) != "not_supported"
            )
            or None
        )
        if connection.status == "PendingAuth":
            values["status"] = "Linked"
            values["linked_at"] = now
        left = pull_store.active_for(conn, connection_id)
        mode = company.sync_mode or self._settings.sync_mode
        text = close_text(summary)
        if mode == "one-time" and not left:
            values["status"] = "Deauthorized"
            text += (
                " This was a one-time sync: the connection is now closed and you can remove "
                "this entry from the Web Connector."
            )
        company_store.update_connection(conn, connection_id, **values)
        self._schedule_next(conn, connection_id, now)
        first = connection.status == "PendingAuth"
        if first:
            self._emit(conn, "connection.connected", company, connection_id, now)
        read = {
            "dataTypes": sorted(t for t, n in summary.records.items() if n),
            "recordsSynced": summary.total_records,
        }
        # As Codat: read.completed for every completed read, and read.completed.initial in
        # addition for the first one (a consumer may subscribe to either alone).
        self._emit(conn, READ_COMPLETED, company, connection_id, now, extra=read)
        if first:
            self._emit(conn, READ_COMPLETED_INITIAL, company, connection_id, now, extra=read)
        if values.get("status") == "Deauthorized":
            self._emit(conn, "connection.disconnected", company, connection_id, now)
        return text

    def _emit(
        self,
        conn: Connection,
        event_type: str,
        company: CompanyRow,
        connection_id: str,
        now: datetime,
        extra: dict[str, Any] | None = None,
    ) -> None:
        """Queue a webhook event in this transaction (delivered by the background worker)."""
        if company.client_id is None:
            return
        view = connection_view(
            conn, self._settings, company_store.get_connection(conn, connection_id)
        )
        payload = {**connection_event_payload(company, view), **(extra or {})}
        emit(
            conn,
            client_id=company.client_id,
            event_type=event_type,
            payload=payload,
            company_tags=company.tags,
            now=now,
        )

    def _schedule_next(self, conn: Connection, connection_id: str, now: datetime) -> None:
        """When authenticate should next find work: now if anything is queued, else the
        earliest scheduled refresh."""
        connection = company_store.get_connection(conn, connection_id)
        if pull_store.active_for(conn, connection_id):
            next_at: datetime | None = None
        else:
            settings = sync_settings.effective(conn, connection.company_id)
            schedule = {t: s.sync_schedule_hours for t, s in settings.items()}
            next_at = next_due(schedule, pull_store.last_success(conn, connection_id))
            if next_at is None:
                next_at = now + timedelta(days=3650)  # nothing scheduled: wait for a queue
        company_store.update_connection(conn, connection_id, next_sync_at=next_at)

    def _save_errors(
        self,
        conn: Connection,
        engine: SyncEngine,
        connection_id: str,
        ticket: str,
        now: datetime,
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
        record_store.add_errors(conn, connection_id, ticket, errors, now)

    def _fail(
        self,
        conn: Connection,
        ticket: str,
        connection_id: str,
        message: str,
        recovery: Recovery,
        now: datetime,
    ) -> None:
        connection = company_store.get_connection(conn, connection_id)
        company = company_store.get_company(conn, connection.company_id)
        self._emit(conn, "connection.failed", company, connection_id, now, extra={"error": message})
        log.warning("connection %s session failed: %s", connection_id, message)
        session_store.save_session(conn, ticket, now, status="failed", last_error=message)
        record_store.add_errors(
            conn,
            connection_id,
            ticket,
            [SyncErrorRow(None, None, None, str(recovery), message)],
            now,
        )
        company_store.update_connection(conn, connection_id, last_error=message)

    def connection_error(self, ticket: str, hresult: str, message: str) -> str:
        now = self._clock()
        info = describe_hresult(hresult or "0x80040402")
        text = f"{info.user_message} ({info.hex}) {quote_untrusted(message)}".strip()
        with self._db.begin() as conn:
            session = session_store.get_session(conn, ticket)
            if session is not None:
                self._fail(conn, ticket, session.connection_id, text, info.recovery, now)
        # Never ask QBWC to retry opening the file: the next scheduled poll is the retry.
        return "done"

    def get_last_error(self, ticket: str) -> str:
        with self._db.connect() as conn:
            session = session_store.get_session(conn, ticket)
            if session is None:
                return self._why_no_session(conn, ticket) or (
                    "qbdsync: this session has ended (the server may have restarted). "
                    "The next scheduled update starts a new one."
                )
        if session.last_error == "NoOp":
            return "qbdsync: nothing more to do in this session."
        return session.last_error or "qbdsync could not continue this session."

    def _why_no_session(self, conn: Connection, ticket: str) -> str | None:
        """Why a ticket of ours has no session: worked out again from the ticket and the
        connection as they are now, so refusing to start one never had to write anything."""
        claims = self._tickets.verify(ticket)
        if claims is None or claims.kind == "idle":
            return None
        now = self._clock()
        if claims.kind == "work":
            return self._refusal(conn, claims, now)
        active = session_store.active_session_for(conn, claims.connection_id)
        if active is not None and now < self._takeover_at(active):
            return self._busy_text(active)
        return (
            "qbdsync: busy: another Web Connector was syncing this connection; it has finished "
            "or gone silent since, so the next update syncs."
        )

    def close_connection(self, ticket: str) -> str:
        now = self._clock()
        claims = self._tickets.verify(ticket)
        if claims is not None and claims.kind == "idle":
            return self._idle_text(claims.connection_id)
        with self._db.begin() as conn:
            session = session_store.get_session(conn, ticket)
            if session is None:
                return self._why_no_session(conn, ticket) or "qbdsync: session ended."
            if session.status == "active":
                session_store.save_session(conn, ticket, now, status="closed", pending_request=None)
            if session.close_message:
                return session.close_message
            if session.last_error and session.last_error != "NoOp":
                return _with_prefix(session.last_error)
            return "qbdsync: session closed before the sync finished; the next update resumes."

    def _idle_text(self, connection_id: str) -> str:
        with self._db.connect() as conn:
            try:
                connection = company_store.get_connection(conn, connection_id)
                company = company_store.get_company(conn, connection.company_id)
            except QbdsyncError:
                return "qbdsync: no data exchange required."
        idle = idle_reason(
            status=connection.status,
            next_sync_at=connection.next_sync_at,
            paused_until=connection.paused_until,
            sync_window=company.sync_window,
            sync_window_days=company.sync_window_days,
            timezone=company.timezone,
            now=self._clock(),
        )
        return idle.text if idle is not None else "qbdsync: no data exchange required."

    # -- interactive mode: not used, answered safely --------------------------------------

    def get_interactive_url(self, ticket: str, session_id: str) -> str:
        return ""

    def interactive_done(self, ticket: str) -> str:
        return "Done"

    def interactive_rejected(self, ticket: str, reason: str) -> str:
        return "qbdsync does not use interactive mode."


@dataclass(frozen=True)
class _PendingHostQuery:
    """A session waiting for its host query's answer (kept in the session row's state).

    The sendRequestXML parameters are kept for the start of the session proper.
    """

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


class _SessionRefused(Exception):
    def __init__(self, message: str, recovery: Recovery) -> None:
        super().__init__(message)
        self.message = message
        self.recovery = recovery


def _with_prefix(text: str) -> str:
    return text if text.startswith("qbdsync") else f"qbdsync: {text}"


def _aware(value: datetime) -> datetime:
    # SQLite returns naive datetimes for timezone-aware columns; everything we store is UTC.
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def close_text(summary: Summary) -> str:
    """closeConnection's text: what was synced, and what is left for next time."""
    synced_types = len({DATASETS[name].data_type for name, n in summary.records.items() if n})
    trips = f"{summary.round_trips} round trip" + ("s" if summary.round_trips != 1 else "")
    text = (
        f"qbdsync: synced {summary.total_records:,} records in {synced_types} data types ({trips})."
    )
    deleted = sum(summary.deleted.values())
    if deleted:
        text += f" {deleted:,} deletions applied."
    left = {k: v for k, v in summary.statuses.items() if v not in ("done", "not_supported")}
    if left:
        text += " Not complete: " + ", ".join(f"{k} ({v})" for k, v in sorted(left.items())) + "."
    lacking = sorted(k for k, v in summary.statuses.items() if v == "not_supported")
    if lacking:
        text += " Not in this QuickBooks edition: " + ", ".join(lacking) + "."
    return text
