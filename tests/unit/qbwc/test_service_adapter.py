"""The Web Connector adapter over the session core, called directly (no HTTP): what QBWC is
answered when the core says a session has nothing to fetch."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from qbdsync.lifecycle import queue_sync
from qbdsync.qbwc.handler import ReceiveResponse
from qbdsync.qbwc.qwc import parse_qwc
from qbdsync.qbwc.service import QbwcService
from qbdsync.session.local import run_local_session
from tests.unit.session.conftest import World, make_world


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    yield from make_world(tmp_path)


def test_a_company_only_refresh_ends_with_100_and_a_summary_not_an_error(world: World) -> None:
    assert run_local_session(world.core, world.connection_id, world.quickbooks()).finished
    with world.engine.begin() as conn:
        queue_sync(conn, world.connection.connection.company_id, data_type="company")
    service = QbwcService(world.engine, world.settings, clock=world.clock)
    user = parse_qwc(world.connection.qwc).user_name
    ticket, answer = service.authenticate(user, world.connection.password)
    assert answer == ""
    quickbooks = world.quickbooks()
    host = quickbooks.begin_session()
    request = service.send_request_xml(
        ticket, host.hcp_response, host.company_file, host.country, host.major, host.minor
    )
    # Not "" (QBWC would show an error): a harmless request whose answer closes the session.
    assert "<HostQueryRq" in request
    assert service.send_request_xml(ticket, "", host.company_file, "US", "16", "0") == request
    call = ReceiveResponse.from_text(ticket, quickbooks.process(request), "", "")
    assert service.receive_response_xml(call) == 100
    assert service.get_last_error(ticket) != "NoOp"
    assert service.close_connection(ticket).startswith("qbdsync: synced 0 records")
    assert world.pulls()["company"].status == "Complete"


def test_get_last_error_never_says_noop_for_an_ended_session(world: World) -> None:
    service = QbwcService(world.engine, world.settings, clock=world.clock)
    user = parse_qwc(world.connection.qwc).user_name
    ticket, _ = service.authenticate(user, world.connection.password)
    # A company file that is not the linked one: the core refuses, the adapter answers "".
    assert service.send_request_xml(ticket, "<QBXML/>", "other.qbw", "US", "16", "0") == ""
    told = service.get_last_error(ticket)
    assert told != "NoOp" and "company information could not be read" in told
