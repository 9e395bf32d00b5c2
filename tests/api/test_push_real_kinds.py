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


def _pending(world: World) -> int:
    with world.server.engine.connect() as conn:
        return len(push_store.pending_for_connection(conn, world.synced.connection_id))


def _name_issue(reply: Any, path: str) -> str:
    assert reply.status_code == 400, reply.text
    errors = reply.json()["validation"]["errors"]
    assert [(e["itemId"], e["validatorName"]) for e in errors] == [(path, "NameInUse")], errors
    return str(errors[0]["message"])


def test_a_name_a_pending_push_gives_is_refused_across_the_name_space(world: World) -> None:
    """QuickBooks keeps one list of names for customers, suppliers and employees: a second
    record of a name still waiting to be sent would meet 3100, so it is refused now."""
    api = world.tenant.api
    first = api.post(f"{world.base}/push/customers", json={"customerName": "Twin Peaks Supply"})
    assert first.status_code == 200, first.text
    before = _pending(world)
    for data_type, body, path in (
        ("customers", {"customerName": "Twin Peaks Supply"}, "customerName"),
        ("suppliers", {"supplierName": "twin peaks SUPPLY"}, "supplierName"),
    ):
        message = _name_issue(api.post(f"{world.base}/push/{data_type}", json=body), path)
        assert first.json()["pushOperationKey"] in message and "Pending" in message
    assert _pending(world) == before
    # Another name is fine; so is an account of that name (another name space).
    other = api.post(f"{world.base}/push/customers", json={"customerName": "Twin Peaks Two"})
    assert other.status_code == 200, other.text


def test_a_rename_to_a_name_in_use_is_refused_and_to_its_own_name_is_not(world: World) -> None:
    api = world.tenant.api
    customers = api.get(f"{world.base}/data/customers", params={"pageSize": 2}).json()["results"]
    mine, theirs = customers[0], customers[1]
    before = _pending(world)
    taken = api.put(
        f"{world.base}/push/customers/{mine['id']}",
        json={**_editable(mine), "customerName": theirs["customerName"]},
    )
    message = _name_issue(taken, "customerName")
    assert repr(theirs["customerName"]) in message
    assert _pending(world) == before

    # A new name is taken by the pending rename: a create of it is refused, naming the push...
    renamed = api.put(
        f"{world.base}/push/customers/{mine['id']}",
        json={**_editable(mine), "customerName": "Renamed Pending Co"},
    )
    assert renamed.status_code == 200, renamed.text
    clash = api.post(f"{world.base}/push/customers", json={"customerName": "Renamed pending co"})
    assert renamed.json()["pushOperationKey"] in _name_issue(clash, "customerName")
    # ...while a later change of the same record may keep it, or its current name.
    again = api.put(
        f"{world.base}/push/customers/{mine['id']}",
        json={**_editable(mine), "customerName": "Renamed Pending Co", "phone": "555-0101"},
    )
    assert again.status_code == 200, again.text
    same = api.put(f"{world.base}/push/customers/{theirs['id']}", json=_editable(theirs))
    assert same.status_code == 200, same.text


def _editable(customer: dict[str, Any]) -> dict[str, Any]:
    """What an update of a customer sends: its name and status (the rest may be left out)."""
    return {"customerName": customer["customerName"], "status": customer["status"]}
