"""Preparing the session's next request, in the same state write as the step before it.

A round trip reads and writes the session state once: taking a response settles it and asks
the engine for the next request, which is kept in the session row as prepared; the driver's
next call only hands it out (`session_store.mark_sent`). A prepared request is not in flight:
QuickBooks has not seen it, so the session may only be as silent as between two calls.

The engine notes when a request was asked (the clock a record's TimeModified is held to) as it
prepares it: that is one call's turnaround before QuickBooks gets it, far inside the tolerance.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection

from qbdsync.session import finishing, health_check, recording
from qbdsync.session.context import Context, Env
from qbdsync.session.outcomes import Finished, Send
from qbdsync.session.writing import sending
from qbdsync.statuses import SessionStatus
from qbdsync.store import sessions as session_store
from qbdsync.store.pulls import PullRow
from qbdsync.sync.engine import SyncEngine


def prepare_next(
    conn: Connection,
    env: Env,
    key: str,
    context: Context,
    engine: SyncEngine,
    pulls: list[PullRow],
    now: datetime,
    *,
    sent: bool,
    saved_at: datetime | None = None,
) -> Send | Finished:
    """Ask the engine for the next request and save the state with it (`sent`: handed out in
    this very call), or, with nothing left to ask, finish the session. One write of the row.

    `saved_at` is when the driver was last heard from (after a long ingest, later than `now`):
    the silence before its next call is measured from there.
    """
    saved_at = saved_at or now
    # A health check waiting on the connection goes before the work: it asks about it.
    version = engine.state.qbxml_version
    request = health_check.next_request(conn, env, context, key, version, now)
    if request is None:
        # Writes first: the reads that follow bring back what they changed.
        request = sending.next_request(conn, env, context, engine, now)
    if request is None:
        request = engine.next_request(saved_at.timestamp())
    if request is not None:
        session_store.save_session(
            conn,
            key,
            saved_at,
            state=engine.state.to_json(),
            pending_request=request,
            request_sent=sent,
        )
        return Send(request)
    # Nothing left to ask (a refresh of company info alone, or every dataset finished): the
    # session is complete.
    pulls = recording.store_settled_pulls(conn, env.settings, engine, key, pulls, now)
    summary = finishing.finish(conn, env, context, engine, pulls, now)
    session_store.save_session(
        conn,
        key,
        saved_at,
        state=engine.state.to_json(),
        pending_request=None,
        request_sent=False,
        status=SessionStatus.COMPLETE,
        close_message=summary,
    )
    return Finished(summary)


def save_prepared(
    conn: Connection, key: str, engine: SyncEngine, request: str, saved_at: datetime
) -> Send:
    """Keep `request` (prepared by a step other than the engine's) as the next to hand out."""
    session_store.save_session(
        conn,
        key,
        saved_at,
        state=engine.state.to_json(),
        pending_request=request,
        request_sent=False,
    )
    return Send(request)
