"""A plain in-memory Web Connector handler and a tiny QuickBooks, for protocol tests."""

from __future__ import annotations

import hashlib
import threading
import uuid
from dataclasses import dataclass, field

from qbdsync.qbwc.handler import ReceiveResponse
from qbdsync.session.processor import OpenedCompany, QuickBooksError

USER = "alice"
PASSWORD = "s3cret-Pa55"
REQUESTS = (
    '<?xml version="1.0"?><?qbxml version="13.0"?><QBXML><QBXMLMsgsRq onError="stopOnError">'
    '<CustomerQueryRq requestID="1"/></QBXMLMsgsRq></QBXML>',
    '<?xml version="1.0"?><?qbxml version="13.0"?><QBXML><QBXMLMsgsRq onError="stopOnError">'
    '<InvoiceQueryRq requestID="2"/></QBXMLMsgsRq></QBXML>',
)
KEEP_TEXT_UP_TO = 1024 * 1024


@dataclass
class Received:
    ticket: str
    text: str | None  # None when longer than KEEP_TEXT_UP_TO (only length and digest kept)
    length: int
    sha256: str
    hresult: str
    message: str


@dataclass
class FakeHandler:
    """A fixed user, random tickets, a queue of canned qbXML requests; records what arrives."""

    requests: list[str] = field(default_factory=lambda: list(REQUESTS))
    auth_answer: str = ""
    noops: int = 0
    connection_error_answer: str = "done"
    fail_on: str = ""  # name of a method that raises RuntimeError, to test faults
    calls: list[str] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)
    send_args: list[tuple[str, ...]] = field(default_factory=list)
    connection_errors: list[tuple[str, str, str]] = field(default_factory=list)
    tickets: set[str] = field(default_factory=set)
    last_error: str = ""
    client_versions: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()

    def _enter(self, name: str) -> None:
        with self._lock:
            self.calls.append(name)
        if self.fail_on == name:
            raise RuntimeError(f"boom in {name} (the password is {PASSWORD})")

    def server_version(self) -> str:
        self._enter("serverVersion")
        return "qbdsync-test 1.0 <&>"

    def client_version(self, version: str) -> str:
        self._enter("clientVersion")
        self.client_versions.append(version)
        return ""

    def authenticate(self, username: str, password: str) -> list[str]:
        self._enter("authenticate")
        if (username, password) != (USER, PASSWORD):
            return ["", "nvu", "", ""]
        ticket = str(uuid.uuid4())
        self.tickets.add(ticket)
        return [ticket, self.auth_answer, "", ""]

    def send_request_xml(
        self,
        ticket: str,
        hcp_response: str,
        company_file: str,
        country: str,
        major: str,
        minor: str,
    ) -> str:
        self._enter("sendRequestXML")
        self.send_args.append((ticket, hcp_response, company_file, country, major, minor))
        if ticket not in self.tickets:
            self.last_error = "unknown ticket"
            return ""
        if self.noops:
            self.noops -= 1
            self.last_error = "NoOp"
            return ""
        return self.requests[0] if self.requests else ""

    def receive_response_xml(self, call: ReceiveResponse) -> int:
        self._enter("receiveResponseXML")
        digest = hashlib.sha256()
        kept: list[str] = []
        length = 0
        for chunk in call.response_chunks():
            digest.update(chunk.encode("utf-8"))
            length += len(chunk)
            if length <= KEEP_TEXT_UP_TO:
                kept.append(chunk)
        text = "".join(kept) if length <= KEEP_TEXT_UP_TO else None
        self.received.append(
            Received(call.ticket, text, length, digest.hexdigest(), call.hresult, call.message)
        )
        if call.ticket not in self.tickets:
            self.last_error = "unknown ticket"
            return -1
        if call.hresult:
            self.last_error = f"QuickBooks said {call.hresult}: {call.message}"
            return -1
        if self.requests:
            self.requests.pop(0)
        return 100 if not self.requests else 50

    def connection_error(self, ticket: str, hresult: str, message: str) -> str:
        self._enter("connectionError")
        self.connection_errors.append((ticket, hresult, message))
        return self.connection_error_answer

    def get_last_error(self, ticket: str) -> str:
        self._enter("getLastError")
        return self.last_error

    def close_connection(self, ticket: str) -> str:
        self._enter("closeConnection")
        self.tickets.discard(ticket)
        return f"OK: {len(self.received)} responses"

    def get_interactive_url(self, ticket: str, session_id: str) -> str:
        self._enter("getInteractiveURL")
        return f"https://example.com/interactive?session={session_id}"

    def interactive_done(self, ticket: str) -> str:
        self._enter("interactiveDone")
        return "Done"

    def interactive_rejected(self, ticket: str, reason: str) -> str:
        self._enter("interactiveRejected")
        return f"rejected: {reason}"


HCP = '<QBXML><QBXMLMsgsRs><HostQueryRs statusCode="0"/></QBXMLMsgsRs></QBXML>'
COMPANY_FILE = r"C:\Users\Public\Documents\Intuit\QuickBooks\Company Files\Acme Ltd.qbw"


class FakeQuickBooks:
    """Answers every request with a canned response; can fail to open or fail a request."""

    def __init__(
        self,
        *,
        open_failures: int = 0,
        fail_requests: bool = False,
        response_text: str = '<QBXML><QBXMLMsgsRs>café &amp; "co" é</QBXMLMsgsRs></QBXML>',
    ) -> None:
        self.open_failures = open_failures
        self.fail_requests = fail_requests
        self.response_text = response_text
        self.processed: list[str] = []
        self.sessions_begun = 0
        self.sessions_ended = 0

    def begin_session(self) -> OpenedCompany:
        if self.open_failures:
            self.open_failures -= 1
            raise QuickBooksError("0x80040408", "Could not start QuickBooks.")
        self.sessions_begun += 1
        return OpenedCompany(HCP, COMPANY_FILE, "US", "16", "0")

    def process(self, request_xml: str) -> str:
        self.processed.append(request_xml)
        if self.fail_requests:
            raise QuickBooksError("0x80040400", "QuickBooks found an error when parsing the XML")
        return self.response_text

    def end_session(self) -> None:
        self.sessions_ended += 1
