"""A Web Connector simulator: drives a qbdsync server over real HTTP + SOAP, in QBWC's order.

It plays the part of Intuit's QBWC on the user's PC: it polls the server, hands each qbXML request
to a `RequestProcessor` (the simulated QuickBooks, or a test fake) and posts the answers back, with
the same decisions QBWC takes on each reply (reference/qbwc.md):

    serverVersion → clientVersion → authenticate
      [1] in ("nvu", "none", "busy")            → closeConnection, stop
      QuickBooks cannot be opened               → connectionError → "done" stops, else retry once
      loop: sendRequestXML → QuickBooks → receiveResponseXML
        sendRequestXML == ""                    → getLastError ("NoOp": wait, ask again)
        progress 0..99 → again; 100 → closeConnection; < 0 → getLastError, closeConnection

It writes QWCLog.txt-style lines (never the password) so log-reading tools can be tested on it.
Given the simulated QuickBooks' :class:`WriteFaults` (``--drop-write N:receive|close|killed``)
it loses the reply of a call the server has already processed, as a dropped connection does
(QBWC then ends the session with an error and calls nothing more), or dies outright before
posting QuickBooks' answer to the write (the Web Connector process was killed).
With ``send_hcp=False`` it plays a client that sends no company information (an empty
``strHCPResponse`` on every call, as qbwc-kit and some custom agents do).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TextIO

import httpx
from lxml import etree

from qbdsync.errors import InvalidXML, SoapFault
from qbdsync.qbwc.soap import escape_text, refuse_doctype
from qbdsync.qbwc.wsdl import INTUIT_NS
from qbdsync.redact import mask_url, redact_text
from qbdsync.session.processor import (
    OpenedCompany,
    RequestProcessor,
    quickbooks_failure,
)
from qbdsync.simulator.message_sets import WriteFaults

CLIENT_VERSION = "2.3.0.215"
_SOAP11_NS = "http://schemas.xmlsoap.org/soap/envelope/"
_LOG_PREFIX = "QBWebConnector.SOAPWebService"
# Responses bigger than this are streamed to the server in slices instead of built whole.
_STREAM_ABOVE_CHARS = 1024 * 1024
_SLICE_CHARS = 256 * 1024


# What the Web Connector talks to on the PC: QuickBooks' request processor (the session core's
# interface; the simulated QuickBooks is one, a test fake another).
QuickBooksSide = RequestProcessor


@dataclass
class SessionResult:
    requests: int = 0  # qbXML requests from sendRequestXML that QuickBooks processed
    close_message: str = ""
    auth_result: str = ""  # authenticate's [1]: "", a company file path, "none", "nvu", "busy"
    errors: list[str] = field(default_factory=list)
    responses_bytes: int = 0  # UTF-8 bytes of the qbXML responses posted
    seconds: float = 0.0
    # Why the session did not do its work (what QBWC shows as an error), or None when it ran
    # to the end or was told there was nothing to do. Errors QuickBooks raised on single
    # requests that the server took in its stride are in `errors` only.
    failure: str | None = None

    def fail(self, reason: str) -> None:
        self.errors.append(reason)
        if self.failure is None:
            self.failure = reason


class _Fault(Exception):
    """The server answered a SOAP fault (QBWC logs it and ends the session)."""


class _ReplyLost(Exception):
    """A simulated dropped connection: the server processed the call, its reply never came."""


class _Killed(Exception):
    """The simulated Web Connector process died: nothing more of this session is sent."""


class WebConnector:
    """One simulated Web Connector pointed at one application URL."""

    def __init__(
        self,
        url: str,
        *,
        log: TextIO | None = None,
        noop_wait_seconds: float = 5.0,
        max_noops: int = 60,
        timeout_seconds: float = 600.0,
        client_version: str = CLIENT_VERSION,
        transport: httpx.BaseTransport | None = None,
        send_hcp: bool = True,
        faults: WriteFaults | None = None,
    ) -> None:
        self._url = url
        self._send_hcp = send_hcp
        self._faults = faults
        self._log_stream = log
        self._noop_wait = noop_wait_seconds
        self._max_noops = max_noops
        self._client_version = client_version
        # One client for the whole session: keep-alive, generous timeouts for big responses.
        self._http = httpx.Client(
            timeout=httpx.Timeout(timeout_seconds, connect=30.0), transport=transport
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> WebConnector:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- logging ---------------------------------------------------------------------------

    def _log(self, method: str, text: str) -> None:
        if self._log_stream is None:
            return
        stamp = datetime.now(UTC).strftime("%Y%m%d.%H:%M:%S")
        self._log_stream.write(f"{stamp} UTC : {_LOG_PREFIX}.{method}() : {text}\n")

    # -- SOAP --------------------------------------------------------------------------------

    def _call(
        self,
        operation: str,
        params: list[tuple[str, str]],
        *,
        big: tuple[str, str] | None = None,
        after: list[tuple[str, str]] | None = None,
        lose_reply: bool = False,
    ) -> etree._Element:
        """POST one call: `params`, then `big` (name, text), possibly streamed, then `after`.

        ``lose_reply``: the server gets and processes the call, the reply is thrown away.
        """
        head = (
            '<?xml version="1.0" encoding="utf-8"?>'
            f'<soap:Envelope xmlns:soap="{_SOAP11_NS}"><soap:Body>'
            f'<{operation} xmlns="{INTUIT_NS}">{_elements(params)}'
        ).encode()
        tail = f"{_elements(after or [])}</{operation}></soap:Body></soap:Envelope>".encode()
        headers = {
            "Content-Type": "text/xml; charset=utf-8",
            "SOAPAction": f'"{INTUIT_NS}{operation}"',
        }
        content: bytes | Iterator[bytes]
        if big is None:
            content = head + tail
        elif len(big[1]) <= _STREAM_ABOVE_CHARS:
            content = head + f"<{big[0]}>{escape_text(big[1])}</{big[0]}>".encode() + tail
        else:
            content = _streamed_body(head, big, tail)
        reply = self._http.post(self._url, content=content, headers=headers)
        if lose_reply:
            raise _ReplyLost(
                f"QBWC1012: {operation}: the connection dropped before the reply arrived "
                "(simulated loss)"
            )
        return _result_element(operation, reply)

    def _lose(self, step: str) -> bool:
        return self._faults is not None and self._faults.take(step)

    def _string(self, operation: str, *params: tuple[str, str]) -> str:
        return self._call(operation, list(params)).text or ""

    # -- the session -------------------------------------------------------------------------

    def run_session(
        self,
        username: str,
        password: str,
        quickbooks: QuickBooksSide,
        *,
        on_progress: Callable[[int], None] | None = None,
        max_requests: int | None = None,
    ) -> SessionResult:
        """One scheduled "update" of this application, as QBWC runs it."""
        result = SessionResult()
        started = time.perf_counter()
        try:
            self._session(
                username,
                password,
                quickbooks,
                result,
                on_progress=on_progress,
                max_requests=max_requests,
            )
        except httpx.TransportError as exc:
            # The AppURL could not be reached (refused, unknown host, timeout, TLS).
            result.fail(f"cannot reach the AppURL {mask_url(self._url)}: {_reason(exc)}")
            self._log("do_session", f"QBWC1012: the session ended with an error: {exc}")
        except (_Fault, httpx.HTTPError, InvalidXML, SoapFault) as exc:
            result.fail(f"{type(exc).__name__}: {redact_text(str(exc))}")
            self._log("do_session", f"QBWC1012: the session ended with an error: {exc}")
        except _ReplyLost as exc:
            result.fail(str(exc))
            self._log("do_session", f"QBWC1012: the session ended with an error: {exc}")
        except _Killed as exc:
            # A dead process writes no log line; the result says what the test arranged.
            result.fail(str(exc))
        result.seconds = time.perf_counter() - started
        return result

    def _session(
        self,
        username: str,
        password: str,
        quickbooks: QuickBooksSide,
        result: SessionResult,
        *,
        on_progress: Callable[[int], None] | None,
        max_requests: int | None,
    ) -> None:
        server_version = self._string("serverVersion")
        self._log(
            "do_serverVersion",
            f'Received from serverVersion() <serverVersionRet="{server_version}">',
        )
        self._log("do_clientVersion", f'<productVersion="{self._client_version}">')
        answer = self._string("clientVersion", ("strVersion", self._client_version))
        self._log(
            "do_clientVersion", f'Received from clientVersion() <clientVersionRet="{answer}">'
        )
        if answer.startswith(("E:", "O:")):
            result.fail(f"the application refused this Web Connector version: {answer[2:]}")
            return
        if answer.startswith("W:"):
            self._log("do_clientVersion", f"Warning from the application: {answer[2:]}")

        self._log("do_authenticate", f"Authenticating to application, username = '{username}'")
        auth_el = self._call("authenticate", [("strUserName", username), ("strPassword", password)])
        auth = [item.text or "" for item in auth_el]
        ticket = auth[0] if auth else ""
        result.auth_result = auth[1] if len(auth) > 1 else ""
        shown = "".join(f"<authRet[{i}]={value}>" for i, value in enumerate(auth))
        self._log("do_authenticate", f"Received from authenticate() following parameters:{shown}")
        if result.auth_result in ("nvu", "none", "busy"):
            if result.auth_result == "nvu":
                result.fail("QBWC1012: authentication failed: wrong user name or password (nvu)")
            elif result.auth_result == "busy":
                result.fail(
                    "the application is busy with another session of this connection (busy); "
                    "the Web Connector tries again at its next scheduled update"
                )
            self._close(ticket, result)
            return

        opened = self._open_quickbooks(ticket, quickbooks, result)
        if opened is None:
            return
        try:
            self._exchange(
                ticket,
                opened,
                quickbooks,
                result,
                on_progress=on_progress,
                max_requests=max_requests,
            )
        finally:
            quickbooks.end_session()

    def _open_quickbooks(
        self, ticket: str, quickbooks: QuickBooksSide, result: SessionResult
    ) -> OpenedCompany | None:
        for attempt in (1, 2):
            try:
                return quickbooks.begin_session()
            except Exception as exc:
                failure = quickbooks_failure(exc)
                if failure is None:
                    raise
                hresult, message = failure
            self._log("do_connectionError", f"hresult={hresult} message={message}")
            result.errors.append(f"{hresult}: {message}")
            reply = self._string(
                "connectionError", ("ticket", ticket), ("hresult", hresult), ("message", message)
            )
            self._log("do_connectionError", f'Received from connectionError() "{reply}"')
            if reply == "done" or attempt == 2:
                break
        # Given up (a retry that opened the file would have returned above).
        result.failure = f"QuickBooks could not open the company file: {hresult}: {message}"
        self._close(ticket, result)
        return None

    def _exchange(
        self,
        ticket: str,
        opened: OpenedCompany,
        quickbooks: QuickBooksSide,
        result: SessionResult,
        *,
        on_progress: Callable[[int], None] | None,
        max_requests: int | None,
    ) -> None:
        hcp, company_file, country, major, minor = opened
        noops = 0
        first = True
        while True:
            self._log(
                "do_sendRequestXML",
                f"Calling sendRequestXML() with following parameters: <cfn={company_file}> "
                f"<qbNationality={country}> <qbXMLMajorVers={major}> <qbXMLMinorVers={minor}>",
            )
            request = self._string(
                "sendRequestXML",
                ("ticket", ticket),
                ("strHCPResponse", hcp if first and self._send_hcp else ""),
                ("strCompanyFileName", company_file),
                ("qbXMLCountry", country),
                ("qbXMLMajorVers", major),
                ("qbXMLMinorVers", minor),
            )
            first = False
            if request == "":
                last = self._string("getLastError", ("ticket", ticket))
                self._log("do_getLastError", f'Received from getLastError() "{last}"')
                if last == "NoOp" and noops < self._max_noops:
                    noops += 1
                    time.sleep(self._noop_wait)
                    continue
                result.fail("too many NoOp answers" if last == "NoOp" else last)
                self._close(ticket, result)
                return
            if max_requests is not None and result.requests >= max_requests:
                result.fail(f"stopped after {max_requests} requests")
                self._close(ticket, result)
                return
            response, hresult, message = self._process(quickbooks, request, result)
            result.requests += 1
            if self._lose("killed"):
                raise _Killed(
                    "the Web Connector was killed after QuickBooks answered a write "
                    "(simulated); the answer was never posted"
                )
            result.responses_bytes += len(response.encode("utf-8"))
            progress_el = self._call(
                "receiveResponseXML",
                [("ticket", ticket)],
                big=("response", response),
                after=[("hresult", hresult), ("message", message)],
                lose_reply=self._lose("receive"),
            )
            progress = int(progress_el.text or "0")
            self._log("do_receiveResponseXML", f"Received from receiveResponseXML() <{progress}>")
            if hresult:
                self._log("do_receiveResponseXML", f"hresult={hresult} message={message}")
            if on_progress is not None:
                on_progress(progress)
            if progress < 0:
                last = self._string("getLastError", ("ticket", ticket))
                self._log("do_getLastError", f'Received from getLastError() "{last}"')
                result.fail(last)
                self._close(ticket, result)
                return
            if progress >= 100:
                self._close(ticket, result)
                return

    def _process(
        self, quickbooks: QuickBooksSide, request: str, result: SessionResult
    ) -> tuple[str, str, str]:
        try:
            return quickbooks.process(request), "", ""
        except Exception as exc:
            failure = quickbooks_failure(exc)
            if failure is None:
                raise
            result.errors.append(f"{failure[0]}: {failure[1]}")
            return "", failure[0], failure[1]

    def _close(self, ticket: str, result: SessionResult) -> None:
        reply = self._call("closeConnection", [("ticket", ticket)], lose_reply=self._lose("close"))
        result.close_message = reply.text or ""
        self._log(
            "do_closeConnection",
            f'Received from closeConnection() following parameter:<"{result.close_message}">',
        )


def _reason(exc: httpx.TransportError) -> str:
    """What went wrong in the transport ("[Errno 111] Connection refused", "timed out")."""
    return redact_text(str(exc)) or type(exc).__name__


def _elements(params: list[tuple[str, str]]) -> str:
    return "".join(f"<{name}>{escape_text(value)}</{name}>" for name, value in params)


def _streamed_body(head: bytes, big: tuple[str, str], tail: bytes) -> Iterator[bytes]:
    name, text = big
    yield head + f"<{name}>".encode()
    for start in range(0, len(text), _SLICE_CHARS):
        yield escape_text(text[start : start + _SLICE_CHARS]).encode("utf-8")
    yield f"</{name}>".encode() + tail


def _result_element(operation: str, reply: httpx.Response) -> etree._Element:
    """The `<{operation}Result>` element of a reply, or _Fault for a SOAP fault."""
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True
    )
    refuse_doctype(reply.content)
    try:
        root = etree.fromstring(reply.content, parser)
    except etree.XMLSyntaxError as exc:
        raise InvalidXML(
            f"QBWC1042: {operation}: the reply (HTTP {reply.status_code}) is not well-formed "
            f"XML: {exc.msg}"
        ) from None
    if root.getroottree().docinfo.doctype:  # type: ignore[union-attr]
        raise InvalidXML(f"{operation}: the reply carries a DOCTYPE")
    fault = root.find(f"{{{_SOAP11_NS}}}Body/{{{_SOAP11_NS}}}Fault")
    if fault is not None:
        raise _Fault(f"{operation}: {fault.findtext('faultstring') or 'SOAP fault'}")
    found = root.find(
        f"{{{_SOAP11_NS}}}Body/{{{INTUIT_NS}}}{operation}Response/{{{INTUIT_NS}}}{operation}Result"
    )
    if found is None:
        raise SoapFault(f"{operation}: the reply has no {operation}Result")
    return found


def run_session(
    url: str,
    username: str,
    password: str,
    quickbooks: QuickBooksSide,
    *,
    log: TextIO | None = None,
    on_progress: Callable[[int], None] | None = None,
    noop_wait_seconds: float = 5.0,
    max_noops: int = 60,
    max_requests: int | None = None,
    send_hcp: bool = True,
    faults: WriteFaults | None = None,
) -> SessionResult:
    """Run one Web Connector session against `url` (the AppURL) and report what happened."""
    with WebConnector(
        url,
        log=log,
        noop_wait_seconds=noop_wait_seconds,
        max_noops=max_noops,
        send_hcp=send_hcp,
        faults=faults,
    ) as connector:
        return connector.run_session(
            username, password, quickbooks, on_progress=on_progress, max_requests=max_requests
        )
