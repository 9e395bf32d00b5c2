"""Mistakes on the command line are one clear line and lose nothing: an --out that cannot be
written is found before a connection is created, numbers out of bounds are usage errors, and
`serve` on a port in use says so before it claims to be serving. Exit codes stay 0, 1 or 2."""

from __future__ import annotations

import json
import os
import socket
import stat
from pathlib import Path

import pytest

from tests.conftest import LiveServer
from tests.integration.cli_helpers import invoke, last_line, ok, qbdsync, run_cli


def one_error_line(ran: object, code: int = 1) -> str:
    assert ran.returncode == code, (ran.stdout, ran.stderr)  # type: ignore[attr-defined]
    stderr: str = ran.stderr  # type: ignore[attr-defined]
    assert "Traceback" not in stderr, stderr
    (line,) = stderr.splitlines()
    assert line.startswith("error: "), line
    return line


def connections_of(server: LiveServer, company_id: str) -> list[dict[str, object]]:
    listed = ok(qbdsync(server, "connection", "list", company_id, "--json"))
    return list(json.loads(listed.stdout))


def test_an_out_that_cannot_be_written_creates_nothing(
    sqlite_server: LiveServer, tmp_path: Path
) -> None:
    company_id = last_line(ok(qbdsync(sqlite_server, "company", "create", "Out Co")).stdout)
    files = tmp_path / "files"
    read_only = files / "ro"
    read_only.mkdir(parents=True)
    read_only.chmod(stat.S_IRUSR | stat.S_IXUSR)
    outs = ["/nonexistent/x.qwc", str(files)]
    if os.geteuid() != 0:  # root may write into a read-only directory
        outs.append(str(read_only / "x.qwc"))
    for out in outs:
        ran = qbdsync(sqlite_server, "connection", "create", company_id, "--out", out)
        line = one_error_line(ran)
        assert f"cannot write {out}" in line
        assert ran.stdout == ""
    assert connections_of(sqlite_server, company_id) == []
    assert list(files.iterdir()) == [read_only]  # no temporary file left behind


def test_create_qwc_and_relink_write_the_file_or_say_why(
    sqlite_server: LiveServer, tmp_path: Path
) -> None:
    company_id = last_line(ok(qbdsync(sqlite_server, "company", "create", "Qwc Co")).stdout)
    files = tmp_path / "files"
    files.mkdir()
    qwc = files / "a.qwc"
    created = ok(qbdsync(sqlite_server, "connection", "create", company_id, "--out", str(qwc)))
    password = last_line(created.stdout)
    assert len(password) >= 16 and "<QBWCXML>" in qwc.read_text()
    (connection,) = connections_of(sqlite_server, company_id)
    connection_id = str(connection["id"])

    again = qbdsync(sqlite_server, "connection", "qwc", connection_id, "--out", "/nonexistent/b")
    assert "cannot write /nonexistent/b" in one_error_line(again)

    # an unknown id leaves an existing file as it was
    qwc.write_text("keep me")
    unknown = qbdsync(sqlite_server, "connection", "qwc", "no-such-id", "--out", str(qwc))
    one_error_line(unknown)
    assert qwc.read_text() == "keep me"
    assert sorted(p.name for p in files.iterdir()) == ["a.qwc"]

    relink = qbdsync(sqlite_server, "connection", "relink", connection_id, "--out", "/nope/c")
    assert "cannot write /nope/c" in one_error_line(relink)
    # the old password still works: nothing was replaced
    (still,) = connections_of(sqlite_server, company_id)
    assert still["status"] == connection["status"]


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (("--months", "99999999999999999999"), "--months"),
        (("--months", "-1"), "--months"),
        (("--schedule", "-5"), "--schedule"),
        (("--schedule", "9000"), "--schedule"),
        (("--order", "99999999999999999999"), "--order"),
        (("--sync-from", "next tuesday"), "--sync-from"),
    ],
)
def test_sync_settings_out_of_bounds_are_usage_errors_and_change_nothing(
    sqlite_server: LiveServer, args: tuple[str, ...], option: str
) -> None:
    before = ok(qbdsync(sqlite_server, "sync", "settings", "--json")).stdout
    ran = qbdsync(sqlite_server, "sync", "settings", "--type", "invoices", *args, columns=200)
    assert ran.returncode == 2, ran.stderr
    assert "Traceback" not in ran.stderr and option in ran.stderr
    assert ok(qbdsync(sqlite_server, "sync", "settings", "--json")).stdout == before


def test_sync_settings_within_bounds_are_stored(sqlite_server: LiveServer) -> None:
    ok(
        qbdsync(
            sqlite_server,
            "sync", "settings", "--type", "invoices", "--schedule", "8760", "--months", "1200",
        )
    )  # fmt: skip
    settings = json.loads(ok(qbdsync(sqlite_server, "sync", "settings", "--json")).stdout)
    (invoices,) = [s for s in settings if s["dataType"] == "invoices"]
    assert (invoices["syncSchedule"], invoices["monthsToSync"]) == (8760, 1200)


def test_pause_too_far_ahead_is_a_usage_error(sqlite_server: LiveServer) -> None:
    for when in (("--for", "99999999999999999999d"), ("--until", "9999-12-31T23:59-05:00")):
        ran = qbdsync(sqlite_server, "connection", "pause", "any-id", *when, columns=200)
        assert ran.returncode == 2 and "Traceback" not in ran.stderr, ran.stderr
        assert "9999" in ran.stderr


@pytest.mark.parametrize("port", ["99999", "-1", "0"])
def test_serve_on_an_impossible_port_is_a_usage_error(tmp_path: Path, port: str) -> None:
    ran = run_cli("serve", "--port", port, database_url=f"sqlite:///{tmp_path / 'q.db'}")
    assert ran.returncode == 2 and "Traceback" not in ran.stderr and "--port" in ran.stderr


def test_serve_on_a_port_in_use_is_one_line_before_any_banner(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        ran = run_cli(
            "serve",
            "--port",
            str(port),
            "--workers",
            "1",
            database_url=f"sqlite:///{tmp_path / 'q.db'}",
            timeout=60,
        )
    line = one_error_line(ran)
    assert f"127.0.0.1:{port}" in line and "in use" in line
    assert "serving" not in ran.stderr


def test_simulate_files_that_cannot_be_written_are_one_line(
    sqlite_server: LiveServer, tmp_path: Path
) -> None:
    company_id = last_line(ok(qbdsync(sqlite_server, "company", "create", "Sim Co")).stdout)
    qwc = tmp_path / "s.qwc"
    created = ok(qbdsync(sqlite_server, "connection", "create", company_id, "--out", str(qwc)))
    password = last_line(created.stdout)
    common = ("simulate", "--qwc", str(qwc), "--password", password)
    log = qbdsync(sqlite_server, *common, "--log", "/nonexistent/l.log")
    assert "/nonexistent/l.log" in one_error_line(log)
    file = qbdsync(sqlite_server, *common, "--company-file", "/nonexistent/c.qbsim")
    assert "/nonexistent/c.qbsim" in one_error_line(file)
    churn = qbdsync(sqlite_server, *common, "--churn", "-1")
    assert churn.returncode == 2 and "Traceback" not in churn.stderr


def test_apikey_create_with_both_client_options_is_a_usage_error(
    sqlite_server: LiveServer,
) -> None:
    tenant = last_line(ok(qbdsync(sqlite_server, "client", "create", "Tenant")).stdout)
    ran = qbdsync(
        sqlite_server, "apikey", "create", "--name", "k", "--client", tenant, "--new-client", "y"
    )
    assert ran.returncode == 2 and "Traceback" not in ran.stderr, ran.stderr
    assert "--client" in ran.stderr and "--new-client" in ran.stderr and ran.stdout == ""
    assert json.loads(ok(qbdsync(sqlite_server, "apikey", "list", "--json")).stdout) == []
    clients = json.loads(ok(qbdsync(sqlite_server, "client", "list", "--json")).stdout)
    assert "y" not in {c["name"] for c in clients}


@pytest.mark.parametrize(
    "args",
    [("--schedule", "5"), ("--months", "3"), ("--no-fetch-on-first-link",), ("--order", "1")],
)
def test_sync_settings_changes_without_a_type_are_usage_errors(
    sqlite_server: LiveServer, args: tuple[str, ...]
) -> None:
    before = ok(qbdsync(sqlite_server, "sync", "settings", "--json")).stdout
    ran = qbdsync(sqlite_server, "sync", "settings", *args, columns=200)
    assert ran.returncode == 2 and "Traceback" not in ran.stderr, ran.stderr
    assert "--type" in ran.stderr and ran.stdout == ""
    assert ok(qbdsync(sqlite_server, "sync", "settings", "--json")).stdout == before


@pytest.mark.parametrize("name", ["", "   ", "\u3000"])
def test_blank_names_are_usage_errors_and_create_nothing(
    sqlite_server: LiveServer, name: str
) -> None:
    clients_before = ok(qbdsync(sqlite_server, "client", "list", "--json")).stdout
    for args in (
        ("company", "create", name),
        ("client", "create", name),
        ("apikey", "create", "--name", "k", "--new-client", name),
    ):
        ran = qbdsync(sqlite_server, *args, columns=200)
        assert ran.returncode == 2 and "Traceback" not in ran.stderr, (args, ran.stderr)
        assert "empty" in ran.stderr and ran.stdout == "", (args, ran.stderr)
    assert json.loads(ok(qbdsync(sqlite_server, "company", "list", "--json")).stdout) == []
    assert json.loads(ok(qbdsync(sqlite_server, "apikey", "list", "--json")).stdout) == []
    assert ok(qbdsync(sqlite_server, "client", "list", "--json")).stdout == clients_before


def test_bad_option_values_are_usage_errors_and_unknown_ids_stay_1(
    sqlite_server: LiveServer, tmp_path: Path
) -> None:
    server = sqlite_server
    company_id = last_line(ok(invoke(server, "company", "create", "Values Co")).stdout)
    ok(invoke(server, "connection", "create", company_id, "--out", str(tmp_path / "v.qwc")))
    (connection,) = connections_of(server, company_id)
    before = ok(invoke(server, "company", "show", company_id, "--json")).stdout
    for args, says in (
        (("sync", "queue", company_id, "--type", "invoice"), "unknown data type 'invoice'"),
        (("sync", "settings", company_id, "--type", "nosuch"), "unknown data type 'nosuch'"),
        (("company", "set", company_id, "--sync-mode", "bogus"), "sync mode must be"),
        (("company", "set", company_id, "--window", "19:00-07:00", "--days", "Funday"), "days"),
        (("company", "set", company_id, "--window", "19:00"), "19:00-07:00"),
        (("company", "set", company_id, "--timezone", "Mars/Olympus"), "time zone"),
        (("connection", "pause", str(connection["id"]), "--for", "2"), "duration"),
        (("connection", "pause", str(connection["id"]), "--for", "0h"), "in the future"),
        (("connection", "pause", str(connection["id"]), "--until", "2020-01-01T00:00"), "future"),
    ):
        ran = invoke(server, *args)
        assert ran.returncode == 2, (args, ran.stdout, ran.stderr)
        assert says in " ".join(ran.stderr.split()), (args, ran.stderr)
    assert ok(invoke(server, "company", "show", company_id, "--json")).stdout == before
    assert connections_of(server, company_id) == [connection]  # not paused
    for args in (
        ("sync", "queue", "no-such-company", "--type", "invoices"),
        ("company", "set", "no-such-company", "--sync-mode", "ongoing"),
        ("connection", "pause", "no-such-connection", "--for", "2h"),
    ):
        ran = invoke(server, *args)
        assert ran.returncode == 1 and "no " in ran.stderr, (args, ran.stderr)


def test_an_unlinked_connection_is_not_linked_paused_or_given_a_qwc(
    sqlite_server: LiveServer, tmp_path: Path
) -> None:
    server = sqlite_server
    company_id = last_line(ok(invoke(server, "company", "create", "Gone Co")).stdout)
    ok(invoke(server, "connection", "create", company_id, "--out", str(tmp_path / "g.qwc")))
    (connection,) = connections_of(server, company_id)
    connection_id = str(connection["id"])
    ok(invoke(server, "connection", "unlink", connection_id))
    (unlinked,) = connections_of(server, company_id)
    out = tmp_path / "again.qwc"
    for args in (
        ("connection", "link", connection_id),
        ("connection", "link", connection_id, "--new"),
        ("connection", "qwc", connection_id, "--out", str(out)),
        ("connection", "pause", connection_id, "--for", "1h"),
    ):
        ran = invoke(server, *args)
        assert ran.returncode == 1 and ran.stdout == "", (args, ran.stdout, ran.stderr)
        said = " ".join(ran.stderr.split())
        assert "is unlinked" in said and f"connection relink {connection_id}" in said, said
    assert not out.exists()
    assert connections_of(server, company_id) == [unlinked]
    # relink is the way back, and then the others work again
    ok(invoke(server, "connection", "relink", connection_id, "--out", str(out)))
    ok(invoke(server, "connection", "pause", connection_id, "--for", "1h"))
    assert ok(invoke(server, "connection", "link", connection_id)).stdout.startswith("http")
