"""The push API with qbdsync's own kinds (qbdsync.push.registry), on a company synced by the
simulator: what an operator's first pushes meet before any session sends them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from qbdsync.store import pushes as push_store
from tests.api.helpers import Synced, Tenant, link_and_sync, new_tenant, serving
from tests.conftest import LiveServer


@dataclass
class World:
    server: LiveServer
    tenant: Tenant
    synced: Synced

    @property
    def base(self) -> str:
        return f"/companies/{self.synced.company_id}/connections/{self.synced.connection_id}"

    def first(self, data_type: str, query: str | None = None) -> dict[str, Any]:
        params: dict[str, Any] = {"pageSize": 1}
        if query:
            params["query"] = query
        reply = self.tenant.api.get(f"{self.base}/data/{data_type}", params=params)
        assert reply.status_code == 200, reply.text
        results = reply.json()["results"]
        assert results, f"the simulated company should have {data_type} ({query})"
        return dict(results[0])


@pytest.fixture(scope="module")
def world(module_database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with serving(module_database_url) as server:
        tenant = new_tenant(server, "real kinds")
        synced = link_and_sync(tenant, tmp_path_factory.mktemp("real"), "Real Kinds Inc")
        yield World(server, tenant, synced)


def test_a_customer_and_an_invoice_for_it_are_queued_in_order(world: World) -> None:
    api = world.tenant.api
    customer = api.post(f"{world.base}/push/customers", json={"customerName": "Brand New Ltd"})
    assert customer.status_code == 200, customer.text
    assert customer.json()["status"] == "Pending"
    provisional = customer.json()["data"]["id"]
    assert provisional.startswith(push_store.PROVISIONAL_PREFIX)
    item = world.first("items", 'type="Service"&&itemStatus="Active"')
    invoice = api.post(
        f"{world.base}/push/invoices",
        json={
            "customerRef": {"id": provisional},
            "invoiceNumber": "NEW-1",
            "issueDate": "2024-03-01T00:00:00",
            "lineItems": [
                {
                    "description": "Setup",
                    "quantity": 1,
                    "unitAmount": 100,
                    "subTotal": 100,
                    "itemRef": {"id": item["id"]},
                    "taxRateRef": {"id": "Non"},
                }
            ],
            "subTotal": 100,
        },
    )
    assert invoice.status_code == 200, invoice.text
    with world.server.engine.connect() as conn:
        queued = push_store.get_push(conn, invoice.json()["pushOperationKey"])
    assert queued is not None and queued.depends_on == [customer.json()["pushOperationKey"]]
    listed = api.get(f"/companies/{world.synced.company_id}/push").json()["results"]
    keys = [p["pushOperationKey"] for p in listed]
    assert (
        invoice.json()["pushOperationKey"] in keys and customer.json()["pushOperationKey"] in keys
    )


def test_quickbooks_limits_are_field_level_errors(world: World) -> None:
    reply = world.tenant.api.post(f"{world.base}/push/customers", json={"customerName": "N" * 42})
    assert reply.status_code == 400, reply.text
    items = {e["itemId"] for e in reply.json()["validation"]["errors"]}
    assert "customerName" in items


def test_options_for_every_create_type(world: World) -> None:
    for data_type in ("chartOfAccounts", "customers", "invoices", "bills", "bankAccounts"):
        reply = world.tenant.api.get(f"{world.base}/options/{data_type}")
        assert reply.status_code == 200, (data_type, reply.text)
        body = reply.json()
        assert {"displayName", "required", "type"} <= set(body), data_type
    assert world.tenant.api.get(f"{world.base}/options/taxRates").status_code == 400
    assert world.tenant.api.get(f"{world.base}/options/widgets").status_code == 404
