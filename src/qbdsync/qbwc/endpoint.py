"""The /qbwc HTTP endpoint: a plain ASGI app mounted as a Starlette route.

It is written against raw ASGI rather than Starlette's Request/Response because the idle-poll
calls are the hottest path of the whole service (~5,000 calls/s at 100,000 connectors) and the
envelope work is a few microseconds; framework objects would cost more than the call.

Request flow:

* bodies up to SMALL_BODY_BYTES are collected in memory and parsed in the event loop. The three
  idle-poll calls run the handler inline (it answers them in well under a millisecond); every
  other call runs the handler in a worker thread because it does blocking database work.
* larger bodies (receiveResponseXML with a big qbXML response) first need one of a few
  per-process slots (LargeBodySlots). While they arrive they are spooled to a
  SpooledTemporaryFile and parsed as they come by StreamingCallReader, which holds each
  parameter only up to its limit and faults the moment one passes it, so a hostile 200 MB user
  name costs a few KB. That parse stops where the qbXML `response` begins; the spool is then
  read in a worker thread and the handler pulls the response text in pieces, so memory stays
  flat at any size. When a pre-scan shows the response is plain character data (what the Web
  Connector sends), lxml parses only the envelope around it and fasttext turns the content into
  text with bulk byte operations, about 6x faster than lxml's per-reference callbacks; otherwise
  the whole body streams through StreamingCallReader again.
* every failure is answered with a SOAP fault (HTTP 500, as SOAP 1.1 requires), never an HTML
  page: QBWC reports anything that is not well-formed XML as QBWC1042. The one exception is a
  large body that finds no free slot: HTTP 503 with Retry-After, its body still a SOAP fault.
"""

from __future__ import annotations

import logging
import secrets
import tempfile
from collections.abc import Callable, Iterator
from typing import IO, Any

import anyio
import anyio.to_thread
from starlette.routing import BaseRoute, Route
from starlette.types import Message, Receive, Scope, Send

from qbdsync import limits as default_limits
from qbdsync import metrics
from qbdsync.errors import RejectedInput, SoapFault
from qbdsync.limits import SoapLimits
from qbdsync.qbwc.fasttext import FastResponseReader, locate_response_text
from qbdsync.qbwc.handler import QbwcHandler, ReceiveResponse
from qbdsync.qbwc.soap import (
    ParamLimits,
    SoapCall,
    StreamingCallReader,
    parse_call,
    render_fault,
    render_result,
)
from qbdsync.qbwc.wsdl import render_wsdl

logger = logging.getLogger(__name__)

SMALL_BODY_BYTES = 64 * 1024
SPOOL_MEMORY_BYTES = 1024 * 1024
READ_CHUNK_BYTES = 256 * 1024
# A large body is parsed as it arrives in pieces of this size, up to the streamed `response`.
PREPARSE_PIECE_BYTES = 16 * 1024
# What a client told that the server is busy should wait before trying again, in seconds.
BUSY_RETRY_AFTER_SECONDS = 30

# Answered inline in the event loop: the handler must keep these sub-millisecond.
INLINE_OPERATIONS = frozenset({"serverVersion", "clientVersion", "authenticate"})

_XML = b"text/xml; charset=utf-8"
_ABOUT = (
    b"This is the qbdsync QuickBooks Web Connector endpoint. It speaks SOAP to the Web Connector "
    b"on your PC; add the .qwc file you were given to the Web Connector instead of opening this "
    b"address in a browser. The service description is at ?wsdl.\n"
)

Result = str | int | list[str]
_Dispatch = Callable[[QbwcHandler, dict[str, str]], Result]


def _authenticate(handler: QbwcHandler, p: dict[str, str]) -> list[str]:
    answer = handler.authenticate(p["strUserName"], p["strPassword"])
    metrics.count_poll(answer[1])
    return answer


def _receive_small(handler: QbwcHandler, p: dict[str, str]) -> int:
    call = ReceiveResponse.from_text(
        p["ticket"], p.get("response", ""), p.get("hresult", ""), p.get("message", "")
    )
    return handler.receive_response_xml(call)


_DISPATCH: dict[str, _Dispatch] = {
    "serverVersion": lambda h, p: h.server_version(),
    "clientVersion": lambda h, p: h.client_version(p.get("strVersion", "")),
    "authenticate": _authenticate,
    "sendRequestXML": lambda h, p: h.send_request_xml(
        p["ticket"],
        p.get("strHCPResponse", ""),
        p.get("strCompanyFileName", ""),
        p.get("qbXMLCountry", ""),
        p.get("qbXMLMajorVers", ""),
        p.get("qbXMLMinorVers", ""),
    ),
    "receiveResponseXML": _receive_small,
    "connectionError": lambda h, p: h.connection_error(
        p["ticket"], p.get("hresult", ""), p.get("message", "")
    ),
    "getLastError": lambda h, p: h.get_last_error(p["ticket"]),
    "closeConnection": lambda h, p: h.close_connection(p["ticket"]),
    "getInteractiveURL": lambda h, p: h.get_interactive_url(p["wcTicket"], p.get("sessionID", "")),
    "interactiveDone": lambda h, p: h.interactive_done(p["wcTicket"]),
    "interactiveRejected": lambda h, p: h.interactive_rejected(p["wcTicket"], p.get("reason", "")),
}


def _fault(exc: BaseException, operation: str | None) -> tuple[int, bytes]:
    """Turn any exception into a SOAP fault; log it without request content (passwords)."""
    what = operation or "SOAP request"
    if isinstance(exc, RejectedInput):
        logger.warning("qbwc: refused %s: %s", what, exc)
        return 500, render_fault("Client", str(exc))
    ref = secrets.token_hex(4)
    logger.error("qbwc: %s failed (ref %s)", what, ref, exc_info=exc)
    return 500, render_fault(
        "Server", f"qbdsync could not process {what}; the server log has details (ref {ref})"
    )


class LargeBodySlots:
    """At most `slots` requests with a large body are handled at once (per server process).

    A large body costs memory from the moment it passes SMALL_BODY_BYTES until its answer is
    ready: the spool's in-memory part, parameters held up to their limits while it arrives, then
    the parse, mapping and storing of a page of records, tens of MB in all. The parameter limits
    bound one request; this bounds how many of them add up. A request takes a slot when its body
    turns large and keeps it until its answer is computed (the unread rest of a refused body is
    dropped after the slot is given back: that costs no memory). One that finds every slot
    taken waits at most `wait_seconds` and is then answered 503 at once rather than queued: a
    queue would only move the cost (and the client's timeout) elsewhere. While it waits it holds
    no more than it has read (about SMALL_BODY_BYTES), because the server stops reading its
    socket. Small bodies (every idle poll) never take a slot.
    """

    def __init__(self, slots: int, wait_seconds: float) -> None:
        self._semaphore = anyio.Semaphore(slots)
        self._wait_seconds = wait_seconds

    async def acquire(self) -> bool:
        """Take a slot, waiting up to wait_seconds; False if none became free."""
        try:
            self._semaphore.acquire_nowait()
            return True
        except anyio.WouldBlock:
            pass
        with anyio.move_on_after(self._wait_seconds):
            await self._semaphore.acquire()
            return True
        return False

    def release(self) -> None:
        self._semaphore.release()


class QbwcEndpoint:
    """ASGI app answering GET (WSDL or a note) and POST (SOAP calls) on one path."""

    def __init__(
        self,
        handler_factory: Callable[[], QbwcHandler],
        *,
        service_url: Callable[[], str] | str,
        max_body_bytes: int,
        limits: SoapLimits | None = None,
        large_body_slots: int = default_limits.LARGE_BODY_SLOTS,
        large_body_wait_seconds: float = default_limits.LARGE_BODY_WAIT_SECONDS,
        large_body_stall_seconds: float = default_limits.LARGE_BODY_STALL_SECONDS,
    ) -> None:
        self._handler_factory = handler_factory
        self._service_url = service_url
        self._max_body_bytes = max_body_bytes
        self._limits = ParamLimits(limits)
        self._slots = LargeBodySlots(large_body_slots, large_body_wait_seconds)
        self._stall_seconds = large_body_stall_seconds
        self._wsdl_cache: tuple[str, bytes] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        method = scope["method"]
        if method == "POST":
            await self._post(scope, receive, send)
        elif method in ("GET", "HEAD"):
            await self._get(scope, send, head=method == "HEAD")
        else:
            allow = [(b"allow", b"GET, POST")]
            await _send(send, 405, b"Use POST for SOAP calls.\n", b"text/plain", allow)

    # -- GET -------------------------------------------------------------------------------

    def _wsdl(self) -> bytes:
        url = self._service_url if isinstance(self._service_url, str) else self._service_url()
        cached = self._wsdl_cache
        if cached is None or cached[0] != url:
            cached = self._wsdl_cache = (url, render_wsdl(url))
        return cached[1]

    async def _get(self, scope: Scope, send: Send, *, head: bool) -> None:
        query: bytes = scope.get("query_string", b"")
        wants_wsdl = any(
            part.partition(b"=")[0].lower() == b"wsdl" for part in query.split(b"&") if part
        )
        if wants_wsdl:
            await _send(send, 200, self._wsdl(), _XML, head=head)
        else:
            await _send(send, 200, _ABOUT, b"text/plain; charset=utf-8", head=head)

    # -- POST ------------------------------------------------------------------------------

    async def _post(self, scope: Scope, receive: Receive, send: Send) -> None:
        limit = self._max_body_bytes
        if _declared_length(scope) > limit:
            await _drain(receive, limit)
            await _send(send, 500, _too_large_fault(limit), _XML)
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more and size <= SMALL_BODY_BYTES:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            data: bytes = message.get("body", b"")
            more = message.get("more_body", False)
            if data:
                size += len(data)
                chunks.append(data)
        if size > limit:
            if more:
                await _drain(receive, limit)
            await _send(send, 500, _too_large_fault(limit), _XML)
            return
        if size <= SMALL_BODY_BYTES:
            status, body = await self._answer_small(b"".join(chunks))
            await _send(send, status, body, _XML)
            return
        if not await self._slots.acquire():
            if more:
                await _drain(receive, limit)
            logger.warning("qbwc: refused a large request: every large-body slot is busy")
            await _send(send, 503, _BUSY_FAULT, _XML, _BUSY_HEADERS)
            return
        try:
            answer = await self._receive_large(receive, chunks, size, more)
        finally:
            self._slots.release()
        if answer is None:
            return
        status, body, unread = answer
        if unread:
            # Refused before its end: read and drop the rest (no slot needed for that) so the
            # client gets to read the fault.
            await _drain(receive, limit)
        await _send(send, status, body, _XML)

    async def _receive_large(
        self, receive: Receive, chunks: list[bytes], size: int, more: bool
    ) -> tuple[int, bytes, bool] | None:
        """Read the rest of a large body into a spool, parsing it as it arrives; answer it.

        The parse checks the envelope and holds each parameter only up to its limit; it stops
        at the streamed `response`, which is read from the spool afterwards. Returns the status,
        the body and whether the request body still has unread bytes; None if the client went
        away.
        """
        limit = self._max_body_bytes
        reader = StreamingCallReader(self._limits)
        parsing = True
        # Closed in the finally below; a with-block cannot span the receive loop.
        spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY_BYTES)  # noqa: SIM115
        try:
            try:
                pending: list[bytes] = chunks
                message: Message | None = None
                while True:
                    for data in pending:
                        spool.write(data)
                        if parsing:
                            parsing = _feed_until_streamed(reader, data)
                    if not more:
                        break
                    message = None
                    # While a slot is held, a client that stops sending loses it.
                    with anyio.move_on_after(self._stall_seconds):
                        message = await receive()
                    if message is None:
                        logger.warning(
                            "qbwc: dropped a large request that sent nothing for %.0f s",
                            self._stall_seconds,
                        )
                        return 408, _stalled_fault(self._stall_seconds), False
                    if message["type"] == "http.disconnect":
                        return None
                    data = message.get("body", b"")
                    more = message.get("more_body", False)
                    size += len(data)
                    if size > limit:
                        return 500, _too_large_fault(limit), more
                    pending = [data] if data else []
                if parsing:
                    # The whole body is parsed: a call without a streamed response.
                    call = reader.close()
            except Exception as exc:
                return (*_fault(exc, reader.operation), more)
            if parsing:
                return (*await anyio.to_thread.run_sync(self._answer, call), False)
            return (*await anyio.to_thread.run_sync(self._answer_large, spool), False)
        finally:
            spool.close()

    async def _answer_small(self, body: bytes) -> tuple[int, bytes]:
        try:
            call = parse_call(body, self._limits)
        except Exception as exc:
            return _fault(exc, None)
        if call.operation in INLINE_OPERATIONS:
            return self._answer(call)
        return await anyio.to_thread.run_sync(self._answer, call)

    def _answer(self, call: SoapCall) -> tuple[int, bytes]:
        try:
            value = _DISPATCH[call.operation](self._handler_factory(), call.params)
            return 200, render_result(call.operation, value)
        except Exception as exc:
            return _fault(exc, call.operation)

    def _answer_large(self, spool: IO[bytes]) -> tuple[int, bytes]:
        """Answer a spooled body (runs in a worker thread): fast path if it fits, else lxml."""
        try:
            span = locate_response_text(spool)
        except Exception as exc:
            return _fault(exc, None)
        if span is not None:
            fast = FastResponseReader(spool, span, limits=self._limits)
            try:
                if fast.start():
                    logger.debug(
                        "qbwc: response of %d bytes read by the fast path", span.content_bytes
                    )
                    return self._receive_streamed(
                        fast.ticket, fast.response_chunks(), fast.read_trailer
                    )
            except Exception as exc:
                return _fault(exc, fast.operation)
        logger.debug("qbwc: large body read by the general (lxml-only) path")
        return self._answer_large_with_lxml(spool)

    def _receive_streamed(
        self,
        ticket: str | None,
        chunks: Iterator[str],
        read_trailer: Callable[[], tuple[str, str]],
    ) -> tuple[int, bytes]:
        if ticket is None:
            raise SoapFault("receiveResponseXML: 'ticket' must come before 'response'")
        call = ReceiveResponse(ticket, chunks, read_trailer)
        value = self._handler_factory().receive_response_xml(call)
        return 200, render_result("receiveResponseXML", value)

    def _answer_large_with_lxml(self, spool: IO[bytes]) -> tuple[int, bytes]:
        """Stream a spooled body through the parser; the response text comes from lxml."""
        spool.seek(0)
        reader = StreamingCallReader(self._limits)

        def pump() -> bool:
            data = spool.read(READ_CHUNK_BYTES)
            if not data:
                reader.close()
                return False
            reader.feed(data)
            return True

        try:
            while not reader.streamed_started and pump():
                pass
            if not reader.streamed_started:
                # Any call other than a receiveResponseXML with a response: all parsed.
                return self._answer(reader.close())

            def response_chunks() -> Iterator[str]:
                while True:
                    text = reader.take_text()
                    if text:
                        yield text
                    if reader.streamed_done or not pump():
                        break
                text = reader.take_text()
                if text:
                    yield text

            def read_trailer() -> tuple[str, str]:
                while pump():
                    pass
                params = reader.close().params
                return params.get("hresult", ""), params.get("message", "")

            return self._receive_streamed(
                reader.params.get("ticket"), response_chunks(), read_trailer
            )
        except Exception as exc:
            return _fault(exc, reader.operation)


def _feed_until_streamed(reader: StreamingCallReader, data: bytes) -> bool:
    """Feed `data` in small pieces until the streamed parameter starts; False once it has.

    A piece that holds `response` ends just after the `>` that follows it, so the parse stops
    at the start tag and the escaped content (slow through lxml callbacks) is left to the path
    made for it. Small pieces also keep each stretch of this event-loop work short.
    """
    pos, size = 0, len(data)
    while pos < size:
        end = min(pos + PREPARSE_PIECE_BYTES, size)
        tag = data.find(b"response", pos, end)
        if tag >= 0:
            close = data.find(b">", tag)
            if close >= 0:
                end = close + 1
        reader.feed(data[pos:end])
        pos = end
        if reader.streamed_started:
            return False
    return True


def _too_large_fault(limit: int) -> bytes:
    return render_fault("Client", f"the SOAP request is larger than the limit of {limit} bytes")


def _stalled_fault(seconds: float) -> bytes:
    return render_fault(
        "Client", f"the SOAP request stopped arriving (nothing for {seconds:.0f} seconds)"
    )


_BUSY_FAULT = render_fault(
    "Server",
    "qbdsync is busy receiving other large requests; the Web Connector's next update will "
    "try again",
)
_BUSY_HEADERS = [(b"retry-after", str(BUSY_RETRY_AFTER_SECONDS).encode())]


def _declared_length(scope: Scope) -> int:
    for name, value in scope["headers"]:
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return 0
    return 0


async def _drain(receive: Receive, cap: int) -> None:
    """Read and drop the rest of an oversized body so the client can read our fault.

    Bounded by `cap` bytes: past that the connection is simply closed after the response.
    """
    drained = 0
    while drained <= cap:
        message = await receive()
        if message["type"] != "http.request":
            return
        drained += len(message.get("body", b""))
        if not message.get("more_body", False):
            return


async def _send(
    send: Send,
    status: int,
    body: bytes,
    content_type: bytes,
    extra_headers: list[tuple[bytes, bytes]] | None = None,
    *,
    head: bool = False,
) -> None:
    headers: list[tuple[bytes, bytes]] = [
        (b"content-type", content_type),
        (b"content-length", str(len(body)).encode()),
    ]
    if extra_headers:
        headers.extend(extra_headers)
    start: dict[str, Any] = {"type": "http.response.start", "status": status, "headers": headers}
    await send(start)
    await send({"type": "http.response.body", "body": b"" if head else body})


def qbwc_routes(
    handler_factory: Callable[[], QbwcHandler],
    *,
    service_url: Callable[[], str] | str,
    max_body_bytes: int,
    path: str = "/qbwc",
    **options: Any,
) -> list[BaseRoute]:
    """Routes for the Web Connector endpoint: GET `path`[?wsdl] and POST `path`.

    `handler_factory` is called once per SOAP call, in the thread that runs the handler.
    `service_url` is the public URL written into the WSDL (a callable is read on each request).
    `options` are QbwcEndpoint's limits (limits, large_body_slots, large_body_wait_seconds).
    """
    endpoint = QbwcEndpoint(
        handler_factory, service_url=service_url, max_body_bytes=max_body_bytes, **options
    )
    return [Route(path, endpoint=endpoint)]
