"""Sessions that cannot be raced or replayed: racing Web Connectors, old and expired tickets,
repeated calls and abandoned sessions, over real HTTP on SQLite and PostgreSQL.

The service runs with a clock the test moves, so ticket lifetimes and the silence after which a
session counts as abandoned are reached without waiting.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import zeep
from fastapi import FastAPI
from sqlalchemy import Engine, func, select
from zeep.transports import Transport

from qbdsync import lifecycle
from qbdsync.api.server import free_port, serve_in_thread
from qbdsync.linking import NewConnection, create_company, create_connection
from qbdsync.qbwc.endpoint import qbwc_routes
from qbdsync.qbwc.qwc import parse_qwc
from qbdsync.qbwc.service import QbwcService
from qbdsync.settings import Settings
from qbdsync.simulator.company import SimulatedCompany
from qbdsync.simulator.quickbooks import HostSession, SimulatedQuickBooks
from qbdsync.simulator.runner import simulate
from qbdsync.store import companies as company_store
from qbdsync.store import records as record_store
from qbdsync.store.db import make_engine
from qbdsync.store.migrate import upgrade
from qbdsync.store.tables import qbwc_sessions, records


class Clock:
    """The service's clock, moved by the test."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass
class Served:
    url: str
    engine: Engine
    settings: Settings
    clock: Clock


@pytest.fixture
def served(database_url: str) -> Iterator[Served]:
    port = free_port()
    settings = Settings(database_url=database_url, public_url=f"http://127.0.0.1:{port}")  # type: ignore[arg-type]
    engine = make_engine(settings.database_url)
    upgrade(engine)
    clock = Clock()
    service = QbwcService(engine, settings, clock=clock)
    url = f"http://127.0.0.1:{port}/qbwc"
    app = FastAPI(
        routes=qbwc_routes(
            lambda: service, service_url=url, max_body_bytes=settings.max_request_bytes
        )
    )
    try:
        with serve_in_thread(app, port=port):
            yield Served(url, engine, settings, clock)
    finally:
        engine.dispose()


@dataclass
class Connection:
    served: Served
    created: NewConnection
    qwc_path: Path
    company_file: Path

    @property
    def id(self) -> str:
        return self.created.connection.id

    @property
    def username(self) -> str:
        return parse_qwc(self.created.qwc).user_name

    def client(self) -> Any:
        """A SOAP client of its own (one per simulated Web Connector, one per thread)."""
        return zeep.Client(f"{self.served.url}?wsdl", transport=Transport(timeout=60)).service

    def authenticate(self, service: Any) -> tuple[str, str]:
        ticket, answer = service.authenticate(self.username, self.created.password)
        return ticket, answer or ""

    def sessions(self) -> list[tuple[str, str]]:
        with self.served.engine.connect() as conn:
            rows = conn.execute(
                select(qbwc_sessions.c.ticket, qbwc_sessions.c.status).where(
                    qbwc_sessions.c.connection_id == self.id
                )
            )
            return [(r.ticket, r.status) for r in rows]

    def record_count(self) -> int:
        with self.served.engine.connect() as conn:
            return int(
                conn.execute(
                    select(func.count())
                    .select_from(records)
                    .where(records.c.connection_id == self.id)
                ).scalar_one()
            )

    def simulate(self) -> Any:
        return simulate(
            qwc_path=self.qwc_path,
            password=self.created.password,
            company_file=self.company_file,
            url=self.served.url,
        )


def connect(served: Served, tmp_path: Path, name: str) -> Connection:
    with served.engine.begin() as conn:
        created = create_connection(conn, served.settings, create_company(conn, name))
    qwc_path = tmp_path / f"{name}.qwc"
    qwc_path.write_text(created.qwc, encoding="utf-8")
    return Connection(served, created, qwc_path, tmp_path / f"{name}.qbsim")


class QuickBooks:
    """A simulated QuickBooks with the connection's company file open (what QBWC talks to)."""

    def __init__(self, connection: Connection) -> None:
        qwc = parse_qwc(connection.created.qwc)
        self._company = SimulatedCompany.open(connection.company_file, size="small", seed=1)
        self._company.stamp_file_id(qwc.owner_id, qwc.file_id)
        self._quickbooks = SimulatedQuickBooks(self._company)
        self.host: HostSession = self._quickbooks.begin_session()

    def first_request(self, service: Any, ticket: str) -> str | None:
        host = self.host
        request: str | None = service.sendRequestXML(
            ticket, host.hcp_response, host.company_file, host.country, int(host.major), 0
        )
        return request

    def next_request(self, service: Any, ticket: str) -> str | None:
        host = self.host
        request: str | None = service.sendRequestXML(
            ticket, "", host.company_file, host.country, int(host.major), 0
        )
        return request

    def answer(self, request: str) -> str:
        return str(self._quickbooks.process(request))

    def close(self) -> None:
        self._quickbooks.end_session()
        self._company.close()


def _race(
    barrier: threading.Barrier,
    quickbooks: QuickBooks,
    client: Any,
    ticket: str,
    answers: dict[int, str | None],
    i: int,
) -> None:
    barrier.wait()
    answers[i] = quickbooks.first_request(client, ticket)


def test_of_two_racing_web_connectors_exactly_one_works(served: Served, tmp_path: Path) -> None:
    for round_ in range(6):
        connection = connect(served, tmp_path, f"Race{round_}")
        quickbooks = QuickBooks(connection)
        try:
            clients = [connection.client(), connection.client()]
            tickets = [connection.authenticate(c)[0] for c in clients]
            barrier = threading.Barrier(2)
            answers: dict[int, str | None] = {}

            threads = [
                threading.Thread(
                    target=_race, args=(barrier, quickbooks, clients[i], tickets[i], answers, i)
                )
                for i in (0, 1)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(60)
            assert sorted(bool(a) for a in answers.values()) == [False, True], round_
            winner = next(i for i, a in answers.items() if a)
            loser = 1 - winner
            assert connection.sessions() == [(tickets[winner], "active")]
            told = clients[loser].getLastError(tickets[loser])
            assert "another Web Connector is syncing this connection" in told
            assert "takes over" in told
            assert "another Web Connector" in clients[loser].closeConnection(tickets[loser])
            # The winner carries on undisturbed.
            request = answers[winner]
            assert request is not None
            assert clients[winner].receiveResponseXML(
                tickets[winner], quickbooks.answer(request), "", ""
            ) in range(0, 101)
        finally:
            quickbooks.close()


@pytest.mark.parametrize("action", ["pause", "unlink", "delete"])
def test_a_ticket_issued_before_a_pause_an_unlink_or_a_deletion_starts_nothing(
    served: Served, tmp_path: Path, action: str
) -> None:
    connection = connect(served, tmp_path, "Acme")
    quickbooks = QuickBooks(connection)
    try:
        service = connection.client()
        ticket, answer = connection.authenticate(service)
        assert answer == ""
        if action == "pause":
            until = served.clock.now + timedelta(days=1)
            with served.engine.begin() as conn:
                lifecycle.pause(conn, connection.id, until)
            why = f"Paused until {until:%Y-%m-%d %H:%M} UTC"
        elif action == "unlink":
            with served.engine.begin() as conn:
                lifecycle.unlink_connection(conn, served.settings, connection.id)
            why = "this connection was turned off"
        else:
            with served.engine.begin() as conn:
                lifecycle.delete_connection(conn, served.settings, connection.id)
            why = "this connection was deleted"
        assert quickbooks.first_request(service, ticket) in ("", None)
        assert why in service.getLastError(ticket)
        assert service.receiveResponseXML(ticket, "<QBXML/>", "", "") < 0
        assert why in service.closeConnection(ticket)
        assert connection.sessions() == []
        assert connection.record_count() == 0
    finally:
        quickbooks.close()


def test_a_pause_stops_a_running_session_at_its_next_request(
    served: Served, tmp_path: Path
) -> None:
    connection = connect(served, tmp_path, "Acme")
    quickbooks = QuickBooks(connection)
    try:
        service = connection.client()
        ticket, _ = connection.authenticate(service)
        request = quickbooks.first_request(service, ticket)
        assert request
        with served.engine.begin() as conn:
            lifecycle.pause(conn, connection.id, served.clock.now + timedelta(hours=2))
        # The answer asked for before the pause is kept; nothing more is asked.
        assert service.receiveResponseXML(ticket, quickbooks.answer(request), "", "") >= 0
        assert quickbooks.next_request(service, ticket) in ("", None)
        assert "Paused until" in service.getLastError(ticket)
        assert connection.sessions() == [(ticket, "closed")]
    finally:
        quickbooks.close()


def test_an_expired_ticket_is_refused_and_a_fresh_one_works(served: Served, tmp_path: Path) -> None:
    connection = connect(served, tmp_path, "Acme")
    quickbooks = QuickBooks(connection)
    try:
        service = connection.client()
        old, _ = connection.authenticate(service)
        served.clock.advance(served.settings.ticket_lifetime_seconds + 1)
        assert quickbooks.first_request(service, old) in ("", None)
        told = service.getLastError(old)
        assert "ticket expired" in told and "next update starts a fresh session" in told
        assert "ticket expired" in service.closeConnection(old)
        assert connection.sessions() == []

        fresh, _ = connection.authenticate(service)
        assert quickbooks.first_request(service, fresh)
        assert connection.sessions() == [(fresh, "active")]
    finally:
        quickbooks.close()


def test_a_repeated_send_request_xml_gets_the_same_request(served: Served, tmp_path: Path) -> None:
    connection = connect(served, tmp_path, "Acme")
    quickbooks = QuickBooks(connection)
    try:
        service = connection.client()
        ticket, _ = connection.authenticate(service)
        first = quickbooks.first_request(service, ticket)
        assert first
        assert quickbooks.next_request(service, ticket) == first
        assert quickbooks.next_request(service, ticket) == first
        progress = service.receiveResponseXML(ticket, quickbooks.answer(first), "", "")
        assert 0 <= progress < 100
        second = quickbooks.next_request(service, ticket)
        assert second and second != first
        assert quickbooks.next_request(service, ticket) == second
        while progress < 100:
            request = quickbooks.next_request(service, ticket)
            assert request, service.getLastError(ticket)
            progress = service.receiveResponseXML(ticket, quickbooks.answer(request), "", "")
        assert service.closeConnection(ticket).startswith("qbdsync: synced")
    finally:
        quickbooks.close()


def _stored(connection: Connection) -> dict[tuple[str, str], tuple[Any, ...]]:
    """Every stored record of a connection, by data type and QuickBooks id; without
    modifiedDate, which says when qbdsync stored it (the clocks of the two syncs differ)."""
    with connection.served.engine.connect() as conn:
        counts = record_store.count_by_type(conn, connection.id)
        return {
            (data_type, r["id"]): (r["raw"], _unstamped(r["data"]), r["is_deleted"])
            for data_type in counts
            for r in record_store.iter_records(conn, connection.id, data_type)
        }


@pytest.mark.parametrize("killed_after", ["receiveResponseXML", "sendRequestXML"])
def test_a_session_killed_mid_sync_is_taken_over_and_the_data_ends_exact(
    served: Served, tmp_path: Path, killed_after: str
) -> None:
    connection = connect(served, tmp_path, "Acme")
    quickbooks = QuickBooks(connection)
    try:
        # The first Web Connector syncs a little, then its process is killed.
        dead = connection.client()
        dead_ticket, _ = connection.authenticate(dead)
        request = quickbooks.first_request(dead, dead_ticket)
        for _ in range(2):
            assert request
            assert dead.receiveResponseXML(dead_ticket, quickbooks.answer(request), "", "") >= 0
            request = quickbooks.next_request(dead, dead_ticket)
        if killed_after == "receiveResponseXML":
            assert request
            assert dead.receiveResponseXML(dead_ticket, quickbooks.answer(request), "", "") >= 0
            silence = served.settings.session_call_silence_seconds
        else:  # killed while QuickBooks worked on a request
            silence = served.settings.session_response_silence_seconds
    finally:
        quickbooks.close()
    assert connection.record_count() > 0

    # Another run at once is told the connection is busy, by whom and until when.
    service = connection.client()
    busy, answer = connection.authenticate(service)
    assert answer == "busy"
    takeover = served.clock.now + timedelta(seconds=silence)
    text = service.closeConnection(busy)
    assert "another Web Connector is syncing this connection" in text
    assert f"{takeover:%Y-%m-%d %H:%M:%S} UTC takes over" in text

    # ... and so do the connection's last error and its sync errors, one per live session.
    noted = _wait_for_busy_note(connection, count=1)
    assert f"{takeover:%Y-%m-%d %H:%M:%S} UTC takes over" in noted.message
    assert _connection_last_error(connection) == noted.message

    served.clock.advance(silence - 1)
    assert connection.authenticate(service)[1] == "busy"
    assert _wait_for_busy_note(connection, count=2).message == noted.message
    served.clock.advance(1)
    result = connection.simulate()  # the next Web Connector run takes over
    assert result.auth == "" and not result.errors, result
    assert result.result.startswith("qbdsync: synced")
    assert [e.message for e in _errors(connection) if "took over" in e.message]
    # The killed Web Connector's ticket can do nothing more.
    assert dead.sendRequestXML(dead_ticket, "", "", "US", 16, 0) in ("", None)
    assert dead.receiveResponseXML(dead_ticket, "<QBXML/>", "", "") < 0
    assert "took over" in dead.getLastError(dead_ticket)

    clean = connect(served, tmp_path, "Clean")
    assert clean.simulate().result.startswith("qbdsync: synced")
    taken_over, reference = _stored(connection), _stored(clean)
    reference_company, company = (
        reference.pop(("company", "company")),
        taken_over.pop(("company", "company")),
    )
    assert company[2] == reference_company[2]
    assert taken_over.keys() == reference.keys()
    assert taken_over == reference


def _wait_for_busy_note(connection: Connection, *, count: int) -> record_store.SyncErrorRow:
    """The busy notice, once a background thread has recorded it `count` times."""
    deadline = time.monotonic() + 30
    while True:
        notes = [e for e in _errors(connection) if e.message.startswith("qbdsync: busy:")]
        if len(notes) == 1 and notes[0].count == count:
            return notes[0]
        assert len(notes) <= 1 and time.monotonic() < deadline, notes
        time.sleep(0.05)


def _connection_last_error(connection: Connection) -> str | None:
    with connection.served.engine.connect() as conn:
        return company_store.get_connection(conn, connection.id).last_error


def _unstamped(data: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if data is None else {k: v for k, v in data.items() if k != "modifiedDate"}


def _errors(connection: Connection) -> list[record_store.SyncErrorRow]:
    with connection.served.engine.connect() as conn:
        return record_store.list_errors(conn, connection.id, limit=1000)


def test_the_ticket_of_a_session_silent_too_long_does_nothing_more(
    served: Served, tmp_path: Path
) -> None:
    """A session nobody took over is still dead once silent past its limit: its ticket,
    replayed later, neither asks QuickBooks for more nor stores anything."""
    connection = connect(served, tmp_path, "Acme")
    quickbooks = QuickBooks(connection)
    try:
        service = connection.client()
        ticket, _ = connection.authenticate(service)
        request = quickbooks.first_request(service, ticket)
        assert request
        answer = quickbooks.answer(request)
        stored = connection.record_count()
        served.clock.advance(served.settings.session_response_silence_seconds)
        assert service.receiveResponseXML(ticket, answer, "", "") < 0
        assert connection.record_count() == stored
        assert "went silent" in service.getLastError(ticket)
        assert quickbooks.next_request(service, ticket) in ("", None)
        assert connection.sessions() == [(ticket, "closed")]
    finally:
        quickbooks.close()
