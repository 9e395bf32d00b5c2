"""The Web Connector simulator against the live endpoint and the fake handler."""

from __future__ import annotations

import io
import re
import socket

from qbdsync.simulator.webconnector import run_session
from tests.unit.qbwc.conftest import LiveServer
from tests.unit.qbwc.fakes import COMPANY_FILE, HCP, PASSWORD, REQUESTS, USER, FakeQuickBooks

LOG_LINE = re.compile(r"^\d{8}\.\d\d:\d\d:\d\d UTC : QBWebConnector\.SOAPWebService\.\w+\(\) : ")


def test_full_session_in_qbwc_order(server: LiveServer) -> None:
    quickbooks = FakeQuickBooks()
    log = io.StringIO()
    progress: list[int] = []
    result = run_session(
        server.url, USER, PASSWORD, quickbooks, log=log, on_progress=progress.append
    )
    handler = server.handler
    assert handler.calls == [
        "serverVersion",
        "clientVersion",
        "authenticate",
        "sendRequestXML",
        "receiveResponseXML",
        "sendRequestXML",
        "receiveResponseXML",
        "closeConnection",
    ]
    assert result.requests == 2
    assert result.errors == []
    assert result.auth_result == ""
    assert result.close_message == "OK: 2 responses"
    assert result.responses_bytes == 2 * len(quickbooks.response_text.encode())
    assert progress == [50, 100]
    assert quickbooks.processed == list(REQUESTS)
    assert (quickbooks.sessions_begun, quickbooks.sessions_ended) == (1, 1)
    assert [args[1] for args in handler.send_args] == [HCP, ""]
    assert handler.send_args[0][2:] == (COMPANY_FILE, "US", "16", "0")
    assert [r.text for r in handler.received] == [quickbooks.response_text] * 2
    lines = log.getvalue().splitlines()
    assert all(LOG_LINE.match(line) for line in lines)
    assert any(
        "Received from authenticate() following parameters:<authRet[0]=" in line for line in lines
    )
    assert PASSWORD not in log.getvalue()


def test_wrong_password_and_nothing_to_do_close_the_connection(server: LiveServer) -> None:
    result = run_session(server.url, USER, "wrong", FakeQuickBooks())
    assert result.auth_result == "nvu"
    assert result.failure is not None and "wrong user name or password" in result.failure
    assert server.handler.calls[-2:] == ["authenticate", "closeConnection"]
    server.handler.auth_answer = "none"
    quickbooks = FakeQuickBooks()
    result = run_session(server.url, USER, PASSWORD, quickbooks)
    assert (result.auth_result, result.requests, result.errors) == ("none", 0, [])
    assert result.failure is None  # nothing to do is not a failure
    assert quickbooks.sessions_begun == 0


def test_busy_is_a_failure_that_says_why(server: LiveServer) -> None:
    server.handler.auth_answer = "busy"
    result = run_session(server.url, USER, PASSWORD, FakeQuickBooks())
    assert result.auth_result == "busy"
    assert result.failure is not None and "busy" in result.failure
    assert server.handler.calls[-1] == "closeConnection"


def test_an_unreachable_app_url_is_a_failure_naming_it() -> None:
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://user:S3cretPW@127.0.0.1:{port}/qbwc"
    result = run_session(url, USER, PASSWORD, FakeQuickBooks())
    assert result.failure is not None
    assert result.failure.startswith(f"cannot reach the AppURL http://user:***@127.0.0.1:{port}")
    assert "S3cretPW" not in result.failure


def test_noop_waits_and_asks_again(server: LiveServer) -> None:
    server.handler.noops = 2
    result = run_session(server.url, USER, PASSWORD, FakeQuickBooks(), noop_wait_seconds=0.01)
    assert result.requests == 2
    assert server.handler.calls.count("getLastError") == 2
    server.handler.noops = 10
    server.handler.requests = list(REQUESTS)
    result = run_session(
        server.url, USER, PASSWORD, FakeQuickBooks(), noop_wait_seconds=0.0, max_noops=3
    )
    assert result.errors == ["too many NoOp answers"]


def test_quickbooks_failure_sends_hresult_and_stops_on_negative_progress(
    server: LiveServer,
) -> None:
    result = run_session(server.url, USER, PASSWORD, FakeQuickBooks(fail_requests=True))
    received = server.handler.received[-1]
    assert (received.text, received.hresult) == ("", "0x80040400")
    assert "parsing the XML" in received.message
    assert server.handler.calls[-3:] == ["receiveResponseXML", "getLastError", "closeConnection"]
    assert result.errors[-1].startswith("QuickBooks said 0x80040400")
    assert result.failure == result.errors[-1]


def test_connection_error_done_stops_and_retry_happens_once(server: LiveServer) -> None:
    result = run_session(server.url, USER, PASSWORD, FakeQuickBooks(open_failures=5))
    assert server.handler.calls.count("connectionError") == 1
    assert result.requests == 0
    server.handler.connection_error_answer = ""
    server.handler.calls.clear()
    result = run_session(server.url, USER, PASSWORD, FakeQuickBooks(open_failures=5))
    assert server.handler.calls.count("connectionError") == 2
    assert server.handler.calls[-1] == "closeConnection"
    server.handler.calls.clear()
    assert result.failure is not None
    assert result.failure.startswith("QuickBooks could not open the company file")
    quickbooks = FakeQuickBooks(open_failures=1)
    result = run_session(server.url, USER, PASSWORD, quickbooks)
    assert server.handler.calls.count("connectionError") == 1
    assert result.requests == 2
    assert result.failure is None  # the retry opened it


def test_server_fault_ends_the_session_with_an_error(server: LiveServer) -> None:
    server.handler.fail_on = "sendRequestXML"
    result = run_session(server.url, USER, PASSWORD, FakeQuickBooks())
    assert result.requests == 0
    assert "sendRequestXML" in result.errors[-1]


def test_large_response_is_streamed_to_the_server(server: LiveServer) -> None:
    text = (
        "<QBXML>" + "<CustomerRet><Name>A &amp; B \u00e9</Name></CustomerRet>" * 60_000 + "</QBXML>"
    )
    result = run_session(server.url, USER, PASSWORD, FakeQuickBooks(response_text=text))
    assert result.errors == []
    assert [r.length for r in server.handler.received] == [len(text)] * 2


def test_a_client_that_sends_no_company_information(server: LiveServer) -> None:
    quickbooks = FakeQuickBooks()
    result = run_session(server.url, USER, PASSWORD, quickbooks, send_hcp=False)
    assert result.requests == 2
    assert quickbooks.sessions_begun == 1
    assert [args[1] for args in server.handler.send_args] == ["", ""]
    assert server.handler.send_args[0][2:] == (COMPANY_FILE, "US", "16", "0")
