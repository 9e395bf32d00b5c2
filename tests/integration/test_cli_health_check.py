"""The operator's view of a connection's trouble: `connection errors` in words with whether
each is resolved, `sync status --type/--limit`, and `connection check` (a health check the
simulated Web Connector's next poll answers), with exit codes that fail loudly."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from qbdsync.diagnosis.catalogue import entry
from qbdsync.explaining import explain_problem
from qbdsync.store import companies as company_store
from tests.conftest import LiveServer
from tests.integration.cli_helpers import as_json, invoke, ok, qbdsync
from tests.integration.helpers import Linked, link

ENUM_NAMES = ("retry_next_session", "fatal_request", "keep_warn", "not_supported")


def _until_queued(linked: Linked) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if linked.row().health_check_until is not None:
            return
        time.sleep(0.05)
    raise AssertionError("no health check was queued")


def _check_while_polling(linked: Linked, *args: str, **sync: Any) -> tuple[Any, Any]:
    """`connection check` as a real process, answered by one simulated poll meanwhile."""
    connection_id = linked.connection.connection.id
    with ThreadPoolExecutor(max_workers=1) as pool:
        checked = pool.submit(
            qbdsync, linked.server, "connection", "check", connection_id, "--wait", "60", *args
        )
        _until_queued(linked)
        run = linked.sync(**sync)
        return checked.result(), run


def test_connection_errors_say_what_happened_in_words_and_whether_it_is_resolved(
    live_server: LiveServer, tmp_path: Path
) -> None:
    linked = link(live_server, tmp_path)
    connection_id = linked.connection.connection.id
    # Invoices are refused once as locked (tried again next session); estimates' requests
    # are refused as unreadable (our bug: never sent again).
    first = linked.sync(failures={"InvoiceQueryRq:1": 3175, "EstimateQueryRq": 0x80040400})
    assert first.error is None, first

    errors = as_json(invoke(live_server, "connection", "errors", connection_id, "--json"))
    (locked,) = [e for e in errors if e["dataset"] == "invoices"]
    (refused,) = [e for e in errors if e["dataset"] == "estimates"]
    assert (locked["dataType"], locked["statusCode"], locked["recovery"]) == (
        "invoices",
        3175,
        "retry_next_session",
    )
    assert locked["resolved"] is False and locked["resolvedUtc"] is None
    assert locked["nextStep"] == "qbdsync tries again at the next sync."
    assert locked["explanation"]["code"] == "3175"
    assert locked["explanation"]["detail"] == locked["message"]
    assert locked["occurredUtc"] is not None
    hresult = refused["explanation"]
    assert hresult["code"] == "0x80040400" and refused["hresult"] == "0x80040400"
    assert hresult["userFacingMessage"] == explain_problem("0x80040400", "").user_message
    assert hresult["whoActs"] in ("smbUser", "operator", "nobody")

    # Wide enough for each cell to stay on one line (at 80 columns cells wrap, nothing is cut).
    table = ok(qbdsync(live_server, "connection", "errors", connection_id, columns=400)).stdout
    for header in ("when", "data type", "what happened", "what it means", "resolved"):
        assert header in table
    (invoice_line,) = [line for line in table.splitlines() if " invoices " in line]
    assert "qbdsync tries again at the next sync." in invoice_line
    assert invoice_line.rstrip().endswith("no")
    assert not any(name in table for name in ENUM_NAMES), table
    narrow = ok(qbdsync(live_server, "connection", "errors", connection_id, columns=80)).stdout
    assert max(len(line.rstrip()) for line in narrow.splitlines()) <= 80

    # The next session reads the invoices: that error is resolved, the estimates' is not.
    second = linked.sync(failures={"EstimateQueryRq": 0x80040400})
    assert second.error is None, second
    errors = as_json(invoke(live_server, "connection", "errors", connection_id, "--json"))
    (locked,) = [e for e in errors if e["dataset"] == "invoices"]
    assert locked["resolved"] is True and locked["resolvedUtc"] > locked["occurredUtc"]
    assert all(not e["resolved"] for e in errors if e["dataset"] == "estimates")
    table = ok(qbdsync(live_server, "connection", "errors", connection_id, columns=400)).stdout
    assert any(" invoices " in line and "yes, " in line for line in table.splitlines()), table

    limited = as_json(
        invoke(live_server, "connection", "errors", connection_id, "--limit", "1", "--json")
    )
    assert len(limited) == 1 and limited[0] == errors[0]
    for bad in ("0", "1001", "many"):
        refused_limit = invoke(live_server, "connection", "errors", connection_id, "--limit", bad)
        assert refused_limit.returncode == 2, refused_limit
    missing = invoke(live_server, "connection", "errors", "nope")
    assert missing.returncode == 1 and "no connection with id nope" in missing.stderr


def test_sync_status_takes_a_data_type_and_a_limit(live_server: LiveServer, tmp_path: Path) -> None:
    linked = link(live_server, tmp_path)
    company_id = linked.connection.connection.company_id
    assert linked.sync().error is None
    ok(invoke(live_server, "sync", "queue", company_id, "--type", "invoices"))
    status = ["sync", "status", company_id]
    invoices = as_json(invoke(live_server, *status, "--type", "invoices", "--json"))
    assert [p["dataType"] for p in invoices] == ["invoices", "invoices"]
    assert [p["status"] for p in invoices] == ["Queued", "Complete"]  # newest first
    (newest,) = as_json(
        invoke(live_server, *status, "--type", "invoices", "--limit", "1", "--json")
    )
    assert newest == invoices[0]
    accounts = as_json(invoke(live_server, *status, "--type", "chartOfAccounts", "--json"))
    assert [p["dataType"] for p in accounts] == ["chartOfAccounts"]
    assert len(as_json(invoke(live_server, *status, "--limit", "3", "--json"))) == 3
    table = ok(invoke(live_server, *status, "--type", "invoices")).stdout
    assert "Queued" in table and "chartOfAccounts" not in table and "customers" not in table
    for args in (("--type", "nope"), ("--limit", "0"), ("--limit", "10001")):
        bad = invoke(live_server, *status, *args)
        assert bad.returncode == 2, (args, bad)
        assert bad.stdout == ""


def test_connection_check_is_answered_by_the_next_poll(
    live_server: LiveServer, tmp_path: Path
) -> None:
    linked = link(live_server, tmp_path)
    connection_id = linked.connection.connection.id
    assert linked.sync().error is None
    check = ["connection", "check", connection_id]

    never = invoke(live_server, *check, "--last")
    assert never.returncode == 1
    assert f"no health check of connection {connection_id} yet" in never.stderr

    # Queued without waiting: exit 0, Pending; the next poll answers it.
    queued = as_json(invoke(live_server, *check, "--wait", "0", "--json"))
    assert queued["status"] == "Pending" and queued["sentUtc"] is None
    run = linked.sync()
    assert run.auth == "" and run.requests == 1
    answered = as_json(invoke(live_server, *check, "--last", "--json"))
    assert (answered["id"], answered["status"]) == (queued["id"], "Success")
    assert answered["durationInMs"] is not None

    checked, run = _check_while_polling(linked)
    assert checked.returncode == 0, (checked.stdout, checked.stderr)
    assert "Success" in checked.stdout and "round trip" in checked.stdout
    assert run.requests == 1


def test_connection_check_fails_loudly_with_the_reason_and_what_to_do(
    live_server: LiveServer, tmp_path: Path
) -> None:
    linked = link(live_server, tmp_path)
    connection_id = linked.connection.connection.id
    assert linked.sync().error is None

    checked, run = _check_while_polling(linked, "--json", failures={"open": 0x80040408})
    assert checked.returncode == 1, (checked.stdout, checked.stderr)
    view = json.loads(checked.stdout)
    assert view["status"] == "Failed" and view["error"]["code"] == "0x80040408"
    expected = explain_problem("0x80040408", "").user_message
    assert view["error"]["userFacingMessage"] == expected
    assert checked.stderr.startswith("error: health check Failed: ")
    assert run.error is not None

    checked, _ = _check_while_polling(linked)
    assert checked.returncode == 0, (checked.stdout, checked.stderr)  # QuickBooks is back

    unanswered = entry("health-check-unanswered")
    timed_out = qbdsync(live_server, "connection", "check", connection_id, "--timeout", "1")
    assert timed_out.returncode == 1, (timed_out.stdout, timed_out.stderr)
    flat = " ".join(timed_out.stdout.split())
    assert "TimedOut" in flat and " ".join(unanswered.user_message.split()) in flat
    assert " ".join(unanswered.fix_steps[0].split()) in flat
    assert "the QuickBooks user" in flat  # who acts, in words
    assert "error: health check TimedOut: " in timed_out.stderr
    assert linked.sync().auth == "none"  # timed out: no poll has work for it

    waited = invoke(
        live_server, "connection", "check", connection_id, "--timeout", "60", "--wait", "0.5"
    )
    assert waited.returncode == 1
    assert "was not answered within 0.5 s" in waited.stderr
    for bad in (("--timeout", "0"), ("--timeout", "86401"), ("--wait", "-1")):
        refused = invoke(live_server, "connection", "check", connection_id, *bad)
        assert refused.returncode == 2, (bad, refused)
    missing = invoke(live_server, "connection", "check", "nope")
    assert missing.returncode == 1 and "no connection with id nope" in missing.stderr
    with live_server.engine.connect() as conn:
        assert company_store.get_connection(conn, connection_id).health_check_until is not None


def test_simulate_fails_opening_the_company_file_on_demand(
    live_server: LiveServer, tmp_path: Path
) -> None:
    linked = link(live_server, tmp_path)
    simulate = [
        "simulate",
        "--qwc",
        str(linked.qwc_path),
        "--password",
        linked.connection.password,
        "--company-file",
        str(linked.company_file),
    ]
    failed = qbdsync(live_server, *simulate, "--fail", "0x80040408:open")
    assert failed.returncode == 1
    assert "0x80040408" in failed.stderr and "Could not start QuickBooks." in failed.stderr
    status_on_open = qbdsync(live_server, *simulate, "--fail", "3175:open", columns=200)
    assert status_on_open.returncode == 2
    assert "opening the file fails with an hresult" in " ".join(status_on_open.stderr.split())
