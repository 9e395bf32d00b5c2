"""Where the session's writes stand between calls, and the one place a push is settled.

The phase is kept in the engine's state (``SessionState.writes``) as a `WritePhase`, so any
server process can take the next call. Settling goes through `settle` alone because the count
of pushes settled is what the time budget (`sending`) and the session's close text read.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from datetime import datetime
from typing import Any, Final, Literal, get_args

from sqlalchemy import Connection

from qbdsync import outbox
from qbdsync.errors import UnreadableState
from qbdsync.outbox import PushOutcome
from qbdsync.store.pushes import PushRow
from qbdsync.sync.engine import SyncEngine

WRITES_SCHEMA: Final = 1
Step = Literal["start", "write", "recover", "clear", "search", "reread", "done"]
# The steps with a request of the writes phase out: its answer is taken by `taking`.
_IN_FLIGHT: Final = frozenset({"write", "recover", "clear", "search", "reread"})


@dataclass
class WritePhase:
    """Where the session's writes stand, kept between calls in the session state."""

    step: Step = "start"
    push_key: str | None = None  # the push the request in flight is about
    message_set_id: str | None = None  # of the write or recovery in flight
    then_search: bool = False  # a clear in flight is followed by the search for the push
    reapplied: bool = False  # the push's change was re-applied after a stale EditSequence
    deferred: list[str] = field(default_factory=list)  # left for the next session
    settled: int = 0  # pushes this session settled

    def to_json(self) -> dict[str, Any]:
        return {"schema": WRITES_SCHEMA, **asdict(self)}

    @classmethod
    def from_json(cls, data: object) -> WritePhase:
        """The phase stored by to_json (None: the session has not begun its writes)."""
        if data is None:
            return cls()
        if not isinstance(data, dict):
            raise UnreadableState(f"the stored writes phase is a {type(data).__name__}")
        schema = data.get("schema", WRITES_SCHEMA)
        if schema != WRITES_SCHEMA:
            raise UnreadableState(
                f"the stored writes phase is of schema {schema!r} (this qbdsync reads schema "
                f"{WRITES_SCHEMA})",
                schema=schema,
            )
        values = {k: v for k, v in data.items() if k != "schema"}
        names = {f.name for f in fields(cls)}
        if not set(values) <= names or values.get("step", "start") not in get_args(Step):
            raise UnreadableState(f"the stored writes phase cannot be read: {sorted(values)}")
        try:
            return cls(**values)
        except TypeError as exc:
            raise UnreadableState(f"the stored writes phase cannot be read: {exc}") from None


def phase_of(engine: SyncEngine) -> WritePhase:
    return WritePhase.from_json(engine.state.writes)


def save_phase(engine: SyncEngine, phase: WritePhase) -> None:
    engine.state.writes = phase.to_json()


def in_flight(engine: SyncEngine) -> bool:
    """Is the request out one of the writes phase's (its response is taken by `taking`)?"""
    return phase_of(engine).step in _IN_FLIGHT


def go_on(engine: SyncEngine, phase: WritePhase) -> str | None:
    """Done with this push: the next due one is chosen. Returns None, the answer of a taker
    with no follow-up request, so a taker can end with ``return go_on(...)``."""
    phase.step, phase.push_key, phase.message_set_id = "start", None, None
    phase.then_search = phase.reapplied = False
    save_phase(engine, phase)
    return None


def settle(
    conn: Connection, phase: WritePhase, push: PushRow, outcome: PushOutcome, now: datetime
) -> None:
    """Record what became of the push (with its event, and its dependants on a failure)."""
    outbox.settle_push(conn, push.push_key, outcome, now=now)
    phase.settled += 1
