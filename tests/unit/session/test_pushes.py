"""Pushes through a whole session: written before the reads, exactly once, however the answer
is lost, and QuickBooks' refusals as messages a person can act on."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from qbdsync import outbox
from qbdsync.push.kinds import PushAction
from qbdsync.push.registry import kind_for
from qbdsync.session.core import SessionCore
from qbdsync.session.local import run_local_session
from qbdsync.simulator.message_sets import DropWrite
from qbdsync.statuses import PushStatus
from qbdsync.store import pushes as push_store
from qbdsync.store import records as record_store
from qbdsync.store.pushes import PushRow
from tests.unit.session.conftest import World


@pytest.fixture
def synced(world: World) -> World:
    """The world after a first sync: pushes have synced data to be checked against."""
    result = run_local_session(world.core, world.connection_id, world.quickbooks())
    assert result.finished, result.outcome
    world.clock.advance(60)
    return world


def queue(
    world: World,
    data_type: str,
    payload: dict[str, Any],
    *,
    action: PushAction = PushAction.CREATE,
    **options: Any,
) -> PushRow:
    kind = kind_for(data_type)
    assert kind is not None
    with world.engine.begin() as conn:
        return outbox.queue_push(
            conn,
            connection_id=world.connection_id,
            kind=kind,
            action=action,
            payload=payload,
            now=world.clock(),
            **options,
        )


def push(world: World, key: str) -> PushRow:
    with world.engine.connect() as conn:
        found = push_store.get_push(conn, key)
    assert found is not None
    return found


def service_item(world: World) -> str:
    with world.engine.connect() as conn:
        for row in record_store.iter_records(conn, world.connection_id, "items"):
            if "SalesOrPurchase" in row["raw"] and row["raw"].get("IsActive", "true") == "true":
                return str(row["raw"]["ListID"])
    raise AssertionError("no service item")


def invoice_payload(world: World, customer_id: str, number: str = "P-1") -> dict[str, Any]:
    return {
        "customerRef": {"id": customer_id},
        "invoiceNumber": number,
        "issueDate": "2024-03-01T00:00:00",
        "lineItems": [
            {
                "description": "Consulting",
                "quantity": 3,
                "unitAmount": 0.16667,
                "subTotal": 0.5,
                "itemRef": {"id": service_item(world)},
                "taxRateRef": {"id": "Non"},
            }
        ],
        "subTotal": 0.5,
    }


def customers_named(world: World, name: str) -> list[dict[str, Any]]:
    return [r for r in world.company.records("CustomerRet") if r.get("Name") == name]


def invoices_numbered(world: World, number: str) -> list[dict[str, Any]]:
    return [r for r in world.company.records("InvoiceRet") if r.get("RefNumber") == number]


def test_a_customer_then_its_invoice_in_one_session(synced: World) -> None:
    world = synced
    customer = queue(world, "customers", {"customerName": "Pushed Pty"})
    invoice = queue(world, "invoices", invoice_payload(world, customer.provisional_id or ""))
    assert invoice.depends_on == [customer.push_key]
    result = run_local_session(world.core, world.connection_id, world.quickbooks())
    assert result.finished, result.outcome
    done_customer, done_invoice = push(world, customer.push_key), push(world, invoice.push_key)
    assert done_customer.status == PushStatus.SUCCESS, done_customer.error_message
    assert done_invoice.status == PushStatus.SUCCESS, done_invoice.error_message
    assert len(customers_named(world, "Pushed Pty")) == 1
    [made] = invoices_numbered(world, "P-1")
    assert made["CustomerRef"]["ListID"] == done_customer.result_record_id
    assert made["TxnID"] == done_invoice.result_record_id
    assert done_invoice.changes == [
        {"type": "Created", "recordRef": {"id": made["TxnID"], "dataType": "invoices"}}
    ]
    with world.engine.connect() as conn:
        stored = record_store.get_record(conn, [world.connection_id], "invoices", made["TxnID"])
    assert stored is not None
    assert stored["customerRef"]["id"] == done_customer.result_record_id
    assert stored["lineItems"][0]["unitAmount"] == 0.16667
