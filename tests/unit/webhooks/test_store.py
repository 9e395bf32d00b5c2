"""The consumer repository and the delivery queue, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, text

from qbdsync.errors import DeliveryInFlight, NotFound
from qbdsync.store import webhooks as store
from qbdsync.webhooks.signing import new_secret
from tests.unit.webhooks.conftest import add_client

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


def _consumer(engine: Engine, client_id: str, **kwargs: object) -> store.WebhookRow:
    values: dict[str, object] = {
        "url": "https://example.test/hook",
        "event_types": ["*"],
        "secret": new_secret(),
        "now": NOW,
    }
    values.update(kwargs)
    with engine.begin() as conn:
        return store.create_webhook(conn, client_id=client_id, **values)  # type: ignore[arg-type]


def _queue(engine: Engine, webhook_id: str, count: int, now: datetime = NOW) -> list[str]:
    with engine.begin() as conn:
        return [
            store.enqueue(
                conn,
                webhook_id=webhook_id,
                event_id=f"e{i}",
                event_type="read.completed",
                body={"id": f"e{i}", "n": i},
                now=now + timedelta(milliseconds=i),
            )
            for i in range(count)
        ]


def test_consumers_are_created_listed_and_deleted_per_client(
    engine: Engine, client_id: str
) -> None:
    other = add_client(engine, "Other")
    made = _consumer(
        engine,
        client_id,
        event_types=["company.created", "read.completed"],
        company_tags={"region": "us"},
        description="ops",
    )
    _consumer(engine, other)
    assert made.event_types == ["company.created", "read.completed"]
    assert made.company_tags == {"region": "us"}
    assert made.description == "ops"
    assert made.created_at == NOW
    assert not made.disabled
    with engine.begin() as conn:
        assert [w.id for w in store.list_webhooks(conn, client_id)] == [made.id]
        assert store.get_webhook(conn, client_id, made.id) == made
        with pytest.raises(NotFound):
            store.get_webhook(conn, other, made.id)
        with pytest.raises(NotFound):
            store.delete_webhook(conn, other, made.id)
        assert store.set_webhook_disabled(conn, client_id, made.id, True).disabled
        assert store.active_webhooks(conn, client_id) == []
        store.delete_webhook(conn, client_id, made.id)
        assert store.list_webhooks(conn, client_id) == []
        with pytest.raises(NotFound):
            store.delete_webhook(conn, client_id, made.id)


def test_deleting_a_consumer_deletes_its_log(engine: Engine, client_id: str) -> None:
    hook = _consumer(engine, client_id)
    [delivery_id] = _queue(engine, hook.id, 1)
    with engine.begin() as conn:
        store.delete_webhook(conn, client_id, hook.id)
        with pytest.raises(NotFound):
            store.get_delivery(conn, client_id, delivery_id)


def test_delivery_log_is_newest_first_and_private(engine: Engine, client_id: str) -> None:
    hook = _consumer(engine, client_id)
    ids = _queue(engine, hook.id, 3)
    other = add_client(engine, "Other")
    with engine.begin() as conn:
        log = store.list_deliveries(conn, client_id, hook.id)
        assert [d.id for d in log] == ids[::-1]
        assert log[0].payload == {"id": "e2", "n": 2}
        assert log[0].status == "pending"
        assert log[0].attempts == 0
        assert [d.id for d in store.list_deliveries(conn, client_id, hook.id, limit=1)] == [ids[2]]
        with pytest.raises(NotFound):
            store.list_deliveries(conn, other, hook.id)
        with pytest.raises(NotFound):
            store.replay(conn, other, ids[0], now=NOW)


def test_claim_takes_due_rows_once_and_leases_them(engine: Engine, client_id: str) -> None:
    hook = _consumer(engine, client_id)
    ids = _queue(engine, hook.id, 3)
    _queue(engine, hook.id, 1, now=NOW + timedelta(hours=1))  # not due yet
    lease = NOW + timedelta(minutes=5)
    with engine.begin() as conn:
        first = store.claim_due(conn, now=NOW + timedelta(seconds=1), lease_until=lease, limit=2)
    assert [d.delivery.id for d in first] == ids[:2]
    assert first[0].url == hook.url
    assert first[0].secret == hook.secret
    with engine.begin() as conn:
        second = store.claim_due(conn, now=NOW + timedelta(seconds=1), lease_until=lease, limit=9)
        assert [d.delivery.id for d in second] == ids[2:]
        assert (
            store.claim_due(conn, now=NOW + timedelta(seconds=1), lease_until=lease, limit=9) == []
        )
        # A lease that runs out (a crashed deliverer) makes the rows due again.
        again = store.claim_due(conn, now=lease, lease_until=lease + timedelta(minutes=5), limit=9)
        assert {d.delivery.id for d in again} == set(ids)


def test_results_and_replay(engine: Engine, client_id: str) -> None:
    hook = _consumer(engine, client_id)
    ok_id, bad_id = _queue(engine, hook.id, 2)
    later = NOW + timedelta(seconds=3)
    with engine.begin() as conn:
        store.record_success(conn, ok_id, status_code=200, now=later)
        store.record_failure(conn, bad_id, status_code=500, error="HTTP 500", retry_at=None)
        ok = store.get_delivery(conn, client_id, ok_id)
        bad = store.get_delivery(conn, client_id, bad_id)
    assert (ok.status, ok.attempts, ok.last_status_code, ok.delivered_at) == (
        "succeeded",
        1,
        200,
        later,
    )
    assert ok.next_attempt_at is None
    assert (bad.status, bad.attempts, bad.last_error, bad.next_attempt_at) == (
        "failed",
        1,
        "HTTP 500",
        None,
    )
    with engine.begin() as conn:
        replayed = store.replay(conn, client_id, bad_id, now=later)
        assert (replayed.status, replayed.attempts, replayed.next_attempt_at) == (
            "pending",
            0,
            later,
        )
        [due] = store.claim_due(conn, now=later, lease_until=later + timedelta(minutes=1), limit=5)
        assert due.delivery.id == bad_id


def test_concurrent_claimers_never_share_a_delivery(engine: Engine, client_id: str) -> None:
    hook = _consumer(engine, client_id)
    ids = _queue(engine, hook.id, 60)
    claimed: list[list[str]] = [[] for _ in range(4)]
    errors: list[BaseException] = []
    start = threading.Barrier(4)

    def claimer(slot: int) -> None:
        try:
            start.wait()
            while True:
                with engine.begin() as conn:
                    batch = store.claim_due(
                        conn,
                        now=NOW + timedelta(seconds=1),
                        lease_until=NOW + timedelta(hours=1),
                        limit=3,
                    )
                if not batch:
                    return
                claimed[slot].extend(d.delivery.id for d in batch)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=claimer, args=(slot,)) for slot in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    every = [delivery_id for batch in claimed for delivery_id in batch]
    assert len(every) == len(set(every))  # nobody took a delivery twice
    assert set(every) == set(ids)


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_postgres_claim_skips_rows_another_claimer_holds(engine: Engine, client_id: str) -> None:
    hook = _consumer(engine, client_id)
    ids = _queue(engine, hook.id, 5)
    due_at, lease = NOW + timedelta(seconds=1), NOW + timedelta(hours=1)
    with engine.connect() as holder, engine.connect() as other:
        holder.begin()
        held = store.claim_due(holder, now=due_at, lease_until=lease, limit=2)
        # Still uncommitted: without SKIP LOCKED the second claimer would wait for it.
        other.begin()
        other.execute(text("SET LOCAL lock_timeout = '2s'"))
        taken = store.claim_due(other, now=due_at, lease_until=lease, limit=10)
        other.commit()
        holder.commit()
    assert [d.delivery.id for d in held] == ids[:2]
    assert [d.delivery.id for d in taken] == ids[2:]


def test_a_fair_claim_takes_one_delivery_per_consumer(engine: Engine, client_id: str) -> None:
    busy, quiet = _consumer(engine, client_id), _consumer(engine, client_id)
    backlog = _queue(engine, busy.id, 5)
    [waiting] = _queue(engine, quiet.id, 1, now=NOW + timedelta(seconds=1))
    due_at, lease = NOW + timedelta(seconds=2), NOW + timedelta(minutes=5)
    with engine.begin() as conn:
        first = store.claim_due(
            conn, now=due_at, lease_until=lease, limit=10, one_per_consumer=True
        )
        second = store.claim_due(
            conn, now=due_at, lease_until=lease, limit=10, one_per_consumer=True
        )
    # each consumer's oldest due delivery; the busy consumer's backlog waits its turn
    assert {d.delivery.id for d in first} == {backlog[0], waiting}
    assert [d.delivery.id for d in second] == [backlog[1]]


def test_a_delivery_being_posted_is_not_replayed(engine: Engine, client_id: str) -> None:
    hook = _consumer(engine, client_id)
    [delivery_id] = _queue(engine, hook.id, 1)
    claimed_at, lease = NOW + timedelta(seconds=1), NOW + timedelta(minutes=5)
    with engine.begin() as conn:
        store.claim_due(conn, now=claimed_at, lease_until=lease, limit=1)
    with engine.begin() as conn, pytest.raises(DeliveryInFlight, match="being posted"):
        store.replay(conn, client_id, delivery_id, now=claimed_at)
    with engine.connect() as conn:
        untouched = store.get_delivery(conn, client_id, delivery_id)
    assert untouched.next_attempt_at == lease  # still the worker's: nobody else may take it
    # once the attempt is recorded, replay works
    with engine.begin() as conn:
        store.record_failure(conn, delivery_id, status_code=500, error="HTTP 500", retry_at=lease)
        replayed = store.replay(conn, client_id, delivery_id, now=claimed_at)
    assert (replayed.attempts, replayed.next_attempt_at) == (0, claimed_at)
    # a claim whose lease ran out (its process died) does not block a replay
    with engine.begin() as conn:
        store.claim_due(conn, now=claimed_at, lease_until=lease, limit=1)
        assert store.replay(conn, client_id, delivery_id, now=lease).next_attempt_at == lease
