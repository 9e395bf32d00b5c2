"""What the sync engine produces for the store to write: record rows and sync errors.

The engine is sans-IO, so its output types live beside it in sync; the store takes them as its
input. The widths are the record keys' column widths (store/tables.py makes its columns from
them): the engine checks QuickBooks' values against them before a row is made, so PostgreSQL
(which refuses longer values) and SQLite (which would keep them) behave the same.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from qbdsync.qbxml.status import Recovery

# QuickBooks' ListIDs/TxnIDs are ~20 characters, EditSequences ~10.
RECORD_ID_CHARS = 64
EDIT_SEQUENCE_CHARS = 32
SOURCE_MODIFIED_CHARS = 32


@dataclass(frozen=True, slots=True)
class RecordRow:
    """One record ready to be written: the engine's output, the store's input."""

    data_type: str
    record_id: str
    edit_sequence: str | None
    source_modified: str | None
    raw: dict[str, Any]
    data: dict[str, Any] | None
    mapping_error: str | None = None


@dataclass(frozen=True, slots=True)
class SyncErrorRow:
    """One cause of trouble in one response: how often it happened and to what (a sample)."""

    dataset: str | None
    status_code: int | None
    hresult: str | None
    recovery: Recovery
    message: str  # the cause, without the ids it happened to
    count: int = 1
    sample: tuple[str, ...] = ()  # the first few record ids (or requestIDs) it happened to

    @property
    def summary(self) -> str:
        """The message with its count and sample, as logs and the CLI show it."""
        if self.count <= 1 and not self.sample:
            return self.message
        parts = [f"{self.count:,} times"] if self.count > 1 else []
        if self.sample:
            more = ", …" if self.count > len(self.sample) else ""
            parts.append("e.g. " + ", ".join(self.sample) + more)
        return f"{self.message} ({'; '.join(parts)})"
