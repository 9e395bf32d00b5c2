"""Log lines grouped into records: one timestamped line and the lines that belong to it.

The Web Connector writes `YYYYMMDD.HH:MM:SS UTC : <Namespace.Class.method()> : <text>`; an
error message, a stack trace or an `XML dump follows: -` go on over the next lines without a
time stamp, and belong to the record above them. QuickBooks' SDK log is read defensively (its
format is not documented): a line that starts with a time stamp starts a record, fields may be
tab-separated (level, thread, component, text), and `=====` lines separate its sessions.

A record keeps at most `MAX_EXTRA_LINES` continuation lines of `MAX_EXTRA_CHARS` in all: a
100 MB response dump cannot fill memory, and what identifies a problem comes first anyway.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Final

from qbdsync.doctor.reading import Piece

MAX_EXTRA_LINES: Final = 200
MAX_EXTRA_CHARS: Final = 32 * 1024

_STAMP: Final = r"(?P<at>\d{8}\.\d{2}:\d{2}:\d{2})"
_QBWC_HEAD: Final = re.compile(
    _STAMP + r"(?P<utc>[ \t]*UTC)?[ \t]*:[ \t]*"
    r"(?:(?P<source>[\w.`<>\[\]]+\(\))[ \t]*:[ \t]?)?(?P<text>.*)$"
)
_SDK_HEAD: Final = re.compile(_STAMP + r"(?P<rest>.*)$")
_SDK_LEVEL: Final = re.compile(r"^(?:[IWE]|Info|Warn(?:ing)?|Error)$")
_SDK_SEPARATOR: Final = re.compile(r"={5,}")


class LogKind(StrEnum):
    WEB_CONNECTOR = "webConnector"  # QWCLog.txt
    QUICKBOOKS_SDK = "quickbooksSdk"  # qbsdklog.txt


@dataclass(slots=True)
class Record:
    line: int  # the line it starts on
    at: datetime | None
    utc: bool  # the time stamp says UTC (the SDK log's are the PC's local time)
    source: str
    text: str
    extra: list[str] = field(default_factory=list)
    session_break: bool = False  # an SDK log separator line

    def all_text(self) -> str:
        return "\n".join((self.text, *self.extra)) if self.extra else self.text


def _stamp(text: str) -> datetime | None:
    """`20261130.14:02:11` as a time (digits are checked by the head pattern)."""
    try:
        return datetime(
            int(text[0:4]),
            int(text[4:6]),
            int(text[6:8]),
            int(text[9:11]),
            int(text[12:14]),
            int(text[15:17]),
        )
    except ValueError:  # 20261399.99:99:99: a stamp-shaped line, not a real time
        return None


def looks_like_web_connector_log(first_lines: Iterable[str]) -> bool:
    """Whether the lines read like QWCLog.txt (a time stamp, UTC, a colon-separated source)."""
    return any(
        (m := _QBWC_HEAD.match(line)) is not None and m.group("utc") is not None
        for line in first_lines
    )


def qbwc_records(pieces: Iterable[Piece]) -> Iterator[Record]:
    """The Web Connector log's records, in order."""
    current: Record | None = None
    kept = 0
    for piece in pieces:
        head = None if piece.continued else _QBWC_HEAD.match(piece.text)
        if head is not None:
            if current is not None:
                yield current
            at = _stamp(head.group("at"))
            current = Record(
                line=piece.number,
                at=at,
                utc=head.group("utc") is not None,
                source=head.group("source") or "",
                text=head.group("text"),
            )
            kept = 0
            continue
        if current is None:  # lines before the first record (a header, junk): a record each
            yield Record(piece.number, None, False, "", piece.text)
            continue
        if len(current.extra) < MAX_EXTRA_LINES and kept < MAX_EXTRA_CHARS:
            text = piece.text[: MAX_EXTRA_CHARS - kept]
            current.extra.append(text)
            kept += len(text)
    if current is not None:
        yield current


def sdk_records(pieces: Iterable[Piece]) -> Iterator[Record]:
    """QuickBooks' SDK log, a record per line (later pieces of a long line are dropped: the
    start of a line says what it is about). A line without a time stamp takes the last one."""
    last_at: datetime | None = None
    for piece in pieces:
        if piece.continued:
            continue
        line = piece.text
        head = _SDK_HEAD.match(line)
        text = line
        source = ""
        if head is not None:
            last_at = _stamp(head.group("at")) or last_at
            fields = [f.strip() for f in re.split(r"\t+", head.group("rest").strip()) if f.strip()]
            if fields and _SDK_LEVEL.match(fields[0]):
                fields = fields[1:]
            if fields and fields[0].isdigit():  # a thread or process id
                fields = fields[1:]
            if len(fields) > 1:
                source, fields = fields[0], fields[1:]
            text = " ".join(fields)
        separator = _SDK_SEPARATOR.search(text) is not None
        yield Record(piece.number, last_at, False, source, text, session_break=separator)
