"""The push API over real HTTP: create, update and delete queue validated push operations,
read back paged and queried; options; timeouts; references to records pushed a moment ago;
tenant isolation. The push kinds are the small ones of tests.push_kinds (the real ones are
tested with the session that sends them); the company is linked and synced by the simulator."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import update

from qbdsync import outbox
from qbdsync.api.app import create_app
from qbdsync.api.server import free_port, serve_in_thread
from qbdsync.qbwc.service import QbwcService
from qbdsync.settings import Settings
from qbdsync.statuses import PushStatus
from qbdsync.store import companies as company_store
from qbdsync.store import pushes as push_store
from qbdsync.store import webhooks as webhook_store
from qbdsync.store.db import make_engine
from qbdsync.store.migrate import upgrade
from qbdsync.store.tables import push_operations
from tests.api.helpers import Synced, Tenant, link_and_sync, new_tenant
from tests.conftest import LiveServer
from tests.push_kinds import customer_row, kinds_for_tests


@dataclass
class World:
    server: LiveServer
    tenant: Tenant
    other: Tenant
    synced: Synced
    webhook_id: str

    @property
    def push_path(self) -> str:
        s = self.synced
        return f"/companies/{s.company_id}/connections/{s.connection_id}/push"

    def create(self, data_type: str, body: dict[str, Any], **params: Any) -> Any:
        return self.tenant.api.post(f"{self.push_path}/{data_type}", json=body, params=params)


@pytest.fixture(scope="module")
def world(module_database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    port = free_port()
    settings = Settings(database_url=module_database_url, public_url=f"http://127.0.0.1:{port}")
    engine = make_engine(settings.database_url)
    upgrade(engine)
    # No delivery worker: the events a push queues stay in the queue for the tests to read.
    app = create_app(settings, engine, run_jobs=False, push_kinds=kinds_for_tests())
    try:
        with serve_in_thread(app, port=port) as url:
            server = LiveServer(url=url, settings=settings, engine=engine)
            tenant = new_tenant(server, "pusher")
            other = new_tenant(server, "other")
            synced = link_and_sync(tenant, tmp_path_factory.mktemp("push"), "Push Co")
            with engine.begin() as conn:
                webhook = webhook_store.create_webhook(
                    conn,
                    client_id=tenant.client_id,
                    url="https://hooks.example.com/qbdsync",
                    event_types=["*"],
                    secret="whsec_dGVzdA==",
                    now=datetime.now(UTC),
                )
            yield World(server, tenant, other, synced, webhook.id)
            tenant.api.close()
            other.api.close()
    finally:
        engine.dispose()


def _customer_id(world: World) -> str:
    reply = world.tenant.api.get(
        f"/companies/{world.synced.company_id}/data/customers", params={"pageSize": 1}
    )
    assert reply.status_code == 200, reply.text
    return str(reply.json()["results"][0]["id"])


def _push(world: World, key: str) -> push_store.PushRow:
    with world.server.engine.connect() as conn:
        row = push_store.get_push(conn, key)
    assert row is not None
    return row


def _events(world: World, key: str) -> list[str]:
    with world.server.engine.connect() as conn:
        deliveries = webhook_store.list_deliveries(
            conn, world.tenant.client_id, world.webhook_id, limit=1000
        )
    return [d.event_type for d in deliveries if d.payload["payload"].get("id") == key]


def _pending_count(world: World) -> int:
    with world.server.engine.connect() as conn:
        return company_store.get_connection(conn, world.synced.connection_id).pending_pushes


# -- create -----------------------------------------------------------------------------------


def test_a_created_push_is_pending_with_its_data(world: World) -> None:
    before = _pending_count(world)
    reply = world.create("customers", {"customerName": "Fresh Fields Ltd"}, timeoutInMinutes=30)
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["status"] == "Pending"
    assert body["statusCode"] == 202
    assert body["dataType"] == "customers"
    assert body["companyId"] == world.synced.company_id
    assert body["dataConnectionKey"] == world.synced.connection_id
    assert body["timeoutInMinutes"] == 30
    assert body["completedOnUtc"] is None
    assert body["validation"] == {"errors": [], "warnings": []}
    assert body["data"]["customerName"] == "Fresh Fields Ltd"
    assert body["data"]["id"].startswith(push_store.PROVISIONAL_PREFIX)
    row = _push(world, body["pushOperationKey"])
    assert row.provisional_id == body["data"]["id"]
    assert row.external_guid is not None and row.external_guid.startswith("{")
    assert row.expires_at == row.requested_at + timedelta(minutes=30)
    assert _pending_count(world) == before + 1
    shown = world.tenant.api.get(
        f"/companies/{world.synced.company_id}/push/{body['pushOperationKey']}"
    )
    assert shown.status_code == 200
    assert shown.json() == {k: v for k, v in body.items() if k != "data"}


def test_an_invalid_payload_is_refused_field_by_field_and_nothing_is_queued(world: World) -> None:
    before = world.tenant.api.get(f"/companies/{world.synced.company_id}/push").json()
    reply = world.create("customers", {"customerName": "x" * 42, "defaultCurrency": "EUR"})
    assert reply.status_code == 400, reply.text
    body = reply.json()
    assert set(body) >= {"statusCode", "service", "error", "correlationId", "validation"}
    errors = {(e["itemId"], e["validatorName"]) for e in body["validation"]["errors"]}
    # The simulated company of this test has multicurrency off.
    assert errors == {("customerName", "MaxLength"), ("defaultCurrency", "Multicurrency")}
    missing = world.create("invoices", {"customerRef": {"id": "80000000-0000000000"}})
    assert missing.status_code == 400
    assert missing.json()["validation"]["errors"] == [
        {
            "itemId": "customerRef.id",
            "message": "no customer with id 80000000-0000000000",
            "validatorName": "ReferenceExists",
        }
    ]
    after = world.tenant.api.get(f"/companies/{world.synced.company_id}/push").json()
    assert after["totalResults"] == before["totalResults"]


def test_not_an_object_and_bad_timeouts_are_400(world: World) -> None:
    assert world.tenant.api.post(f"{world.push_path}/customers", json=[1]).status_code == 400
    for timeout in (0, -5, 10**9, "soon"):
        reply = world.create("customers", {"customerName": "T"}, timeoutInMinutes=timeout)
        assert reply.status_code == 400, (timeout, reply.text)


def test_unknown_and_unpushable_data_types(world: World) -> None:
    assert world.create("widgets", {}).status_code == 404
    # A data type qbdsync reads but (here) cannot write: Codat's error body, a 400.
    refused = world.create("taxRates", {"name": "VAT"})
    assert refused.status_code == 400
    assert "not supported" in refused.json()["error"]
    assert world.create("bankTransactions", {"transactions": [{}]}).status_code == 404
    assert world.tenant.api.delete(f"{world.push_path}/customers/x").status_code == 400


# -- references to records pushed a moment ago ----------------------------------------------


def test_a_reference_to_a_pending_push_is_accepted_and_waits_for_it(world: World) -> None:
    customer = world.create("customers", {"customerName": "Later Ltd"}).json()
    invoice = world.create(
        "invoices", {"customerRef": {"id": customer["data"]["id"]}, "invoiceNumber": "A-1"}
    )
    assert invoice.status_code == 200, invoice.text
    row = _push(world, invoice.json()["pushOperationKey"])
    assert row.depends_on == [customer["pushOperationKey"]]
    # In the connection's outbox the customer comes first.
    with world.server.engine.begin() as conn:
        due = [p.push_key for p in outbox.due_pushes(conn, row.connection_id, datetime.now(UTC))]
    assert due.index(customer["pushOperationKey"]) < due.index(row.push_key)


def test_a_failed_prerequisite_fails_its_dependants_naming_it(world: World) -> None:
    customer = world.create("customers", {"customerName": "Doomed Ltd"}).json()
    invoice = world.create("invoices", {"customerRef": {"id": customer["data"]["id"]}}).json()
    second = world.create("invoices", {"customerRef": {"id": customer["data"]["id"]}}).json()
    with world.server.engine.begin() as conn:
        outbox.settle_push(
            conn,
            customer["pushOperationKey"],
            outbox.PushOutcome.failure("The name is already used by a supplier (3100)."),
            now=datetime.now(UTC),
        )
    path = f"/companies/{world.synced.company_id}/push"
    failed = world.tenant.api.get(f"{path}/{customer['pushOperationKey']}").json()
    assert failed["status"] == "Failed"
    assert failed["errorMessage"] == "The name is already used by a supplier (3100)."
    for dependant in (invoice, second):
        shown = world.tenant.api.get(f"{path}/{dependant['pushOperationKey']}").json()
        assert shown["status"] == "Failed"
        assert customer["pushOperationKey"] in shown["errorMessage"]
        assert "already used by a supplier" in shown["errorMessage"]
        assert shown["validation"]["errors"][0]["validatorName"] == "PrerequisiteFailed"
        assert _events(world, dependant["pushOperationKey"]) == ["invoices.write.unsuccessful"]
    assert _events(world, customer["pushOperationKey"]) == ["customers.write.unsuccessful"]
    # The provisional id of a failed create refers to nothing any more.
    late = world.create("invoices", {"customerRef": {"id": customer["data"]["id"]}})
    assert late.status_code == 400


def test_success_stores_the_record_names_it_and_resolves_the_provisional_id(world: World) -> None:
    customer = world.create("customers", {"customerName": "Made Ltd"}).json()
    key = customer["pushOperationKey"]
    made = customer_row("8000ABCD-1700000000", "Made Ltd")
    with world.server.engine.begin() as conn:
        outbox.settle_push(
            conn, key, outbox.PushOutcome.success(made.record_id, [made]), now=datetime.now(UTC)
        )
        # Settling again (a recovered answer seen twice) changes nothing.
        outbox.settle_push(
            conn, key, outbox.PushOutcome.failure("late duplicate"), now=datetime.now(UTC)
        )
    shown = world.tenant.api.get(f"/companies/{world.synced.company_id}/push/{key}").json()
    assert shown["status"] == "Success"
    assert shown["statusCode"] == 200
    assert shown["completedOnUtc"] is not None
    assert shown["changes"] == [
        {
            "type": "Created",
            "recordRef": {"id": "8000ABCD-1700000000", "dataType": "customers"},
            "attachmentId": None,
        }
    ]
    record = world.tenant.api.get(
        f"/companies/{world.synced.company_id}/data/customers/8000ABCD-1700000000"
    )
    assert record.status_code == 200
    assert record.json()["customerName"] == "Made Ltd"
    assert _events(world, key) == ["customers.write.successful"]
    # The provisional id now stands for the record QuickBooks made: nothing to wait for.
    invoice = world.create("invoices", {"customerRef": {"id": customer["data"]["id"]}})
    assert invoice.status_code == 200, invoice.text
    assert _push(world, invoice.json()["pushOperationKey"]).depends_on == []


# -- update, delete, bank transactions ------------------------------------------------------


def test_update_names_its_record_and_waits_for_earlier_changes_to_it(world: World) -> None:
    customer_id = _customer_id(world)
    first = world.tenant.api.put(
        f"{world.push_path}/customers/{customer_id}", json={"customerName": "Renamed"}
    )
    assert first.status_code == 200, first.text
    assert first.json()["data"] == {"customerName": "Renamed", "id": customer_id}
    second = world.tenant.api.put(
        f"{world.push_path}/customers/{customer_id}",
        json={"customerName": "Renamed again"},
        params={"forceUpdate": "true"},
    )
    row = _push(world, second.json()["pushOperationKey"])
    assert row.action == "Update" and row.record_id == customer_id and row.force_update
    assert row.depends_on == [first.json()["pushOperationKey"]]
    missing = world.tenant.api.put(
        f"{world.push_path}/customers/80000000-0000000000", json={"customerName": "N"}
    )
    assert missing.status_code == 404


def test_bank_transactions_are_pushed_per_bank_account(world: World) -> None:
    accounts = world.tenant.api.get(
        f"/companies/{world.synced.company_id}/connections/{world.synced.connection_id}"
        "/data/bankAccounts",
        params={"pageSize": 1},
    ).json()["results"]
    path = f"{world.push_path}/bankAccounts/{{}}/bankTransactions"
    body = {"transactions": [{"amount": 10, "description": "Loan drawdown"}]}
    if accounts:
        account_id = accounts[0]["id"]
        reply = world.tenant.api.post(path.format(account_id), json=body)
        assert reply.status_code == 200, reply.text
        assert reply.json()["dataType"] == "bankTransactions"
        assert reply.json()["data"]["accountId"] == account_id
        other = world.tenant.api.post(path.format(account_id), json={**body, "accountId": "x"})
        assert other.status_code == 400
    assert world.tenant.api.post(path.format("nope"), json=body).status_code == 404


# -- reading: list, paging, query, show -----------------------------------------------------


def test_list_pages_queries_and_orders(world: World) -> None:
    for n in range(3):
        assert world.create("customers", {"customerName": f"Paged {n}"}).status_code == 200
    path = f"/companies/{world.synced.company_id}/push"
    everything = world.tenant.api.get(path, params={"pageSize": 5000}).json()
    total = everything["totalResults"]
    assert total >= 3
    requested = [p["requestedOnUtc"] for p in everything["results"]]
    assert requested == sorted(requested, reverse=True)  # newest first
    seen: list[str] = []
    page = 1
    while True:
        body = world.tenant.api.get(path, params={"page": page, "pageSize": 2}).json()
        seen += [p["pushOperationKey"] for p in body["results"]]
        assert body["pageSize"] == 2 and body["totalResults"] == total
        if body["_links"]["next"] is None:
            break
        page += 1
    assert seen == [p["pushOperationKey"] for p in everything["results"]]
    invoices = world.tenant.api.get(path, params={"query": "dataType=invoices"}).json()
    assert invoices["results"] and all(p["dataType"] == "invoices" for p in invoices["results"])
    failed = world.tenant.api.get(
        path, params={"query": "status=Failed&&dataType=customers"}
    ).json()
    assert all(p["status"] == "Failed" for p in failed["results"])
    ordered = world.tenant.api.get(path, params={"orderBy": "requestedOnUtc"}).json()
    ascending = [p["requestedOnUtc"] for p in ordered["results"]]
    assert ascending == sorted(ascending)
    assert world.tenant.api.get(path, params={"query": "nonsense=1"}).status_code == 400
    assert world.tenant.api.get(path, params={"pageSize": 0}).status_code == 400
    assert world.tenant.api.get(f"{path}/not-a-key").status_code == 404


# -- options ----------------------------------------------------------------------------------


def test_options_come_from_the_kind_and_the_company_file(world: World) -> None:
    base = f"/companies/{world.synced.company_id}/connections/{world.synced.connection_id}"
    reply = world.tenant.api.get(f"{base}/options/customers")
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["type"] == "Object"
    assert body["properties"]["customerName"]["required"] is True
    assert "defaultCurrency" not in body["properties"]  # multicurrency is off in this file
    assert world.tenant.api.get(f"{base}/options/widgets").status_code == 404
    # No accounts kind among the test kinds: chartOfAccounts is a type, not pushable here.
    assert world.tenant.api.get(f"{base}/options/chartOfAccounts").status_code == 400


# -- timeouts -------------------------------------------------------------------------------


def test_a_push_past_its_timeout_is_timed_out_and_never_sent(world: World) -> None:
    reply = world.create("customers", {"customerName": "Too Late Ltd"}, timeoutInMinutes=1)
    key = reply.json()["pushOperationKey"]
    sent = world.create("customers", {"customerName": "In Flight Ltd"}, timeoutInMinutes=1)
    sent_key = sent.json()["pushOperationKey"]
    dependant = world.create("invoices", {"customerRef": {"id": reply.json()["data"]["id"]}}).json()
    engine = world.server.engine
    later = datetime.now(UTC) + timedelta(minutes=2)
    with engine.begin() as conn:
        # A push already sent may have been applied: only recovery settles it, never a timeout.
        push_store.mark_sent(conn, sent_key, "{MS-1}", datetime.now(UTC))
        due = outbox.due_pushes(conn, world.synced.connection_id, later)
    keys = [p.push_key for p in due]
    assert key not in keys and dependant["pushOperationKey"] not in keys
    assert sent_key in keys
    row = _push(world, key)
    assert row.status == PushStatus.TIMED_OUT and row.sent_at is None
    assert row.status_code == 408
    assert "never sent" in (row.error_message or "")
    assert _push(world, dependant["pushOperationKey"]).status == PushStatus.FAILED
    assert _events(world, key) == ["customers.write.unsuccessful"]


def test_reading_times_out_pushes_whose_time_is_up(world: World) -> None:
    reply = world.create("customers", {"customerName": "Lazy Ltd"}, timeoutInMinutes=5)
    key = reply.json()["pushOperationKey"]
    with world.server.engine.begin() as conn:
        conn.execute(
            update(push_operations)
            .where(push_operations.c.push_key == key)
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
    shown = world.tenant.api.get(f"/companies/{world.synced.company_id}/push/{key}").json()
    assert shown["status"] == "TimedOut"
    assert shown["completedOnUtc"] is not None


# -- the idle poll ----------------------------------------------------------------------------


def test_a_pending_push_makes_the_next_poll_a_working_session(world: World) -> None:
    engine = world.server.engine
    service = QbwcService(engine, world.server.settings)
    with engine.begin() as conn:
        connection = company_store.get_connection(conn, world.synced.connection_id)
        # Nothing due: the next scheduled sync is tomorrow, and no push is waiting.
        for push in push_store.pending_for_connection(conn, connection.id):
            push_store.finish(
                conn,
                push.push_key,
                status=PushStatus.FAILED,
                status_code=400,
                now=datetime.now(UTC),
            )
        push_store.refresh_pending_count(conn, connection.id)
        company_store.update_connection(
            conn, connection.id, next_sync_at=datetime.now(UTC) + timedelta(days=1)
        )
    username, password = connection.username, world.synced.password
    assert service.authenticate(username, password)[1] == "none"
    assert world.create("customers", {"customerName": "Wake Up Ltd"}).status_code == 200
    assert service.authenticate(username, password)[1] == ""


# -- the connection's state and tenants -------------------------------------------------------


def test_an_inactive_connection_takes_no_pushes(world: World) -> None:
    engine = world.server.engine
    with engine.begin() as conn:
        company_store.update_connection(conn, world.synced.connection_id, status="Unlinked")
    try:
        reply = world.create("customers", {"customerName": "Nobody Ltd"})
        assert reply.status_code == 409
        assert "Unlinked" in reply.json()["error"]
    finally:
        with engine.begin() as conn:
            company_store.update_connection(conn, world.synced.connection_id, status="Linked")


def test_another_tenant_sees_nothing(world: World) -> None:
    mine = world.create("customers", {"customerName": "Private Ltd"}).json()
    other = world.other.api
    s = world.synced
    base = f"/companies/{s.company_id}"
    for reply in (
        other.post(f"{world.push_path}/customers", json={"customerName": "Intruder"}),
        other.put(f"{world.push_path}/customers/{_customer_id(world)}", json={}),
        other.get(f"{base}/push"),
        other.get(f"{base}/push/{mine['pushOperationKey']}"),
        other.get(f"{base}/connections/{s.connection_id}/options/customers"),
    ):
        assert reply.status_code == 404, reply.text
    # Nor through a company of its own: a push key is found only under its company.
    own = other.post("/companies", json={"name": "Other Co"}).json()
    assert other.get(f"/companies/{own['id']}/push/{mine['pushOperationKey']}").status_code == 404
    assert other.get(f"/companies/{own['id']}/push").json()["totalResults"] == 0
