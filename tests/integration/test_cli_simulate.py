"""`qbdsync simulate` says why a session failed, in its JSON and on stderr, and exits 1."""

from __future__ import annotations

import json
import re
import secrets
from datetime import UTC, datetime
from pathlib import Path

from qbdsync.api.server import free_port
from qbdsync.linking import create_company, create_linkable_connection
from qbdsync.store import sessions as session_store
from tests.conftest import LiveServer
from tests.integration.cli_helpers import as_json, invoke, last_line, ok, qbdsync


def _connection(server: LiveServer, tmp_path: Path, name: str) -> tuple[Path, str]:
    company_id = last_line(ok(invoke(server, "company", "create", name)).stdout)
    qwc = tmp_path / f"{name}.qwc"
    password = last_line(
        ok(invoke(server, "connection", "create", company_id, "--out", str(qwc))).stdout
    )
    return qwc, password


def _failed(ran_stdout: str, ran_stderr: str) -> str:
    """The error of the last session, checked to be the same in the JSON and on stderr."""
    summary = json.loads(last_line(ran_stdout))
    error = summary["error"]
    assert isinstance(error, str) and error
    assert error in ran_stderr and ran_stderr.startswith("error: ")
    return error


def test_a_wrong_password_fails_with_exit_code_1(sqlite_server: LiveServer, tmp_path: Path) -> None:
    qwc, _ = _connection(sqlite_server, tmp_path, "Wrong Pw")
    ran = qbdsync(  # the real process: its exit code and stderr
        sqlite_server,
        "simulate",
        "--qwc",
        str(qwc),
        "--password",
        "not-the-password",
        "--company-file",
        str(tmp_path / "c.qbsim"),
    )
    assert ran.returncode == 1
    assert "wrong user name or password" in _failed(ran.stdout, ran.stderr)
    assert "not-the-password" not in ran.stdout + ran.stderr


def test_a_refused_company_file_fails_and_names_the_reason(
    sqlite_server: LiveServer, tmp_path: Path
) -> None:
    north, north_pw = _connection(sqlite_server, tmp_path, "North")
    south, south_pw = _connection(sqlite_server, tmp_path, "South")
    south_file = tmp_path / "south.qbsim"
    args = ("simulate", "--qwc", str(south), "--password", south_pw)
    ok(invoke(sqlite_server, *args, "--company-file", str(south_file)))
    # North's Web Connector entry run while South's company file is open.
    ran = invoke(
        sqlite_server,
        "simulate",
        "--qwc",
        str(north),
        "--password",
        north_pw,
        "--company-file",
        str(south_file),
    )
    assert ran.returncode == 1
    error = _failed(ran.stdout, ran.stderr)
    assert "not the one this Web Connector entry is linked to" in error


def test_an_unreachable_app_url_fails_and_names_it(
    sqlite_server: LiveServer, tmp_path: Path
) -> None:
    qwc, password = _connection(sqlite_server, tmp_path, "Offline")
    port = free_port()  # nothing listens there
    text = qwc.read_text()
    text, count = re.subn(
        r"<AppURL>[^<]*</AppURL>", f"<AppURL>http://127.0.0.1:{port}/qbwc</AppURL>", text
    )
    assert count == 1
    qwc.write_text(text)
    ran = invoke(
        sqlite_server,
        "simulate",
        "--qwc",
        str(qwc),
        "--password",
        password,
        "--company-file",
        str(tmp_path / "c.qbsim"),
    )
    assert ran.returncode == 1
    error = _failed(ran.stdout, ran.stderr)
    assert error.startswith(f"cannot reach the AppURL http://127.0.0.1:{port}/qbwc")
    assert "refused" in error.lower()


def test_a_busy_connection_fails_and_says_it_is_busy(
    sqlite_server: LiveServer, tmp_path: Path
) -> None:
    qwc, password = _connection(sqlite_server, tmp_path, "Busy")
    (connection,) = as_json(invoke(sqlite_server, "connection", "list", "--json"))
    with sqlite_server.engine.begin() as conn:  # another Web Connector is mid-session
        session_store.create_session(
            conn, secrets.token_hex(16), connection["id"], datetime.now(UTC)
        )
    ran = invoke(
        sqlite_server,
        "simulate",
        "--qwc",
        str(qwc),
        "--password",
        password,
        "--company-file",
        str(tmp_path / "c.qbsim"),
    )
    assert ran.returncode == 1
    assert "busy" in _failed(ran.stdout, ran.stderr)


def test_several_company_files_run_on_and_one_failure_makes_the_exit_code_1(
    sqlite_server: LiveServer, tmp_path: Path
) -> None:
    good, good_pw = _connection(sqlite_server, tmp_path, "Good")
    bad, _ = _connection(sqlite_server, tmp_path, "Bad")
    ran = invoke(
        sqlite_server,
        "simulate",
        "--qwc",
        str(bad),
        "--password",
        "wrong",
        "--qwc",
        str(good),
        "--password",
        good_pw,
        "--company-file",
        str(tmp_path / "bad.qbsim"),
        "--company-file",
        str(tmp_path / "good.qbsim"),
    )
    assert ran.returncode == 1
    first, second = (json.loads(line) for line in ran.stdout.strip().splitlines())
    assert "wrong user name or password" in first["error"]
    assert second["error"] is None and second["records"]["invoices"] > 0
    assert "Bad.qwc" in ran.stderr and "Good.qwc" not in ran.stderr


def test_each_link_gets_a_simulated_company_of_its_own(
    sqlite_server: LiveServer, tmp_path: Path
) -> None:
    """Two links followed from the same directory without --company-file: each connection gets
    its own company file (the second used to reuse the first's, be refused as the wrong file
    and burn its one-time password)."""
    workdir = tmp_path / "pc"
    workdir.mkdir()
    runs = []
    for name in ("First", "Second"):
        with sqlite_server.engine.begin() as conn:
            company_id = create_company(conn, name)
            _, link = create_linkable_connection(conn, sqlite_server.settings, company_id)
        runs.append(qbdsync(sqlite_server, "simulate", "--link-url", link, cwd=workdir))
    for ran in runs:
        assert ran.returncode == 0, ran.stderr
        summary = json.loads(last_line(ran.stdout))
        assert summary["error"] is None and summary["result"].startswith("qbdsync: synced")
    assert len(list(workdir.glob("qbdsync-sim-*.qbsim"))) == 2


def test_a_bad_link_is_one_line_without_its_token(sqlite_server: LiveServer) -> None:
    token = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcde"
    unknown = invoke(sqlite_server, "simulate", "--link-url", f"{sqlite_server.url}/link/{token}")
    assert unknown.returncode == 1
    assert unknown.stderr.startswith("error: This link is not valid")
    port = free_port()
    unreachable = invoke(
        sqlite_server, "simulate", "--link-url", f"http://127.0.0.1:{port}/link/{token}"
    )
    assert unreachable.returncode == 1
    assert unreachable.stderr.startswith(
        f"error: cannot reach the link http://127.0.0.1:{port}/link/***"
    )
    assert token not in unknown.stderr + unreachable.stderr


def test_no_hcp_plays_a_client_that_sends_no_company_information(
    sqlite_server: LiveServer, tmp_path: Path
) -> None:
    def run(name: str, *extra: str) -> dict[str, object]:
        qwc, password = _connection(sqlite_server, tmp_path, name)
        args = ("--qwc", str(qwc), "--password", password)
        file = ("--company-file", str(tmp_path / f"{name}.qbsim"))
        ran = ok(invoke(sqlite_server, "simulate", *args, *file, *extra))
        summary: dict[str, object] = json.loads(last_line(ran.stdout))
        return summary

    with_hcp = run("With Hcp")
    without = run("Without Hcp", "--no-hcp")
    assert without["error"] is None
    assert without["records"] == with_hcp["records"]
    # The same company, one more round trip: the session first asked QuickBooks who it is.
    assert without["requests"] == with_hcp["requests"] + 1  # type: ignore[operator]
    shown = as_json(invoke(sqlite_server, "connection", "list", "--json"))
    assert sorted(c["status"] for c in shown) == ["Linked", "Linked"]
