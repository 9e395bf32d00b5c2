"""Tenant isolation: one API client can never see, change or even detect another's objects.

Every route of the app is enumerated from the app itself, so an endpoint added later is covered
without editing this file: client B calls it with client A's ids (and, where a route takes more
than a company, with B's own company and A's other ids) and must get 404 — never 403, which
would confirm that the id exists — and A's objects must be unchanged afterwards.
"""

from __future__ import annotations

import base64
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from qbdsync.api.app import create_app
from qbdsync.push.kinds import PushAction
from qbdsync.settings import Settings
from qbdsync.store import health_checks as check_store
from qbdsync.store import pushes as push_store
from qbdsync.store.db import make_engine
from qbdsync.store.migrate import upgrade
from tests.api.helpers import (
    Synced,
    Tenant,
    basic,
    create_linkable,
    link_and_sync,
    new_tenant,
    serving,
)
from tests.conftest import LiveServer

A_NAME = "Alpha Confidential Holdings"
ERROR_KEYS = {
    "statusCode",
    "service",
    "error",
    "correlationId",
    "validation",
    "canBeRetried",
    "detailedErrorCode",
}
# Not tenant data: the Web Connector endpoint, the SMB user's link page (its token is the
# credential), health and the API description.
SKIPPED_PREFIXES = ("/qbwc", "/link/", "/healthz", "/openapi.json", "/docs", "/redoc")
# Routes that name no tenant-owned object: the same answer for every client.
SHARED = {"/integrations/{platformKey}"}
# A plausible body for each route that needs one, so B's request fails on ownership and not on
# validation. A new route with a required body must be added here (the test says so).
BODIES: dict[tuple[str, str], Any] = {
    ("POST", "/companies"): {"name": "Some company"},
    ("POST", "/webhooks"): {"url": "http://127.0.0.1:9/x", "eventTypes": ["*"]},
    ("POST", "/apiKeys"): {"name": "k"},
    ("POST", "/profile/syncSettings"): {
        "clientId": "c",
        "settings": [
            {"dataType": "invoices", "fetchOnFirstLink": False, "syncSchedule": 1, "syncOrder": 0}
        ],
    },
    ("PUT", "/companies/{companyId}"): {"name": "Taken over", "description": "by B"},
    ("PATCH", "/companies/{companyId}"): {"name": "Taken over"},
    ("POST", "/companies/{companyId}/connections"): {"platformKey": "pqsw"},
    ("PATCH", "/companies/{companyId}/connections/{connectionId}"): {"status": "Unlinked"},
    ("POST", "/companies/{companyId}/connections/{connectionId}/push/{dataType}"): {
        "customerRef": {"id": "80000001-1"},
    },
    ("PUT", "/companies/{companyId}/connections/{connectionId}/push/{dataType}/{recordId}"): {
        "invoiceNumber": "B-1",
    },
    (
        "POST",
        "/companies/{companyId}/connections/{connectionId}/push/bankAccounts/{accountId}"
        "/bankTransactions",
    ): {"transactions": [{"amount": 1}]},
    ("POST", "/companies/{companyId}/syncSettings"): {
        "companyId": "{companyId}",
        "settings": [
            {"dataType": "invoices", "fetchOnFirstLink": False, "syncSchedule": 1, "syncOrder": 0}
        ],
    },
}
_PARAM = re.compile(r"{(\w+)}")


def _app_routes() -> list[tuple[str, str, bool]]:
    """(method, path template, needs a body) for every API route of a freshly built app."""
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'routes.db'}"
        engine = make_engine(url)
        upgrade(engine)
        settings = Settings(database_url=url, public_url="http://127.0.0.1:1")
        app = create_app(settings, engine, deliver_webhooks=False)
        engine.dispose()
    # The OpenAPI document lists every route of every included router (app.routes holds the
    # routers themselves in recent FastAPI versions).
    found = []
    for template, operations in app.openapi()["paths"].items():
        if template.startswith(SKIPPED_PREFIXES):
            continue
        for method, operation in sorted(operations.items()):
            needs_body = bool(operation.get("requestBody", {}).get("required"))
            found.append((method.upper(), template, needs_body))
    return found


ROUTES = _app_routes()
OWNED = [r for r in ROUTES if _PARAM.search(r[1]) and r[1] not in SHARED]


@dataclass
class World:
    server: LiveServer
    a: Tenant
    b: Tenant
    synced: Synced
    b_company: str
    ids: dict[str, str]  # A's ids by path parameter name
    records: dict[str, str]  # one of A's record ids per data type
    before: dict[str, Any]
    anonymous: httpx.Client  # no Authorization header of its own


def _steady(connection: dict[str, Any]) -> dict[str, Any]:
    """A connection without the times A's own connector's calls move on their own: the last
    call is written behind, a few seconds after it (qbwc/polls.py), and "late" follows it."""
    health = {k: v for k, v in connection["health"].items() if k not in ("lastRequestAt", "lateAt")}
    return {**connection, "health": health}


def _snapshot(a: Tenant, ids: dict[str, str]) -> dict[str, Any]:
    """Everything A can see of its own objects, to compare after B has tried every route."""
    company = ids["companyId"]
    get = a.api.get
    deliveries = get(f"/webhooks/{ids['webhookId']}/deliveries").json()["results"]
    counts = {}
    for data_type in ("invoices", "customers", "accounts", "bills"):
        counts[data_type] = get(f"/companies/{company}/data/{data_type}").json()["totalResults"]
    company_view = get(f"/companies/{company}").json()
    company_view["dataConnections"] = [_steady(c) for c in company_view["dataConnections"]]
    return {
        "company": company_view,
        "connections": [
            _steady(c) for c in get(f"/companies/{company}/connections").json()["results"]
        ],
        "webhook": get(f"/webhooks/{ids['webhookId']}").json(),
        "deliveries": [(d["id"], d["status"], d["attempts"]) for d in deliveries],
        "apiKeys": get("/apiKeys").json(),
        "syncSettings": get(f"/companies/{company}/syncSettings").json(),
        "dataStatus": get(f"/companies/{company}/dataStatus").json(),
        "history": get(f"/companies/{company}/data/history").json()["results"],
        "pushes": get(f"/companies/{company}/push").json()["results"],
        "counts": counts,
    }


@pytest.fixture(scope="module")
def world(module_database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    # The webhook worker polls once at start-up and then sleeps: A's deliveries stay as they
    # are unless someone (B, wrongly) replays one.
    # Consumers on loopback (never reached: port 9) need the operator's allow-list.
    with serving(
        module_database_url, webhook_poll_seconds=3600, webhook_allow_private="127.0.0.0/8"
    ) as server:
        a, b = new_tenant(server, "A"), new_tenant(server, "B")
        hook = a.api.post("/webhooks", json={"url": "http://127.0.0.1:9/hook", "eventTypes": ["*"]})
        assert hook.status_code in (200, 201), hook.text
        synced = link_and_sync(a, tmp_path_factory.mktemp("a"), A_NAME)
        pull = a.api.post(f"/companies/{synced.company_id}/data/queue/invoices")
        assert pull.status_code == 200, pull.text
        webhook_id = hook.json()["id"]
        deliveries = a.api.get(f"/webhooks/{webhook_id}/deliveries").json()["results"]
        assert deliveries, "A's consumer should have queued deliveries"
        conn_base = f"/companies/{synced.company_id}/connections/{synced.connection_id}"
        bank = a.api.get(f"{conn_base}/data/bankAccounts", params={"pageSize": 1}).json()
        ids = {
            "companyId": synced.company_id,
            "connectionId": synced.connection_id,
            "datasetId": pull.json()["id"],
            "webhookId": webhook_id,
            "deliveryId": deliveries[0]["id"],
            "apiKeyId": a.key_id,
            "accountId": bank["results"][0]["id"],
            "dataType": "invoices",
        }
        records = {}
        for data_type in re.findall(r"/data/(\w+)/{recordId}", " ".join(r[1] for r in ROUTES)):
            page = a.api.get(
                f"/companies/{synced.company_id}/data/{data_type}", params={"pageSize": 1}
            ).json()
            records[data_type] = page["results"][0]["id"] if page["results"] else "no-record"
        with server.engine.begin() as conn:
            # A push of A's (the API could queue none: no kinds are registered in this app).
            ids["pushOperationKey"] = push_store.insert_push(
                conn,
                company_id=synced.company_id,
                connection_id=synced.connection_id,
                data_type="invoices",
                action=PushAction.CREATE,
                payload={"invoiceNumber": "A-1"},
                now=datetime.now(UTC),
            ).push_key
            # A health check of A's, still pending: B must not be able to read it.
            ids["checkId"] = check_store.create(
                conn, synced.connection_id, timeout_seconds=3600, now=datetime.now(UTC)
            ).id
        b_company, _ = create_linkable(b, "Beta Ltd")
        with httpx.Client(base_url=server.url, timeout=30) as anonymous:
            yield World(server, a, b, synced, b_company, ids, records, _snapshot(a, ids), anonymous)


def _fill(template: str, ids: dict[str, str], records: dict[str, str]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == "recordId":
            data_type = template[: match.start()].rstrip("/").rsplit("/", 1)[-1]
            return records.get(data_type, "no-record")
        if name not in ids:
            raise AssertionError(f"no id to put in {{{name}}} of {template}: add one to World")
        return ids[name]

    return _PARAM.sub(value, template)


def _body(method: str, template: str, needs_body: bool, company_id: str) -> Any:
    body = BODIES.get((method, template))
    if body is None:
        assert not needs_body, f"add a plausible body for {method} {template} to BODIES"
        return None
    if isinstance(body, dict) and body.get("companyId") == "{companyId}":
        body = {**body, "companyId": company_id}
    return body


def _send(api: httpx.Client, method: str, path: str, body: Any, **kwargs: Any) -> httpx.Response:
    return api.request(method, path, json=body, **kwargs)


def _assert_codat_error(reply: httpx.Response, status: int) -> None:
    assert reply.status_code == status, (reply.request.method, reply.request.url, reply.text)
    body = reply.json()
    assert set(body) == ERROR_KEYS, body
    assert body["statusCode"] == status


@pytest.mark.parametrize(
    ("method", "template", "needs_body"), OWNED, ids=[f"{m} {t}" for m, t, _ in OWNED]
)
def test_other_tenant_gets_404_on_every_route(
    world: World, method: str, template: str, needs_body: bool
) -> None:
    a_ids = world.ids
    path = _fill(template, a_ids, world.records)
    reply = _send(
        world.b.api, method, path, _body(method, template, needs_body, a_ids["companyId"])
    )
    _assert_codat_error(reply, 404)
    assert A_NAME not in reply.text

    # B's own company with A's connection, pull, records: still nothing of A's.
    others = set(_PARAM.findall(template)) - {"companyId", "dataType"}
    if "companyId" in template and others:
        mixed_ids = {**a_ids, "companyId": world.b_company}
        mixed = _fill(template, mixed_ids, world.records)
        reply = _send(
            world.b.api, method, mixed, _body(method, template, needs_body, world.b_company)
        )
        _assert_codat_error(reply, 404)
        assert A_NAME not in reply.text


def test_refresh_with_another_tenants_connection_is_404(world: World) -> None:
    reply = world.b.api.post(
        f"/companies/{world.b_company}/data/queue/invoices",
        params={"connectionId": world.ids["connectionId"]},
    )
    _assert_codat_error(reply, 404)


BAD_AUTHORIZATION = [
    None,
    "Basic " + base64.b64encode(b"wrong-key").decode(),
    "Bearer whatever",
    "Basic !!!not-base64",
    "Basic",
    "Basic " + base64.b64encode(b"\xff\xfe").decode(),
]


@pytest.mark.parametrize(
    ("method", "template", "needs_body"), ROUTES, ids=[f"{m} {t}" for m, t, _ in ROUTES]
)
def test_no_or_wrong_key_is_401_in_codat_shape(
    world: World, method: str, template: str, needs_body: bool
) -> None:
    if template in SHARED or not _PARAM.search(template):
        path = _fill(template, {"platformKey": "pqsw"}, {})
    else:
        path = _fill(template, world.ids, world.records)
    body = _body(method, template, needs_body, world.ids["companyId"])
    for authorization in BAD_AUTHORIZATION:
        headers = {} if authorization is None else {"Authorization": authorization}
        reply = _send(world.anonymous, method, path, body, headers=headers)
        _assert_codat_error(reply, 401)
        assert reply.headers["www-authenticate"].startswith("Basic")
        assert A_NAME not in reply.text


def test_lists_never_show_another_tenants_objects(world: World) -> None:
    b = world.b.api
    companies = b.get("/companies", params={"pageSize": 5000}).json()
    assert [c["id"] for c in companies["results"]] == [world.b_company]
    assert companies["totalResults"] == 1
    assert A_NAME not in str(companies)
    found = b.get("/companies", params={"query": f"name~{A_NAME.split(maxsplit=1)[0]}"}).json()
    assert found["results"] == [] and found["totalResults"] == 0
    hooks = b.get("/webhooks").json()["results"]
    assert world.ids["webhookId"] not in {h["id"] for h in hooks}
    assert hooks == []
    keys = b.get("/apiKeys").json()["results"]
    assert [k["id"] for k in keys] == [world.b.key_id]
    # and A still sees its own
    a_companies = world.a.api.get("/companies").json()["results"]
    assert [c["id"] for c in a_companies] == [world.ids["companyId"]]


def test_creating_in_one_tenant_does_not_show_in_the_other(world: World) -> None:
    made = world.b.api.post("/webhooks", json={"url": "http://127.0.0.1:9/b", "eventTypes": ["*"]})
    assert made.status_code in (200, 201)
    key = world.b.api.post("/apiKeys", json={"name": "second"})
    assert key.status_code in (200, 201)
    a_hooks = {h["id"] for h in world.a.api.get("/webhooks").json()["results"]}
    assert a_hooks == {world.ids["webhookId"]}
    a_keys = {k["id"] for k in world.a.api.get("/apiKeys").json()["results"]}
    assert key.json()["id"] not in a_keys
    with httpx.Client(base_url=world.server.url, headers=basic(key.json()["apiKey"])) as second:
        assert second.get(f"/companies/{world.ids['companyId']}").status_code == 404
    # tidy up so the snapshot comparison below is only about A
    assert world.b.api.delete(f"/webhooks/{made.json()['id']}").status_code == 204


def test_a_is_unchanged_after_b_tried_everything(world: World) -> None:
    """Runs after the route sweep above (pytest keeps file order within a module)."""
    assert _snapshot(world.a, world.ids) == world.before
    # A's key still works; the company still carries A's name
    assert world.a.api.get(f"/companies/{world.ids['companyId']}").json()["name"] == A_NAME


def test_profile_sync_settings_belong_to_one_tenant(world: World) -> None:
    company = world.ids["companyId"]
    before = world.a.api.get(f"/companies/{company}/syncSettings").json()
    setting = {
        "dataType": "customers",
        "fetchOnFirstLink": False,
        "syncSchedule": 999,
        "syncOrder": 0,
    }
    reply = world.b.api.post(
        "/profile/syncSettings", json={"clientId": world.b.client_id, "settings": [setting]}
    )
    assert reply.status_code == 204
    try:
        assert world.a.api.get(f"/companies/{company}/syncSettings").json() == before
    finally:
        defaults = {**setting, "syncSchedule": 24, "fetchOnFirstLink": True}
        world.b.api.post(
            "/profile/syncSettings", json={"clientId": world.b.client_id, "settings": [defaults]}
        )


def test_world_covers_every_route(world: World) -> None:
    """Every owned route was swept: its parameters all have an id of A's."""
    for _, template, _ in OWNED:
        _fill(template, world.ids, world.records)
    assert len(OWNED) > 100
