"""The session core driven in-process: the simulated QuickBooks as the request processor, the
local driver instead of SOAP, and a fake clock for the time budget."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from qbdsync.lifecycle import queue_sync
from qbdsync.session.local import run_local_session
from qbdsync.session.outcomes import Finished
from qbdsync.session.processor import OpenedCompany, RequestProcessor
from qbdsync.store import companies as company_store
from tests.unit.session.conftest import FakeClock, World, make_world


@dataclass
class Slow:
    """QuickBooks taking `seconds` of the fake clock over each request."""

    inner: RequestProcessor
    clock: FakeClock
    seconds: float
    asked: int = 0

    def begin_session(self) -> OpenedCompany:
        return self.inner.begin_session()

    def process(self, request_xml: str) -> str:
        self.asked += 1
        self.clock.advance(self.seconds)
        return self.inner.process(request_xml)

    def end_session(self) -> None:
        self.inner.end_session()


@dataclass
class MessageSetStatusOnce:
    """Answers request number `at` with a bare message-set status and nothing else."""

    inner: RequestProcessor
    code: str
    at: int
    requests: list[str] = field(default_factory=list)

    def begin_session(self) -> OpenedCompany:
        return self.inner.begin_session()

    def process(self, request_xml: str) -> str:
        self.requests.append(request_xml)
        if len(self.requests) == self.at:
            return (
                '<?xml version="1.0" ?><QBXML><QBXMLMsgsRs newMessageSetID="7" '
                f'messageSetStatusCode="{self.code}"></QBXMLMsgsRs></QBXML>'
            )
        return self.inner.process(request_xml)

    def end_session(self) -> None:
        self.inner.end_session()


def test_a_whole_session_runs_in_process_and_completes_every_pull(world: World) -> None:
    result = run_local_session(
        world.core, world.connection_id, world.quickbooks(), chunk_chars=4096
    )
    assert isinstance(result.outcome, Finished), result
    assert result.close_text == result.outcome.summary
    assert result.outcome.summary.startswith("qbdsync: synced")
    assert result.requests > 3
    assert result.progress == sorted(result.progress) and max(result.progress) < 100
    assert world.counts()["customers"] == len(list(world.company.records("CustomerRet")))
    assert {p.status for p in world.pulls().values()} == {"Complete"}
    with world.engine.connect() as conn:
        connection = company_store.get_connection(conn, world.connection_id)
    assert connection.status == "Linked"
    assert connection.next_sync_at is not None  # the next scheduled refresh


def test_a_driver_without_company_information_gets_the_host_query_first(world: World) -> None:
    requests: list[str] = []
    quickbooks = world.quickbooks()
    inner = quickbooks.process

    def process(request_xml: str) -> str:
        requests.append(request_xml)
        return inner(request_xml)

    quickbooks.process = process  # type: ignore[method-assign]
    result = run_local_session(world.core, world.connection_id, quickbooks, send_company_info=False)
    assert isinstance(result.outcome, Finished), result
    assert "<HostQueryRq" in requests[0] and "<CompanyQueryRq" in requests[0]
    assert world.counts()["company"] == 1


@pytest.fixture
def budgeted(tmp_path: Path) -> Iterator[World]:
    yield from make_world(tmp_path, session_time_budget_seconds=60)


def test_past_the_time_budget_the_session_stops_at_a_clean_point(budgeted: World) -> None:
    world = budgeted
    slow = Slow(world.quickbooks(), world.clock, seconds=45)
    first = run_local_session(world.core, world.connection_id, slow)
    assert isinstance(first.outcome, Finished), first
    assert "deferred" in first.outcome.summary
    # Past 60 s of the fake clock nothing new started: two requests (45 s each), not all.
    assert slow.asked == 2
    pulls = world.pulls()
    waiting = {t for t, p in pulls.items() if p.status == "Queued"}
    assert waiting and all("Will continue" in (pulls[t].status_description or "") for t in waiting)
    assert {t for t, p in pulls.items() if p.status == "Complete"} - {"company"}
    with world.engine.connect() as conn:
        assert company_store.get_connection(conn, world.connection_id).next_sync_at is None

    # Later sessions resume where it stopped, and the work ends complete.
    for _ in range(40):
        if all(p.status == "Complete" for p in world.pulls().values()):
            break
        world.clock.advance(600)
        run_local_session(world.core, world.connection_id, slow)
    assert {p.status for p in world.pulls().values()} == {"Complete"}
    assert world.counts()["invoices"] == len(list(world.company.records("InvoiceRet")))


@pytest.mark.parametrize("code", ["600", "9001"])
def test_a_response_with_only_a_message_set_status_is_retried_not_a_crash(
    world: World, code: str
) -> None:
    quickbooks = MessageSetStatusOnce(world.quickbooks(), code, at=2)
    result = run_local_session(world.core, world.connection_id, quickbooks)
    assert isinstance(result.outcome, Finished), result
    pulls = world.pulls()
    retried = {t for t, p in pulls.items() if p.status == "Queued"}
    assert retried, pulls
    assert all("Will retry" in (pulls[t].status_description or "") for t in retried)
    assert any(
        f"QuickBooks did not run this query: messageSetStatusCode {code}" in e.message
        for e in world.errors()
    )
    # The next session reads what the lost answer held.
    again = run_local_session(world.core, world.connection_id, world.quickbooks())
    assert isinstance(again.outcome, Finished)
    assert {p.status for p in world.pulls().values()} == {"Complete"}


def test_a_company_only_refresh_finishes_without_asking_quickbooks_anything(world: World) -> None:
    assert run_local_session(world.core, world.connection_id, world.quickbooks()).finished
    with world.engine.begin() as conn:
        queue_sync(conn, world.connection.connection.company_id, data_type="company")
    asked: list[str] = []
    quickbooks = world.quickbooks()
    quickbooks.process = lambda xml: asked.append(xml) or ""  # type: ignore[method-assign]
    result = run_local_session(world.core, world.connection_id, quickbooks)
    assert isinstance(result.outcome, Finished), result
    assert asked == [] and result.requests == 0
    assert result.close_text == result.outcome.summary
    assert result.outcome.summary.startswith("qbdsync: synced 0 records")
    assert world.pulls()["company"].status == "Complete"
