"""The command line as operators and scripts use it: real processes, real HTTP."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from pathlib import Path

import httpx

from qbdsync.qbwc.credentials import digest_password
from qbdsync.qbwc.qwc import parse_qwc
from qbdsync.store import clients as client_store
from qbdsync.store import webhooks as webhook_store
from tests.conftest import LiveServer
from tests.integration.cli_helpers import as_json, invoke, last_line, ok, qbdsync

UUID_CHARS = 36


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
    assert set(summary) == {"requests", "records", "seconds", "result", "error"}
    assert summary["error"] is None
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
    assert missing.returncode == 1
    assert "no company with id no-such-company" in missing.stderr
    assert "Traceback" not in missing.stderr
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
        assert summary["error"] is None  # one type QuickBooks lacks does not fail the session


# -- scriptable: --json on every list and show command ---------------------------------------


def _linked_company(server: LiveServer, tmp_path: Path, name: str) -> tuple[str, str, Path]:
    """A company with one connection synced once (with one request QuickBooks refuses, so
    the connection has an error to list): (company id, connection id, .qwc)."""
    company_id = last_line(ok(invoke(server, "company", "create", name)).stdout)
    qwc_file = tmp_path / f"{company_id}.qwc"
    password = last_line(
        ok(invoke(server, "connection", "create", company_id, "--out", str(qwc_file))).stdout
    )
    ok(
        qbdsync(
            server,
            "simulate",
            "--qwc",
            str(qwc_file),
            "--password",
            password,
            "--company-file",
            str(tmp_path / f"{company_id}.qbsim"),
            "--fail",
            "0x80040400:estimates",
        )
    )
    (connection,) = as_json(invoke(server, "connection", "list", company_id, "--json"))
    return company_id, connection["id"], qwc_file


def test_every_list_and_show_command_speaks_json(sqlite_server: LiveServer, tmp_path: Path) -> None:
    server = sqlite_server
    company_id, connection_id, qwc_file = _linked_company(server, tmp_path, "Json Co")
    tenant_id = last_line(ok(invoke(server, "client", "create", "Tenant B")).stdout)
    other_id = last_line(
        ok(invoke(server, "company", "create", "Other Co", "--client", tenant_id)).stdout
    )

    companies = as_json(invoke(server, "company", "list", "--json"))
    by_id = {c["id"]: c for c in companies}
    assert set(by_id) == {company_id, other_id}
    json_co = by_id[company_id]
    assert (json_co["name"], json_co["clientName"]) == ("Json Co", "default")
    assert (by_id[other_id]["clientId"], by_id[other_id]["clientName"]) == (tenant_id, "Tenant B")
    assert [c["id"] for c in json_co["dataConnections"]] == [connection_id]
    assert json_co["lastSync"] is not None
    assert as_json(invoke(server, "company", "show", company_id, "--json")) == json_co

    connections = as_json(invoke(server, "connection", "list", "--json"))
    assert [c["id"] for c in connections] == [connection_id]
    shown = as_json(invoke(server, "connection", "show", connection_id, "--json"))
    assert shown == connections[0] == json_co["dataConnections"][0]
    assert (shown["companyId"], shown["companyName"], shown["status"]) == (
        company_id,
        "Json Co",
        "Linked",
    )
    info = shown["connectionInfo"]
    assert info["qbwcUserName"] == parse_qwc(qwc_file.read_text()).user_name
    assert info["quickBooksProduct"] and info["country"] == "US"

    errors = as_json(invoke(server, "connection", "errors", connection_id, "--json"))
    (refused,) = [e for e in errors if e["dataset"] == "estimates"]
    assert (refused["hresult"], refused["recovery"]) == ("0x80040400", "fatal_request")

    pulls = as_json(invoke(server, "sync", "status", company_id, "--json"))
    statuses = {p["dataType"]: p["status"] for p in pulls}
    assert statuses["invoices"] == "Complete" and statuses["estimates"] == "FetchError"
    # the API's names, as `sync settings --json` and GET …/data/history say them
    assert statuses["chartOfAccounts"] == "Complete" and "accounts" not in statuses
    assert {p["companyId"] for p in pulls} == {company_id}
    by_our_name = as_json(
        invoke(server, "sync", "queue", company_id, "--type", "accounts", "--json")
    )
    assert [p["dataType"] for p in by_our_name] == ["chartOfAccounts"]

    queued = as_json(invoke(server, "sync", "queue", company_id, "--type", "invoices", "--json"))
    assert [(p["dataType"], p["status"], p["connectionId"]) for p in queued] == [
        ("invoices", "Queued", connection_id)
    ]

    profile = as_json(invoke(server, "sync", "settings", "--json"))
    assert {s["dataType"] for s in profile} >= {"chartOfAccounts", "invoices"}
    changed = as_json(
        qbdsync(
            server,
            "sync",
            "settings",
            company_id,
            "--type",
            "chartOfAccounts",  # Codat's name, as the JSON says it, is accepted back
            "--schedule",
            "6",
            "--json",
        )
    )
    assert {s["dataType"]: s["syncSchedule"] for s in changed}["chartOfAccounts"] == 6

    clients = as_json(invoke(server, "client", "list", "--json"))
    assert {(c["name"], c["isDefault"]) for c in clients} == {
        ("default", True),
        ("Tenant B", False),
    }

    created = ok(invoke(server, "apikey", "create", "--name", "reporting", "--client", tenant_id))
    key = last_line(created.stdout)
    keys = as_json(invoke(server, "apikey", "list", "--json"))
    (reporting,) = [k for k in keys if k["name"] == "reporting"]
    assert (reporting["clientId"], reporting["clientName"]) == (tenant_id, "Tenant B")
    assert reporting["apiKey"] == f"{key[:6]}…"
    assert as_json(invoke(server, "apikey", "list", "--client", tenant_id, "--json")) == [reporting]

    # Link URLs are secrets: only `connection link` prints one.
    everything = json.dumps([companies, connections, shown, errors, pulls, keys])
    assert "/link/" not in everything and key not in everything
    link = as_json(invoke(server, "connection", "link", connection_id, "--json"))
    assert link["linkUrl"].startswith(f"{server.settings.public_url}/link/")
    assert (link["connectionId"], link["companyName"]) == (connection_id, "Json Co")
    again = as_json(invoke(server, "connection", "link", connection_id, "--json"))
    assert again["linkUrl"] == link["linkUrl"]  # still valid: the same link
    fresh = ok(invoke(server, "connection", "link", connection_id, "--new"))
    assert last_line(fresh.stdout).startswith(f"{server.settings.public_url}/link/")
    assert last_line(fresh.stdout) != link["linkUrl"]
    page = httpx.get(last_line(fresh.stdout), headers={"Accept": "application/json"})
    assert page.status_code == 200 and page.json()["connectionId"] == connection_id
    assert httpx.get(link["linkUrl"], headers={"Accept": "application/json"}).status_code == 404


def test_tables_show_whole_ids_and_names_at_80_columns(
    sqlite_server: LiveServer, tmp_path: Path
) -> None:
    server = sqlite_server
    name = "Northwind Traders International Holdings"
    company_id = last_line(ok(invoke(server, "company", "create", name)).stdout)
    ok(invoke(server, "connection", "create", company_id, "--out", str(tmp_path / "n.qwc")))
    (connection,) = as_json(invoke(server, "connection", "list", "--json"))
    ok(invoke(server, "apikey", "create", "--name", "reporting"))
    (key,) = as_json(invoke(server, "apikey", "list", "--json"))
    queued = ok(qbdsync(server, "sync", "queue", company_id, "--type", "invoices", columns=80))
    pulls = as_json(invoke(server, "sync", "status", company_id, "--json"))

    for args, ids in (
        (("company", "list"), [company_id]),
        (("company", "show", company_id), [company_id, connection["id"]]),
        (("connection", "list"), [connection["id"]]),
        (("apikey", "list"), [key["id"]]),
        (("sync", "status", company_id), []),
    ):
        table = ok(qbdsync(server, *args, columns=80)).stdout
        assert max(len(line.rstrip()) for line in table.splitlines()) <= 80, table
        if args[0] != "apikey":  # (a key is shown as its prefix and "…", by design)
            assert "…" not in table, table  # nothing cut: too wide a value wraps
        for object_id in ids:
            assert object_id in table, (args, table)
        if args[0] in ("company", "connection"):
            assert "Northwind" in table and "Holdings" in table  # the name, wrapped if need be
    assert any(p["id"] in queued.stdout for p in pulls if p["dataType"] == "invoices")


def test_unknown_ids_are_errors_with_exit_code_1(sqlite_server: LiveServer, tmp_path: Path) -> None:
    server = sqlite_server
    for args, says in (
        (("connection", "list", "nope"), "no company with id nope"),
        (("connection", "list", "nope", "--json"), "no company with id nope"),
        (("company", "show", "nope"), "no company with id nope"),
        (("company", "show", "nope", "--json"), "no company with id nope"),
        (("company", "delete", "nope", "--yes"), "no company with id nope"),
        (("company", "set", "nope", "--sync-mode", "one-time"), "no company with id nope"),
        (("company", "create", "X", "--client", "nope"), "no client with id nope"),
        (("connection", "show", "nope"), "no connection with id nope"),
        (("connection", "link", "nope"), "no connection with id nope"),
        (("connection", "unlink", "nope"), "no connection with id nope"),
        (("connection", "delete", "nope", "--yes"), "no connection with id nope"),
        (("connection", "errors", "nope"), "no connection with id nope"),
        (("connection", "pause", "nope", "--for", "1h"), "no connection with id nope"),
        (("sync", "status", "nope"), "no company with id nope"),
        (("sync", "queue", "nope"), "no company with id nope"),
        (("apikey", "revoke", "nope"), "no API key with id nope"),
        (("apikey", "list", "--client", "nope"), "no client with id nope"),
    ):
        result = invoke(server, *args)
        assert result.returncode == 1, (args, result.stdout, result.stderr)
        assert result.stderr.strip() == f"error: {says}", (args, result.stderr)
        assert result.stdout == "", (args, result.stdout)
    assert as_json(invoke(server, "company", "list", "--json")) == []  # nothing was created
    # The same as a real process: one line on stderr, no traceback, exit code 1.
    real = qbdsync(server, "connection", "list", "nope")
    assert (real.returncode, real.stdout, real.stderr) == (
        1,
        "",
        "error: no company with id nope\n",
    )


def test_a_revoked_api_key_no_longer_opens_the_api(sqlite_server: LiveServer) -> None:
    server = sqlite_server
    key = last_line(ok(invoke(server, "apikey", "create", "--name", "short-lived")).stdout)
    (row,) = as_json(invoke(server, "apikey", "list", "--json"))
    auth = {"Authorization": "Basic " + base64.b64encode(key.encode()).decode()}
    assert httpx.get(f"{server.url}/companies", headers=auth).status_code == 200
    ok(invoke(server, "apikey", "revoke", row["id"]))
    assert httpx.get(f"{server.url}/companies", headers=auth).status_code == 401
    assert as_json(invoke(server, "apikey", "list", "--json")) == []
    assert invoke(server, "apikey", "revoke", row["id"]).returncode == 1


def test_unlink_and_delete_act_as_the_api_does(sqlite_server: LiveServer, tmp_path: Path) -> None:
    server = sqlite_server
    now = datetime.now(UTC)
    with server.engine.begin() as conn:
        client_id = client_store.default_client(conn, now)
        key, _ = client_store.create_api_key(conn, client_id, "ops", now)
        hook = webhook_store.create_webhook(
            conn,
            client_id=client_id,
            url="https://hooks.example.com/qbdsync",
            event_types=["*"],
            secret="whsec_" + "a" * 32,
            now=now,
        )
    api = httpx.Client(
        base_url=server.url,
        headers={"Authorization": "Basic " + base64.b64encode(key.encode()).decode()},
    )
    company_id, connection_id, _ = _linked_company(server, tmp_path, "Doomed Co")

    def events() -> list[str]:
        with server.engine.connect() as conn:
            rows = webhook_store.list_deliveries(conn, client_id, hook.id, limit=1000)
        return [d.event_type for d in rows]

    ok(invoke(server, "connection", "unlink", connection_id))
    shown = as_json(invoke(server, "connection", "show", connection_id, "--json"))
    assert shown["status"] == "Unlinked"
    assert api.get(f"/companies/{company_id}/connections/{connection_id}").json()["status"] == (
        "Unlinked"
    )
    assert "connection.disconnected" in events()

    # Without --yes it asks; anything but yes keeps the connection.
    kept = invoke(server, "connection", "delete", connection_id, stdin="n\n")
    assert kept.returncode == 1
    ok(invoke(server, "connection", "show", connection_id))
    ok(invoke(server, "connection", "delete", connection_id, stdin="y\n"))
    assert invoke(server, "connection", "show", connection_id).returncode == 1
    assert api.get(f"/companies/{company_id}/connections/{connection_id}").status_code == 404
    assert "connection.deleted" in events()

    ok(invoke(server, "company", "delete", company_id, "--yes"))
    assert invoke(server, "company", "show", company_id).returncode == 1
    assert api.get(f"/companies/{company_id}").status_code == 404
    assert "company.deleted" in events()
    api.close()


def test_company_create_for_another_client(sqlite_server: LiveServer) -> None:
    server = sqlite_server
    created = ok(invoke(server, "apikey", "create", "--name", "b", "--new-client", "Tenant B"))
    key = last_line(created.stdout)
    (row,) = as_json(invoke(server, "apikey", "list", "--json"))
    company_id = last_line(
        ok(invoke(server, "company", "create", "B's Co", "--client", row["clientId"])).stdout
    )
    auth = {"Authorization": "Basic " + base64.b64encode(key.encode()).decode()}
    seen = httpx.get(f"{server.url}/companies", headers=auth).json()["results"]
    assert [c["id"] for c in seen] == [company_id]
    shown = as_json(invoke(server, "company", "show", company_id, "--json"))
    assert (shown["clientId"], shown["clientName"]) == (row["clientId"], "Tenant B")


def test_company_set_changes_what_it_says_and_refuses_a_no_op(sqlite_server: LiveServer) -> None:
    company_id = last_line(ok(invoke(sqlite_server, "company", "create", "Windowed")).stdout)

    def window() -> tuple[str | None, str | None]:
        shown = as_json(invoke(sqlite_server, "company", "show", company_id, "--json"))
        return shown["syncWindow"], shown["syncWindowDays"]

    nothing = invoke(sqlite_server, "company", "set", company_id)
    assert nothing.returncode == 2
    assert "nothing to change" in nothing.stderr
    no_window = invoke(sqlite_server, "company", "set", company_id, "--days", "Sat")
    assert no_window.returncode == 2  # options that do not fit together: a usage error
    assert "need a sync window" in no_window.stderr
    ok(invoke(sqlite_server, "company", "set", company_id, "--window", "19:00-07:00"))
    ok(invoke(sqlite_server, "company", "set", company_id, "--days", "Mon-Fri"))
    assert window() == ("19:00-07:00", "Mon-Fri")
    # New days for the window already set: the window stays, the days change.
    ok(invoke(sqlite_server, "company", "set", company_id, "--days", "Sat"))
    assert window() == ("19:00-07:00", "Sat")
    bad = invoke(sqlite_server, "company", "set", company_id, "--days", "Someday")
    assert bad.returncode == 2
    assert window() == ("19:00-07:00", "Sat")
