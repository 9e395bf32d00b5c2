"""An in-process driver: one whole session, the session core talking to a request processor
directly — no SOAP, no tickets. What a driver on the PC itself (the Windows agent) does, and how
the session core's unit tests run sessions against the simulated QuickBooks.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from qbdsync.session.core import SessionCore
from qbdsync.session.outcomes import Finished, Progress, Send, Step, Taken, Wait
from qbdsync.session.processor import RequestProcessor, quickbooks_failure


@dataclass(frozen=True)
class TextResponse:
    """A response already in memory, handed over in chunks of `chunk_chars` (0: whole)."""

    text: str
    hresult: str = ""
    message: str = ""
    chunk_chars: int = 0

    def response_chunks(self) -> Iterator[str]:
        size = self.chunk_chars or len(self.text) or 1
        for start in range(0, len(self.text), size):
            yield self.text[start : start + size]


@dataclass
class LocalResult:
    key: str
    requests: int = 0  # requests QuickBooks processed
    progress: list[int] = field(default_factory=list)
    # The core's summary (Finished) or reason (Ended) at the end, and closing's text.
    outcome: Step | Taken | None = None
    close_text: str | None = None
    hresults: list[str] = field(default_factory=list)  # QuickBooks-side failures of requests

    @property
    def finished(self) -> bool:
        return isinstance(self.outcome, Finished)


def run_local_session(
    core: SessionCore,
    connection_id: str,
    quickbooks: RequestProcessor,
    *,
    key: str | None = None,
    send_company_info: bool = True,
    chunk_chars: int = 0,
    max_waits: int = 10,
    wait: Callable[[], None] = lambda: None,
) -> LocalResult:
    """Open QuickBooks, run the session to its end and close it.

    `send_company_info=False` plays a driver that has no company information (the core then
    asks QuickBooks for it); `wait` is called between `Wait` outcomes (a real driver sleeps).
    """
    result = LocalResult(key or f"local-{uuid.uuid4()}")
    opened = quickbooks.begin_session()
    try:
        if not send_company_info:
            opened = opened._replace(hcp_response="")
        step: Step | None = core.start(result.key, connection_id, opened)
        waits = 0
        while True:
            if isinstance(step, Send):
                taken = core.take_response(
                    result.key, _ask(quickbooks, step.request, result, chunk_chars)
                )
                result.requests += 1
                if isinstance(taken, Progress):
                    result.progress.append(taken.percent)
                    step = core.next_request(result.key)
                    continue
                result.outcome = taken
                break
            if isinstance(step, Wait) and waits < max_waits:
                waits += 1
                wait()
                step = core.next_request(result.key)
                continue
            result.outcome = step
            break
    finally:
        quickbooks.end_session()
        result.close_text = core.close(result.key)
    return result


def _ask(
    quickbooks: RequestProcessor, request: str, result: LocalResult, chunk_chars: int
) -> TextResponse:
    try:
        return TextResponse(quickbooks.process(request), chunk_chars=chunk_chars)
    except Exception as exc:
        failure = quickbooks_failure(exc)
        if failure is None:
            raise
        result.hresults.append(failure[0])
        return TextResponse("", hresult=failure[0], message=failure[1])
