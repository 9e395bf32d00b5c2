"""What a ``messageSetStatusCode`` on ``QBXMLMsgsRs`` means for the requests of that set.

The code belongs to QuickBooks' message-set error recovery (``newMessageSetID`` /
``oldMessageSetID``, made for writes): it speaks for the message set as a whole, not for one
request. A request QuickBooks ran still has its own ``…Rs`` with its own status, which stays the
authority for it; the set's code tells what happened to the requests that got no ``…Rs``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from qbdsync.qbxml.status import Recovery


@dataclass(frozen=True, slots=True)
class MessageSetOutcome:
    code: int
    # QuickBooks ran the set's requests: each has its own answer, nothing was lost.
    processed: bool
    # For a request of the set that got no answer (or, when processed, for the notice itself).
    recovery: Recovery
    meaning: str


_KNOWN: Final[dict[int, MessageSetOutcome]] = {
    outcome.code: outcome
    for outcome in (
        MessageSetOutcome(0, True, Recovery.OK, "the message set was processed"),
        MessageSetOutcome(
            600,
            False,
            Recovery.RETRY_NEXT_SESSION,
            "QuickBooks holds no stored message set with the ID asked about, so it did not run "
            "the requests",
        ),
        MessageSetOutcome(
            9001,
            False,
            Recovery.RETRY_NEXT_SESSION,
            "the checksum of the stored message set is invalid, so QuickBooks did not run the "
            "requests",
        ),
        MessageSetOutcome(
            9002,
            False,
            Recovery.RETRY_NEXT_SESSION,
            "QuickBooks has no stored response for the message set",
        ),
        MessageSetOutcome(
            9004,
            False,
            Recovery.FATAL_REQUEST,
            "the message set ID is longer than QuickBooks allows (24 characters), so it did not "
            "run the requests",
        ),
        MessageSetOutcome(
            9005,
            True,
            Recovery.KEEP_WARN,
            "QuickBooks ran the requests but could not store the message set's status for "
            "error recovery",
        ),
    )
}


def message_set_outcome(code: int | None) -> MessageSetOutcome:
    """The outcome of a message set by its code (None, as for an absent code: processed)."""
    if code is None:
        return _KNOWN[0]
    known = _KNOWN.get(code)
    if known is not None:
        return known
    # A code the reference does not list: requests without an answer are asked again later.
    return MessageSetOutcome(
        code,
        False,
        Recovery.RETRY_NEXT_SESSION,
        f"QuickBooks answered the message set with an unknown status {code}",
    )
