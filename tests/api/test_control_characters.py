"""Control characters in request text: a 400 in Codat's shape naming the field, identical on
SQLite and PostgreSQL (which refuses NUL in text), never a 500 and never stored."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.api.helpers import Tenant, new_tenant, serving
from tests.conftest import LiveServer


@pytest.fixture(scope="module")
def server(module_database_url: str) -> Iterator[LiveServer]:
    with serving(module_database_url, webhook_poll_seconds=3600) as live:
        yield live


@pytest.fixture(scope="module")
def tenant(server: LiveServer) -> Tenant:
    return new_tenant(server, "controls")


@pytest.fixture(scope="module")
def company_id(tenant: Tenant) -> str:
    reply = tenant.api.post("/companies", json={"name": "Plain Co"})
    assert reply.status_code == 200, reply.text
    return str(reply.json()["id"])


def setting(**changes: Any) -> dict[str, Any]:
    return {
        "dataType": "invoices",
        "fetchOnFirstLink": True,
        "syncSchedule": 24,
        "syncOrder": 0,
        **changes,
    }


def assert_refused(reply: Any, field: str) -> None:
    assert reply.status_code == 400, reply.text
    body = reply.json()
    assert set(body) >= {"statusCode", "service", "error", "correlationId", "canBeRetried"}
    assert body["statusCode"] == 400 and body["canBeRetried"] == "False"
    items = [e["itemId"] for e in body["validation"]["errors"]]
    assert any(item == field or item.startswith(field + ".") for item in items), items
    assert "control characters" in body["error"]


BODIES = [
    ("post", "/companies", {"name": "a\u0000b"}, "name"),
    ("post", "/companies", {"name": "line1\nline2\u001b[31mred"}, "name"),
    # C1 (0x9b is CSI on 8-bit terminals) and what XML 1.0 cannot hold (the .qwc carries the name)
    ("post", "/companies", {"name": "a\u009b31mb"}, "name"),
    ("post", "/companies", {"name": "a\ufffeb"}, "name"),
    ("post", "/companies", {"name": "x", "description": "\u0000"}, "description"),
    ("post", "/companies", {"name": "x", "description": "a\u001b[2Jb"}, "description"),
    ("post", "/companies", {"name": "x", "tags": {"k\u0000": "v"}}, "tags"),
    ("post", "/companies", {"name": "x", "tags": {"k": "v\r"}}, "tags"),
    ("post", "/webhooks", {"url": "https://example.com/\u0000", "eventTypes": ["*"]}, "url"),
    (
        "post",
        "/webhooks",
        {"url": "https://example.com/", "eventTypes": ["*"], "description": "\u0000"},
        "description",
    ),
    (
        "post",
        "/webhooks",
        {"url": "https://example.com/", "eventTypes": ["*"], "companyTags": {"a": "\u0007"}},
        "companyTags",
    ),
    ("post", "/apiKeys", {"name": "\u0000"}, "name"),
    (
        "post",
        "/profile/syncSettings",
        {"clientId": "c", "settings": [setting(syncFromUtc="2024-01-01\u0000")]},
        "settings",
    ),
    (
        "post",
        "/profile/syncSettings",
        {"clientId": "c", "settings": [setting(dataType="invoices\u0000")]},
        "settings",
    ),
]


@pytest.mark.parametrize(("method", "path", "body", "field"), BODIES)
def test_control_characters_in_a_body_are_a_400_naming_the_field(
    tenant: Tenant, method: str, path: str, body: dict[str, Any], field: str
) -> None:
    assert_refused(tenant.api.request(method, path, json=body), field)


def test_a_company_update_with_control_characters_changes_nothing(
    tenant: Tenant, company_id: str
) -> None:
    assert_refused(tenant.api.put(f"/companies/{company_id}", json={"name": "a\u0000"}), "name")
    assert_refused(
        tenant.api.patch(f"/companies/{company_id}", json={"description": "\u001b[31m"}),
        "description",
    )
    assert_refused(
        tenant.api.post(
            f"/companies/{company_id}/connections", json={"platformKey": "qbdsync\u0000"}
        ),
        "platformKey",
    )
    company = tenant.api.get(f"/companies/{company_id}").json()
    assert company["name"] == "Plain Co" and company["description"] is None


@pytest.mark.parametrize("name", ["", " ", "\t", "   \u00a0  ", "\u3000"])
def test_a_blank_company_name_is_a_400_and_changes_nothing(
    tenant: Tenant, company_id: str, name: str
) -> None:
    before = tenant.api.get("/companies").json()["totalResults"]
    for reply in (
        tenant.api.post("/companies", json={"name": name}),
        tenant.api.put(f"/companies/{company_id}", json={"name": name}),
        tenant.api.patch(f"/companies/{company_id}", json={"name": name}),
    ):
        assert reply.status_code == 400, reply.text
        assert "name" in [e["itemId"] for e in reply.json()["validation"]["errors"]]
    assert tenant.api.get("/companies").json()["totalResults"] == before
    assert tenant.api.get(f"/companies/{company_id}").json()["name"] == "Plain Co"


def test_a_description_may_have_lines_and_tabs(tenant: Tenant) -> None:
    reply = tenant.api.post("/companies", json={"name": "Notes", "description": "a\n\tb\r\nc"})
    assert reply.status_code == 200, reply.text
    assert reply.json()["description"] == "a\n\tb\r\nc"


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/companies/a%00b", {}, "path.companyId"),
        ("/companies/a%1Bb/connections", {}, "path.companyId"),
        ("/companies", {"query": "name=a\u0000"}, "query.query"),
        ("/companies", {"orderBy": "\u0000name"}, "query.orderBy"),
        ("/webhooks", {"x\u0000": "1"}, "query"),
    ],
)
def test_control_characters_in_the_path_or_query_are_a_400(
    tenant: Tenant, path: str, params: dict[str, str], field: str
) -> None:
    assert_refused(tenant.api.get(path, params=params), field)


def test_control_characters_in_a_data_route_are_a_400(tenant: Tenant, company_id: str) -> None:
    assert_refused(
        tenant.api.get(f"/companies/{company_id}/data/invoices", params={"query": "id=\u0000"}),
        "query.query",
    )
    assert_refused(tenant.api.get(f"/companies/{company_id}/data/invoices/a%00b"), "path.recordId")


@pytest.mark.parametrize(
    "changes",
    [
        {"syncSchedule": -5},
        {"syncSchedule": 10**20},
        {"syncOrder": 2**40},
        {"monthsToSync": 99999999999999999999},
        {"syncFromWindow": -1},
    ],
)
def test_sync_setting_numbers_out_of_bounds_are_a_400(
    tenant: Tenant, company_id: str, changes: dict[str, int]
) -> None:
    reply = tenant.api.post(
        f"/companies/{company_id}/syncSettings",
        json={"companyId": company_id, "settings": [setting(**changes)]},
    )
    assert reply.status_code == 400, reply.text
    assert reply.json()["validation"]["errors"][0]["itemId"].startswith("settings.0.")
