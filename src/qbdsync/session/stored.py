"""What a session keeps in its state column between calls, each shape with a schema version.

Before the company file is known (the driver sent no company information, so the core asked
QuickBooks for it) the state is a pending host query; from then on it is the engine's
`SessionState`. Both are read here, and a state of a schema this qbdsync does not know (or of
no shape at all) raises UnreadableState: the caller ends that session and the next one plans
afresh from the committed watermarks.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any, Final

from qbdsync.errors import UnreadableState
from qbdsync.session.processor import OpenedCompany
from qbdsync.session.writing.phase import WritePhase
from qbdsync.sync.engine import SyncEngine
from qbdsync.sync.state import SessionState

# The pending host query's shape. Schema 1 was also stored without a "schema" key.
HOST_QUERY_SCHEMA: Final = 1


@dataclass(frozen=True)
class PendingHostQuery:
    """A session waiting for the answer to its own host query: the driver had no company
    information, so the core asked QuickBooks for it; what the driver said it opened."""

    version: str  # the qbXML version the host query was written in
    company_file: str
    country: str
    major: str
    minor: str

    def to_json(self) -> dict[str, Any]:
        return {"schema": HOST_QUERY_SCHEMA, "host_query": asdict(self)}

    @classmethod
    def from_json(cls, state: dict[str, Any]) -> PendingHostQuery:
        schema = state.get("schema", 1)
        if schema != HOST_QUERY_SCHEMA or isinstance(schema, bool):
            raise UnreadableState(
                f"the stored host query of this session is of schema {schema!r} (this qbdsync "
                f"reads schema {HOST_QUERY_SCHEMA})",
                schema=schema,
            )
        found = state["host_query"]
        names = {f.name for f in fields(cls)}
        if not isinstance(found, dict) or set(found) != names:
            raise UnreadableState(
                "the stored host query of this session cannot be read: fields "
                f"{sorted(found) if isinstance(found, dict) else type(found).__name__}",
                schema=schema,
            )
        if not all(isinstance(found[name], str) for name in names):
            raise UnreadableState(
                "the stored host query of this session cannot be read: a field is not text",
                schema=schema,
            )
        return cls(**found)

    def opened(self) -> OpenedCompany:
        return OpenedCompany("", self.company_file, self.country, self.major, self.minor)


def load(state: object) -> SyncEngine | PendingHostQuery:
    """The engine of a stored session state, or the host query it waits for."""
    if not isinstance(state, dict):
        raise UnreadableState(
            f"the stored session state is a {type(state).__name__}, not an object"
        )
    if "host_query" in state:
        return PendingHostQuery.from_json(state)
    engine = SyncEngine(SessionState.from_json(state))
    WritePhase.from_json(engine.state.writes)  # refused here, not halfway through a call
    return engine
