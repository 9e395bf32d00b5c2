"""A connection's health as the SMB user, the operator and scripts see it: the simulated
QuickBooks' faults make it `failing` with the catalogue's words on the API connection and in
the CLI, a connector that stops calling turns it `late` by the clock alone, and each change is
announced once as connection.health.changed."""

from __future__ import annotations

import json
import secrets
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, update

from qbdsync import connection_health as health
from qbdsync.diagnosis.catalogue import entry
from qbdsync.explaining import explain_problem
from qbdsync.lifecycle import request_sync
from qbdsync.qbwc.polls import DEFAULT_FLUSH_SECONDS
from qbdsync.simulator.runner import simulate
from qbdsync.store import companies as company_store
from qbdsync.store import sessions as session_store
from qbdsync.store import webhooks as webhook_store
from qbdsync.store.tables import connections, webhook_deliveries
from tests.api.helpers import Synced, Tenant, link_and_sync, new_tenant
from tests.conftest import LiveServer
from tests.integration.cli_helpers import invoke, qbdsync

# The simulated QuickBooks' faults when the Web Connector opens the company file.
OPEN_FAULTS = {
    "QuickBooks not running": 0x80040408,
    "access denied": 0x80040420,
    "a modal dialog": 0x80040414,
    "another company file open": 0x8004040A,
}


def _api_connection(tenant: Tenant, synced: Synced) -> dict[str, Any]:
    reply = tenant.api.get(f"/companies/{synced.company_id}/connections/{synced.connection_id}")
    assert reply.status_code == 200, reply.text
    body: dict[str, Any] = reply.json()
    return body


def _cli_health(server: LiveServer, connection_id: str) -> tuple[int, dict[str, Any]]:
    ran = invoke(server, "connection", "health", connection_id, "--json")
    (one,) = json.loads(ran.stdout)
    return ran.returncode, one


def _list_line(server: LiveServer, connection_id: str) -> str:
    ran = qbdsync(server, "connection", "list", columns=400)  # wide: one line per cell
    assert ran.returncode == 0, ran
    (line,) = [x for x in ran.stdout.splitlines() if connection_id in x]
    return line


def _due_sync(server: LiveServer, synced: Synced, **options: Any) -> Any:
    with server.engine.begin() as conn:
        request_sync(conn, synced.connection_id)
    return synced.sync(**options)


@pytest.mark.parametrize("fault", sorted(OPEN_FAULTS))
def test_a_quickbooks_fault_makes_the_connection_failing_with_the_catalogues_words(
    live_server: LiveServer, tmp_path: Path, fault: str
) -> None:
    tenant = new_tenant(live_server, "Health")
    synced = link_and_sync(tenant, tmp_path)
    view = _api_connection(tenant, synced)
    assert view["health"]["state"] == "healthy", view["health"]
    assert view["health"]["lastRequestAt"] is not None
    assert view["health"]["lastSuccessfulRequestAt"] is not None
    assert view["dataConnectionErrors"] == []
    assert _cli_health(live_server, synced.connection_id)[0] == 0

    code = f"0x{OPEN_FAULTS[fault]:08X}"
    failed = _due_sync(live_server, synced, failures={"open": OPEN_FAULTS[fault]})
    assert failed.error is not None and code in failed.error
    expected = explain_problem(code, "")

    view = _api_connection(tenant, synced)
    assert view["status"] == "Linked"
    got = view["health"]
    assert got["state"] == "failing", got
    assert got["code"] == code
    assert got["userFacingMessage"] == expected.user_message
    assert got["whoActs"] == (expected.who_acts or "smbUser")
    assert got["since"] is not None
    assert code in got["operatorDetail"]
    (error,) = view["dataConnectionErrors"]
    assert (error["statusCode"], error["status"], error["resolvedOnUtc"]) == (code, "Active", None)
    assert error["errorMessage"] == expected.user_message

    # The company's view carries the same health; the CLI never says just "Linked".
    company = tenant.api.get(f"/companies/{synced.company_id}").json()
    assert company["dataConnections"][0]["health"]["state"] == "failing"
    assert "failing" in _list_line(live_server, synced.connection_id)
    listed = json.loads(invoke(live_server, "connection", "list", "--json").stdout)
    assert listed[0]["health"]["state"] == "failing"
    exit_code, shown = _cli_health(live_server, synced.connection_id)
    assert exit_code == 3 and shown["state"] == "failing"
    assert shown["userFacingMessage"] == expected.user_message
    table = invoke(live_server, "connection", "health", synced.connection_id)
    assert table.returncode == 3
    assert "failing" in table.stdout and "who acts" in table.stdout

    # QuickBooks opens again: the next sync completes and the error is resolved.
    assert _due_sync(live_server, synced).error is None
    view = _api_connection(tenant, synced)
    assert view["health"]["state"] == "healthy"
    (error,) = view["dataConnectionErrors"]
    assert error["status"] == "Resolved" and error["resolvedOnUtc"] is not None
    assert _cli_health(live_server, synced.connection_id)[0] == 0


def test_the_wrong_company_file_and_a_second_web_connector_make_it_failing(
    live_server: LiveServer, tmp_path: Path
) -> None:
    tenant = new_tenant(live_server, "Health")
    synced = link_and_sync(tenant, tmp_path / "a")
    other = link_and_sync(tenant, tmp_path / "b", "Other Co")

    with live_server.engine.begin() as conn:
        request_sync(conn, synced.connection_id)
    wrong = simulate(
        qwc_path=synced.qwc_path, password=synced.password, company_file=other.company_file
    )
    assert wrong.error is not None
    got = _api_connection(tenant, synced)["health"]
    assert got["state"] == "failing", got
    assert "not the one this Web Connector entry is linked to" in got["userFacingMessage"]
    assert got["whoActs"] == "smbUser"
    assert _cli_health(live_server, synced.connection_id)[0] == 3
    assert _due_sync(live_server, synced).error is None
    assert _api_connection(tenant, synced)["health"]["state"] == "healthy"

    # A second Web Connector (another copy of QuickBooks, another PC) is mid-session.
    with live_server.engine.begin() as conn:
        session_store.create_session(
            conn, secrets.token_hex(16), other.connection_id, datetime.now(UTC)
        )
    busy = _due_sync(live_server, other)
    assert busy.auth == "busy" or (busy.error is not None and "busy" in busy.error), busy
    deadline = datetime.now(UTC) + timedelta(seconds=10)
    got = _api_connection(tenant, other)["health"]
    while got["state"] != "failing" and datetime.now(UTC) < deadline:  # noted in background
        got = _api_connection(tenant, other)["health"]
    assert got["state"] == "failing", got
    assert "busy" in got["userFacingMessage"].lower() or "busy" in got["operatorDetail"]
    assert "failing" in _list_line(live_server, other.connection_id)


def test_a_connector_that_stops_calling_turns_late_on_a_fake_clock(
    live_server: LiveServer, tmp_path: Path
) -> None:
    tenant = new_tenant(live_server, "Health")
    synced = link_and_sync(tenant, tmp_path)
    settings = live_server.settings
    with live_server.engine.begin() as conn:
        webhook_store.create_webhook(
            conn,
            client_id=tenant.client_id,
            url="https://consumer.example/hooks",
            event_types=["connection.health.changed"],
            secret="whsec_" + secrets.token_hex(16),
            now=datetime.now(UTC),
        )
        row = company_store.get_connection(conn, synced.connection_id)
        assert row.last_request_at is not None and row.last_successful_request_at is not None
        now = datetime.now(UTC)
        assert health.connection_health(conn, settings, row, now).state == "healthy"
        # The first look at a healthy connection is remembered, not announced.
        assert health.watch(conn, settings, now) == 1
        # Silent for a little under three schedules: still healthy; just after, late.
        quiet = health.late_after(settings)
        just_before = now + quiet - timedelta(seconds=5)
        assert health.connection_health(conn, settings, row, just_before).state == "healthy"
        later = row.last_request_at + quiet + timedelta(minutes=1)
        late = health.connection_health(conn, settings, row, later)
    assert late.state == "late"
    said = entry("connector-late")
    assert late.user_message == said.user_message
    assert "Web Connector is not running" in (late.title or "")
    for reason in ("turned off", "closed", "several copies of QuickBooks"):
        assert reason in late.user_message
    assert late.who_acts == "smbUser" and late.since == row.last_request_at

    # The health watch announces the change once, with who must act.
    with live_server.engine.begin() as conn:
        assert health.watch(conn, settings, later) == 1
        assert health.watch(conn, settings, later) == 0
        bodies = [
            b
            for (b,) in conn.execute(
                select(webhook_deliveries.c.payload).where(
                    webhook_deliveries.c.event_type == "connection.health.changed"
                )
            )
        ]
    (body,) = bodies
    payload = body["payload"]
    assert payload["previousState"] == "healthy"
    assert payload["health"]["state"] == "late"
    assert payload["health"]["whoActs"] == "smbUser"
    assert payload["connection"]["id"] == synced.connection_id

    # The same silence as the API and the CLI see it (stored times moved back two late periods).
    hour = health.late_after(settings) * 2
    time.sleep(DEFAULT_FLUSH_SECONDS + 1)  # the sync's own calls are written by then
    with live_server.engine.begin() as conn:
        conn.execute(
            update(connections)
            .where(connections.c.id == synced.connection_id)
            .values(
                last_request_at=row.last_request_at - hour,
                last_successful_request_at=row.last_successful_request_at - hour,
                last_sync_at=row.last_successful_request_at - hour,
            )
        )
    got = _api_connection(tenant, synced)["health"]
    assert got["state"] == "late" and got["userFacingMessage"] == said.user_message
    exit_code, shown = _cli_health(live_server, synced.connection_id)
    assert exit_code == 3 and shown["state"] == "late"
    assert "late" in _list_line(live_server, synced.connection_id)

    # The connector calls again and completes a session: healthy once more. (An idle poll
    # this soon would be coalesced with the sync's calls, whose times were moved back here.)
    assert _due_sync(live_server, synced).error is None
    assert _api_connection(tenant, synced)["health"]["state"] == "healthy"


def test_paused_unlinked_and_never_connected_say_so_and_exit_4_or_3(
    live_server: LiveServer, tmp_path: Path
) -> None:
    tenant = new_tenant(live_server, "Health")
    synced = link_and_sync(tenant, tmp_path)
    ran = invoke(live_server, "connection", "pause", synced.connection_id, "--for", "2h")
    assert ran.returncode == 0, ran
    exit_code, shown = _cli_health(live_server, synced.connection_id)
    assert (exit_code, shown["state"], shown["whoActs"]) == (4, "paused", "operator")
    assert shown["userFacingMessage"] == entry("connection-paused").user_message
    created = tenant.api.post(
        f"/companies/{synced.company_id}/connections", json={"platformKey": "pqsw"}
    ).json()
    exit_code, shown = _cli_health(live_server, created["id"])
    assert (exit_code, shown["state"], shown["whoActs"]) == (3, "notConnected", "smbUser")
    all_of_them = invoke(live_server, "connection", "health", "--json")
    assert all_of_them.returncode == 3
    assert {c["state"] for c in json.loads(all_of_them.stdout)} == {"paused", "notConnected"}
    missing = invoke(live_server, "connection", "health", "nope")
    assert missing.returncode == 1
