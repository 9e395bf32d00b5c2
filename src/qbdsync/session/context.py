"""What every step of a session call shares: the core's settings, clock and owner id, and the
connection with its company as the call read them (once, then handed down)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from qbdsync.settings import Settings
from qbdsync.store.companies import CompanyRow, ConnectionRow

Clock = Callable[[], datetime]

CLOSED_EARLY = "qbdsync: session closed before the sync finished; the next update resumes."


@dataclass(frozen=True, slots=True)
class Env:
    """The session core's fixed inputs: settings passed in, the one clock, our OwnerID."""

    settings: Settings
    clock: Clock
    owner_id: str


@dataclass(frozen=True, slots=True)
class Context:
    """The connection and its company, read once per call and handed down from there."""

    connection: ConnectionRow
    company: CompanyRow
