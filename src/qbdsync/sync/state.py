"""The engine's state between SOAP calls, kept as JSON in the session row.

Every Web Connector call may land on a different server process, so nothing lives in memory
between calls: the state is loaded, advanced by the engine and saved in the same transaction as
the records it produced.

The JSON carries a schema version (``"schema"``), because a session can outlive the process
that started it: an upgrade between two calls of one session meets state an older qbdsync
wrote, and a rollback meets state a newer one wrote. An older schema is migrated on load, step
by step; a newer (or unreadable) one raises UnreadableState, and the caller ends that session:
the next one plans afresh from the committed watermarks. Change a field's name, meaning or
shape only together with a new schema number and a migration from the one before.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, Final, Literal, get_args

from qbdsync.errors import UnreadableState
from qbdsync.statuses import RunStatus
from qbdsync.sync.datasets import DATASETS

Role = Literal["main", "deleted"]

# The schema the code below reads and writes. Schema 1 is the shape stored before the state was
# versioned (it has no "schema" key).
STATE_SCHEMA: Final = 3


@dataclass
class DatasetRun:
    name: str
    status: RunStatus = RunStatus.PENDING
    # The committed watermark when the session started (QuickBooks' TimeModified text).
    watermark: str | None = None
    # The newest TimeModified seen during this run; becomes the watermark once complete.
    high_water: str | None = None
    iterator_id: str | None = None
    remaining: int | None = None
    records: int = 0
    # Rows made for each derived data type (a bank account from an account…): a derived type's
    # pull operation counts these, not the source records it looked at.
    derived: dict[str, int] = field(default_factory=dict)
    deleted: int = 0
    restarts: int = 0
    message: str | None = None
    # First TxnDate to read (a history limit), as YYYY-MM-DD.
    history_from: str | None = None
    # MaxReturned for the next page, adapted to the records' observed size.
    page_size: int | None = None
    records_at_page_start: int = 0
    # Sent alone after a batched message set failed as a whole (the culprit is unknown).
    solo: bool = False
    # The stored watermark was in the future (written before TimeModified was checked): read
    # the dataset in full, and every deletion QuickBooks remembers, to recover.
    rescan: bool = False


@dataclass
class InFlight:
    dataset: str
    role: Role
    status_seen: bool = False


@dataclass
class SessionState:
    qbxml_version: str  # the qbXML version every request of the session is written in
    home_currency: str | None
    country: str
    max_returned: int
    target_page_bytes: int
    overlap_seconds: int
    deadline: float | None  # the time budget: start nothing new after it
    hard_deadline: float | None  # cut even an open iterator after it
    runs: list[DatasetRun]
    in_flight: dict[str, InFlight] = field(default_factory=dict)
    # ListIDs of bank and credit-card accounts, so transactions can tell money moves apart.
    bank_account_ids: list[str] = field(default_factory=list)
    # The company's Currency list as [ListID, name, ISO code] (stored before the session, then
    # as CurrencyRet records arrive), so records get the company's own codes.
    currencies: list[list[str]] = field(default_factory=list)
    round_trips: int = 0
    next_request_id: int = 1
    # A TimeModified later than the server's clock plus this is a wrong PC clock: the record is
    # kept, but no watermark passes that point (see SyncEngine._plausible).
    future_tolerance_seconds: int = 3600
    # When the request in flight was asked (UNIX time): the clock that TimeModified is held to.
    asked_at: float | None = None
    # The session began with qbdsync's own host query (no strHCPResponse): its answer, posted
    # again, is a repeated response, not an answer to a stranger's request.
    answered_host_query: bool = False
    # The UTC offset the company's own time stamps carry (from a stored watermark, else the
    # first record of the session that has one): the PC's clock that the future-stamp clamp
    # holds TimeModified to. None until one is seen.
    company_offset: str | None = None
    # The session's writes into QuickBooks (pushes), sent before any read: the session core's
    # own phase record (session/writing/phase.py reads and checks it); None before it began.
    writes: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        return {"schema": STATE_SCHEMA, **asdict(self)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SessionState:
        """The state stored by to_json, of this schema or (migrated) an older one.

        Raises UnreadableState for a newer schema or a shape no schema has.
        """
        schema = data.get("schema", 1)
        if not isinstance(schema, int) or isinstance(schema, bool) or schema < 1:
            raise UnreadableState(
                f"the stored session state has an invalid schema version {schema!r}",
                schema=schema,
            )
        if schema > STATE_SCHEMA:
            raise UnreadableState(
                f"the stored session state is of schema {schema}, written by a newer qbdsync "
                f"(this one reads schemas 1 to {STATE_SCHEMA})",
                schema=schema,
            )
        try:
            while schema < STATE_SCHEMA:
                data = _MIGRATIONS[schema](data)
                schema += 1
            values = {k: v for k, v in data.items() if k != "schema"}
            values["runs"] = [
                DatasetRun(**{**r, "status": RunStatus(r["status"])}) for r in data["runs"]
            ]
            values["in_flight"] = {k: InFlight(**v) for k, v in data["in_flight"].items()}
            state = cls(**values)
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            # A missing or unknown field, a status no schema has, or a list or mapping where none
            # belongs.
            raise UnreadableState(
                f"the stored session state (schema {data.get('schema', 1)}) cannot be read: "
                f"{type(exc).__name__}: {exc}",
                schema=schema,
            ) from None
        state._check()
        return state

    def _check(self) -> None:
        """Refuse values the engine would misread later (a status it does not know…)."""
        statuses = set(RunStatus)
        roles = set(get_args(Role))
        names = {r.name for r in self.runs}
        bad = [f"data set {r.name!r}" for r in self.runs if r.name not in DATASETS]
        bad += [f"run status {r.status!r}" for r in self.runs if r.status not in statuses]
        bad += [f"request role {f.role!r}" for f in self.in_flight.values() if f.role not in roles]
        bad += [
            f"data set {f.dataset!r} in flight"
            for f in self.in_flight.values()
            if f.dataset not in names
        ]
        if bad:
            raise UnreadableState(
                f"the stored session state cannot be read: unknown {', '.join(bad)}",
                schema=STATE_SCHEMA,
            )

    def run(self, name: str) -> DatasetRun:
        for run in self.runs:
            if run.name == name:
                return run
        raise KeyError(name)


def _from_schema_1(data: dict[str, Any]) -> dict[str, Any]:
    """Schema 1 (unversioned) → 2: the qbXML version gets a name that cannot be mistaken for
    the schema's, and two fields nothing read are dropped (a run's page count, which only
    grew, and an in-flight request's ``continued`` flag, which nothing set)."""
    moved = {k: v for k, v in data.items() if k != "version"}
    moved["qbxml_version"] = data["version"]
    moved["runs"] = [{k: v for k, v in run.items() if k != "pages"} for run in data["runs"]]
    moved["in_flight"] = {
        request_id: {k: v for k, v in flight.items() if k != "continued"}
        for request_id, flight in data["in_flight"].items()
    }
    moved["schema"] = 2
    return moved


def _from_schema_2(data: dict[str, Any]) -> dict[str, Any]:
    """Schema 2 → 3: the writes phase. A session stored before it was already reading, so its
    writes are done (pushes wait for the next session, which sends them first)."""
    return {**data, "writes": {"step": "done"}, "schema": 3}


# The migration from each older schema to the next one.
_MIGRATIONS: Final[dict[int, Callable[[dict[str, Any]], dict[str, Any]]]] = {
    1: _from_schema_1,
    2: _from_schema_2,
}
