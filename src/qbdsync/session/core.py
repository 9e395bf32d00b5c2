"""The session core: one sync session of one connection, driven by any driver.

A driver starts a session with what QuickBooks said when it opened the company file, asks for
the next request, hands over each response (streamed, or only an hresult), reports a failure to
open QuickBooks, and closes the session with a human summary. Every call is one transaction and
reads the session row once, so any server process can answer any call; the session state is
read and written once per round trip (taking a response prepares the next request, asking for
it only hands it out). The outcomes are the typed values of `outcomes`; what they are called on
the wire is the driver's business.

Sessions are keyed by an opaque `key` the driver chooses (the Web Connector adapter uses its
ticket). Time comes from the injected clock only, so a test clock drives the time budget, the
takeover of silent sessions and the engine's deadlines alike.

This class holds the transactions and the order of checks; the work is in its siblings:
`liveness` (who holds a connection), `starting`, `responses`, `asking` (the next request),
`finishing` (complete, failed or stopped) and `stored` (the versioned state).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine

from qbdsync.errors import (
    InvalidXML,
    NotFound,
    RecordTooLarge,
    SessionNotStarted,
    UnreadableState,
)
from qbdsync.qbxml.hostinfo import host_query_request
from qbdsync.qbxml.status import Recovery, describe_hresult
from qbdsync.session import (
    asking,
    finishing,
    health_check,
    liveness,
    responses,
    starting,
    stored,
)
from qbdsync.session.context import CLOSED_EARLY, Clock, Context, Env
from qbdsync.session.outcomes import Ended, Finished, Response, Send, Step, Taken, Wait
from qbdsync.session.processor import OpenedCompany
from qbdsync.session.summary import with_prefix
from qbdsync.session.writing import recovering, sending
from qbdsync.settings import Settings
from qbdsync.statuses import SessionStatus
from qbdsync.store import companies as company_store
from qbdsync.store import pulls as pull_store
from qbdsync.store import records as record_store
from qbdsync.store import sessions as session_store
from qbdsync.sync.engine import SyncEngine
from qbdsync.sync.output import SyncErrorRow
from qbdsync.untrusted import quote_untrusted

log = logging.getLogger(__name__)

_CANNOT_RESEND = (
    "qbdsync: QuickBooks was asked again for a request whose text this server did not keep, "
    "so the session ended. The next update resumes where it stopped."
)


@dataclass(frozen=True, slots=True)
class _Taking:
    """A session a response can be taken for, as the call read it."""

    session: session_store.SessionRow
    context: Context
    saved: SyncEngine | stored.PendingHostQuery


class SessionCore:
    def __init__(self, db: Engine, settings: Settings, *, clock: Clock) -> None:
        self._db = db
        self._settings = settings
        self._clock = clock
        with db.begin() as conn:
            self.owner_id = company_store.owner_id(conn)
        self._env = Env(settings, clock, self.owner_id)

    # -- who holds a connection ---------------------------------------------------------

    def takeover_at(self, active: session_store.Liveness) -> datetime:
        """When a silent session counts as abandoned and the next start may take over."""
        return liveness.takeover_at(self._settings, active)

    def live_holder(self, connection_id: str) -> session_store.Liveness | None:
        """The connection's active session, if it is not yet silent long enough to take over."""
        with self._db.connect() as conn:
            return liveness.live_holder(conn, self._settings, connection_id, self._clock())

    def busy_text(self, active: session_store.Liveness) -> str:
        return liveness.busy_text(self._settings, active)

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
                    Recovery.RETRY_NEXT_SESSION,
                    now,
                )
        except Exception:  # a background thread: nobody else would see it
            log.exception("connection %s: could not record a busy answer", connection_id)

    def refusal(self, connection_id: str) -> str | None:
        """Why a session may not start for the connection now (None: it may), worked out from
        the connection as it is now."""
        with self._db.connect() as conn:
            return liveness.admission(conn, self._settings, connection_id, self._clock()).refusal

    # -- starting -------------------------------------------------------------------------

    def start(self, key: str, connection_id: str, opened: OpenedCompany) -> Step:
        """Start a session for the connection, unless anything forbids it now."""
        now = self._clock()
        try:
            with self._db.begin() as conn:
                admission = liveness.admission(conn, self._settings, connection_id, now)
                if admission.refusal is not None or admission.context is None:
                    return Ended(admission.refusal or CLOSED_EARLY)
                return starting.start(
                    conn, self._env, key, admission.context, opened, now, admission.silent
                )
        except SessionNotStarted:
            # Another driver won the race for this connection (or it was deleted meanwhile);
            # the transaction rolled back, so work the reason out again.
            with self._db.connect() as conn:
                active = session_store.active_session_for(conn, connection_id)
                reason = liveness.admission(conn, self._settings, connection_id, now).refusal
            if active is not None:
                self.note_busy(connection_id, active, now)
            return Ended(reason or CLOSED_EARLY)

    # -- asking ---------------------------------------------------------------------------

    def next_request(self, key: str) -> Step | None:
        """What to give QuickBooks next; None when there is no session with this key.

        Reads the session row without its state and, when the next request was prepared,
        writes only that it was handed out.
        """
        now = self._clock()
        with self._db.begin() as conn:
            session = session_store.get_session(conn, key, for_update=True)
            if session is None:
                return None
            if session.status == SessionStatus.COMPLETE:
                return Finished(session.close_message or "")
            if session.status != SessionStatus.ACTIVE:
                return Ended(session.last_error or CLOSED_EARLY)
            stop, context = liveness.stop_reason(
                conn, self._settings, session, now, in_flight=session.in_flight, schedule=True
            )
            if stop is not None or context is None:
                return finishing.end_early(conn, session, stop or CLOSED_EARLY, now)
            pending = session.pending_request
            if session.request_sent and pending is not None and sending.is_write_set(pending):
                return self._repeated_write(conn, session, now)
            if session.pending_request is not None:
                # Prepared when the last response was taken; or handed out already and asked
                # for again before its answer came (a retry): the same request again.
                session_store.mark_sent(conn, key, now)
                return Send(session.pending_request, repeated=session.request_sent)
            return self._unprepared(conn, session, context, now)

    def _repeated_write(
        self, conn: Connection, session: session_store.SessionRow, now: datetime
    ) -> Step:
        """A push's write handed out and asked for again before its answer came: QuickBooks
        may have run it, so the driver gets a query for its stored result instead."""
        pending = session.pending_request or ""
        found = session_store.get_session_and_state(conn, session.ticket)
        state = found[1] if found is not None else None
        if state is None:
            return finishing.end_early(conn, session, CLOSED_EARLY, now)
        try:
            saved = stored.load(state)
        except UnreadableState as exc:
            return finishing.end_unreadable(conn, session, exc, now)
        request = None
        if isinstance(saved, SyncEngine):
            request = recovering.recover_repeated(saved)
        if request is None or not isinstance(saved, SyncEngine):
            session_store.mark_sent(conn, session.ticket, now)
            return Send(pending, repeated=True)
        session_store.save_session(
            conn,
            session.ticket,
            now,
            state=saved.state.to_json(),
            pending_request=request,
            request_sent=True,
        )
        return Send(request, repeated=True)

    def _unprepared(
        self,
        conn: Connection,
        session: session_store.SessionRow,
        context: Context,
        now: datetime,
    ) -> Step:
        """An active session with no request prepared: one an older qbdsync stored (before
        revision 0008 the next request was asked for here)."""
        found = session_store.get_session_and_state(conn, session.ticket)
        state = found[1] if found is not None else None
        if state is None:
            return finishing.end_early(conn, session, CLOSED_EARLY, now)
        try:
            saved = stored.load(state)
        except UnreadableState as exc:
            return finishing.end_unreadable(conn, session, exc, now)
        if isinstance(saved, stored.PendingHostQuery):
            # Its request is not stored (a session from before revision 0006): the same one.
            return Send(host_query_request(saved.version, self.owner_id), repeated=True)
        if saved.state.in_flight:
            # A request is out but its text was not kept (a session from before revision
            # 0006): it cannot be sent again exactly, so end cleanly; the next resumes.
            return finishing.end_early(conn, session, _CANNOT_RESEND, now)
        pulls = pull_store.active_for(conn, context.connection.id)
        return asking.prepare_next(
            conn, self._env, session.ticket, context, saved, pulls, now, sent=True
        )

    # -- taking responses -----------------------------------------------------------------

    def take_response(self, key: str, response: Response) -> Taken:
        """Store what a response carries, settle what it changed, prepare the next request."""
        now = self._clock()
        try:
            with self._db.begin() as conn:
                found = self._taking(conn, key, now)
                if not isinstance(found, _Taking):
                    return found
                return responses.take(
                    conn, self._env, found.session, found.context, found.saved, response, now
                )
        except RecordTooLarge as exc:
            return self._reject_response(key, exc, now)
        except InvalidXML as exc:
            message = (
                "QuickBooks' response could not be read safely, so nothing from it was stored: "
                f"{exc}"
            )
            self.fail(key, message, Recovery.FATAL_REQUEST)
            return Ended(message)

    def _reject_response(self, key: str, error: RecordTooLarge, now: datetime) -> Taken:
        """A record was past the record limits: the transaction that read the response has
        rolled back; its query fails and the session goes on from the state saved before."""
        with self._db.begin() as conn:
            found = self._taking(conn, key, now)
            if not isinstance(found, _Taking):
                return found
            if not isinstance(found.saved, stored.PendingHostQuery):
                return responses.reject(
                    conn, self._env, found.session, found.context, found.saved, error, now
                )
            message = f"QuickBooks' answer about the company file could not be read: {error}"
            finishing.record_failure(
                conn, self._env, key, found.context, message, Recovery.FATAL_REQUEST, now
            )
            return Ended(message)

    def _taking(self, conn: Connection, key: str, now: datetime) -> _Taking | Taken:
        """The session a response is for, with its connection and its loaded state; or what
        the driver is told when no response can be taken for it."""
        found = session_store.get_session_and_state(conn, key, for_update=True)
        if found is None:
            return Ended(CLOSED_EARLY)
        session, state = found
        if session.status == SessionStatus.COMPLETE:
            # The answer to the closing request of a session with nothing to fetch.
            return Finished(session.close_message or "")
        if session.status != SessionStatus.ACTIVE or state is None:
            return Ended(session.last_error or CLOSED_EARLY)
        # A pause or a closing window lets the answer asked for be stored (the next request
        # stops); an unlink, a deletion or a long silence does not.
        stop, context = liveness.stop_reason(
            conn, self._settings, session, now, in_flight=True, schedule=False
        )
        if stop is not None or context is None:
            return finishing.end_early(conn, session, stop or CLOSED_EARLY, now)
        try:
            saved = stored.load(state)
        except UnreadableState as exc:
            return finishing.end_unreadable(conn, session, exc, now)
        return _Taking(session, context, saved)

    # -- failing and closing --------------------------------------------------------------

    def open_failed(
        self, key: str, hresult: str, message: str, *, connection_id: str | None = None
    ) -> str:
        """QuickBooks could not be opened (or the session cannot go on): record it; the text.

        `connection_id` is the connection the driver was opening QuickBooks for (the session
        may not exist yet): health checks waiting on it fail with the hresult.
        """
        info = describe_hresult(hresult or "0x80040402")
        text = f"{info.user_message} ({info.hex}) {quote_untrusted(message)}".strip()
        if connection_id is not None:
            now = self._clock()
            with self._db.begin() as conn:
                health_check.fail_waiting(conn, connection_id, info.hex, text, now)
                if session_store.get_session(conn, key) is None:
                    # QBWC reports it right after authenticate, before any session began:
                    # the connection's errors (and so its health) must still say so.
                    _record_open_failure(conn, connection_id, info.hex, info.recovery, text, now)
        self.fail(key, text, info.recovery)
        return text

    def fail(self, key: str, message: str, recovery: Recovery) -> None:
        """End the session as failed with `message` (nothing happens without a session)."""
        now = self._clock()
        with self._db.begin() as conn:
            session = session_store.get_session(conn, key)
            if session is None:
                return
            context = liveness.connection_stop(conn, session.connection_id, now, schedule=False)[1]
            if context is None:  # the connection was deleted: nobody to tell
                session_store.save_session(
                    conn, key, now, status=SessionStatus.FAILED, last_error=message
                )
                return
            finishing.record_failure(conn, self._env, key, context, message, recovery, now)

    def last_error(self, key: str) -> Wait | str | None:
        """Why the session has nothing to send: `Wait` when it goes on (ask again), else the
        reason; None when there is no session with this key."""
        with self._db.connect() as conn:
            session = session_store.get_session(conn, key)
        if session is None:
            return None
        waiting = not session.in_flight and session.last_error is None
        if session.status == SessionStatus.ACTIVE and waiting:
            return Wait()
        return session.last_error or "qbdsync could not continue this session."

    def close(self, key: str) -> str | None:
        """Close the session; its human summary (None when there is no session with this key)."""
        now = self._clock()
        with self._db.begin() as conn:
            session = session_store.get_session(conn, key)
            if session is None:
                return None
            if session.status == SessionStatus.ACTIVE:
                session_store.save_session(
                    conn, key, now, status=SessionStatus.CLOSED, pending_request=None
                )
        if session.close_message:
            return session.close_message
        if session.last_error:
            return with_prefix(session.last_error)
        return CLOSED_EARLY


def _record_open_failure(
    conn: Connection,
    connection_id: str,
    hresult: str,
    recovery: Recovery,
    text: str,
    now: datetime,
) -> None:
    """A sync error of the connection (no session) and its last error, unless it is gone."""
    try:
        company_store.get_connection(conn, connection_id)
    except NotFound:
        return
    record_store.add_errors(
        conn, connection_id, None, [SyncErrorRow(None, None, hresult, recovery, text)], now
    )
    company_store.update_connection(conn, connection_id, last_error=text)
