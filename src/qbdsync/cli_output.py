"""What the CLI prints: JSON for scripts (`--json`), tables for people, the same facts in both.

Tables never cut an id: an id column does not wrap and is as wide as the id, so a 36-character
id survives an 80-column terminal whole and can be copied; the other columns wrap instead.
The JSON uses the REST API's field names where the API has the same thing (Codat's names),
never carries a secret (link URLs come only from `qbdsync connection link`), and names every
object an id points at.

Tables and messages for people show every value as text, never as terminal control: a
tenant's or QuickBooks's ESC, CR, NUL or bidi override is printed escaped (`\\x1b`, `\\n`),
and rich markup in a value (`[red]`) is printed as it is.
"""

from __future__ import annotations

import dataclasses
import json
import re
import sys
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from rich import box
from rich.table import Column, Table
from rich.text import Text

from qbdsync.store.clients import ApiKeyRow
from qbdsync.store.companies import CompanyRow, ConnectionRow
from qbdsync.store.pushes import PushRow
from qbdsync.views import iso, push_view

ID_WIDTH = 36  # a UUID


# Characters a terminal acts on instead of showing: C0 and C1 controls, DEL, and the bidi
# controls that reorder what follows them (a name could make a line read differently).
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape_one(match: re.Match[str]) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(value: object) -> str:
    """`value` as text a terminal shows as it is: control characters escaped."""
    text = value if isinstance(value, str) else str(value)
    return _UNPRINTABLE.sub(_escape_one, text)


def safe_text(value: object) -> Text:
    """`printable(value)` as a rich Text: rich never reads markup in a Text."""
    return value if isinstance(value, Text) else Text(printable(value))


class SafeTable(Table):
    """A Table whose string cells are printable, literal Text: every value in a table may come
    from a tenant or from QuickBooks."""

    def add_row(self, *renderables: Any, **options: Any) -> None:
        super().add_row(
            *(safe_text(cell) if isinstance(cell, str) else cell for cell in renderables),
            **options,
        )


# What json.dumps(ensure_ascii=False) leaves raw but a terminal would act on (it escapes C0
# itself): written as \\uXXXX, which JSON reads back as the same character.
_RAW_IN_JSON = re.compile(r"[\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def print_json(value: Any) -> None:
    """JSON on stdout, not through rich: nothing wrapped, highlighted or cut; values exact,
    with the characters a terminal acts on escaped the JSON way."""
    text = json.dumps(value, indent=2, ensure_ascii=False)
    text = _RAW_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    sys.stdout.write(text + "\n")
    sys.stdout.flush()


NAME_MIN_WIDTH = 12


def id_column(header: str) -> Column:
    return Column(header, no_wrap=True, min_width=ID_WIDTH, overflow="fold")


def name_column(header: str) -> Column:
    """A name wraps between its words; the column is kept wide enough for most words, so a
    table with many columns at 80 characters does not fold a name mid-word."""
    return Column(header, min_width=NAME_MIN_WIDTH, overflow="fold")


def time_column(header: str) -> Column:
    return Column(header, no_wrap=True)


def table(*columns: str | Column) -> Table:
    # No borders: the width goes to the values. A value too wide for its column wraps (and a
    # word longer than the column folds) instead of being cut with an ellipsis: a table at
    # 80 columns must still say everything it knows.
    shaped = [Column(c, overflow="fold") if isinstance(c, str) else c for c in columns]
    return SafeTable(
        *shaped, box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, header_style="bold"
    )


def details(rows: Iterable[tuple[str, str]]) -> Table:
    """A two-column "label  value" block for one object (the `show` commands)."""
    grid = SafeTable.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True)
    grid.add_column(overflow="fold")
    for label, value in rows:
        grid.add_row(label, value)
    return grid


def when(value: datetime | None, empty: str = "") -> str:
    if value is None:
        return empty
    return f"{value.astimezone(UTC):%Y-%m-%d %H:%M}"


def paused_until(row: ConnectionRow, now: datetime) -> datetime | None:
    """The end of a pause still in force, else None."""
    if row.paused_until is None:
        return None
    return row.paused_until if row.paused_until > now else None


def status_text(row: ConnectionRow, now: datetime) -> str:
    until = paused_until(row, now)
    return row.status + (f" (paused until {when(until)})" if until else "")


# -- JSON shapes -----------------------------------------------------------------------------


def connection_json(
    row: ConnectionRow,
    company: CompanyRow | None,
    now: datetime,
    health: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A connection for --json; with its `health` object when given (as the API has it)."""
    until = paused_until(row, now)
    view = {
        "id": row.id,
        "companyId": row.company_id,
        "companyName": company.name if company is not None else None,
        "status": row.status,
        "pausedUntil": iso(until),
        "created": iso(row.created_at),
        "linked": iso(row.linked_at),
        "lastSync": iso(row.last_sync_at),
        "nextSync": iso(row.next_sync_at),
        "lastError": row.last_error,
        "linkExpires": iso(row.link_expires_at),
        "connectionInfo": {
            "qbwcUserName": row.username,
            "fileId": row.file_id,
            "quickBooksProduct": row.qb_product,
            "country": row.qb_country,
            "qbxmlVersion": row.qbxml_version,
            "companyFile": row.company_file,
        },
    }
    if health is not None:
        view["health"] = dict(health)
    return view


def company_json(
    row: CompanyRow,
    connections: list[ConnectionRow],
    client_names: Mapping[str, str],
    now: datetime,
    healths: Mapping[str, Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """A company for --json, each connection with its `health` when `healths` has it."""
    healths = healths or {}
    last_syncs = [c.last_sync_at for c in connections if c.last_sync_at is not None]
    return {
        "id": row.id,
        "name": row.name,
        "description": row.description,
        "clientId": row.client_id,
        "clientName": client_names.get(row.client_id or ""),
        "tags": row.tags or {},
        "created": iso(row.created_at),
        "lastSync": iso(max(last_syncs)) if last_syncs else None,
        "syncMode": row.sync_mode,
        "syncWindow": row.sync_window,
        "syncWindowDays": row.sync_window_days,
        "timezone": row.timezone,
        "dataConnections": [connection_json(c, row, now, healths.get(c.id)) for c in connections],
    }


def api_key_json(row: ApiKeyRow, client_names: Mapping[str, str]) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "apiKey": f"{row.key_hint}…",  # the first characters only: the key is shown once
        "createdDate": iso(row.created_at),
        "clientId": row.client_id,
        "clientName": client_names.get(row.client_id),
    }


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def row_json(row: Any) -> dict[str, Any]:
    """A store row (a dataclass) with camelCase keys, datetimes in ISO 8601 UTC."""
    return {
        _camel(key): iso(value) if isinstance(value, datetime) else value
        for key, value in dataclasses.asdict(row).items()
    }


def push_json(row: PushRow) -> dict[str, Any]:
    """A push operation as the API shows it (with `data`), and what an operator tracing it
    needs besides: what it waits for, the ids it carries, and how it was sent."""
    return {
        **push_view(row, with_data=True),
        "action": row.action,
        "recordId": row.record_id,
        "provisionalId": row.provisional_id,
        "resultRecordId": row.result_record_id,
        "dependsOn": row.depends_on,
        "forceUpdate": row.force_update,
        "expiresAt": iso(row.expires_at),
        "externalGuid": row.external_guid,
        "messageSetId": row.message_set_id,
        "sentAt": iso(row.sent_at),
        "attempts": row.attempts,
    }
