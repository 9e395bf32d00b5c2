"""Taking QuickBooks' answer to a request of the writes phase: read whole, checked against
the request in flight, and handed to the step that asked (a write, a recovery query, a clear,
a search, a re-read)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection

from qbdsync.session.context import Env
from qbdsync.session.outcomes import Response
from qbdsync.session.writing.answers import Lost, answers_in_flight, read_answer
from qbdsync.session.writing.phase import go_on, phase_of
from qbdsync.session.writing.recovering import take_clear, take_recovery, take_search
from qbdsync.session.writing.settling import take_reread, take_write
from qbdsync.store import pushes as push_store
from qbdsync.sync.engine import SyncEngine


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
    if answer.text_chars == 0:
        return Lost(response.hresult or "0x80040402", response.message)
    step = phase.step
    if push is not None and not answers_in_flight(phase, push, answer):
        # The answer to another request (an earlier one posted again late): settling a push
        # from it would be wrong, so it is treated as lost and the next session recovers.
        return Lost(
            "0x80040400",
            "QuickBooks' answer did not belong to the request qbdsync had sent; the session "
            "stopped so the next one asks QuickBooks what became of the write.",
        )
    if push is None or (not push.pending and step != "clear"):
        # Settled meanwhile (another process recovered it): nothing more for this push.
        return go_on(engine, phase)
    if step == "write":
        return take_write(conn, env, engine, phase, push, answer, now)
    if step == "recover":
        return take_recovery(conn, env, engine, phase, push, answer, now)
    if step == "clear":
        return take_clear(conn, engine, phase, push, now)
    if step == "search":
        return take_search(conn, engine, phase, push, answer, now)
    if step == "reread":
        return take_reread(conn, engine, phase, push, answer, now)
    return go_on(engine, phase)
