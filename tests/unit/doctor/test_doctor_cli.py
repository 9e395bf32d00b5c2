"""`qbdsync doctor` as operators and scripts run it: its output and exit code (0 healthy,
1 warnings, 2 problems, 3 unreadable input). In this process, except one real process that
shows the doctor needs no database or settings."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from qbdsync.cli import app
from qbdsync.diagnosis.catalogue import entry

LOGS = Path(__file__).resolve().parents[2] / "fixtures" / "logs"


class _Ran:
    def __init__(self, returncode: int, stdout: str, stderr: str) -> None:
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr


def _doctor(*args: str) -> _Ran:
    result = CliRunner().invoke(app, ["doctor", *args], catch_exceptions=False)
    return _Ran(result.exit_code, result.stdout, result.stderr)


def test_a_real_process_without_database_or_settings() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("QBDSYNC_")}
    ran = subprocess.run(
        [sys.executable, "-m", "qbdsync.cli", "doctor", str(LOGS / "qbwc1085.txt")],
        env={**env, "COLUMNS": "100"},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert ran.returncode == 1, (ran.stdout, ran.stderr)
    assert "WARNING: The Web Connector could not write its log" in ran.stdout


@pytest.mark.parametrize(
    ("names", "code"),
    [
        (["healthy.txt"], 0),
        (["one_time_sync.txt"], 0),
        (["qbwc1085.txt"], 1),
        (["nvu.txt"], 2),
        (["healthy.txt", "qbsdklog_second_copy.txt"], 2),
        (["no-such-file.txt"], 3),
    ],
)
def test_exit_codes(names: list[str], code: int) -> None:
    ran = _doctor(*(str(LOGS / n) for n in names))
    assert ran.returncode == code, (ran.stdout, ran.stderr)


def test_the_text_report_says_what_when_how_often_and_how_to_fix_it() -> None:
    ran = _doctor(str(LOGS / "access_not_always.txt"))
    assert ran.returncode == 2
    text = " ".join(ran.stdout.split())
    found = entry("access-not-always")
    assert 'PROBLEM: Access was not granted "always" [0x8004041D]' in text
    assert " ".join(found.user_message.split()) in text
    assert "When: 2026-11-30 09:00:00 UTC to 2026-12-01 08:00:00 UTC, 3 times" in text
    assert "Application: qbdsync Acme" in text
    assert all(" ".join(step.split()) in text for step in found.fix_steps)
    assert "Technical detail:" in text and "access_not_always.txt:" in text


def test_healthy_says_so() -> None:
    ran = _doctor(str(LOGS / "healthy.txt"))
    assert "No known problems found." in ran.stdout
    assert "5 sessions, applications: qbdsync Acme, qbdsync Beta Books" in ran.stdout


def test_the_json_shape() -> None:
    ran = _doctor(str(LOGS / "noisy.txt"), str(LOGS / "qbsdklog_second_copy.txt"), "--json")
    assert ran.returncode == 2
    report = json.loads(ran.stdout)
    assert set(report) == {"healthy", "exitCode", "files", "findings"}
    assert report["healthy"] is False and report["exitCode"] == 2
    assert [f["kind"] for f in report["files"]] == ["webConnector", "quickbooksSdk"]
    assert report["files"][0]["lastLineCutOff"] is True
    assert report["files"][0]["undecodableBytes"] is True
    first = report["findings"][0]
    assert set(first) == {
        "key",
        "severity",
        "codes",
        "title",
        "userFacingMessage",
        "fixSteps",
        "operatorDetail",
        "canBeRetried",
        "whoActs",
        "count",
        "firstSeen",
        "lastSeen",
        "applications",
        "samples",
    }
    assert first["key"] == "modal-dialog-open" and first["codes"] == ["0x80040414"]
    assert first["firstSeen"] == "2026-11-30T11:00:00Z" and first["whoActs"] == "smbUser"
    assert first["samples"][0]["line"] > 0
    sdk = next(f for f in report["findings"] if f["key"] == "second-quickbooks")
    assert sdk["firstSeen"] == "2026-11-30T14:02:12"  # the PC's local time: no Z


def test_unreadable_input_is_one_line_on_stderr(tmp_path: Path) -> None:
    empty = tmp_path / "QWCLog.txt"
    empty.write_text("")
    ran = _doctor(str(empty))
    assert ran.returncode == 3 and ran.stdout == ""
    assert "no time-stamped log lines" in ran.stderr and "Traceback" not in ran.stderr
