"""What a live server serves against what its own /openapi.json declares, strictly.

One company is linked and synced through the API (a multicurrency Enterprise file, so every
data type has records), changed and deleted from in QuickBooks and synced again; a second
company is refused, unlinked and deleted, so every kind of webhook event is sent. Then every
record of every data type, as each route serves it, and every delivered event body must match
the schema the document gives it with no field missing, extra or mistyped (tests/schema_check).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from qbdsync import connection_health, outbox
from qbdsync.api.routes.data import COMPANY_TYPES
from qbdsync.push.kinds import PushAction, ValidationIssue
from qbdsync.simulator.runner import simulate
from qbdsync.store import pushes as push_store
from qbdsync.views import internal_data_type
from qbdsync.webhooks.events import WRITE_EVENTS, EventType
from tests.api.helpers import Synced, Tenant, fetch_all, link_and_sync, new_tenant, serving
from tests.api.receiver import Inbox, receiver
from tests.schema_check import StrictComponents


@dataclass
class World:
    tenant: Tenant
    synced: Synced
    document: dict[str, Any]
    strict: StrictComponents
    events: list[dict[str, Any]]


def _wait_for_events(inbox: Inbox, wanted: set[str], timeout: float = 20) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while True:
        bodies = [json.loads(r.body) for r in inbox.snapshot()]
        if wanted <= {b["eventType"] for b in bodies} or time.monotonic() > deadline:
            return bodies
        time.sleep(0.05)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    db = tmp_path_factory.mktemp("schemas") / "qbdsync.db"
    workdir = tmp_path_factory.mktemp("companies")
    with (
        receiver() as inbox,
        serving(
            f"sqlite:///{db}", webhook_poll_seconds=0.1, webhook_allow_private="127.0.0.0/8"
        ) as server,
    ):
        tenant = new_tenant(server, "schemas")
        made = tenant.api.post("/webhooks", json={"url": inbox.url, "eventTypes": ["*"]})
        assert made.status_code == 201, made.text
        synced = link_and_sync(tenant, workdir / "one", "Every Type Inc", seed=3)
        # Edits and deletions in QuickBooks, then a refresh: deleted records are served too.
        company_id = synced.company_id
        assert tenant.api.post(f"/companies/{company_id}/data/all").status_code == 204
        again = synced.sync(churn=60)
        assert "deletions applied" in again.result, again
        # A second company: its Web Connector opens the first company's file (refused,
        # connection.failed), then it is unlinked, its connection and itself deleted.
        other = link_and_sync(tenant, workdir / "two", "Refused Ltd")
        assert tenant.api.post(f"/companies/{other.company_id}/data/all").status_code == 204
        refused = simulate(
            qwc_path=other.qwc_path, password=other.password, company_file=synced.company_file
        )
        assert "not the one this Web Connector entry is linked to" in refused.result
        # The health watch (a background job, once a minute) sees it failing and says so.
        with server.engine.begin() as conn:
            assert connection_health.watch(conn, server.settings, datetime.now(UTC)) >= 1
        base = f"/companies/{other.company_id}/connections/{other.connection_id}"
        assert tenant.api.patch(base, json={"status": "Unlinked"}).status_code == 200
        assert tenant.api.delete(base).status_code in (200, 204)
        assert tenant.api.delete(f"/companies/{other.company_id}").status_code in (200, 204)

        _settle_a_push_of_every_written_type(server.engine, synced)

        sent = set(EventType) - {EventType.CONNECTION_RECONNECTED}  # not sent by qbdsync yet
        events = _wait_for_events(inbox, {str(e) for e in sent})
        document = httpx.get(f"{server.url}/openapi.json", timeout=30).json()
        yield World(tenant, synced, document, StrictComponents(document), events)


def _settle_a_push_of_every_written_type(engine: Any, synced: Synced) -> None:
    """One push per write event, settled as the session step does (a success, or a failure
    with a validation error), so each `{dataType}.write.*` body is delivered and checked."""
    now = datetime.now(UTC)
    with engine.begin() as conn:
        for event in sorted(WRITE_EVENTS):
            data_type, _, result = event.value.partition(".write.")
            row = push_store.insert_push(
                conn,
                company_id=synced.company_id,
                connection_id=synced.connection_id,
                data_type=internal_data_type(data_type),
                action=PushAction.CREATE,
                payload={},
                now=now,
            )
            outcome = (
                outbox.PushOutcome.success("80000001-1700000000")
                if result == "successful"
                else outbox.PushOutcome.failure(
                    "QuickBooks refused it", [ValidationIssue("name", "in use", "NameInUse")]
                )
            )
            outbox.settle_push(conn, row.push_key, outcome, now=now)


def _schema_name(document: dict[str, Any], path: str) -> str:
    content = document["paths"][path]["get"]["responses"]["200"]["content"]
    return str(content["application/json"]["schema"]["$ref"].rsplit("/", 1)[1])


def _check(strict: StrictComponents, name: str, body: Any, where: str) -> None:
    errors = strict.errors(name, body)
    assert not errors, f"{where} does not match {name}:\n" + "\n".join(errors[:20])


def _data_routes(document: dict[str, Any]) -> list[tuple[str, str]]:
    """(path, data type) of every record list, company-wide and per connection."""
    routes = [
        (f"{prefix}/data/{data_type}", data_type)
        for data_type in COMPANY_TYPES
        for prefix in (
            "/companies/{companyId}",
            "/companies/{companyId}/connections/{connectionId}",
        )
    ]
    assert all(path in document["paths"] for path, _ in routes)
    return routes


def test_every_record_of_every_data_type_matches_its_schema(world: World) -> None:
    api, synced = world.tenant.api, world.synced
    routes = _data_routes(world.document)
    deleted = 0
    for path, data_type in routes:
        url = path.replace("{companyId}", synced.company_id).replace(
            "{connectionId}", synced.connection_id
        )
        page = api.get(url, params={"pageSize": 5000})
        assert page.status_code == 200, page.text
        _check(world.strict, _schema_name(world.document, path), page.json(), url)
        records = fetch_all(api, url, page_size=5000)
        assert records, f"{data_type}: the simulated company should have some"
        deleted += sum(r["metadata"]["isDeleted"] for r in records)
        # One record through its own route: same schema as in the page.
        one = api.get(f"{url}/{records[-1]['id']}")
        assert one.status_code == 200, one.text
        _check(world.strict, _schema_name(world.document, f"{path}/{{recordId}}"), one.json(), url)
        assert one.json() == records[-1]
    assert deleted, "the churned company should serve some deleted records"


def test_bank_transactions_and_company_info_match_their_schemas(world: World) -> None:
    api, synced = world.tenant.api, world.synced
    base = f"/companies/{synced.company_id}/connections/{synced.connection_id}/data"
    path = (
        "/companies/{companyId}/connections/{connectionId}/data/bankAccounts/{accountId}"
        "/bankTransactions"
    )
    name = _schema_name(world.document, path)
    served = 0
    for account in fetch_all(api, f"{base}/bankAccounts"):
        page = api.get(
            f"{base}/bankAccounts/{account['id']}/bankTransactions", params={"pageSize": 5000}
        )
        assert page.status_code == 200, page.text
        _check(world.strict, name, page.json(), f"bank account {account['id']}")
        served += len(page.json()["results"])
    assert served
    info = api.get(f"/companies/{synced.company_id}/data/info")
    assert info.status_code == 200, info.text
    info_path = "/companies/{companyId}/data/info"
    _check(world.strict, _schema_name(world.document, info_path), info.json(), "company info")


def test_every_event_sent_matches_its_documented_body(world: World) -> None:
    webhooks = world.document["webhooks"]
    assert set(webhooks) == {str(e) for e in EventType}
    sent = {body["eventType"] for body in world.events}
    assert sent == {str(e) for e in EventType} - {"connection.reconnected"}
    for body in world.events:
        request = webhooks[body["eventType"]]["post"]["requestBody"]
        name = request["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
        _check(world.strict, name, body, body["eventType"])


def test_event_types_are_enumerated_and_others_refused(world: World) -> None:
    api = world.tenant.api
    schemas = world.document["components"]["schemas"]
    assert set(schemas["EventType"]["enum"]) == {str(e) for e in EventType}
    items = schemas["WebhookConsumerPrototype"]["properties"]["eventTypes"]["items"]
    assert {"$ref": "#/components/schemas/EventType"} in items["anyOf"]
    before = api.get("/webhooks").json()["results"]

    bad = api.post(
        "/webhooks",
        json={"url": "http://127.0.0.1:9/x", "eventTypes": ["read.completed", "read.complete"]},
    )
    assert bad.status_code == 400, bad.text
    error = bad.json()
    assert error["statusCode"] == 400
    assert "eventTypes.1" in error["error"]
    assert "read.completed.initial" in error["error"]  # names what is allowed
    assert api.get("/webhooks").json()["results"] == before  # nothing was created

    # taxRates are only read: no write event exists for them.
    for wrong in (["taxRates.write.successful"], [], ["*", "Company.Created"]):
        answer = api.post("/webhooks", json={"url": "http://127.0.0.1:9/x", "eventTypes": wrong})
        assert answer.status_code == 400, (wrong, answer.text)

    good = api.post(
        "/webhooks",
        json={"url": "http://127.0.0.1:9/y", "eventTypes": ["connection.failed", "*"]},
    )
    assert good.status_code == 201, good.text
    assert good.json()["eventTypes"] == ["connection.failed", "*"]
    listed = {h["id"]: h for h in api.get("/webhooks").json()["results"]}
    assert listed[good.json()["id"]]["eventTypes"] == ["connection.failed", "*"]
