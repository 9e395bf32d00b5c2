"""`qbdsync push list` and `push show`: tables for people, --json for scripts, exit codes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from qbdsync import linking, outbox
from qbdsync.push.kinds import PushAction
from qbdsync.store import pushes as push_store
from qbdsync.store.tables import push_operations
from tests.conftest import LiveServer
from tests.integration.cli_helpers import invoke, ok_json


def _company_with_pushes(server: LiveServer) -> tuple[str, list[str]]:
    now = datetime.now(UTC)
    with server.engine.begin() as conn:
        company_id = linking.create_company(conn, "Cli Pushes Ltd")
        connection = linking.create_connection(conn, server.settings, company_id).connection
        customer = push_store.insert_push(
            conn,
            company_id=company_id,
            connection_id=connection.id,
            data_type="customers",
            action=PushAction.CREATE,
            payload={"customerName": "Ada\x1b[31m Ltd"},
            now=now,
            provisional_id=push_store.new_provisional_id(),
            timeout_in_minutes=5,
        )
        invoice = push_store.insert_push(
            conn,
            company_id=company_id,
            connection_id=connection.id,
            data_type="invoices",
            action=PushAction.CREATE,
            payload={"customerRef": {"id": customer.provisional_id}},
            now=now + timedelta(seconds=1),
            depends_on=[customer.push_key],
        )
        push_store.refresh_pending_count(conn, connection.id)
    return company_id, [customer.push_key, invoice.push_key]


def test_push_list_and_show_speak_json_and_tables(live_server: LiveServer) -> None:
    company_id, (customer, invoice) = _company_with_pushes(live_server)
    listed = ok_json(live_server, "push", "list", company_id)
    assert [p["pushOperationKey"] for p in listed] == [invoice, customer]  # newest first
    assert {p["status"] for p in listed} == {"Pending"}
    shown = ok_json(live_server, "push", "show", invoice)
    assert shown["dependsOn"] == [customer]
    assert shown["dataType"] == "invoices" and shown["action"] == "Create"
    assert shown["data"]["customerRef"]["id"].startswith(push_store.PROVISIONAL_PREFIX)
    # JSON keeps values exact (escaped the JSON way); tables escape control characters.
    assert ok_json(live_server, "push", "show", customer)["data"]["customerName"] == (
        "Ada\x1b[31m Ltd"
    )
    table = invoke(live_server, "push", "list", company_id)
    assert table.returncode == 0
    assert customer in table.stdout and invoice in table.stdout and "Pending" in table.stdout
    details = invoke(live_server, "push", "show", customer)
    assert details.returncode == 0
    assert "\x1b" not in details.stdout and "never" not in details.stdout  # it has a timeout


def test_reading_times_out_pushes_whose_time_is_up(live_server: LiveServer) -> None:
    company_id, (customer, invoice) = _company_with_pushes(live_server)
    with live_server.engine.begin() as conn:
        conn.execute(
            update(push_operations)
            .where(push_operations.c.push_key == customer)
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    statuses = {p["pushOperationKey"]: p for p in ok_json(live_server, "push", "list", company_id)}
    assert statuses[customer]["status"] == "TimedOut"
    # Its dependant fails, naming it.
    assert statuses[invoice]["status"] == "Failed"
    assert customer in statuses[invoice]["errorMessage"]
    with live_server.engine.begin() as conn:
        assert outbox.expire_due(conn, datetime.now(UTC)) == []  # nothing left to time out


def test_unknown_ids_exit_1_with_one_line(live_server: LiveServer) -> None:
    for args in (("push", "show", "no-such-key"), ("push", "list", "no-such-company")):
        ran = invoke(live_server, *args)
        assert ran.returncode == 1, ran
        assert len(ran.stderr.strip().splitlines()) == 1
    assert invoke(live_server, "push", "list").returncode == 2
