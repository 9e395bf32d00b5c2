"""QuickBooks' answer to a request of the writes phase, read whole (they are small), and the
check that it answers the request in flight rather than an earlier one posted again late."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from qbdsync.qbxml.parser import MessageSetStatus, Record, ResponseParser, ResponseStatus
from qbdsync.session.context import Env
from qbdsync.session.outcomes import Response
from qbdsync.session.writing.building import query_id
from qbdsync.session.writing.phase import WritePhase
from qbdsync.store.pushes import PushRow


@dataclass(frozen=True, slots=True)
class Answer:
    """QuickBooks' answer to a request of the writes phase."""

    text_chars: int
    message_set: MessageSetStatus | None
    statuses: list[ResponseStatus]
    records: list[Record]


@dataclass(frozen=True, slots=True)
class Lost:
    """No answer came (only an hresult): the push stays sent; the next session recovers it."""

    hresult: str
    message: str


def read_answer(env: Env, response: Response) -> Answer:
    parser = ResponseParser(env.settings.record_limits())
    message_set: MessageSetStatus | None = None
    statuses: list[ResponseStatus] = []
    records: list[Record] = []
    chars = 0

    def take(events: Iterable[object]) -> None:
        nonlocal message_set
        for event in events:
            if isinstance(event, MessageSetStatus):
                message_set = event
            elif isinstance(event, ResponseStatus):
                statuses.append(event)
            elif isinstance(event, Record):
                records.append(event)

    for chunk in response.response_chunks():
        chars += len(chunk)
        take(parser.feed(chunk))
    if chars:
        take(parser.close())
    return Answer(chars, message_set, statuses, records)


def answers_in_flight(phase: WritePhase, push: PushRow, answer: Answer) -> bool:
    """Does the answer belong to the request in flight? Its message set id (where QuickBooks
    echoes one) and its requestIDs must be the ones that request carried."""
    said_set = answer.message_set.message_set_id if answer.message_set is not None else None
    in_sets = phase.step in ("write", "recover", "clear")
    if in_sets and said_set is not None and said_set != (phase.message_set_id or said_set):
        return False
    expected = query_id(push) if phase.step in ("search", "reread") else str(push.seq)
    return all(s.request_id in (None, expected) for s in answer.statuses)
