"""JournalEntryRet → Codat JournalEntry."""

from __future__ import annotations

from typing import Any

from qbdsync.mapping.common import (
    Mapped,
    MappingContext,
    Raw,
    children,
    currency,
    decimal,
    number,
    ref,
    required,
    text,
    txn_envelope,
    utc,
)
from qbdsync.mapping.lines import contact_ref, tracking_refs


def _journal_line(line: Raw, sign: int, line_currency: str | None) -> dict[str, Any]:
    value = decimal(line, "Amount")
    return {
        "lineNumber": text(line, "TxnLineID"),
        "description": text(line, "Memo"),
        # Codat: debits positive, credits negative.
        "netAmount": number(sign * value, "Amount") if value is not None else None,
        "currency": line_currency,
        "accountRef": ref(line, "AccountRef"),
        "contactRef": contact_ref(line, "EntityRef", None),
        "trackingRefs": tracking_refs(line),
    }


def map_journal_entry(raw: Raw, ctx: MappingContext) -> Mapped:
    """Debit lines first, then credit lines: the parser keeps the two element names apart, so
    QuickBooks' interleaving of them is not known (TxnLineID still identifies each line)."""
    line_currency = currency(raw, ctx)
    lines = [_journal_line(line, 1, line_currency) for line in children(raw, "JournalDebitLine")]
    lines.extend(
        _journal_line(line, -1, line_currency) for line in children(raw, "JournalCreditLine")
    )
    return {
        "id": required(raw, "TxnID"),
        "journalRef": None,
        "reference": text(raw, "RefNumber"),
        "description": text(raw, "Memo"),
        "postedOn": text(raw, "TxnDate"),
        "createdOn": utc(raw, "TimeCreated"),
        "updatedOn": utc(raw, "TimeModified"),
        "journalLines": lines,
        "recordRef": None,
        **txn_envelope(raw),
    }
