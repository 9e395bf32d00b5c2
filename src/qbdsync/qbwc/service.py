"""The Web Connector service: QBWC's calls, answered by the session core.

A thin adapter: tickets, authenticate, and the mapping of the session core's typed outcomes
to QBWC's answers (`nvu`, `none`, `busy`, `""`, negative progress, "NoOp"). Everything about the
session itself — the company-file check, planning, settling, finishing — is the core's.

Hot path: serverVersion and clientVersion answer from constants; authenticate is one indexed
read (user name → digest, status, next-due time) and writes only when there is work. Every call
of a connector is noted in memory (qbwc/polls.py) and written coalesced, off the event loop.

A session starts from QuickBooks' host, company and preferences answer: QBWC sends it as
strHCPResponse with the first sendRequestXML (a client that sends none gets that query as the
session's first request, asked by the core).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from qbdsync import __version__
from qbdsync.errors import QbdsyncError
from qbdsync.qbwc.credentials import new_ticket, verify_password
from qbdsync.qbwc.handler import ReceiveResponse
from qbdsync.qbwc.polls import PollRecorder
from qbdsync.qbwc.tickets import TicketClaims, TicketSigner
from qbdsync.qbxml.hostinfo import host_query_request, host_query_version
from qbdsync.session.core import SessionCore
from qbdsync.session.outcomes import Finished, Progress, Send, Step, Wait
from qbdsync.session.processor import OpenedCompany
from qbdsync.settings import Settings
from qbdsync.store import companies as company_store
from qbdsync.sync.availability import idle_reason

_OLDEST_SUPPORTED_QBWC = (2, 0)
# getLastError's answer that makes QBWC wait ~5 s and call sendRequestXML again.
_NOOP = "NoOp"
_ENDED = (
    "qbdsync: this session has ended (the server may have restarted). "
    "The next scheduled update starts a new one."
)


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _due(until: datetime | None, now: datetime) -> bool:
    """Does a health check wait for this poll (one is unsent until `until`)?"""
    return until is not None and until > now


def _version_tuple(text: str) -> tuple[int, ...] | None:
    try:
        return tuple(int(p) for p in text.strip().split("."))
    except ValueError:
        return None


class QbwcService:
    """Implements qbwc.handler.QbwcHandler on top of the session core."""

    def __init__(
        self,
        engine: Engine,
        settings: Settings,
        *,
        clock: Callable[[], datetime] = _utcnow,
        polls: PollRecorder | None = None,
    ) -> None:
        self._db = engine
        # lastRequestAt of each connection: noted here, written coalesced in batches.
        self.polls = polls or PollRecorder(engine)
        # authenticate is one read on every idle poll, on a connection of its own per thread.
        self._auth = company_store.AuthReader(engine)
        self._settings = settings
        self._clock = clock
        self._core = SessionCore(engine, settings, clock=clock)
        self._server_version = f"qbdsync {__version__}"
        self._min_version = _version_tuple(settings.min_qbwc_version) or (2, 1)
        self._notes = ThreadPoolExecutor(max_workers=1, thread_name_prefix="qbdsync-notes")
        with engine.begin() as conn:
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
        self.polls.seen(row.id, now)
        idle = idle_reason(
            status=row.status,
            next_sync_at=row.next_sync_at,
            paused_until=row.paused_until,
            sync_window=row.sync_window,
            sync_window_days=row.sync_window_days,
            timezone=row.timezone,
            now=now,
            pending_pushes=row.pending_pushes,
            health_check_due=_due(row.health_check_until, now),
        )
        if idle is not None:
            # "none": QBWC shows "No data exchange required" and calls closeConnection,
            # whose text (worked out again from the idle ticket) says why.
            return [self._tickets.issue(row.id, "idle", now), "none"]
        active = self._core.live_holder(row.id)
        if active is not None:
            # QBWC shows nothing useful for "busy"; closeConnection (and getLastError) on this
            # ticket say which session holds the connection and when it may be taken over, and
            # so do the connection's last error and sync errors: written by a background
            # thread, because this call runs in the event loop and the live session may hold
            # SQLite's write lock.
            self._notes.submit(self._core.note_busy, row.id, active, now)
            return [self._tickets.issue(row.id, "busy", now), "busy"]
        # "" = use the company file open in QuickBooks (the FileID check binds it).
        return [self._tickets.issue(row.id, "work", now), ""]

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
        self._seen(ticket)
        step = self._core.next_request(ticket)
        if step is None:
            claims = self._tickets.verify(ticket)
            if claims is None or claims.kind != "work" or self._expired(claims) is not None:
                return ""  # getLastError and closeConnection work the reason out again
            opened = OpenedCompany(hcp_response, company_file, country, major, minor)
            step = self._core.start(ticket, claims.connection_id, opened)
        return self._request_answer(step, country)

    def _request_answer(self, step: Step, country: str) -> str:
        if isinstance(step, Send):
            return step.request
        if isinstance(step, Finished):
            # QBWC has no "done" answer to sendRequestXML ("" is an error), so a session with
            # nothing to fetch asks the harmless host query; its answer gets 100, and
            # closeConnection shows the summary.
            return host_query_request(host_query_version(country), self._core.owner_id)
        # Ended: "" makes QBWC call getLastError, which says why. Wait: "" and "NoOp".
        return ""

    def receive_response_xml(self, call: ReceiveResponse) -> int:
        self._seen(call.ticket)
        taken = self._core.take_response(call.ticket, call)
        if isinstance(taken, Progress):
            return taken.percent
        if isinstance(taken, Finished):
            return 100
        return -1

    def connection_error(self, ticket: str, hresult: str, message: str) -> str:
        claims = self._tickets.verify(ticket)
        if claims is not None:
            self.polls.seen(claims.connection_id, self._clock())
        opening = claims.connection_id if claims is not None and claims.kind == "work" else None
        self._core.open_failed(ticket, hresult, message, connection_id=opening)
        # Never ask QBWC to retry opening the file: the next scheduled poll is the retry.
        return "done"

    def get_last_error(self, ticket: str) -> str:
        found = self._core.last_error(ticket)
        if isinstance(found, Wait):
            return _NOOP
        if found is None:
            return self._why_no_session(ticket) or _ENDED
        return found

    def close_connection(self, ticket: str) -> str:
        claims = self._tickets.verify(ticket)
        if claims is not None:
            self.polls.seen(claims.connection_id, self._clock())
        if claims is not None and claims.kind == "idle":
            return self._idle_text(claims.connection_id)
        summary = self._core.close(ticket)
        if summary is None:
            return self._why_no_session(ticket) or "qbdsync: session ended."
        return summary

    def _seen(self, ticket: str) -> None:
        """A call in a session: the connector is calling (a long session is not silence)."""
        claims = self._tickets.verify(ticket)
        if claims is not None:
            self.polls.seen(claims.connection_id, self._clock())

    def close(self) -> None:
        """Write the calls noted but not yet written (on shutdown)."""
        self.polls.stop()

    # -- why a ticket has no session --------------------------------------------------------

    def _expired(self, claims: TicketClaims) -> str | None:
        lifetime = self._settings.ticket_lifetime_seconds
        if self._clock() - claims.issued_at > timedelta(seconds=lifetime):
            return (
                f"qbdsync: this update's ticket expired (issued {claims.issued_at:%Y-%m-%d %H:%M} "
                f"UTC, valid for {lifetime // 60} minutes) before it was used, so nothing was "
                "synced. The next update starts a fresh session."
            )
        return None

    def _why_no_session(self, ticket: str) -> str | None:
        """Why a ticket of ours has no session: worked out again from the ticket and the
        connection as they are now, so refusing to start one never had to write anything."""
        claims = self._tickets.verify(ticket)
        if claims is None or claims.kind == "idle":
            return None
        if claims.kind == "work":
            return self._expired(claims) or self._core.refusal(claims.connection_id)
        active = self._core.live_holder(claims.connection_id)
        if active is not None:
            return self._core.busy_text(active)
        return (
            "qbdsync: busy: another Web Connector was syncing this connection; it has finished "
            "or gone silent since, so the next update syncs."
        )

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
            pending_pushes=connection.pending_pushes,
            health_check_due=_due(connection.health_check_until, self._clock()),
        )
        return idle.text if idle is not None else "qbdsync: no data exchange required."

    # -- interactive mode: not used, answered safely --------------------------------------

    def get_interactive_url(self, ticket: str, session_id: str) -> str:
        return ""

    def interactive_done(self, ticket: str) -> str:
        return "Done"

    def interactive_rejected(self, ticket: str, reason: str) -> str:
        return "qbdsync does not use interactive mode."
