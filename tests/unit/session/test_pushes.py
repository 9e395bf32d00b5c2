"""Pushes through a whole session: written before the reads, exactly once, however the answer
is lost, and QuickBooks' refusals as messages a person can act on."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import update

from qbdsync import outbox
from qbdsync.push.kinds import PushAction
from qbdsync.push.registry import kind_for
from qbdsync.session.core import SessionCore
from qbdsync.session.local import run_local_session
from qbdsync.session.outcomes import Send
from qbdsync.simulator.message_sets import DropStep, DropWrite
from qbdsync.statuses import PushStatus
from qbdsync.store import companies as company_store
from qbdsync.store import pushes as push_store
from qbdsync.store import records as record_store
from qbdsync.store.pushes import PushRow
from qbdsync.store.tables import push_operations
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
    # No sync is due, so the engine has no runs: still, a response taken with the invoice yet
    # to send is never 100% (the Web Connector would stop calling there).
    assert result.progress and max(result.progress) < 100, result.progress
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


def _stored_set(world: World) -> dict[str, Any]:
    return dict(world.company.meta("message_sets", {}))


def _lose_then_recover(world: World, drop: DropStep) -> PushRow:
    row = queue(world, "customers", {"customerName": "Lost Answer Ltd"})
    first = run_local_session(
        world.core, world.connection_id, world.quickbooks(drop_write=DropWrite(1, drop))
    )
    assert not first.finished
    sent = push(world, row.push_key)
    assert sent.status == PushStatus.PENDING and sent.message_set_id is not None
    assert len(customers_named(world, "Lost Answer Ltd")) == 1  # QuickBooks applied it
    world.clock.advance(60)
    second = run_local_session(world.core, world.connection_id, world.quickbooks())
    assert second.finished, second.outcome
    return push(world, row.push_key)


@pytest.mark.parametrize("step", ["unstored", "stored"])
def test_a_lost_answer_is_recovered_not_resent(synced: World, step: DropStep) -> None:
    done = _lose_then_recover(synced, step)
    assert done.status == PushStatus.SUCCESS, done.error_message
    assert done.attempts == 1  # never sent again
    [made] = customers_named(synced, "Lost Answer Ltd")
    assert done.result_record_id == made["ListID"]
    assert made["ExternalGUID"].lower() == (done.external_guid or "").lower()
    assert _stored_set(synced) == {}  # recovered, then cleared


def test_recovery_answered_600_finds_the_record_by_its_guid(synced: World) -> None:
    world = synced
    row = queue(world, "customers", {"customerName": "Six Hundred Ltd"})
    first = run_local_session(
        world.core, world.connection_id, world.quickbooks(drop_write=DropWrite(1, "stored"))
    )
    assert not first.finished
    world.company.set_meta("message_sets", {})  # QuickBooks no longer holds it: 600
    world.clock.advance(60)
    assert run_local_session(world.core, world.connection_id, world.quickbooks()).finished
    done = push(world, row.push_key)
    assert done.status == PushStatus.SUCCESS and done.attempts == 1
    assert len(customers_named(world, "Six Hundred Ltd")) == 1


def _killed_after_marking(world: World, name: str) -> PushRow:
    """A session that prepared the write (marked sent) and died before QuickBooks saw it."""
    row = queue(world, "customers", {"customerName": name})
    quickbooks = world.quickbooks()
    step = world.core.start("killed", world.connection_id, quickbooks.begin_session())
    assert isinstance(step, Send) and "CustomerAddRq" in step.request
    assert push(world, row.push_key).message_set_id is not None
    return row


def test_a_write_marked_sent_but_never_seen_is_sent_once_more(synced: World) -> None:
    world = synced
    row = _killed_after_marking(world, "Never Seen Ltd")
    world.clock.advance(world.settings.session_response_silence_seconds + 60)
    core = SessionCore(world.engine, world.settings, clock=world.clock)  # a restarted server
    assert run_local_session(core, world.connection_id, world.quickbooks()).finished
    done = push(world, row.push_key)
    assert done.status == PushStatus.SUCCESS, done.error_message
    assert done.attempts == 2  # 600, not found by its GUID: resent once
    assert len(customers_named(world, "Never Seen Ltd")) == 1


def test_9002_without_the_record_resends_once(synced: World) -> None:
    world = synced
    row = _killed_after_marking(world, "No Response Ltd")
    sent = push(world, row.push_key)
    # QuickBooks received the set and stopped before running it: 9002, nothing applied.
    world.company.set_meta(
        "message_sets",
        {"qbdsync": {"message_set_id": sent.message_set_id, "responses": None, "checksum": ""}},
    )
    world.clock.advance(world.settings.session_response_silence_seconds + 60)
    assert run_local_session(world.core, world.connection_id, world.quickbooks()).finished
    done = push(world, row.push_key)
    assert done.status == PushStatus.SUCCESS and done.attempts == 2
    assert len(customers_named(world, "No Response Ltd")) == 1


def test_killed_after_quickbooks_applied_it_is_recovered(synced: World) -> None:
    world = synced
    row = queue(world, "customers", {"customerName": "Applied Ltd"})
    quickbooks = world.quickbooks()
    step = world.core.start("killed", world.connection_id, quickbooks.begin_session())
    assert isinstance(step, Send)
    quickbooks.process(step.request)  # applied; the answer is never taken
    quickbooks.end_session()
    world.clock.advance(world.settings.session_response_silence_seconds + 60)
    core = SessionCore(world.engine, world.settings, clock=world.clock)
    assert run_local_session(core, world.connection_id, world.quickbooks()).finished
    done = push(world, row.push_key)
    assert done.status == PushStatus.SUCCESS and done.attempts == 1
    assert len(customers_named(world, "Applied Ltd")) == 1


def test_a_timed_out_push_is_never_sent(synced: World) -> None:
    world = synced
    row = queue(world, "customers", {"customerName": "Too Late Ltd"}, timeout_in_minutes=1)
    world.clock.advance(120)
    assert run_local_session(world.core, world.connection_id, world.quickbooks()).finished
    assert push(world, row.push_key).status == PushStatus.TIMED_OUT
    assert customers_named(world, "Too Late Ltd") == []


def test_a_failed_prerequisite_fails_its_dependant_naming_it(synced: World) -> None:
    world = synced
    customer = queue(world, "customers", {"customerName": "Taken Name Ltd"})
    invoice = queue(world, "invoices", invoice_payload(world, customer.provisional_id or ""))
    # Someone adds a vendor of that name in QuickBooks meanwhile: 3100.
    vendor = next(iter(world.company.records("VendorRet")))
    vendor["Name"] = "Taken Name Ltd"
    world.company.put("VendorRet", vendor)
    assert run_local_session(world.core, world.connection_id, world.quickbooks()).finished
    failed = push(world, customer.push_key)
    assert failed.status == PushStatus.FAILED
    [issue] = (failed.validation or {})["errors"]
    assert issue["validatorName"] == "NameInUse" and "Vendor" in issue["message"]
    dependant = push(world, invoice.push_key)
    assert dependant.status == PushStatus.FAILED
    assert customer.push_key in (dependant.error_message or "")
    assert invoices_numbered(world, "P-1") == []


def _changed_in_quickbooks(world: World, *, force: bool) -> tuple[str, PushRow]:
    """An update of a synced customer queued, then the customer edited in QuickBooks."""
    with world.engine.connect() as conn:
        row = next(
            r
            for r in record_store.iter_records(conn, world.connection_id, "customers")
            if r["raw"].get("IsActive", "true") == "true" and "ParentRef" not in r["raw"]
        )
    customer_id = str(row["raw"]["ListID"])
    update = queue(
        world,
        "customers",
        {"customerName": "Renamed By Push"},
        action=PushAction.UPDATE,
        record_id=customer_id,
        force_update=force,
    )
    record = next(r for r in world.company.records("CustomerRet") if r["ListID"] == customer_id)
    record["EditSequence"] = str(int(record["EditSequence"]) + 7)  # someone else saved it
    world.company.put("CustomerRet", record)
    return customer_id, update


@pytest.mark.parametrize("force", [False, True])
def test_a_stale_edit_sequence(synced: World, force: bool) -> None:
    world = synced
    customer_id, update = _changed_in_quickbooks(world, force=force)
    assert run_local_session(world.core, world.connection_id, world.quickbooks()).finished
    done = push(world, update.push_key)
    [record] = [r for r in world.company.records("CustomerRet") if r["ListID"] == customer_id]
    if force:
        assert done.status == PushStatus.SUCCESS, done.error_message
        assert done.attempts == 2  # re-read, applied once more
        assert record["Name"] == "Renamed By Push"
    else:
        assert done.status == PushStatus.FAILED
        [issue] = (done.validation or {})["errors"]
        assert issue["validatorName"] == "EditSequenceConflict"
        assert customer_id in issue["message"] and "forceUpdate" in issue["message"]
        assert record["Name"] != "Renamed By Push"


def _first_customer_id(world: World) -> str:
    with world.engine.connect() as conn:
        row = next(
            r
            for r in record_store.iter_records(conn, world.connection_id, "customers")
            if r["raw"].get("IsActive", "true") == "true" and "ParentRef" not in r["raw"]
        )
    return str(row["raw"]["ListID"])


def _pending_pushes(world: World) -> int:
    with world.engine.connect() as conn:
        return company_store.get_connection(conn, world.connection_id).pending_pushes


def test_a_push_its_kind_refuses_at_prepare_fails_and_is_not_retried(synced: World) -> None:
    """The invoice's customer was deleted in QuickBooks after the push was validated: the
    kind refuses it at prepare, so it fails naming why, and no poll works for it again."""
    world = synced
    customer_id = _first_customer_id(world)
    invoice = queue(world, "invoices", invoice_payload(world, customer_id, "P-GONE"))
    with world.engine.begin() as conn:
        record_store.mark_deleted(
            conn, world.connection_id, "customers", [customer_id], world.clock()
        )
    assert run_local_session(world.core, world.connection_id, world.quickbooks()).finished
    done = push(world, invoice.push_key)
    assert done.status == PushStatus.FAILED, done
    assert done.error_message and customer_id in done.error_message, done.error_message
    assert invoices_numbered(world, "P-GONE") == []
    assert _pending_pushes(world) == 0


def test_a_push_that_cannot_be_built_fails_rather_than_breaking_every_session(
    synced: World,
) -> None:
    """A stored payload the kind cannot read (a bug, or a payload stored by an older qbdsync)
    fails its push with the reason instead of failing each session that tries to send it."""
    world = synced
    row = queue(world, "customers", {"customerName": "Unreadable Ltd"})
    with world.engine.begin() as conn:
        conn.execute(
            update(push_operations)
            .where(push_operations.c.push_key == row.push_key)
            .values(payload={"customerName": ["not", "text"], "addresses": 7})
        )
    result = run_local_session(world.core, world.connection_id, world.quickbooks())
    assert result.finished, result.outcome
    done = push(world, row.push_key)
    assert done.status == PushStatus.FAILED, done
    assert "could not build" in (done.error_message or ""), done.error_message
    assert _pending_pushes(world) == 0
