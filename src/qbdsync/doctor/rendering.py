"""A doctor's report for people (plain text) and for scripts (JSON)."""

from __future__ import annotations

import textwrap
from datetime import datetime
from typing import Any, Final

from qbdsync.diagnosis.explanation import Actor
from qbdsync.doctor.analysis import ExitCode, FileSummary, Finding, Report, Severity

_WIDTH: Final = 96
_WHO: Final = {
    Actor.SMB_USER: "the person at the QuickBooks PC",
    Actor.OPERATOR: "the qbdsync operator",
    Actor.NOBODY: "nobody (it clears by itself)",
}
_LABEL: Final = {Severity.PROBLEM: "PROBLEM", Severity.WARNING: "WARNING", Severity.INFO: "INFO"}


def _when(at: datetime | None, utc: bool) -> str:
    if at is None:
        return "(no time stamp)"
    return f"{at:%Y-%m-%d %H:%M:%S}" + (" UTC" if utc else " (PC time)")


def _iso(at: datetime | None, utc: bool) -> str | None:
    if at is None:
        return None
    return at.isoformat() + ("Z" if utc else "")


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "s")


def _file_line(summary: FileSummary) -> str:
    kind = "Web Connector log" if summary.kind.value == "webConnector" else "QuickBooks SDK log"
    parts = [_plural(summary.lines, "line"), _plural(summary.sessions, "session")]
    if summary.applications:
        parts.append("applications: " + ", ".join(summary.applications))
    notes = []
    if summary.undecodable:
        notes.append("some bytes were not text and were skipped")
    if summary.unterminated_last_line:
        notes.append("its last line is cut off")
    line = f"  {summary.path} ({kind}): " + ", ".join(parts)
    return line + (f"; {'; '.join(notes)}" if notes else "")


def _wrap(text: str, indent: str) -> list[str]:
    return textwrap.wrap(text, _WIDTH, initial_indent=indent, subsequent_indent=indent) or [indent]


def _finding_lines(finding: Finding) -> list[str]:
    entry = finding.entry
    lines = [f"{_LABEL[finding.severity]}: {entry.title}  [{', '.join(finding.codes)}]"]
    lines += _wrap(entry.user_message, "  ")
    when = _when(finding.first, finding.utc)
    if finding.count > 1:
        when = f"{when} to {_when(finding.last, finding.utc)}, {finding.count:,} times"
    else:
        when = f"{when}, once"
    lines.append(f"  When: {when}")
    if finding.applications:
        lines.append("  Application: " + ", ".join(finding.applications))
    if entry.fix_steps:
        lines.append("  How to fix it:")
        for number, step in enumerate(entry.fix_steps, 1):
            lines += textwrap.wrap(
                step, _WIDTH, initial_indent=f"    {number}. ", subsequent_indent="       "
            )
    retry = "retrying can clear it" if entry.can_be_retried else "retrying alone does not help"
    lines.append(f"  Who acts: {_WHO[entry.who_acts]}; {retry}.")
    lines += _wrap("Technical detail: " + entry.operator_detail, "  ")
    for sample in finding.samples:
        lines += _wrap(f"{sample.file}:{sample.line}: {sample.text}", "    ")
    return lines


def render_text(report: Report) -> str:
    problems = sum(f.severity is Severity.PROBLEM for f in report.findings)
    warnings = sum(f.severity is Severity.WARNING for f in report.findings)
    notes = len(report.findings) - problems - warnings
    lines = ["qbdsync doctor read:", *(_file_line(s) for s in report.files), ""]
    if not report.findings:
        lines.append("No known problems found.")
        return "\n".join(lines) + "\n"
    counts = [
        _plural(n, word)
        for n, word in ((problems, "problem"), (warnings, "warning"), (notes, "note"))
        if n
    ]
    lines += ["Found " + ", ".join(counts) + ".", ""]
    for finding in report.findings:
        lines += [*_finding_lines(finding), ""]
    return "\n".join(lines)


def report_json(report: Report) -> dict[str, Any]:
    return {
        "healthy": report.exit_code is ExitCode.HEALTHY,  # information alone is healthy
        "exitCode": int(report.exit_code),
        "files": [
            {
                "path": s.path,
                "kind": s.kind.value,
                "lines": s.lines,
                "records": s.records,
                "sessions": s.sessions,
                "applications": s.applications,
                "undecodableBytes": s.undecodable,
                "lastLineCutOff": s.unterminated_last_line,
            }
            for s in report.files
        ],
        "findings": [_finding_json(f) for f in report.findings],
    }


def _finding_json(finding: Finding) -> dict[str, Any]:
    entry = finding.entry
    return {
        "key": entry.key,
        "severity": finding.severity.value,
        "codes": finding.codes,
        "title": entry.title,
        "userFacingMessage": entry.user_message,
        "fixSteps": list(entry.fix_steps),
        "operatorDetail": entry.operator_detail,
        "canBeRetried": entry.can_be_retried,
        "whoActs": entry.who_acts.value,
        "count": finding.count,
        "firstSeen": _iso(finding.first, finding.utc),
        "lastSeen": _iso(finding.last, finding.utc),
        "applications": finding.applications,
        "samples": [{"file": s.file, "line": s.line, "text": s.text} for s in finding.samples],
    }
