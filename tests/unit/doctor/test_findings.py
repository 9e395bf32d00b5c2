"""Each log fixture (tests/fixtures/logs, written from the documented formats) yields the
finding of its problem, once per session it happened in; a healthy log yields none."""

from __future__ import annotations

from pathlib import Path

import pytest

from qbdsync.diagnosis.catalogue import ENTRIES, entry
from qbdsync.doctor.analysis import ExitCode, Report, Severity, analyse

LOGS = Path(__file__).resolve().parents[2] / "fixtures" / "logs"


def _report(*names: str) -> Report:
    return analyse([LOGS / name for name in names])


def _keys(report: Report) -> list[str]:
    return [f.entry.key for f in report.findings]


def test_a_healthy_log_of_two_applications_yields_nothing() -> None:
    report = _report("healthy.txt")
    assert report.findings == () and report.exit_code is ExitCode.HEALTHY
    (summary,) = report.files
    assert summary.kind.value == "webConnector"
    assert summary.sessions == 5
    assert summary.applications == ["qbdsync Acme", "qbdsync Beta Books"]
    assert not summary.undecodable and not summary.unterminated_last_line


@pytest.mark.parametrize(
    ("name", "key", "count"),
    [
        ("qbwc1012.txt", "qbwc-authentication-failed", 1),
        ("qbwc1031.txt", "qbwc-completed-with-errors", 1),
        ("qbwc1039.txt", "qbwc-duplicate-application", 1),
        ("qbwc1042.txt", "qbwc-response-not-xml", 1),
        ("qbwc1048.txt", "qbwc-certificate-not-verified", 1),
        ("qbwc1051.txt", "qbwc-application-not-added", 1),
        ("qbwc1085.txt", "qbwc-log-file-problem", 1),
        ("nvu.txt", "invalid-user", 3),
        ("wrong_company_file.txt", "wrong-company-file", 1),
        ("wrong_company_file_path.txt", "wrong-company-file", 1),
        ("qbsdklog_second_copy.txt", "second-quickbooks", 1),
        ("access_not_always.txt", "access-not-always", 3),
        ("qbsdklog_access_not_always.txt", "access-not-always", 1),
        ("qbsdklog_certificate_expired.txt", "certificate-expired", 1),
        ("certificate_removed.txt", "application-not-authorised", 1),
        ("https_problem.txt", "https-problem", 1),
        ("service_unreachable.txt", "service-unreachable", 4),
        ("one_time_sync.txt", "connection-deauthorized", 2),
    ],
)
def test_each_problem_yields_its_finding(name: str, key: str, count: int) -> None:
    report = _report(name)
    assert _keys(report) == [key]
    (finding,) = report.findings
    assert finding.count == count
    assert finding.first is not None and finding.last is not None and finding.first <= finding.last
    assert finding.samples and all(s.file.endswith(name) and s.line > 0 for s in finding.samples)


def test_a_specific_cause_replaces_the_generic_qbwc1012() -> None:
    # A TLS failure or an unreachable service is logged under QBWC1012: the cause is the
    # finding, not the code that carried it.
    assert _keys(_report("https_problem.txt")) == ["https-problem"]
    assert _keys(_report("service_unreachable.txt")) == ["service-unreachable"]


def test_severities_decide_the_exit_code() -> None:
    assert _report("nvu.txt").exit_code is ExitCode.PROBLEMS
    # The log file could not be written: a warning, the syncs went on.
    warned = _report("qbwc1085.txt")
    assert warned.findings[0].severity is Severity.WARNING
    assert warned.exit_code is ExitCode.WARNINGS
    # A one-time sync that deauthorized the company did what it was set up for.
    done = _report("one_time_sync.txt")
    assert done.findings[0].severity is Severity.INFO and done.exit_code is ExitCode.HEALTHY


def test_every_hresult_of_the_catalogue_is_found_in_any_spelling() -> None:
    # all_hresults.txt holds every hresult of qbxml.md, as 0x…, as lower case and as the
    # signed decimal COM form, one session each.
    report = _report("all_hresults.txt")
    hresult_entries = {e.key for e in ENTRIES if any(c.startswith("0x") for c in e.codes)}
    assert set(_keys(report)) == hresult_entries
    seen = {code for f in report.findings for code in f.codes}
    every = {c for e in ENTRIES for c in e.codes if c.startswith("0x")}
    assert seen == every
    assert report.files[0].sessions == len(every)


def test_a_noisy_log_attributes_problems_to_their_applications() -> None:
    report = _report("noisy.txt", "qbsdklog_second_copy.txt")
    by_key = {f.entry.key: f for f in report.findings}
    assert set(by_key) == {"modal-dialog-open", "invalid-user", "second-quickbooks"}
    assert by_key["modal-dialog-open"].applications == ["qbdsync Acme"]
    assert by_key["invalid-user"].applications == ["qbdsync Beta Books"]
    assert by_key["second-quickbooks"].applications == ["qbdsync Acme"]
    assert not by_key["second-quickbooks"].utc  # the SDK log's times are the PC's
    noisy, sdk = report.files
    # CRLF, a cp1252 byte, a 100 kB dump line and a last line cut off mid-write.
    assert noisy.undecodable and noisy.unterminated_last_line
    assert noisy.applications == ["qbdsync Acme", "qbdsync Beta Books"]
    assert sdk.kind.value == "quickbooksSdk" and sdk.sessions == 1


def test_problems_come_first_and_the_entries_say_who_acts() -> None:
    report = _report("qbwc1085.txt", "nvu.txt")
    assert [f.severity for f in report.findings] == [Severity.PROBLEM, Severity.WARNING]
    assert report.findings[0].entry is entry("invalid-user")
