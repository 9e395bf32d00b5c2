"""Responses that are wrong in bulk, over real Web Connector sessions: a flood of records under
an unknown requestID, a page posted twice, a PC clock years ahead. Each leaves one clear error
(not one per record) and loses nothing."""

from __future__ import annotations

import logging
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import zeep
from zeep.transports import Transport

from qbdsync.qbwc.qwc import parse_qwc
from qbdsync.qbxml.parser import Record, ResponseStatus, parse_response
from qbdsync.qbxml.values import parse_timestamp, wall_minus
from qbdsync.simulator.company import SimulatedCompany
from qbdsync.simulator.quickbooks import HostSession, SimulatedQuickBooks
from qbdsync.simulator.webconnector import SessionResult, run_session
from tests.conftest import LiveServer
from tests.integration.helpers import Linked, assert_every_type_matches, link

ORPHANS = 100_000


@dataclass
class Tampering:
    """Sits between the Web Connector and the simulated QuickBooks: rewrites answers, keeps
    the requests it saw."""

    inner: SimulatedQuickBooks
    first_answer: str | None = None  # replaces QuickBooks' answer to the session's first request
    rewrite: tuple[re.Pattern[str], str] | None = None  # applied to every answer once
    requests: list[str] = field(default_factory=list)

    def begin_session(self) -> HostSession:
        return self.inner.begin_session()

    def process(self, request_xml: str) -> str:
        self.requests.append(request_xml)
        answer = self.inner.process(request_xml)
        if self.first_answer is not None and len(self.requests) == 1:
            return self.first_answer
        if self.rewrite is not None:
            pattern, replacement = self.rewrite
            answer, done = pattern.subn(replacement, answer, count=1)
            if done:
                self.rewrite = None
        return answer

    def end_session(self) -> None:
        self.inner.end_session()


def run(linked: Linked, **tampering: object) -> tuple[SessionResult, Tampering]:
    qwc = parse_qwc(linked.qwc_path.read_text(encoding="utf-8"))
    with SimulatedCompany.open(linked.company_file, size="small", seed=1) as company:
        company.stamp_file_id(qwc.owner_id, qwc.file_id)
        quickbooks = Tampering(SimulatedQuickBooks(company), **tampering)  # type: ignore[arg-type]
        result = run_session(qwc.app_url, qwc.user_name, linked.connection.password, quickbooks)
    return result, quickbooks


def orphan_answer(count: int) -> str:
    records = "".join(
        f"<CustomerRet><ListID>{i:08X}-1</ListID><EditSequence>1</EditSequence>"
        f"<Name>Orphan {i}</Name></CustomerRet>"
        for i in range(count)
    )
    return (
        '<?xml version="1.0" ?><QBXML><QBXMLMsgsRs><CustomerQueryRs requestID="999" '
        f'statusCode="0" statusSeverity="Info" statusMessage="Status OK">{records}'
        "</CustomerQueryRs></QBXMLMsgsRs></QBXML>"
    )


def cli_errors(server: LiveServer, connection_id: str) -> str:
    env = {
        **os.environ,
        "QBDSYNC_DATABASE_URL": server.settings.database_url,
        "QBDSYNC_PUBLIC_URL": server.settings.public_url,
        "COLUMNS": "400",  # one table row per line
    }
    done = subprocess.run(
        [sys.executable, "-m", "qbdsync.cli", "connection", "errors", connection_id],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stdout


def test_100000_records_under_an_unknown_request_id_are_one_error_and_one_log_line(
    sqlite_server: LiveServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING)
    linked = link(sqlite_server, tmp_path)
    result, _ = run(linked, first_answer=orphan_answer(ORPHANS))
    assert result.close_message.startswith("qbdsync: synced"), (result.errors, result.close_message)

    errors = linked.errors()
    (orphans,) = [e for e in errors if "unknown requestID" in e.message]
    assert orphans.count == ORPHANS + 1  # the records and the status they came under
    assert orphans.recovery == "fatal_request"
    assert orphans.sample[:2] == (
        "requestID '999': CustomerQueryRs status 0",
        "requestID '999': CustomerRet 00000000-1",
    )
    assert len(orphans.sample) == 5
    # The rest: the queries of that first request went unanswered, one row each.
    assert len(errors) < 20
    assert all(e.count == 1 for e in errors if e is not orphans)
    logged = [r for r in caplog.records if "unknown requestID" in r.getMessage()]
    assert len(logged) == 1
    assert "100,001 times" in logged[0].getMessage()
    # None of the orphans was stored; the unanswered types sync in the next session.
    assert not {r["id"] for r in linked.stored("customers")} & {"00000000-1", "00000001-1"}
    linked.make_due()
    assert linked.sync().errors == []
    assert_every_type_matches(linked)

    shown = cli_errors(sqlite_server, linked.connection.connection.id)
    (line,) = [line for line in shown.splitlines() if "unknown requestID" in line]
    assert "100,001 times" in line and "CustomerRet 00000000-1" in line


def test_a_page_posted_twice_is_one_warning_and_stored_once(
    sqlite_server: LiveServer, tmp_path: Path
) -> None:
    linked = link(sqlite_server, tmp_path)
    client = zeep.Client(f"{sqlite_server.url}/qbwc?wsdl", transport=Transport(timeout=60))
    service = client.service
    qwc = parse_qwc(linked.qwc_path.read_text())
    ticket, _ = service.authenticate(qwc.user_name, linked.connection.password)
    with SimulatedCompany.open(linked.company_file, size="small", seed=1) as company:
        company.stamp_file_id(qwc.owner_id, qwc.file_id)
        quickbooks = SimulatedQuickBooks(company)
        host = quickbooks.begin_session()
        progress, first, repeated = 0, True, 0
        while progress < 100:
            request = service.sendRequestXML(
                ticket, host.hcp_response if first else "", host.company_file, "US", 16, 0
            )
            first = False
            assert request, service.getLastError(ticket)
            answer = quickbooks.process(request)
            progress = service.receiveResponseXML(ticket, answer, "", "")
            events = parse_response(answer)
            if not repeated and sum(isinstance(e, Record) for e in events) >= 100:
                # The Web Connector did not get our reply and posts the same page again.
                assert service.receiveResponseXML(ticket, answer, "", "") == progress
                repeated = sum(isinstance(e, Record | ResponseStatus) for e in events)
        quickbooks.end_session()
    assert repeated
    assert service.closeConnection(ticket).startswith("qbdsync: synced")
    (error,) = linked.errors()
    assert "repeated response" in error.message
    assert error.recovery == "keep_warn"
    # Every record and status of that page, in one row.
    assert error.count == repeated
    assert_every_type_matches(linked)


_FIRST_CUSTOMER = re.compile(
    r"(<CustomerRet><ListID>[^<]+</ListID><TimeCreated>[^<]+</TimeCreated><TimeModified>)"
    r"[^<]+(</TimeModified>)"
)
FUTURE = "9999-12-31T23:59:59-08:00"


def test_a_time_modified_in_9999_keeps_the_record_and_holds_the_watermark_at_the_clamp(
    live_server: LiveServer, tmp_path: Path
) -> None:
    linked = link(live_server, tmp_path)
    before = datetime.now(UTC)
    result, _ = run(linked, rewrite=(_FIRST_CUSTOMER, rf"\g<1>{FUTURE}\g<2>"))
    after = datetime.now(UTC)
    assert result.close_message.startswith("qbdsync: synced"), result.errors

    # The record is kept as QuickBooks sent it.
    (tampered,) = [r for r in linked.stored("customers") if r["raw"]["TimeModified"] == FUTURE]
    record_id = tampered["id"]
    # The watermark stops at the server's clock plus the tolerance, at the record's offset.
    tolerance = timedelta(seconds=live_server.settings.watermark_future_tolerance_seconds)
    watermark = parse_timestamp(linked.watermarks()["customers"])
    assert watermark.offset == "-08:00"
    wall = datetime.fromisoformat(watermark.wall).replace(tzinfo=UTC) + timedelta(hours=8)
    assert before + tolerance - timedelta(seconds=1) <= wall <= after + tolerance
    # The warning names the record, its type and the time it carried.
    (warning,) = [e for e in linked.errors() if "later than the server's clock" in e.message]
    assert warning.dataset == "customers"
    assert "CustomerRet" in warning.message
    assert warning.sample == (f"{record_id} TimeModified {FUTURE}",)

    # The next incremental query starts at the clamp (less the overlap), not in 9999.
    linked.make_due()
    _, quickbooks = run(linked)
    (customer_query,) = [r for r in quickbooks.requests if "<CustomerQueryRq" in r]
    from_date = re.search(r"<FromModifiedDate>([^<]+)</FromModifiedDate>", customer_query)
    assert from_date is not None
    overlap = live_server.settings.watermark_overlap_seconds
    assert from_date.group(1) == wall_minus(watermark.wall, overlap)
