"""What every step of a session call shares: the core's settings, clock and owner id, and the
connection with its company as the call read them (once, then handed down)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from qbdsync.diagnosis import entries_service
from qbdsync.diagnosis.catalogue import for_code
from qbdsync.settings import Settings
from qbdsync.store.companies import CompanyRow, ConnectionRow

Clock = Callable[[], datetime]

CLOSED_EARLY = f"qbdsync: {for_code(entries_service.CLOSED_EARLY).user_message}"


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
