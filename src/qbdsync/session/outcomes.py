"""The typed outcomes of the session core, which each driver maps to its own answers.

The Web Connector adapter, for instance, answers `Send` with the request, `Finished` (from a
response) with 100, `Ended` with "" or -1 and the reason from getLastError, and `Wait` with ""
and getLastError's "NoOp". A driver that talks to QuickBooks directly just loops.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Send:
    """Give QuickBooks this qbXML request (`repeated`: the one already given, asked again)."""

    request: str
    repeated: bool = False


@dataclass(frozen=True, slots=True)
class Wait:
    """Nothing to send right now, but the session goes on: ask again shortly.

    Kept in the session row as "active, nothing in flight, no error", never as a sentinel text.
    """


@dataclass(frozen=True, slots=True)
class Finished:
    """The session is complete; `summary` is the human summary of what it did."""

    summary: str


@dataclass(frozen=True, slots=True)
class Ended:
    """The session cannot go on (refused, stopped or failed); `reason` says why, for the user."""

    reason: str


@dataclass(frozen=True, slots=True)
class Progress:
    """A response was taken; more to do. `percent` is 0..99.

    Never 100, whatever the caller computed: the Web Connector stops calling at 100, and a
    session's writes run before its reads (the engine, with no dataset run yet or none at all
    when no sync is due, reports 100 then), so 100 here would end the session mid-write.
    """

    percent: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "percent", min(max(self.percent, 0), 99))


Step = Send | Wait | Finished | Ended
Taken = Progress | Finished | Ended


class Response(Protocol):
    """QuickBooks' answer to a request: the text in chunks (none when QuickBooks sent only an
    hresult), then the hresult and message, which are known once the chunks are exhausted.

    The Web Connector's `ReceiveResponse` is one; `local.TextResponse` another.
    """

    def response_chunks(self) -> Iterator[str]: ...

    @property
    def hresult(self) -> str: ...

    @property
    def message(self) -> str: ...
