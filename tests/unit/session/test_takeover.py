"""A start takes over only the session it found silent: one that began after it looked (a
racing driver) stays active, and the database refuses the second start."""

from __future__ import annotations

import pytest

from qbdsync.errors import SessionNotStarted
from qbdsync.session import liveness, starting
from qbdsync.session.context import Env
from qbdsync.session.outcomes import Send
from qbdsync.statuses import SessionStatus
from qbdsync.store import sessions as session_store
from tests.unit.session.conftest import World


def test_a_session_that_started_after_the_check_is_not_taken_over(world: World) -> None:
    quickbooks = world.quickbooks()
    opened = quickbooks.begin_session()
    env = Env(world.settings, world.clock, world.core.owner_id)
    now = world.clock()
    with world.engine.connect() as conn:
        admission = liveness.admission(conn, world.settings, world.connection_id, now)
    assert admission.refusal is None and admission.silent is None and admission.context
    # Another driver starts a session between this start's check and its write.
    assert isinstance(world.core.start("winner", world.connection_id, opened), Send)
    with pytest.raises(SessionNotStarted), world.engine.begin() as conn:
        starting.start(conn, env, "loser", admission.context, opened, now, admission.silent)
    with world.engine.connect() as conn:
        winner = session_store.get_session(conn, "winner")
        assert session_store.get_session(conn, "loser") is None
    assert winner is not None and winner.status == SessionStatus.ACTIVE
    quickbooks.end_session()


def test_a_session_silent_past_its_limit_is_taken_over(world: World) -> None:
    quickbooks = world.quickbooks()
    opened = quickbooks.begin_session()
    assert isinstance(world.core.start("old", world.connection_id, opened), Send)
    world.clock.advance(world.settings.session_response_silence_seconds)
    with world.engine.connect() as conn:
        admission = liveness.admission(conn, world.settings, world.connection_id, world.clock())
    assert admission.refusal is None
    assert admission.silent is not None and admission.silent.ticket == "old"
    assert isinstance(world.core.start("new", world.connection_id, opened), Send)
    with world.engine.connect() as conn:
        old = session_store.get_session(conn, "old")
    assert old is not None and old.status == SessionStatus.ABANDONED
    assert [e for e in world.errors() if "took over" in e.message]
    quickbooks.end_session()
