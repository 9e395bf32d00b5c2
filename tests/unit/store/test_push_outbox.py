"""The push outbox on a real database (SQLite and PostgreSQL): the pending count authenticate
reads, settling, chains of failed prerequisites, timeouts in the background worker, and the
migration's way down and up again."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from sqlalchemy import Connection, Engine, event, inspect

from qbdsync import linking, outbox
from qbdsync.errors import InvalidPush, NotFound, PushRefused
from qbdsync.jobs import chores
from qbdsync.jobs.catalogue import PeriodicJob
from qbdsync.jobs.context import JobContext
from qbdsync.jobs.local import LocalScheduler
from qbdsync.push.kinds import PushAction
from qbdsync.settings import Settings
from qbdsync.statuses import PushStatus
from qbdsync.store import companies as company_store
from qbdsync.store import pushes as push_store
from qbdsync.store import records as record_store
from qbdsync.store import webhooks as webhook_store
from qbdsync.store.db import make_engine
from qbdsync.store.migrate import alembic_config, upgrade
from qbdsync.store.push_lookup import StoreLookup
from qbdsync.sync.availability import IdleReason, idle_reason
from tests.push_kinds import CustomerKind, InvoiceKind, customer_row

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


def _connection(engine: Engine, *, synced: bool = True) -> str:
    settings = Settings(database_url=str(engine.url), public_url="http://127.0.0.1:8000")
    with engine.begin() as conn:
        company_id = linking.create_company(conn, "Outbox Ltd", now=NOW)
        connection = linking.create_connection(conn, settings, company_id, now=NOW).connection
        if synced:  # what a first session records
            company_store.update_connection(
                conn, connection.id, status="Linked", qb_country="US", qbxml_version="13.0"
            )
            record_store.upsert_records(
                conn, connection.id, [customer_row("80000001-1", "Known Ltd")], NOW
            )
    return connection.id


def _queue(engine: Engine, connection_id: str, kind: object, payload: dict[str, object]) -> str:
    with engine.begin() as conn:
        return outbox.queue_push(
            conn,
            connection_id=connection_id,
            kind=kind,  # type: ignore[arg-type]
            action=PushAction.CREATE,
            payload=payload,
            now=NOW,
            timeout_in_minutes=10,
        ).push_key


def _get(engine: Engine, key: str) -> push_store.PushRow:
    with engine.connect() as conn:
        row = push_store.get_push(conn, key)
    assert row is not None
    return row


def _pending(engine: Engine, connection_id: str) -> int:
    with engine.connect() as conn:
        return company_store.get_connection(conn, connection_id).pending_pushes


def test_the_pending_count_follows_every_change(engine: Engine) -> None:
    connection_id = _connection(engine)
    first = _queue(engine, connection_id, CustomerKind(), {"customerName": "One"})
    _queue(engine, connection_id, CustomerKind(), {"customerName": "Two"})
    assert _pending(engine, connection_id) == 2
    with engine.begin() as conn:
        outbox.settle_push(conn, first, outbox.PushOutcome.failure("no"), now=NOW)
    assert _pending(engine, connection_id) == 1
    with engine.begin() as conn:
        assert len(outbox.expire_due(conn, NOW + timedelta(minutes=11))) == 1
    assert _pending(engine, connection_id) == 0


def test_a_chain_of_dependants_fails_with_its_cause(engine: Engine) -> None:
    connection_id = _connection(engine)
    customer = _queue(engine, connection_id, CustomerKind(), {"customerName": "Chain Ltd"})
    provisional = _get(engine, customer).provisional_id
    invoice = _queue(engine, connection_id, InvoiceKind(), {"customerRef": {"id": provisional}})
    unrelated = _queue(engine, connection_id, InvoiceKind(), {"customerRef": {"id": "80000001-1"}})
    assert _get(engine, invoice).depends_on == [customer]
    assert _get(engine, unrelated).depends_on == []
    with engine.begin() as conn:
        timed_out = outbox.expire_due(conn, NOW + timedelta(minutes=11), limit=1)
    assert [p.push_key for p in timed_out] == [customer]
    failed = _get(engine, invoice)
    assert failed.status == PushStatus.FAILED and failed.status_code == 424
    assert f"depends on push operation {customer}" in (failed.error_message or "")
    assert "timed out" in (failed.error_message or "")
    assert _get(engine, unrelated).status == PushStatus.PENDING


def test_fail_blocked_fails_what_waits_for_a_finished_failure(engine: Engine) -> None:
    connection_id = _connection(engine)
    customer = _queue(engine, connection_id, CustomerKind(), {"customerName": "Blocked Ltd"})
    provisional = _get(engine, customer).provisional_id
    invoice = _queue(engine, connection_id, InvoiceKind(), {"customerRef": {"id": provisional}})
    with engine.begin() as conn:
        # As if an older version had failed the prerequisite without its dependants.
        push_store.finish(conn, customer, status=PushStatus.FAILED, status_code=400, now=NOW)
        assert [p.push_key for p in outbox.fail_blocked(conn, connection_id, NOW)] == [invoice]
        assert outbox.due_pushes(conn, connection_id, NOW) == []


def test_a_successful_delete_marks_the_record_deleted(engine: Engine) -> None:
    connection_id = _connection(engine)
    with engine.begin() as conn:
        row = push_store.insert_push(
            conn,
            company_id=company_store.get_connection(conn, connection_id).company_id,
            connection_id=connection_id,
            data_type="customers",
            action=PushAction.DELETE,
            payload={},
            now=NOW,
            record_id="80000001-1",
        )
        settled = outbox.settle_push(
            conn, row.push_key, outbox.PushOutcome.success("80000001-1"), now=NOW
        )
        assert settled.changes == [
            {"type": "Deleted", "recordRef": {"id": "80000001-1", "dataType": "customers"}}
        ]
        assert StoreLookup(conn, connection_id).find("customers", "80000001-1") is None


def test_queueing_refuses_what_cannot_be_pushed(engine: Engine) -> None:
    never_synced = _connection(engine, synced=False)
    with pytest.raises(PushRefused) as refused:
        _queue(engine, never_synced, CustomerKind(), {"customerName": "Early"})
    assert refused.value.reason == "not_synced"
    connection_id = _connection(engine)
    with pytest.raises(InvalidPush) as invalid:
        _queue(engine, connection_id, CustomerKind(), {})
    assert invalid.value.errors == [
        {"itemId": "customerName", "message": "is required", "validatorName": "Required"}
    ]
    with engine.begin() as conn, pytest.raises(NotFound):
        outbox.queue_push(
            conn,
            connection_id=connection_id,
            kind=CustomerKind(),
            action=PushAction.UPDATE,
            payload={"customerName": "X"},
            now=NOW,
            record_id="80000009-9",
        )
    with engine.begin() as conn, pytest.raises(PushRefused) as unsupported:
        outbox.queue_push(
            conn,
            connection_id=connection_id,
            kind=InvoiceKind(),
            action=PushAction.DELETE,
            payload={},
            now=NOW,
            record_id="x",
        )
    assert unsupported.value.reason == "not_supported"
    assert _pending(engine, connection_id) == 0


def test_the_background_job_times_pushes_out_beside_a_failing_one(engine: Engine) -> None:
    connection_id = _connection(engine)
    key = _queue(engine, connection_id, CustomerKind(), {"customerName": "Slow Ltd"})

    def broken(ctx: JobContext) -> None:
        raise RuntimeError("a job that fails must not stop the others")

    context = JobContext(
        engine, Settings(database_url=str(engine.url)), clock=lambda: NOW + timedelta(hours=1)
    )
    scheduler = LocalScheduler(
        [PeriodicJob("broken", 3600, broken), PeriodicJob("pushes", 3600, chores.time_out_pushes)],
        context,
    )
    scheduler.start()
    try:
        deadline = time.monotonic() + 15
        while _get(engine, key).status != PushStatus.TIMED_OUT:
            assert time.monotonic() < deadline, "the push did not time out"
            time.sleep(0.02)
    finally:
        scheduler.stop(timeout=30)


def test_pending_pushes_count_as_work_but_not_through_a_pause() -> None:
    later = NOW + timedelta(hours=3)
    common = {
        "status": "Linked",
        "next_sync_at": later,
        "sync_window": None,
        "sync_window_days": None,
        "timezone": None,
        "now": NOW,
    }
    idle = idle_reason(paused_until=None, **common)  # type: ignore[arg-type]
    assert idle is not None and idle.reason is IdleReason.UP_TO_DATE
    assert idle_reason(paused_until=None, pending_pushes=1, **common) is None  # type: ignore[arg-type]
    paused = idle_reason(paused_until=later, pending_pushes=1, **common)  # type: ignore[arg-type]
    assert paused is not None and paused.reason is IdleReason.PAUSED


def test_the_migration_goes_down_and_up_again(database_url: str) -> None:
    made = make_engine(database_url)
    try:
        upgrade(made)
        config = alembic_config(made)
        command.downgrade(config, "0008")
        tables = inspect(made).get_table_names()
        assert "push_operations" not in tables
        columns = {c["name"] for c in inspect(made).get_columns("connections")}
        assert "pending_pushes" not in columns
        upgrade(made)
        assert "push_operations" in inspect(made).get_table_names()
    finally:
        made.dispose()


def _insert(
    conn: Connection, connection_id: str, company_id: str, depends_on: list[str], n: int
) -> str:
    """A pending push waiting for `depends_on` (as queue_push records it for references to
    pending pushes), inserted directly: chains of any shape, without payloads to resolve."""
    return push_store.insert_push(
        conn,
        company_id=company_id,
        connection_id=connection_id,
        data_type="invoices",
        action=PushAction.CREATE,
        payload={"n": n},
        now=NOW,
        timeout_in_minutes=10 if not depends_on else None,
        depends_on=depends_on,
    ).push_key


@pytest.mark.parametrize("cause", ["failed", "timed out"])
def test_a_long_chain_and_a_wide_fan_out_fail_naming_their_prerequisites(
    engine: Engine, cause: str
) -> None:
    """A failed (or timed-out) push fails every push waiting for it, however deep or wide:
    each names the prerequisite it waited for and the push where the failure began, with one
    event each, and the pending pushes are read once for the whole walk."""
    length = width = 150
    connection_id = _connection(engine)
    with engine.begin() as conn:
        company_id = company_store.get_connection(conn, connection_id).company_id
        client_id = company_store.get_company(conn, company_id).client_id
        assert client_id is not None
        hook = webhook_store.create_webhook(
            conn,
            client_id=client_id,
            url="https://hooks.example.com/qbdsync",
            event_types=["*"],
            secret="whsec_dGVzdA==",
            now=NOW,
        )
        root = _insert(conn, connection_id, company_id, [], 0)
        waits_for: dict[str, str] = {}  # each dependant -> the prerequisite it names
        link = root
        for n in range(length):
            key = _insert(conn, connection_id, company_id, [link], n + 1)
            waits_for[key], link = link, key
        fan = [_insert(conn, connection_id, company_id, [root], n) for n in range(width)]
        waits_for |= dict.fromkeys(fan, root)
        # Waiting for the end of the chain and one of the fan: named after whichever the walk
        # reaches first, failed once.
        both = _insert(conn, connection_id, company_id, [link, fan[0]], 0)
        unrelated = _insert(conn, connection_id, company_id, [], 0)
        push_store.update_push(conn, unrelated, timeout_in_minutes=None, expires_at=None)
    pending_reads: list[str] = []

    def count(_conn: object, _cursor: object, statement: str, *_rest: object) -> None:
        # pending_for_connection's query (not expired's, which holds expires_at <=).
        if "ORDER BY push_operations.seq" in statement and "expires_at <=" not in statement:
            pending_reads.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        with engine.begin() as conn:
            if cause == "failed":
                outcome = outbox.PushOutcome.failure("QuickBooks refused the name")
                outbox.settle_push(conn, root, outcome, now=NOW)
            else:
                assert [p.push_key for p in outbox.expire_due(conn, NOW + timedelta(hours=1))] == [
                    root
                ]
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(pending_reads) == 1, pending_reads

    with engine.connect() as conn:
        rows = push_store.get_pushes(conn, [*waits_for, both, unrelated, root])
        deliveries = webhook_store.list_deliveries(conn, client_id, hook.id, limit=10_000)
    for key, prerequisite in waits_for.items():
        row = rows[key]
        assert row.status == PushStatus.FAILED and row.status_code == 424, row
        message = row.error_message or ""
        assert message.startswith(f"Not sent: it depends on push operation {prerequisite} ")
        if prerequisite == root:
            assert f"(Create invoices), which {cause}" in message
        else:
            assert f"which was not sent because push operation {root} (Create invoices)" in message
            assert f"further up its dependencies, {cause}" in message
        if cause == "failed":
            assert message.endswith(": QuickBooks refused the name")
        # The origin is quoted once, not the whole chain again at every link.
        assert len(message) < 400, len(message)
        [issue] = (row.validation or {})["errors"]
        assert issue == {
            "itemId": "dependsOn",
            "message": message,
            "validatorName": "PrerequisiteFailed",
        }
    assert rows[both].status == PushStatus.FAILED
    assert rows[both].error_message is not None
    assert rows[unrelated].status == PushStatus.PENDING
    assert _pending(engine, connection_id) == 1
    # One `.write.unsuccessful` for each push that ended, committed with it.
    events = [d.payload for d in deliveries]
    assert {e["eventType"] for e in events} == {"invoices.write.unsuccessful"}
    keys = [e["payload"]["pushOperationKey"] for e in events]
    assert sorted(keys) == sorted([root, *waits_for, both])
    for body in events:
        said = body["payload"]
        assert said["errorMessage"] == rows[said["pushOperationKey"]].error_message


def test_fail_blocked_fails_the_dependants_of_several_finished_failures(engine: Engine) -> None:
    connection_id = _connection(engine)
    with engine.begin() as conn:
        company_id = company_store.get_connection(conn, connection_id).company_id
        first, second = (_insert(conn, connection_id, company_id, [], n) for n in range(2))
        after_first = _insert(conn, connection_id, company_id, [first], 0)
        after_second = _insert(conn, connection_id, company_id, [second], 0)
        after_both = _insert(conn, connection_id, company_id, [after_first, after_second], 0)
        # As if an older version had failed the prerequisites without their dependants.
        for key in (first, second):
            push_store.finish(conn, key, status=PushStatus.FAILED, status_code=400, now=NOW)
        failed = outbox.fail_blocked(conn, connection_id, NOW)
        assert [p.push_key for p in failed] == [after_first, after_both, after_second]
        assert f"depends on push operation {after_first} " in (failed[1].error_message or "")
        assert outbox.due_pushes(conn, connection_id, NOW) == []
