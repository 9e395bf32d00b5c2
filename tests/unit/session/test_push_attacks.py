"""Hostile orderings of a write session: repeated calls, late answers, takeovers. A write
QuickBooks applies twice is the worst outcome; each test tries to cause one."""

from __future__ import annotations

from qbdsync.session.core import SessionCore
from qbdsync.session.local import TextResponse, run_local_session
from qbdsync.session.outcomes import Send
from qbdsync.simulator.quickbooks import SimulatedQuickBooks
from qbdsync.statuses import PushStatus
from tests.unit.session.conftest import World
from tests.unit.session.test_pushes import (
    customers_named,
    invoice_payload,
    invoices_numbered,
    push,
    queue,
)


def test_a_write_asked_for_again_after_quickbooks_ran_it_is_not_run_twice(synced: World) -> None:
    """A driver asks for the next request again after QuickBooks ran the write (its answer was
    never posted): the second copy must not create a second record."""
    world = synced
    customer = next(iter(world.company.records("CustomerRet")))["ListID"]
    row = queue(world, "invoices", invoice_payload(world, customer, "TWICE-1"))
    quickbooks = world.quickbooks()
    first = world.core.start("k1", world.connection_id, quickbooks.begin_session())
    assert isinstance(first, Send) and "InvoiceAddRq" in first.request
    quickbooks.process(first.request)  # applied; the answer is lost on its way back
    again = world.core.next_request("k1")
    assert isinstance(again, Send)
    assert "InvoiceAddRq" not in again.request  # asks for the stored result instead
    _run_rest(world, "k1", quickbooks, again)
    assert len(invoices_numbered(world, "TWICE-1")) == 1
    done = push(world, row.push_key)
    assert done.status == PushStatus.SUCCESS, done.error_message


def _run_rest(world: World, key: str, quickbooks: SimulatedQuickBooks, step: object) -> None:
    """Drive the session from `step` to its end, then close it."""
    while isinstance(step, Send):
        world.core.take_response(key, TextResponse(quickbooks.process(step.request)))
        step = world.core.next_request(key)
    quickbooks.end_session()
    world.core.close(key)


def test_a_write_asked_for_again_before_quickbooks_saw_it_is_sent_once(synced: World) -> None:
    world = synced
    customer = next(iter(world.company.records("CustomerRet")))["ListID"]
    row = queue(world, "invoices", invoice_payload(world, customer, "ONCE-1"))
    quickbooks = world.quickbooks()
    first = world.core.start("k2", world.connection_id, quickbooks.begin_session())
    assert isinstance(first, Send) and "InvoiceAddRq" in first.request
    again = world.core.next_request("k2")  # the first copy never reached QuickBooks
    assert isinstance(again, Send) and again.repeated
    _run_rest(world, "k2", quickbooks, again)
    assert len(invoices_numbered(world, "ONCE-1")) == 1
    done = push(world, row.push_key)
    assert done.status == PushStatus.SUCCESS, done.error_message
    assert done.attempts == 2  # not found by the search, sent once more


def test_a_late_answer_to_a_taken_over_session_does_not_resend(synced: World) -> None:
    """Session A's write ran in QuickBooks but A went silent; B takes over and recovers it; A's
    answer then arrives. Exactly one record, the push a success."""
    world = synced
    row = queue(world, "customers", {"customerName": "Late Answer Ltd"})
    quickbooks = world.quickbooks()
    first = world.core.start("a", world.connection_id, quickbooks.begin_session())
    assert isinstance(first, Send)
    answer = quickbooks.process(first.request)
    quickbooks.end_session()
    world.clock.advance(world.settings.session_response_silence_seconds + 60)
    core = SessionCore(world.engine, world.settings, clock=world.clock)
    result = run_local_session(core, world.connection_id, world.quickbooks())
    assert result.finished, result.outcome
    core.take_response("a", TextResponse(answer))
    assert len(customers_named(world, "Late Answer Ltd")) == 1
    assert push(world, row.push_key).status == PushStatus.SUCCESS


def test_a_stale_answer_to_an_earlier_write_does_not_settle_the_next_push(synced: World) -> None:
    """The answer to the first write is posted again (a delayed retry) after the second write
    was handed out: it must not mark the second push a success with the first one's record."""
    world = synced
    first_row = queue(world, "customers", {"customerName": "First Stale Ltd"})
    second_row = queue(world, "customers", {"customerName": "Second Stale Ltd"})
    quickbooks = world.quickbooks()
    first = world.core.start("s", world.connection_id, quickbooks.begin_session())
    assert isinstance(first, Send) and "First Stale Ltd" in first.request
    first_answer = quickbooks.process(first.request)
    world.core.take_response("s", TextResponse(first_answer))
    second = world.core.next_request("s")
    assert isinstance(second, Send) and "Second Stale Ltd" in second.request
    world.core.take_response("s", TextResponse(first_answer))  # the stale copy
    late_answer = quickbooks.process(second.request)  # QuickBooks runs the second write
    world.core.take_response("s", TextResponse(late_answer))
    quickbooks.end_session()
    world.core.close("s")
    assert push(world, second_row.push_key).status == PushStatus.PENDING
    world.clock.advance(world.settings.session_response_silence_seconds + 60)
    assert run_local_session(world.core, world.connection_id, world.quickbooks()).finished
    done_first, done_second = push(world, first_row.push_key), push(world, second_row.push_key)
    assert done_first.status == done_second.status == PushStatus.SUCCESS
    [made_first] = customers_named(world, "First Stale Ltd")
    [made_second] = customers_named(world, "Second Stale Ltd")
    assert done_first.result_record_id == made_first["ListID"]
    assert done_second.result_record_id == made_second["ListID"]
    assert done_second.attempts == 1  # recovered from QuickBooks' stored result, not resent


class _SlowQuickBooks(SimulatedQuickBooks):
    """QuickBooks taking `seconds` of the test clock over every request."""

    def __init__(self, world: World, seconds: float) -> None:
        super().__init__(world.company)
        self._world, self._seconds = world, seconds

    def process(self, request_xml: str) -> str:
        self._world.clock.advance(self._seconds)
        return super().process(request_xml)


def test_many_pending_pushes_keep_to_the_session_time_budget(synced: World) -> None:
    """Twenty pushes, each write taking a minute, with a five-minute budget: the session stops
    sending new writes once the budget is spent; the rest go in the next session."""
    world = synced
    rows = [queue(world, "customers", {"customerName": f"Budget {n} Ltd"}) for n in range(20)]
    result = run_local_session(world.core, world.connection_id, _SlowQuickBooks(world, 60))
    assert result.finished, result.outcome
    settled = [r for r in rows if push(world, r.push_key).status == PushStatus.SUCCESS]
    budget_writes = int(world.settings.session_time_budget_seconds // 60) + 1
    assert 1 <= len(settled) <= budget_writes, len(settled)
    while any(push(world, r.push_key).status == PushStatus.PENDING for r in rows):
        world.clock.advance(60)
        assert run_local_session(world.core, world.connection_id, world.quickbooks()).finished
    assert all(push(world, r.push_key).status == PushStatus.SUCCESS for r in rows)
    assert all(len(customers_named(world, f"Budget {n} Ltd")) == 1 for n in range(20))
