"""Pushes through a whole session: written before the reads, exactly once, however the answer
is lost, and QuickBooks' refusals as messages a person can act on."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event, update

from qbdsync import outbox
from qbdsync.push.kinds import PushAction
from qbdsync.push.registry import kind_for
from qbdsync.session.core import SessionCore
from qbdsync.session.local import TextResponse, run_local_session
from qbdsync.session.outcomes import Send
from qbdsync.simulator.message_sets import ID_TOO_LONG, DropStep, DropWrite, render_message_set
from qbdsync.statuses import PushStatus
from qbdsync.store import companies as company_store
from qbdsync.store import pushes as push_store
from qbdsync.store import records as record_store
from qbdsync.store.pushes import PushRow
from qbdsync.store.tables import push_operations
from tests.unit.session.conftest import World


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


def test_a_record_that_stays_locked_fails_after_the_set_number_of_sessions(synced: World) -> None:
    """QuickBooks refuses the update as locked (3180, "in use") in every session: it is sent
    again by the next ones, never counted as a send, and fails after max_push_lock_sessions
    naming the record to close, so the polls stop being working sessions for it."""
    world = synced
    settings = world.settings.model_copy(update={"max_push_lock_sessions": 3})
    core = SessionCore(world.engine, settings, clock=world.clock)
    customer_id = _first_customer_id(world)
    row = queue(
        world,
        "customers",
        {"customerName": "Renamed While Locked"},
        action=PushAction.UPDATE,
        record_id=customer_id,
    )
    locked = {"CustomerModRq": 3180}  # "There was an error when saving. … record in use."
    for session in (1, 2):
        assert run_local_session(core, world.connection_id, world.quickbooks(failures=locked))
        waiting = push(world, row.push_key)
        assert waiting.status == PushStatus.PENDING, waiting.error_message
        assert (waiting.attempts, waiting.lock_retries) == (0, session)
        assert waiting.message_set_id is None  # released: sent afresh, not recovered
        world.clock.advance(60)
    assert run_local_session(core, world.connection_id, world.quickbooks(failures=locked))
    done = push(world, row.push_key)
    assert done.status == PushStatus.FAILED
    [issue] = (done.validation or {})["errors"]
    assert issue["validatorName"] == "RecordLocked"
    assert customer_id in issue["message"] and "3 sessions" in issue["message"]
    assert "Close the record's window in QuickBooks" in issue["message"]
    assert "push again" in issue["message"]
    assert _pending_pushes(world) == 0
    [record] = [r for r in world.company.records("CustomerRet") if r["ListID"] == customer_id]
    assert record["Name"] != "Renamed While Locked"


def test_a_lock_retry_is_not_counted_as_a_send(synced: World) -> None:
    """Refused once as locked, then sent and its answer lost before QuickBooks saw it: the
    push was seen by QuickBooks once, so the lost answer is resent once (not failed as "sent 2
    times") and exactly one record exists."""
    world = synced
    row = queue(world, "customers", {"customerName": "Locked Then Lost Ltd"})
    locked = {"CustomerAddRq": 3180}
    assert run_local_session(world.core, world.connection_id, world.quickbooks(failures=locked))
    refused = push(world, row.push_key)
    assert (refused.status, refused.attempts, refused.lock_retries) == (PushStatus.PENDING, 0, 1)
    world.clock.advance(60)
    quickbooks = world.quickbooks()
    step = world.core.start("killed", world.connection_id, quickbooks.begin_session())
    assert isinstance(step, Send) and "CustomerAddRq" in step.request  # then the server dies
    world.clock.advance(world.settings.session_response_silence_seconds + 60)
    core = SessionCore(world.engine, world.settings, clock=world.clock)
    assert run_local_session(core, world.connection_id, world.quickbooks()).finished
    done = push(world, row.push_key)
    assert done.status == PushStatus.SUCCESS, done.error_message
    assert (done.attempts, done.lock_retries) == (2, 1)
    assert len(customers_named(world, "Locked Then Lost Ltd")) == 1


def test_recovery_answered_9001_finds_the_record_by_its_guid(synced: World) -> None:
    """QuickBooks applied the Add and stored its response with a bad checksum: the recovery
    query answers 9001, so the stored set is cleared and the record is looked for, found, and
    never sent again."""
    world = synced
    row = queue(world, "customers", {"customerName": "Bad Checksum Ltd"})
    quickbooks = world.quickbooks(drop_write=DropWrite(1, "stored"))
    quickbooks.message_sets.corrupt_next = True
    assert not run_local_session(world.core, world.connection_id, quickbooks).finished
    world.clock.advance(60)
    second = world.quickbooks()
    assert run_local_session(world.core, world.connection_id, second).finished
    done = push(world, row.push_key)
    assert done.status == PushStatus.SUCCESS, done.error_message
    assert done.attempts == 1
    [made] = customers_named(world, "Bad Checksum Ltd")
    assert done.result_record_id == made["ListID"]
    assert _stored_set(world) == {}  # the unreadable stored set was cleared


def test_recovery_answered_9004_fails_the_push_unsent(synced: World) -> None:
    """QuickBooks refuses the recovery query's message set id as too long: the write carried
    the same id, so it never ran. The push fails saying it is qbdsync's problem; nothing is
    written."""
    world = synced
    row = _killed_after_marking(world, "Refused Id Ltd")
    sent = push(world, row.push_key)
    world.clock.advance(world.settings.session_response_silence_seconds + 60)
    core = SessionCore(world.engine, world.settings, clock=world.clock)
    quickbooks = world.quickbooks()
    step = core.start("k9004", world.connection_id, quickbooks.begin_session())
    assert isinstance(step, Send)
    assert f'oldMessageSetID="{sent.message_set_id}"' in step.request
    # The simulator answers 9004 only to ids qbdsync never builds: its answer is given here.
    core.take_response(
        "k9004", TextResponse(render_message_set([], sent.message_set_id, ID_TOO_LONG))
    )
    step = core.next_request("k9004")
    while isinstance(step, Send):
        assert "CustomerAddRq" not in step.request  # never sent again
        core.take_response("k9004", TextResponse(quickbooks.process(step.request)))
        step = core.next_request("k9004")
    quickbooks.end_session()
    core.close("k9004")
    done = push(world, row.push_key)
    assert done.status == PushStatus.FAILED
    assert "too long" in (done.error_message or "") and "report" in (done.error_message or "")
    assert customers_named(world, "Refused Id Ltd") == []
    assert _pending_pushes(world) == 0


def test_a_delete_resent_after_a_lost_answer_deletes_once_and_succeeds(synced: World) -> None:
    """QuickBooks deleted the customer but the answer was lost and QuickBooks no longer holds
    the set (600): the Delete is sent once more, finds the record gone, and the push is a
    Success; the record is deleted once."""
    world = synced
    created = queue(world, "customers", {"customerName": "Short Lived Ltd"})
    assert run_local_session(world.core, world.connection_id, world.quickbooks()).finished
    customer_id = push(world, created.push_key).result_record_id
    assert customer_id is not None
    world.clock.advance(60)
    row = queue(world, "customers", {}, action=PushAction.DELETE, record_id=customer_id)
    lost = world.quickbooks(drop_write=DropWrite(1, "stored"))
    assert not run_local_session(world.core, world.connection_id, lost).finished
    assert customers_named(world, "Short Lived Ltd") == []  # QuickBooks deleted it
    world.company.set_meta("message_sets", {})  # QuickBooks no longer holds it: 600
    world.clock.advance(60)
    assert run_local_session(world.core, world.connection_id, world.quickbooks()).finished
    done = push(world, row.push_key)
    assert done.status == PushStatus.SUCCESS, done.error_message
    assert done.attempts == 2  # QuickBooks could not tell: sent once more
    assert done.result_record_id == customer_id
    assert done.changes == [
        {"type": "Deleted", "recordRef": {"id": customer_id, "dataType": "customers"}}
    ]
    assert [d for d in world.company.deleted("CustomerRet") if d["ListID"] == customer_id]
    assert customers_named(world, "Short Lived Ltd") == []


def test_pushes_failing_before_they_are_sent_read_the_pending_pushes_once(synced: World) -> None:
    """Many pushes that cannot be built, ahead of a good one: the call that fails them all and
    sends the good one reads the connection's due pushes once, not once per failed push."""
    world = synced
    broken = [queue(world, "customers", {"customerName": f"Broken {n}"}) for n in range(25)]
    with world.engine.begin() as conn:
        conn.execute(
            update(push_operations)
            .where(push_operations.c.push_key.in_([row.push_key for row in broken]))
            .values(payload={"customerName": ["not", "text"], "addresses": 7})
        )
    good = queue(world, "customers", {"customerName": "Built Fine Ltd"})
    due_reads: list[str] = []

    def count(conn: object, cursor: object, statement: str, *rest: object) -> None:
        # The query of due_pushes' timeout sweep: one per read of the due pushes.
        if "push_operations.expires_at <=" in statement:
            due_reads.append(statement)

    event.listen(world.engine, "before_cursor_execute", count)
    try:
        quickbooks = world.quickbooks()
        step = world.core.start("many", world.connection_id, quickbooks.begin_session())
    finally:
        event.remove(world.engine, "before_cursor_execute", count)
    assert isinstance(step, Send) and "Built Fine Ltd" in step.request, step.request[-600:]
    assert len(due_reads) == 1, len(due_reads)
    assert all(push(world, row.push_key).status == PushStatus.FAILED for row in broken)
    assert push(world, good.push_key).message_set_id is not None
