"""Hostile-input limits against the real server over HTTP: oversized SOAP parameters, the bound
on concurrent large bodies, and a qbXML record past the record limits in a real session."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from lxml import etree

from qbdsync.simulator.company import SimulatedCompany
from qbdsync.sync.datatypes import data_types
from tests.conftest import LiveServer, start_server
from tests.integration.helpers import link

SOAP11_NS = "http://schemas.xmlsoap.org/soap/envelope/"
INTUIT_NS = "http://developer.intuit.com/"
MB = 1024 * 1024
BLOCK = 64 * 1024
HEADERS = {"Content-Type": "text/xml; charset=utf-8"}


def _head(operation: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        f'<soap:Envelope xmlns:soap="{SOAP11_NS}"><soap:Body><{operation} xmlns="{INTUIT_NS}">'
    ).encode()


def _tail(operation: str) -> bytes:
    return f"</{operation}></soap:Body></soap:Envelope>".encode()


def _call(operation: str, params: str) -> bytes:
    return _head(operation) + params.encode() + _tail(operation)


def _fault(reply: httpx.Response) -> tuple[str, str]:
    root = etree.fromstring(reply.content)
    fault = root.find(f"{{{SOAP11_NS}}}Body/{{{SOAP11_NS}}}Fault")
    assert fault is not None, reply.text[:300]
    return fault.findtext("faultcode") or "", fault.findtext("faultstring") or ""


def _authenticate(url: str, user: str, password: str) -> list[str]:
    body = _call(
        "authenticate", f"<strUserName>{user}</strUserName><strPassword>{password}</strPassword>"
    )
    reply = httpx.post(url, content=body, headers=HEADERS, timeout=30)
    assert reply.status_code == 200, reply.text
    result = etree.fromstring(reply.content).find(f".//{{{INTUIT_NS}}}authenticateResult")
    assert result is not None
    return [item.text or "" for item in result]


def test_four_concurrent_200_mb_user_names_fault_and_the_server_survives(
    sqlite_server: LiveServer, tmp_path: Path
) -> None:
    url = f"{sqlite_server.url}/qbwc"

    def huge_user_name() -> Iterator[bytes]:
        yield _head("authenticate") + b"<strUserName>"
        block = b"u" * BLOCK
        for _ in range(200 * MB // BLOCK):
            yield block
        yield b"</strUserName><strPassword>x</strPassword>" + _tail("authenticate")

    replies: list[httpx.Response] = []

    def send() -> None:
        with httpx.Client(timeout=300) as client:
            replies.append(client.post(url, content=huge_user_name(), headers=HEADERS))

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(replies) == 4
    for reply in replies:
        assert reply.status_code == 500
        code, message = _fault(reply)
        assert code == "soap:Client"
        assert "'strUserName' is longer than 4,096 characters" in message
    # The server answers a normal call afterwards.
    linked = link(sqlite_server, tmp_path)
    ticket, answer = _authenticate(
        url, linked.connection.connection.username, linked.connection.password
    )
    assert ticket
    assert answer == ""  # a new connection has work to do


@pytest.fixture
def one_slot_server(sqlite_url: str) -> Iterator[LiveServer]:
    yield from start_server(sqlite_url, large_body_slots=1, large_body_wait_seconds=0.2)


def test_large_bodies_past_the_slots_are_told_to_come_back(one_slot_server: LiveServer) -> None:
    url = f"{one_slot_server.url}/qbwc"
    padding = "<padding>" + "p" * (200 * 1024) + "</padding>"  # an unknown element: skipped
    large = _call("getLastError", f"<ticket>T</ticket>{padding}")
    release = threading.Event()
    slow_reply: list[httpx.Response] = []

    def slow_body() -> Iterator[bytes]:
        yield large[: len(large) // 2]  # past the small-body size: this request takes the slot
        release.wait(timeout=60)
        yield large[len(large) // 2 :]

    def send_slowly() -> None:
        with httpx.Client(timeout=60) as client:
            slow_reply.append(client.post(url, content=slow_body(), headers=HEADERS))

    slow = threading.Thread(target=send_slowly)
    slow.start()
    try:
        busy = None
        for _ in range(100):  # until the slow request holds the slot
            reply = httpx.post(url, content=large, headers=HEADERS, timeout=30)
            if reply.status_code == 503:
                busy = reply
                break
        assert busy is not None, "a large body was never refused while the slot was taken"
        assert busy.headers["retry-after"] == "30"
        code, message = _fault(busy)
        assert (code, "busy" in message) == ("soap:Server", True)
        # Small bodies (every idle poll) never wait for a slot.
        version = httpx.post(url, content=_call("serverVersion", ""), headers=HEADERS)
        assert version.status_code == 200
    finally:
        release.set()
        slow.join()
    assert slow_reply[0].status_code == 200, slow_reply[0].text
    assert b"getLastErrorResult" in slow_reply[0].content
    after = httpx.post(url, content=large, headers=HEADERS, timeout=30)
    assert after.status_code == 200, after.text


def test_a_large_body_that_stops_arriving_gives_its_slot_back(sqlite_url: str) -> None:
    """A client trickling a large body cannot hold a large-body slot for ever."""
    with _server(sqlite_url, large_body_slots=1, large_body_stall_seconds=1) as server:
        url = f"{server.url}/qbwc"
        padding = "<padding>" + "p" * (200 * 1024) + "</padding>"
        large = _call("getLastError", f"<ticket>T</ticket>{padding}")
        hang = threading.Event()

        def stalled_body() -> Iterator[bytes]:
            yield large[: len(large) // 2]  # takes the only slot
            hang.wait(timeout=30)  # then sends nothing

        try:
            with httpx.Client(timeout=20) as client:
                stalled = client.post(url, content=stalled_body(), headers=HEADERS)
        except httpx.HTTPError:
            stalled = None  # the server may close before the client reads its answer
        finally:
            hang.set()
        if stalled is not None:
            assert stalled.status_code == 408
            assert "stopped arriving" in _fault(stalled)[1]
        # The slot is free again: a whole large body is answered, not told to come back.
        after = httpx.post(url, content=large, headers=HEADERS, timeout=30)
        assert after.status_code == 200, after.text


def _elements(value: Any) -> int:
    """How many elements a stored raw record had in the qbXML (the record's own included)."""
    if isinstance(value, list):
        return sum(_elements(item) for item in value)
    if isinstance(value, dict):
        return 1 + sum(_elements(v) for k, v in value.items() if k[0] not in "@#")
    return 1


@contextmanager
def _server(database_url: str, **overrides: object) -> Iterator[LiveServer]:
    yield from start_server(database_url, **overrides)


def test_a_record_past_the_element_limit_fails_its_query_and_the_session_goes_on(
    tmp_path: Path,
) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    company_file = tmp_path / "a" / "Acme.qbsim"
    SimulatedCompany.open(company_file).close()
    shutil.copy(company_file, tmp_path / "b" / "Acme.qbsim")  # the same company, twice

    # A first sync with the default limits finds the largest record QuickBooks sends.
    with _server(f"sqlite:///{tmp_path / 'a.db'}") as server:
        reference = link(server, tmp_path / "a")
        reference.sync()
        counts = reference.counts()
        largest: dict[str, tuple[int, str]] = {}
        for data_type in counts:
            if data_type != "company":  # read from the HCP response, not a qbXML page
                for row in reference.stored(data_type):
                    largest[data_type] = max(
                        largest.get(data_type, (0, "")), (_elements(row["raw"]), row["id"])
                    )
    limit = max(size for size, _ in largest.values()) - 1
    too_large = {t for t, (size, _) in largest.items() if size > limit}

    with _server(f"sqlite:///{tmp_path / 'b.db'}", max_record_elements=limit) as server:
        linked = link(server, tmp_path / "b")
        result = linked.sync()
        (error,) = [e for e in linked.errors() if "too large to read" in e.message]
        assert error.dataset
        assert error.recovery == "fatal_request"
        assert f"over the limit of {limit:,}" in error.message
        assert "QBDSYNC_MAX_RECORD_ELEMENTS" in error.message
        failing = {t for t, d in data_types().items() if error.dataset in d.datasets}
        assert too_large <= failing
        pulls = linked.pulls()
        for data_type in failing:
            assert pulls[data_type].status == "FetchError"
            assert "too large to read" in (pulls[data_type].error_message or "")
        # The session went on: every other type synced in full, and the session ended normally.
        others = {t: p.status for t, p in pulls.items() if t not in failing}
        assert set(others.values()) == {"Complete"}, others
        stored = linked.counts()
        assert {t: n for t, n in stored.items() if t not in failing} == {
            t: n for t, n in counts.items() if t not in failing
        }
        assert result.result.startswith("qbdsync: synced")
        assert f"{error.dataset} (failed)" in result.result
        # Nothing from the refused response was stored: the largest record is not there.
        for data_type in too_large:
            stored_ids = {row["id"] for row in linked.stored(data_type)}
            assert largest[data_type][1] not in stored_ids
