"""The seam between the SOAP protocol layer and the service logic.

The endpoint turns each Web Connector call into one method call on a `QbwcHandler` and renders
what it returns; the handler never sees XML envelopes or HTTP. Handlers are synchronous because
they do database work: the endpoint runs them in a worker thread, except for the three idle-poll
calls (serverVersion, clientVersion, authenticate), which must answer in well under a millisecond
and are called inline.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Protocol

_NOT_YET = "hresult and message are known only after response_chunks() has been exhausted"


class ReceiveResponse:
    """One receiveResponseXML call, whose `response` may be hundreds of MB.

    The qbXML response text (already unescaped) arrives through `response_chunks()`, read lazily
    from the spooled request body, so neither the body nor the text is ever held whole.
    `hresult` and `message` follow the response in the SOAP body, so they can be read only once
    the chunks are exhausted — also when the response is empty, which is how QuickBooks-side
    failures arrive. This rule holds for small bodies too, so handlers cannot come to rely on a
    shortcut that large bodies would break.

    Iterating may raise `qbdsync.errors.InvalidXML` if the rest of the body turns out to be
    malformed; a handler should then roll back what it stored from this response.
    """

    __slots__ = ("_chunks", "_consumed", "_hresult", "_message", "_read_trailer", "ticket")

    def __init__(
        self,
        ticket: str,
        chunks: Iterable[str],
        read_trailer: Callable[[], tuple[str, str]],
    ) -> None:
        self.ticket = ticket
        self._chunks = chunks
        self._read_trailer = read_trailer
        self._consumed = False
        self._hresult: str | None = None
        self._message: str | None = None

    @classmethod
    def from_text(cls, ticket: str, response: str, hresult: str, message: str) -> ReceiveResponse:
        """A call whose parameters are already in memory (small bodies, tests)."""
        return cls(ticket, (response,) if response else (), lambda: (hresult, message))

    def response_chunks(self) -> Iterator[str]:
        """Yield the response text in pieces (none when the response is empty). Single use."""
        if self._consumed:
            raise RuntimeError("response_chunks() can be iterated only once")
        self._consumed = True
        for chunk in self._chunks:
            if chunk:
                yield chunk
        self._hresult, self._message = self._read_trailer()

    @property
    def hresult(self) -> str:
        if self._hresult is None:
            raise RuntimeError(_NOT_YET)
        return self._hresult

    @property
    def message(self) -> str:
        if self._message is None:
            raise RuntimeError(_NOT_YET)
        return self._message

    def read_response(self) -> str:
        """The whole response text. Only for callers that know it is small (tests, tools)."""
        return "".join(self.response_chunks())


class QbwcHandler(Protocol):
    """What the service answers to each Web Connector call (see reference/qbwc.md).

    Raise a `qbdsync.errors.RejectedInput` subclass to answer a soap:Client fault carrying the
    exception's message; any other exception becomes a soap:Server fault with a generic message
    (the exception is logged). Prefer answering in-protocol (negative progress, "nvu", a
    closeConnection message) over faults: QBWC shows faults to the user as cryptic errors.
    """

    def server_version(self) -> str: ...

    def client_version(self, version: str) -> str: ...

    def authenticate(self, username: str, password: str) -> list[str]: ...

    def send_request_xml(
        self,
        ticket: str,
        hcp_response: str,
        company_file: str,
        country: str,
        major: str,
        minor: str,
    ) -> str: ...

    def receive_response_xml(self, call: ReceiveResponse) -> int: ...

    def connection_error(self, ticket: str, hresult: str, message: str) -> str: ...

    def get_last_error(self, ticket: str) -> str: ...

    def close_connection(self, ticket: str) -> str: ...

    def get_interactive_url(self, ticket: str, session_id: str) -> str: ...

    def interactive_done(self, ticket: str) -> str: ...

    def interactive_rejected(self, ticket: str, reason: str) -> str: ...
