"""The command line as operators and scripts use it: real processes, real HTTP."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from qbdsync.qbwc.credentials import digest_password
from qbdsync.qbwc.qwc import parse_qwc
from tests.conftest import LiveServer


def qbdsync(server: LiveServer, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "QBDSYNC_DATABASE_URL": server.settings.database_url,
        "QBDSYNC_PUBLIC_URL": server.settings.public_url,
    }
    return subprocess.run(
        [sys.executable, "-m", "qbdsync.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def last_line(text: str) -> str:
    return text.strip().splitlines()[-1]


def test_link_and_sync_from_the_command_line(sqlite_server: LiveServer, tmp_path: Path) -> None:
    created = qbdsync(sqlite_server, "company", "create", "Cli Co")
    assert created.returncode == 0, created.stderr
    company_id = last_line(created.stdout)

    qwc_file = tmp_path / "cli.qwc"
    conn = qbdsync(sqlite_server, "connection", "create", company_id, "--out", str(qwc_file))
    assert conn.returncode == 0, conn.stderr
    password = last_line(conn.stdout)
    qwc = parse_qwc(qwc_file.read_text())
    assert qwc.app_url == f"{sqlite_server.settings.public_url}/qbwc"
    assert qwc.qb_type == "QBFS" and qwc.style == "Document"
    assert qwc.owner_id.startswith("{") and qwc.file_id.startswith("{")
    assert len(password) >= 22  # at least 128 random bits in URL-safe base64

    company_file = tmp_path / "cli.qbsim"
    run = qbdsync(
        sqlite_server,
        "simulate",
        "--qwc",
        str(qwc_file),
        "--password",
        password,
        "--company-file",
        str(company_file),
        "--size",
        "small",
        "--seed",
        "7",
    )
    assert run.returncode == 0, run.stderr
    summary = json.loads(last_line(run.stdout))
    assert set(summary) == {"requests", "records", "seconds", "result"}
    assert summary["records"]["invoices"] > 0 and summary["records"]["customers"] > 0
    assert summary["requests"] >= 4
    assert summary["result"].startswith("qbdsync: synced")

    listed = qbdsync(sqlite_server, "connection", "list", company_id)
    assert "Linked" in listed.stdout

    again = qbdsync(sqlite_server, "sync", "queue", company_id)
    assert again.returncode == 0, again.stderr
    churned = qbdsync(
        sqlite_server,
        "simulate",
        "--qwc",
        str(qwc_file),
        "--password",
        password,
        "--company-file",
        str(company_file),
        "--churn",
        "20",
    )
    second = json.loads(last_line(churned.stdout))
    assert 0 < sum(n for t, n in second["records"].items() if t != "company") < 200

    # After creation the password (or its digest) is never printed again.
    digest = digest_password(password).hex()
    for later in (run, listed, again, churned):
        assert password not in later.stdout + later.stderr
        assert digest not in later.stdout + later.stderr


def test_errors_are_clear_and_exit_non_zero(sqlite_server: LiveServer, tmp_path: Path) -> None:
    missing = qbdsync(
        sqlite_server, "connection", "create", "no-such-company", "--out", str(tmp_path / "x.qwc")
    )
    assert missing.returncode != 0
    assert "no company with id no-such-company" in missing.stderr
    assert not (tmp_path / "x.qwc").exists()


def test_a_plain_http_public_url_off_localhost_is_refused(
    sqlite_server: LiveServer, tmp_path: Path
) -> None:
    company_id = last_line(qbdsync(sqlite_server, "company", "create", "Http Co").stdout)
    env_server = LiveServer(
        url=sqlite_server.url,
        settings=sqlite_server.settings.model_copy(update={"public_url": "http://example.com"}),
        engine=sqlite_server.engine,
    )
    refused = qbdsync(
        env_server, "connection", "create", company_id, "--out", str(tmp_path / "y.qwc")
    )
    assert refused.returncode != 0
    assert "must be https" in refused.stderr
    assert not (tmp_path / "y.qwc").exists()


def test_one_pc_with_two_company_files_and_failures_on_demand(
    sqlite_server: LiveServer, tmp_path: Path
) -> None:
    sessions = []
    for name in ("North", "South"):
        company_id = last_line(qbdsync(sqlite_server, "company", "create", name).stdout)
        qwc_file = tmp_path / f"{name}.qwc"
        password = last_line(
            qbdsync(
                sqlite_server, "connection", "create", company_id, "--out", str(qwc_file)
            ).stdout
        )
        sessions += [
            "--qwc",
            str(qwc_file),
            "--password",
            password,
            "--company-file",
            str(tmp_path / f"{name}.qbsim"),
        ]
    run = qbdsync(sqlite_server, "simulate", *sessions, "--fail", "3250:salesOrders")
    assert run.returncode == 0, run.stderr
    lines = [json.loads(line) for line in run.stdout.strip().splitlines()]
    assert len(lines) == 2
    for summary in lines:
        assert summary["records"]["invoices"] > 0
        assert "Not in this QuickBooks edition: salesOrders." in summary["result"]
        assert "salesOrders" not in summary["records"]
