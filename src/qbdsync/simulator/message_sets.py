"""QuickBooks' error recovery for message sets, and a fault that loses a write's response.

QuickBooks keeps the recovery state of ONE message set per integrated application and company
file (here: in the company file, so it survives restarts of everything but the file itself):

* A set sent with ``newMessageSetID="X"`` is recorded as received before it runs, then its
  responses are stored with a checksum once it has run.
* A set sent with ``oldMessageSetID="X"`` asks for that stored result. When X is the stored id,
  QuickBooks answers with the stored responses and runs nothing new (``messageSetStatusCode`` 0),
  or 9002 when it received X but stored no response (it stopped in between: whether the writes
  happened is unknown), or 9001 when the stored response fails its checksum. When X is not the
  stored id the answer is 600 and the set's own requests (if any) run as a new set.
  ``oldMessageSetID`` without ``newMessageSetID`` also clears what was stored.
* An id longer than 24 characters is 9004 and nothing runs; 9005 means the result could not be
  stored (the requests did run): :attr:`MessageSetStore.fail_storing` simulates that.

:class:`DropWrite` (``--drop-write N[:STEP]``, see :func:`parse_drop_write`) loses the response of
the message set holding the N-th write request at STEP: ``unstored`` (QuickBooks applied it and
stopped before storing the response), ``stored`` (stored, then lost on its way to the Web
Connector), and the Web Connector's ``receive`` and ``close`` (QuickBooks answered; the server
processed the Web Connector's receiveResponseXML / closeConnection, whose HTTP reply is then lost
as on a dropped connection) and ``killed`` (QuickBooks answered and stored the response; the Web
Connector process dies before posting it: no further call of that session reaches the server).
The Web Connector simulator asks :meth:`WriteFaults.take` whether to lose each of its calls.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final, Literal, get_args

from qbdsync.qbxml.write_schema import MESSAGE_SET_ID_MAX
from qbdsync.simulator.company import SimulatedCompany
from qbdsync.simulator.render import DOCUMENT_TAIL, Response, escape_attribute
from qbdsync.simulator.request_parser import MessageSet
from qbdsync.simulator.write_parser import is_write_request

DropStep = Literal["unstored", "stored", "receive", "close", "killed"]
DROP_STEPS: Final[tuple[str, ...]] = get_args(DropStep)
# The COM call fails as when QuickBooks stops mid-request ("The RPC server is unavailable").
LOST_HRESULT: Final[str] = "0x800706BA"
NO_MATCH: Final[int] = 600
BAD_CHECKSUM: Final[int] = 9001
NO_STORED_RESPONSE: Final[int] = 9002
ID_TOO_LONG: Final[int] = 9004
NOT_STORED: Final[int] = 9005
_META_KEY: Final[str] = "message_sets"


class ResponseLost(Exception):
    """The response of a message set never reaches the Web Connector (a simulated crash)."""

    def __init__(self, step: str) -> None:
        super().__init__(f"{LOST_HRESULT}: QuickBooks stopped ({step}); the response is lost.")
        self.hresult = LOST_HRESULT
        self.message = f"The RPC server is unavailable (simulated loss at step {step})."
        self.step = step


@dataclass(frozen=True, slots=True)
class DropWrite:
    """Lose the response of the ``number``-th write request (1-based) at ``step``."""

    number: int
    step: DropStep = "stored"


def parse_drop_write(spec: str) -> DropWrite:
    """``"3"`` or ``"3:unstored"`` → DropWrite(3, "unstored"); ValueError for anything else."""
    number_text, _, step = spec.strip().partition(":")
    if not number_text.isdigit() or int(number_text) < 1:
        raise ValueError(f"drop-write spec {spec!r}: N must be a write number from 1")
    step = step or "stored"
    if step not in DROP_STEPS:
        raise ValueError(f"drop-write spec {spec!r}: STEP must be one of {', '.join(DROP_STEPS)}")
    return DropWrite(int(number_text), step)  # type: ignore[arg-type]


class WriteFaults:
    """Counts write requests and says when the chosen one's response is to be lost."""

    def __init__(self, drop: DropWrite | None = None) -> None:
        self.drop = drop
        self.writes_seen = 0
        self._armed: str | None = None  # the step still to fire for the current set

    def begin_set(self, message_set: MessageSet) -> None:
        count = sum(1 for request in message_set.requests if is_write_request(request.name))
        first = self.writes_seen + 1
        self.writes_seen += count
        drop = self.drop
        if drop is not None and count and first <= drop.number <= self.writes_seen:
            self._armed = drop.step
        elif count and self._armed != "close":
            # A "close" loss waits for the session's end, past any later write sets.
            self._armed = None

    def lose_unstored(self) -> None:
        """A set without a message-set id: a loss at either QuickBooks step loses it outright."""
        for step in ("unstored", "stored"):
            if self.take(step):
                raise ResponseLost(step)

    def take(self, step: str) -> bool:
        """True once, at the armed step of the set holding the chosen write."""
        if self._armed != step:
            return False
        self._armed = None
        return True


@dataclass
class _Stored:
    message_set_id: str
    responses: str | None  # None: received, no response stored
    checksum: str


def _checksum(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def render_message_set(
    responses: list[Response], message_set_id: str | None, status_code: int | None
) -> str:
    """A response document whose QBXMLMsgsRs carries the recovery attributes."""
    attributes = ""
    if message_set_id is not None:
        attributes += f' messageSetID="{escape_attribute(message_set_id)}"'
    if status_code is not None:
        attributes += f' messageSetStatusCode="{status_code}"'
    out = [f'<?xml version="1.0" ?>\n<QBXML>\n<QBXMLMsgsRs{attributes}>\n']
    for response in responses:
        response.render(out)
    out.append(DOCUMENT_TAIL)
    return "".join(out)


class MessageSetStore:
    """The one stored message set of an application in a company file."""

    def __init__(self, company: SimulatedCompany, application: str = "qbdsync") -> None:
        self.company = company
        self.application = application
        self.fail_storing = False  # simulate 9005
        self.corrupt_next = False  # simulate 9001 for the next stored response

    def stored(self) -> _Stored | None:
        found = self.company.meta(_META_KEY, {}).get(self.application)
        return None if found is None else _Stored(**found)

    def _save(self, stored: _Stored | None) -> None:
        all_sets = dict(self.company.meta(_META_KEY, {}))
        if stored is None:
            all_sets.pop(self.application, None)
        else:
            all_sets[self.application] = {
                "message_set_id": stored.message_set_id,
                "responses": stored.responses,
                "checksum": stored.checksum,
            }
        self.company.set_meta(_META_KEY, all_sets)

    def process(
        self,
        message_set: MessageSet,
        run: Callable[[], list[Response]],
        faults: WriteFaults,
    ) -> str:
        """Answer a message set that carries newMessageSetID and/or oldMessageSetID."""
        new_id, old_id = message_set.new_message_set_id, message_set.old_message_set_id
        for given in (new_id, old_id):
            if given is not None and (not given or len(given) > MESSAGE_SET_ID_MAX):
                return render_message_set([], given, ID_TOO_LONG)
        status: int | None = None
        if old_id is not None:
            stored = self.stored()
            if stored is not None and stored.message_set_id == old_id:
                if new_id is None:
                    self._save(None)
                if stored.responses is None:
                    return render_message_set([], old_id, NO_STORED_RESPONSE)
                if _checksum(stored.responses) != stored.checksum:
                    return render_message_set([], old_id, BAD_CHECKSUM)
                return _stored_document(stored.responses, old_id)
            status = NO_MATCH
            if not message_set.requests or new_id is None:
                return render_message_set([], old_id, NO_MATCH)
        assert new_id is not None
        faults.begin_set(message_set)
        self._save(_Stored(new_id, None, ""))
        responses = run()
        if faults.take("unstored"):
            raise ResponseLost("unstored")
        body = "".join(_rendered(responses))
        if self.fail_storing:
            self._save(None)
            return render_message_set(responses, new_id, NOT_STORED)
        checksum = _checksum(body)
        if self.corrupt_next:
            self.corrupt_next = False
            checksum = "0" * len(checksum)
        self._save(_Stored(new_id, body, checksum))
        if faults.take("stored"):
            raise ResponseLost("stored")
        return render_message_set(responses, new_id, status)


def _rendered(responses: list[Response]) -> list[str]:
    out: list[str] = []
    for response in responses:
        response.render(out)
    return out


def _stored_document(body: str, message_set_id: str) -> str:
    head = (
        '<?xml version="1.0" ?>\n<QBXML>\n'
        f'<QBXMLMsgsRs messageSetID="{escape_attribute(message_set_id)}"'
        ' messageSetStatusCode="0">\n'
    )
    return head + body + DOCUMENT_TAIL
