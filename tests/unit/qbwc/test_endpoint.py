"""The /qbwc endpoint over real HTTP: zeep against our WSDL, faults, hostile and huge bodies."""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Iterator

import httpx
import psutil
import pytest
import zeep
from lxml import etree

from qbdsync.qbwc.soap import SOAP11_NS, escape_text
from qbdsync.qbwc.wsdl import INTUIT_NS
from tests.unit.qbwc.conftest import SMALL_LIMIT, LiveServer
from tests.unit.qbwc.fakes import COMPANY_FILE, HCP, PASSWORD, REQUESTS, USER
from tests.unit.qbwc.test_soap import BILLION_LAUGHS, EXTERNAL_DTD, envelope

NS = {"soap": SOAP11_NS, "i": INTUIT_NS}
MB = 1024 * 1024


def post(url: str, body: bytes) -> httpx.Response:
    return httpx.post(url, content=body, headers={"Content-Type": "text/xml; charset=utf-8"})


def fault_of(reply: httpx.Response) -> tuple[str, str]:
    assert reply.status_code == 500
    assert reply.headers["content-type"] == "text/xml; charset=utf-8"
    root = etree.fromstring(reply.content)
    fault = root.find("soap:Body/soap:Fault", NS)
    assert fault is not None, reply.text
    return fault.findtext("faultcode") or "", fault.findtext("faultstring") or ""


def assert_still_serving(server: LiveServer) -> None:
    reply = post(server.url, envelope("serverVersion"))
    assert reply.status_code == 200
    assert b"serverVersionResult" in reply.content


def test_zeep_drives_a_whole_session(server: LiveServer) -> None:
    client = zeep.Client(f"{server.url}?wsdl")
    svc = client.service
    assert svc.serverVersion() == "qbdsync-test 1.0 <&>"
    assert svc.clientVersion("2.3.0.215") in ("", None)  # zeep reads an empty result as None
    ticket, company, *rest = svc.authenticate(USER, PASSWORD)
    assert ticket in server.handler.tickets
    assert company in ("", None)
    assert len(rest) == 2
    progress = []
    first = True
    while True:
        request = svc.sendRequestXML(ticket, HCP if first else "", COMPANY_FILE, "US", 16, 0)
        first = False
        assert request in REQUESTS
        progress.append(svc.receiveResponseXML(ticket, f"<answer to='{request}'/>", "", ""))
        if progress[-1] >= 100:
            break
    assert progress == [50, 100]
    assert svc.getLastError(ticket) in ("", None)
    assert svc.connectionError(ticket, "0x80040408", "could not open") == "done"
    assert svc.getInteractiveURL(ticket, "S1") == "https://example.com/interactive?session=S1"
    assert svc.interactiveDone(ticket) == "Done"
    assert svc.interactiveRejected(ticket, "user said no") == "rejected: user said no"
    assert svc.closeConnection(ticket) == "OK: 2 responses"

    handler = server.handler
    assert handler.client_versions == ["2.3.0.215"]
    assert [r.text for r in handler.received] == [f"<answer to='{q}'/>" for q in REQUESTS]
    assert handler.send_args[0] == (ticket, HCP, COMPANY_FILE, "US", "16", "0")
    assert handler.send_args[1][1] == ""
    assert handler.connection_errors == [(ticket, "0x80040408", "could not open")]


def test_authenticate_returns_qualified_strings_including_empty_ones(server: LiveServer) -> None:
    reply = post(
        server.url,
        envelope(
            "authenticate",
            f"<strUserName>{USER}</strUserName><strPassword>{PASSWORD}</strPassword>",
        ),
    )
    assert reply.status_code == 200
    assert reply.headers["content-type"] == "text/xml; charset=utf-8"
    root = etree.fromstring(reply.content)
    items = root.findall("soap:Body/i:authenticateResponse/i:authenticateResult/i:string", NS)
    assert len(items) == 4
    assert [item.text or "" for item in items[1:]] == ["", "", ""]


def test_get_serves_wsdl_and_a_note(server: LiveServer) -> None:
    for query in ("wsdl", "WSDL"):
        reply = httpx.get(f"{server.url}?{query}")
        assert reply.status_code == 200
        assert reply.headers["content-type"] == "text/xml; charset=utf-8"
        assert f'location="{server.url}"'.encode() in reply.content
    note = httpx.get(server.url)
    assert note.status_code == 200
    assert "Web Connector endpoint" in note.text
    assert httpx.put(server.url).status_code == 405


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (b"<soap:Envelope><soap:Body>", "malformed"),
        (b"\x00\x01garbage", "malformed"),
        (BILLION_LAUGHS, "DOCTYPE"),
        (EXTERNAL_DTD, "DOCTYPE"),
        (envelope("formatDisk"), "unknown operation"),
        (envelope("getLastError"), "missing parameter 'ticket'"),
    ],
)
def test_bad_requests_get_client_faults(server: LiveServer, body: bytes, fragment: str) -> None:
    code, message = fault_of(post(server.url, body))
    assert code == "soap:Client"
    assert fragment in message
    assert_still_serving(server)


def test_hostile_large_body_is_refused_by_the_streaming_path(server: LiveServer) -> None:
    padding = b"<!--" + b" " * (200 * 1024) + b"-->"
    body = BILLION_LAUGHS.replace(b"<!ENTITY lol ", padding + b"<!ENTITY lol ")
    code, message = fault_of(post(server.url, body))
    assert (code, "DOCTYPE" in message) == ("soap:Client", True)
    truncated = envelope("receiveResponseXML", "<ticket>T</ticket><response>" + "x" * 200_000)
    code, message = fault_of(post(server.url, truncated))
    assert (code, "malformed" in message) == ("soap:Client", True)
    assert_still_serving(server)


def test_handler_exception_is_a_server_fault_without_secrets(
    server: LiveServer, caplog: pytest.LogCaptureFixture
) -> None:
    server.handler.fail_on = "authenticate"
    body = envelope(
        "authenticate", f"<strUserName>{USER}</strUserName><strPassword>{PASSWORD}</strPassword>"
    )
    with caplog.at_level(logging.WARNING, logger="qbdsync.qbwc"):
        code, message = fault_of(post(server.url, body))
    assert code == "soap:Server"
    assert "authenticate" in message
    assert PASSWORD not in message
    assert any("authenticate failed" in record.getMessage() for record in caplog.records)
    # The request body (with the password) is never logged; only the exception itself is.
    assert all(PASSWORD not in record.getMessage() for record in caplog.records)
    server.handler.fail_on = "sendRequestXML"
    code, _ = fault_of(post(server.url, envelope("sendRequestXML", "<ticket>t</ticket>")))
    assert code == "soap:Server"
    assert_still_serving(server)


def test_large_response_with_special_characters_arrives_exactly(server: LiveServer) -> None:
    text = ('<InvoiceRet><Memo>café &amp; "tea" <b> \r\n €</Memo></InvoiceRet>' * 40_000)[:-7]
    body = envelope(
        "receiveResponseXML",
        f"<ticket>T</ticket><response>{escape_text(text)}</response>"
        "<hresult>0x1</hresult><message>m &amp; n</message>",
    )
    assert len(body) > 2 * MB
    reply = post(server.url, body)
    assert reply.status_code == 200
    received = server.handler.received[-1]
    assert received.length == len(text)
    assert received.sha256 == hashlib.sha256(text.encode()).hexdigest()
    assert (received.hresult, received.message) == ("0x1", "m & n")


def test_body_over_the_limit_is_a_fault(server: LiveServer) -> None:
    def chunks() -> Iterator[bytes]:
        # A well-formed start: a malformed one is refused as soon as it is read instead.
        yield f'<soap:Envelope xmlns:soap="{SOAP11_NS}">'.encode()
        for _ in range(3):
            yield b" " * SMALL_LIMIT

    code, message = fault_of(httpx.post(server.small_url, content=chunks()))
    assert code == "soap:Client"
    assert "larger than the limit" in message
    code, _ = fault_of(post(server.small_url, b" " * (SMALL_LIMIT + 1)))
    assert code == "soap:Client"
    assert_still_serving(server)


class PeakRss:
    """Samples this process's RSS (it hosts the server thread) while a block runs."""

    def __init__(self) -> None:
        self.process = psutil.Process()
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.process.memory_info().rss)
            time.sleep(0.02)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


@pytest.mark.timeout(300)
def test_200_mb_response_streams_with_bounded_memory(server: LiveServer) -> None:
    record = "<InvoiceRet><TxnID>1A2B-1234567890</TxnID><Memo>Fish &amp; chips</Memo></InvoiceRet>"
    block = escape_text(record * 2000).encode()
    target = 200 * MB
    count = target // len(block) + 1
    expected = hashlib.sha256()
    for _ in range(count):
        expected.update((record * 2000).encode())

    def body() -> Iterator[bytes]:
        yield envelope("receiveResponseXML", "<ticket>BIG</ticket><response>").split(
            b"</receiveResponseXML>"
        )[0]
        for _ in range(count):
            yield block
        yield b"</response><hresult></hresult><message></message></receiveResponseXML>"
        yield b"</soap:Body></soap:Envelope>"

    baseline = psutil.Process().memory_info().rss
    started = time.perf_counter()
    with PeakRss() as rss, httpx.Client(timeout=240) as client:
        reply = client.post(server.url, content=body())
    seconds = time.perf_counter() - started
    assert reply.status_code == 200, reply.text
    received = server.handler.received[-1]
    assert received.ticket == "BIG"
    assert received.length == count * len(record) * 2000
    assert received.sha256 == expected.hexdigest()
    growth_mb = (rss.peak - baseline) / MB
    print(f"200 MB body: {seconds:.1f} s, peak RSS growth {growth_mb:.1f} MB")
    assert growth_mb < 80


def test_a_large_call_without_a_response_is_parsed_as_it_arrives(server: LiveServer) -> None:
    """A 3 MB strHCPResponse (under its 4 MB limit) among unknown elements is answered; one over
    the limit is a fault, and the server goes on."""
    hcp = "<QBXML>" + "h" * (3 * MB) + "</QBXML>"

    def body(text: str) -> Iterator[bytes]:
        head, tail = envelope(
            "sendRequestXML",
            f"<ticket>T</ticket><junk>{'j' * 200_000}</junk><strHCPResponse>@</strHCPResponse>"
            "<strCompanyFileName>C:\\\\a.QBW</strCompanyFileName>",
        ).split(b"@")
        yield head
        encoded = escape_text(text).encode()
        for start in range(0, len(encoded), 64 * 1024):
            yield encoded[start : start + 64 * 1024]
        yield tail

    reply = httpx.post(server.url, content=body(hcp), timeout=60)
    assert reply.status_code == 200, reply.text
    assert server.handler.send_args[-1][:2] == ("T", hcp)
    code, message = fault_of(httpx.post(server.url, content=body(hcp + "h" * MB), timeout=60))
    assert code == "soap:Client"
    assert "'strHCPResponse' is longer than 4,194,304 characters" in message
    assert_still_serving(server)
