"""From log files to findings: each known problem once, with when it was first and last seen,
how often, for which applications, and a few sample lines.

Files are streamed record by record; what is kept per file is a handful of counters and, per
problem, a few samples, so memory does not grow with the log. Which kind a file is (the Web
Connector's or QuickBooks' SDK log) is read from its first lines, not its name.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import IntEnum, StrEnum
from pathlib import Path
from typing import Final

from qbdsync.diagnosis import entries_qbwc
from qbdsync.diagnosis.catalogue import explain
from qbdsync.diagnosis.explanation import Actor, Explanation
from qbdsync.doctor import finders
from qbdsync.doctor.reading import ReadStats, read_pieces
from qbdsync.doctor.records import (
    LogKind,
    Record,
    looks_like_web_connector_log,
    qbwc_records,
    sdk_records,
)
from qbdsync.errors import UnreadableLog

MAX_SAMPLES: Final = 3
SAMPLE_CHARS: Final = 300
_SNIFF_LINES: Final = 50


class Severity(StrEnum):
    INFO = "info"  # worth knowing, nothing wrong (a one-time sync that ended as designed)
    WARNING = "warning"  # clears by itself, or does not stop syncing
    PROBLEM = "problem"  # somebody must act


class ExitCode(IntEnum):
    """`qbdsync doctor`'s exit codes."""

    HEALTHY = 0  # nothing found (or only information)
    WARNINGS = 1
    PROBLEMS = 2
    UNREADABLE = 3  # a file could not be read, or held no log lines at all


_SEVERITY: Final[dict[str, Severity]] = {
    # Entries whose actor alone would make them problems but that do not stop syncing.
    "qbwc-log-file-problem": Severity.WARNING,
    "qbwc-completed-with-errors": Severity.WARNING,  # its cause is a finding of its own
    "web-connector-old": Severity.WARNING,
    "unknown-code": Severity.WARNING,
    # A one-time sync that deauthorized its company did what it was set up to do.
    "connection-deauthorized": Severity.INFO,
}


def severity_of(entry: Explanation) -> Severity:
    """Problems need somebody; what clears by itself is a warning; the rest is information."""
    if entry.key in _SEVERITY:
        return _SEVERITY[entry.key]
    if entry.who_acts is not Actor.NOBODY:
        return Severity.PROBLEM
    return Severity.WARNING if entry.can_be_retried else Severity.INFO


@dataclass(frozen=True, slots=True)
class Sample:
    file: str
    line: int
    text: str


@dataclass(slots=True)
class Finding:
    entry: Explanation
    severity: Severity
    codes: list[str] = field(default_factory=list)  # the codes seen, in order
    count: int = 0  # the sessions (or records outside any session) it was seen in
    _occurrence: tuple[str, int] | None = None
    first: datetime | None = None
    last: datetime | None = None
    utc: bool = True  # the times are UTC (QWCLog); False: the PC's local time (qbsdklog)
    applications: list[str] = field(default_factory=list)
    samples: list[Sample] = field(default_factory=list)

    def add(
        self, code: str, record: Record, file: str, application: str | None, occurrence: int
    ) -> None:
        """Count it once per `occurrence` (a session of the file): an error logged on three
        lines of one session happened once."""
        if self._occurrence != (file, occurrence):
            self.count += 1
            self._occurrence = (file, occurrence)
        if code not in self.codes:
            self.codes.append(code)
        if record.at is not None:
            if self.first is None or record.at < self.first:
                self.first, self.utc = record.at, record.utc
            if self.last is None or record.at > self.last:
                self.last = record.at
        if application and application not in self.applications:
            self.applications.append(application)
        if len(self.samples) < MAX_SAMPLES:
            text = _sample_text(record)
            if all(s.text != text for s in self.samples):
                self.samples.append(Sample(file, record.line, text))


@dataclass(slots=True)
class FileSummary:
    path: str
    kind: LogKind
    lines: int = 0
    records: int = 0  # time-stamped records
    sessions: int = 0
    applications: list[str] = field(default_factory=list)
    undecodable: bool = False
    unterminated_last_line: bool = False


@dataclass(frozen=True, slots=True)
class Report:
    files: tuple[FileSummary, ...]
    findings: tuple[Finding, ...]  # the worst first, then by when first seen

    @property
    def exit_code(self) -> ExitCode:
        severities = {f.severity for f in self.findings}
        if Severity.PROBLEM in severities:
            return ExitCode.PROBLEMS
        if Severity.WARNING in severities:
            return ExitCode.WARNINGS
        return ExitCode.HEALTHY


_CONTROL: Final = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u202a-\u202e\u2066-\u2069]")
_SPACES: Final = re.compile(r"\s+")


def _sample_text(record: Record) -> str:
    """The record on one line, control characters (and direction overrides) removed."""
    head = f"{record.source} : {record.text}" if record.source else record.text
    text = " | ".join([head, *record.extra[:5]])
    text = _SPACES.sub(" ", _CONTROL.sub(" ", text)).strip()
    return text if len(text) <= SAMPLE_CHARS else text[: SAMPLE_CHARS - 1] + "…"


_APPLICATION: Final = re.compile(
    r"for application = '([^']{1,200})'|^AppName: (.{1,200})$|"
    r"Authenticating to application '([^']{1,200})'|app(?:lication)? named '([^']{1,200})'"
)
_APPLICATION_WORDS: Final = ("application", "AppName", "app named")


def _application(text: str) -> str | None:
    """The application a record names (None: it names none)."""
    if not any(w in text for w in _APPLICATION_WORDS):
        return None
    named = _APPLICATION.search(text)
    if named is None:
        return None
    return next(g for g in named.groups() if g is not None).strip()


_COMPANY_FILE: Final = re.compile(
    r"\b(?:cfn|strCompanyFileName)\s*=\s*\"?([^\"<>]{1,400}?\.qbw)\b", re.I
)


@dataclass(slots=True)
class _Session:
    """What one update session of the Web Connector log has shown so far."""

    application: str | None = None
    asked_file: str | None = None  # the .qbw path authenticate named
    saw_server_version: bool = False


class _Collector:
    def __init__(self) -> None:
        self.findings: dict[str, Finding] = {}

    def add(
        self, code: str, record: Record, file: str, application: str | None, occurrence: int
    ) -> None:
        entry = explain(code)
        if entry is None:  # finders only return catalogue codes; never fail a run on one
            return
        finding = self.findings.get(entry.key)
        if finding is None:
            finding = self.findings[entry.key] = Finding(entry, severity_of(entry))
        finding.add(code, record, file, application, occurrence)


def _read_web_connector(path: Path, summary: FileSummary, out: _Collector) -> None:
    stats = ReadStats()
    session = _Session()
    application: str | None = None
    for record in qbwc_records(read_pieces(path, stats)):
        if record.at is not None:
            summary.records += 1
        text = record.all_text()
        named = _application(record.text)
        if named is not None:
            application = named
            if application not in summary.applications:
                summary.applications.append(application)
        if "has STARTED" in record.text:
            summary.sessions += 1
            session = _Session(application)
        elif "Received from serverVersion()" in record.text:
            if session.saw_server_version or summary.sessions == 0:
                summary.sessions += 1
                session = _Session(application)
            session.saw_server_version = True
        codes = finders.codes_in(text)
        asked = finders.authenticate_answer(text)
        if asked is not None and asked.lower().endswith(".qbw"):
            session.asked_file = asked
        # The file QBWC opened is named on sendRequestXML's head line, never in a dump.
        opened = _COMPANY_FILE.search(record.text) if session.asked_file else None
        if (
            opened is not None
            and session.asked_file is not None
            and opened.group(1).strip().lower() != session.asked_file.strip().lower()
        ):
            codes.append(entries_qbwc.WRONG_COMPANY_FILE)
        # Outside any session (adding a .qwc), each record is an occurrence of its own.
        occurrence = summary.sessions if summary.sessions else -record.line
        for code in dict.fromkeys(codes):
            out.add(code, record, summary.path, application, occurrence)
    _finish(summary, stats)


def _read_sdk(path: Path, summary: FileSummary, out: _Collector) -> None:
    stats = ReadStats()
    application: str | None = None
    for record in sdk_records(read_pieces(path, stats)):
        if record.at is not None:
            summary.records += 1
        if record.session_break:
            if "end" not in record.text.lower():
                summary.sessions += 1
            continue
        named = _application(record.text)
        if named is not None:
            application = named
            if application not in summary.applications:
                summary.applications.append(application)
        occurrence = summary.sessions if summary.sessions else -record.line
        for code in finders.codes_in(record.text):
            out.add(code, record, summary.path, application, occurrence)
    _finish(summary, stats)


def _finish(summary: FileSummary, stats: ReadStats) -> None:
    summary.lines = stats.lines
    summary.undecodable = stats.undecodable
    summary.unterminated_last_line = stats.unterminated_last_line


def _kind(path: Path) -> LogKind:
    stats = ReadStats()
    pieces = read_pieces(path, stats)
    try:
        first = [p.text for p in itertools.islice(pieces, _SNIFF_LINES)]
    finally:
        pieces.close()
    return LogKind.WEB_CONNECTOR if looks_like_web_connector_log(first) else LogKind.QUICKBOOKS_SDK


_ORDER: Final = {Severity.PROBLEM: 0, Severity.WARNING: 1, Severity.INFO: 2}


def analyse(paths: Sequence[Path]) -> Report:
    """Read the logs and find the known problems in them; UnreadableLog when a file cannot be
    read, or when none of them holds a single time-stamped log line."""
    out = _Collector()
    summaries = []
    for path in paths:
        if path.is_dir():
            raise UnreadableLog(f"{path}: is a folder, not a log file")
        summary = FileSummary(str(path), _kind(path))
        if summary.kind is LogKind.WEB_CONNECTOR:
            _read_web_connector(path, summary, out)
        else:
            _read_sdk(path, summary, out)
        summaries.append(summary)
    if not any(s.records for s in summaries):
        names = ", ".join(str(p) for p in paths)
        raise UnreadableLog(f"{names}: no time-stamped log lines found (not a log, or empty)")
    findings = sorted(
        out.findings.values(),
        key=lambda f: (_ORDER[f.severity], f.first or datetime.max, f.entry.key),
    )
    return Report(tuple(summaries), tuple(findings))
