"""What a driver talks to on the PC: QuickBooks, through its request processor.

The simulator's `SimulatedQuickBooks` is one implementation; the Windows agent's COM client
(QBXMLRP2's BeginSession / ProcessRequest / EndSession) will be another. The Web Connector plays
the same part on the user's PC, which is why the Web Connector simulator drives one too.
"""

from __future__ import annotations

from typing import NamedTuple, Protocol


class OpenedCompany(NamedTuple):
    """What a driver learns when QuickBooks opens the company file.

    `hcp_response` is QuickBooks' answer to the host, company and preferences queries (QBWC's
    strHCPResponse); a driver that has none passes "" and the session core asks for it as its
    first request. `major`/`minor` are the newest qbXML version QuickBooks says it accepts.
    """

    hcp_response: str
    company_file: str
    country: str
    major: str
    minor: str


class RequestProcessor(Protocol):
    """QuickBooks' request processor, for one session at a time.

    `begin_session` and `process` signal QuickBooks-side failures by raising an exception with
    string attributes `hresult` and `message` (e.g. hresult "0x80040400" for a request QuickBooks
    could not parse); `QuickBooksError` is one.
    """

    def begin_session(self) -> OpenedCompany: ...

    def process(self, request_xml: str) -> str: ...

    def end_session(self) -> None: ...


class QuickBooksError(Exception):
    """A QuickBooks-side failure (any exception with hresult/message attributes works)."""

    def __init__(self, hresult: str, message: str) -> None:
        super().__init__(f"{hresult}: {message}")
        self.hresult = hresult
        self.message = message


def quickbooks_failure(exc: BaseException) -> tuple[str, str] | None:
    """(hresult, message) of a QuickBooks-side failure; None for any other exception."""
    hresult = getattr(exc, "hresult", None)
    if isinstance(hresult, str):
        message = getattr(exc, "message", None)
        return hresult, message if isinstance(message, str) else str(exc)
    return None
