"""The engine's state between SOAP calls, kept as JSON in the session row.

Every Web Connector call may land on a different server process, so nothing lives in memory
between calls: the state is loaded, advanced by the engine and saved in the same transaction as
the records it produced.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from qbdsync.statuses import RunStatus


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
    pages: int = 0
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
    role: Literal["main", "deleted"]
    status_seen: bool = False
    continued: bool = False


@dataclass
class SessionState:
    version: str
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

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SessionState:
        values = dict(data)
        values["runs"] = [
            DatasetRun(**{**r, "status": RunStatus(r["status"])}) for r in data["runs"]
        ]
        values["in_flight"] = {k: InFlight(**v) for k, v in data["in_flight"].items()}
        return cls(**values)

    def run(self, name: str) -> DatasetRun:
        for run in self.runs:
            if run.name == name:
                return run
        raise KeyError(name)
