"""One round trip, one read and one write of the session state: taking a response prepares the
next request, asking for it only hands it out. And a stored state this qbdsync cannot read ends
its session cleanly."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from sqlalchemy import event, select, update

from qbdsync.session.local import TextResponse, run_local_session
from qbdsync.session.outcomes import Ended, Finished, Progress, Send
from qbdsync.session.processor import OpenedCompany
from qbdsync.simulator.quickbooks import SimulatedQuickBooks
from qbdsync.statuses import SessionStatus
from qbdsync.store import sessions as session_store
from qbdsync.store.tables import qbwc_sessions
from tests.unit.session.conftest import World


@contextmanager
def statements(world: World) -> Iterator[list[str]]:
    """The SQL the core sends while the block runs."""
    sent: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        sent.append(" ".join(statement.split()))

    event.listen(world.engine, "before_cursor_execute", note)
    try:
        yield sent
    finally:
        event.remove(world.engine, "before_cursor_execute", note)


def _reads_state(sql: str) -> bool:
    return sql.startswith("SELECT") and "qbwc_sessions.state" in sql


def _writes_state(sql: str) -> bool:
    return sql.startswith("UPDATE qbwc_sessions") and " state=" in sql


def _session(world: World, key: str) -> session_store.SessionRow:
    with world.engine.connect() as conn:
        found = session_store.get_session(conn, key)
    assert found is not None
    return found


def _start(world: World, quickbooks: SimulatedQuickBooks, key: str) -> str:
    opened: OpenedCompany = quickbooks.begin_session()
    step = world.core.start(key, world.connection_id, opened)
    assert isinstance(step, Send), step
    return step.request


def test_a_round_trip_reads_and_writes_the_state_once(world: World) -> None:
    quickbooks = world.quickbooks()
    request = _start(world, quickbooks, "k")
    assert _session(world, "k").in_flight
    for _ in range(3):
        answer = TextResponse(quickbooks.process(request))
        with statements(world) as taking:
            taken = world.core.take_response("k", answer)
        assert isinstance(taken, Progress), taken
        assert sum(map(_reads_state, taking)) == 1
        assert sum(map(_writes_state, taking)) == 1
        prepared = _session(world, "k")
        assert prepared.pending_request is not None and not prepared.in_flight

        with statements(world) as asking:
            step = world.core.next_request("k")
        assert isinstance(step, Send) and not step.repeated
        assert step.request == prepared.pending_request
        assert not any(map(_reads_state, asking)) and not any(map(_writes_state, asking))
        # The one write marks the request sent.
        (marked,) = [s for s in asking if s.startswith("UPDATE")]
        assert "request_sent" in marked
        assert _session(world, "k").in_flight
        request = step.request


def test_asked_again_the_sent_request_is_resent(world: World) -> None:
    quickbooks = world.quickbooks()
    request = _start(world, quickbooks, "k")
    again = world.core.next_request("k")
    assert again == Send(request, repeated=True)
    world.core.take_response("k", TextResponse(quickbooks.process(request)))
    second = world.core.next_request("k")
    assert isinstance(second, Send) and not second.repeated and second.request != request
    assert world.core.next_request("k") == Send(second.request, repeated=True)


def test_a_prepared_request_allows_only_the_silence_between_calls(world: World) -> None:
    settings = world.settings
    assert settings.session_call_silence_seconds < settings.session_response_silence_seconds
    quickbooks = world.quickbooks()
    request = _start(world, quickbooks, "k")
    holder = world.core.live_holder(world.connection_id)
    assert holder is not None and holder.in_flight
    assert world.core.takeover_at(holder) == world.clock.now + timedelta(
        seconds=settings.session_response_silence_seconds
    )

    world.core.take_response("k", TextResponse(quickbooks.process(request)))
    holder = world.core.live_holder(world.connection_id)
    assert holder is not None and not holder.in_flight
    taken_at = world.clock.now
    assert world.core.takeover_at(holder) == taken_at + timedelta(
        seconds=settings.session_call_silence_seconds
    )
    assert "it is between calls" in world.core.busy_text(holder)
    world.clock.advance(settings.session_call_silence_seconds)
    assert world.core.live_holder(world.connection_id) is None
    # ... and the driver coming back after that finds its session over.
    ended = world.core.next_request("k")
    assert isinstance(ended, Ended) and "went silent" in ended.reason


def test_a_response_posted_again_is_ignored_with_one_warning(world: World) -> None:
    quickbooks = world.quickbooks()
    request = _start(world, quickbooks, "k")
    answer = quickbooks.process(request)
    first = world.core.take_response("k", TextResponse(answer))
    stored = world.counts()
    assert world.core.take_response("k", TextResponse(answer)) == first
    assert world.counts() == stored
    (warning,) = [e for e in world.errors() if "repeated response" in e.message]
    assert warning.count > 1  # every record and status of it, in one row
    # The prepared request is still the next one.
    step = world.core.next_request("k")
    assert isinstance(step, Send) and not step.repeated


def _store_state(world: World, key: str, state: dict[str, Any]) -> None:
    with world.engine.begin() as conn:
        conn.execute(update(qbwc_sessions).where(qbwc_sessions.c.ticket == key).values(state=state))


def _expect_ended_cleanly(world: World, key: str, taken: object) -> None:
    assert isinstance(taken, Ended), taken
    assert "saved state could not be read" in taken.reason
    assert "schema 99" in taken.reason
    session = _session(world, key)
    assert session.status == SessionStatus.CLOSED
    assert session.last_error == taken.reason
    assert [e for e in world.errors() if e.message == taken.reason]
    assert world.core.close(key) == taken.reason
    # The next session plans afresh from what was committed, and completes.
    again = run_local_session(world.core, world.connection_id, world.quickbooks())
    assert isinstance(again.outcome, Finished), again
    assert world.counts()["customers"] == len(list(world.company.records("CustomerRet")))


def test_a_state_of_an_unknown_schema_ends_the_session_cleanly(world: World) -> None:
    quickbooks = world.quickbooks()
    request = _start(world, quickbooks, "k")
    answer = TextResponse(quickbooks.process(request))
    with world.engine.connect() as conn:
        (state,) = conn.execute(
            select(qbwc_sessions.c.state).where(qbwc_sessions.c.ticket == "k")
        ).one()
    _store_state(world, "k", {**state, "schema": 99})
    stored = world.counts()
    taken = world.core.take_response("k", answer)
    assert world.counts() == stored  # nothing from the response
    quickbooks.end_session()
    _expect_ended_cleanly(world, "k", taken)


def test_a_pending_host_query_of_an_unknown_schema_ends_the_session_cleanly(
    world: World,
) -> None:
    quickbooks = world.quickbooks()
    opened = quickbooks.begin_session()._replace(hcp_response="")
    step = world.core.start("k", world.connection_id, opened)
    assert isinstance(step, Send) and "<HostQueryRq" in step.request
    answer = TextResponse(quickbooks.process(step.request))
    with world.engine.connect() as conn:
        (state,) = conn.execute(
            select(qbwc_sessions.c.state).where(qbwc_sessions.c.ticket == "k")
        ).one()
    assert state["schema"] == 1 and "host_query" in state
    _store_state(world, "k", {**state, "schema": 99})
    taken = world.core.take_response("k", answer)
    quickbooks.end_session()
    _expect_ended_cleanly(world, "k", taken)


def test_an_unreadable_state_of_an_unprepared_session_ends_it_at_the_next_request(
    world: World,
) -> None:
    """A session an older qbdsync left between calls has no request prepared: its state is read
    when the next one is asked for."""
    quickbooks = world.quickbooks()
    request = _start(world, quickbooks, "k")
    world.core.take_response("k", TextResponse(quickbooks.process(request)))
    with world.engine.begin() as conn:
        conn.execute(
            update(qbwc_sessions)
            .where(qbwc_sessions.c.ticket == "k")
            .values(pending_request=None, request_sent=False, state={"schema": 99})
        )
    step = world.core.next_request("k")
    quickbooks.end_session()
    _expect_ended_cleanly(world, "k", step)
