"""emit queues one delivery per consumer that wants the event, in the caller's transaction."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine

from qbdsync.store import webhooks as store
from qbdsync.webhooks import events
from qbdsync.webhooks.signing import new_secret
from tests.unit.webhooks.conftest import add_client

NOW = datetime(2025, 3, 1, 12, 0, 5, 250_000, tzinfo=UTC)


def _consumer(
    engine: Engine, client_id: str, event_types: list[str], tags: dict[str, str] | None = None
) -> str:
    with engine.begin() as conn:
        return store.create_webhook(
            conn,
            client_id=client_id,
            url="https://example.test/hook",
            event_types=event_types,
            company_tags=tags,
            secret=new_secret(),
            now=NOW,
        ).id


def _emit(
    engine: Engine, client_id: str, event_type: str, tags: dict[str, str] | None = None
) -> int:
    with engine.begin() as conn:
        return events.emit(
            conn,
            client_id=client_id,
            event_type=event_type,
            payload={"companyId": "c1"},
            company_tags=tags,
            now=NOW,
        )


def _queued(engine: Engine, client_id: str, webhook_id: str) -> list[store.DeliveryRow]:
    with engine.begin() as conn:
        return store.list_deliveries(conn, client_id, webhook_id)


def test_body_is_codat_shaped_and_shares_one_event_id(engine: Engine, client_id: str) -> None:
    first = _consumer(engine, client_id, ["*"])
    second = _consumer(engine, client_id, ["read.completed"])
    assert _emit(engine, client_id, events.READ_COMPLETED) == 2
    [a] = _queued(engine, client_id, first)
    [b] = _queued(engine, client_id, second)
    assert a.payload == {
        "id": a.event_id,
        "eventType": "read.completed",
        "generatedDate": "2025-03-01T12:00:05.250Z",
        "payload": {"companyId": "c1"},
    }
    assert b.payload == a.payload
    assert (a.status, a.attempts, a.next_attempt_at, a.event_type) == (
        "pending",
        0,
        NOW,
        "read.completed",
    )


def test_event_types_match_exactly_or_by_star(engine: Engine, client_id: str) -> None:
    star = _consumer(engine, client_id, ["*"])
    reads = _consumer(engine, client_id, ["read.completed"])
    failures = _consumer(engine, client_id, [events.EventType.CONNECTION_FAILED])
    assert _emit(engine, client_id, "read.completed.initial") == 1  # not a prefix match
    assert _emit(engine, client_id, "read.completed") == 2
    assert _emit(engine, client_id, "connection.failed") == 2
    assert _emit(engine, client_id, "connection.deleted") == 1
    assert len(_queued(engine, client_id, star)) == 4
    assert [d.event_type for d in _queued(engine, client_id, reads)] == ["read.completed"]
    assert [d.event_type for d in _queued(engine, client_id, failures)] == ["connection.failed"]


def test_only_enumerated_events_are_sent(engine: Engine, client_id: str) -> None:
    """An event missing from EventType would be undocumented and could not be subscribed to
    by name: emitting one is a programming error, caught before anything is queued."""
    hook = _consumer(engine, client_id, ["*"])
    # taxRates are read, never written: no write event exists for them.
    with pytest.raises(ValueError, match=r"taxRates\.write\.successful"):
        _emit(engine, client_id, "taxRates.write.successful")
    assert _queued(engine, client_id, hook) == []


def test_write_events_are_named_after_codat_data_types() -> None:
    from qbdsync.webhooks.events import write_event

    assert write_event("invoices", succeeded=True) == "invoices.write.successful"
    assert write_event("chartOfAccounts", succeeded=False) == "chartOfAccounts.write.unsuccessful"
    with pytest.raises(ValueError, match="accounts"):
        write_event("accounts", succeeded=True)  # Codat's name is chartOfAccounts


def test_company_tags_must_all_match(engine: Engine, client_id: str) -> None:
    anyone = _consumer(engine, client_id, ["*"], {})
    us = _consumer(engine, client_id, ["*"], {"region": "us"})
    uk = _consumer(engine, client_id, ["*"], {"region": "uk"})
    us_gold = _consumer(engine, client_id, ["*"], {"region": "us", "tier": "gold"})
    assert _emit(engine, client_id, "company.created", {"region": "us", "tier": "silver"}) == 2
    assert _emit(engine, client_id, "company.created", {"region": "us", "tier": "gold"}) == 3
    assert _emit(engine, client_id, "company.created", None) == 1
    counts = {
        name: len(_queued(engine, client_id, hook))
        for name, hook in [("anyone", anyone), ("us", us), ("uk", uk), ("us_gold", us_gold)]
    }
    assert counts == {"anyone": 3, "us": 2, "uk": 0, "us_gold": 1}


def test_disabled_consumers_and_other_clients_get_nothing(engine: Engine, client_id: str) -> None:
    disabled = _consumer(engine, client_id, ["*"])
    with engine.begin() as conn:
        store.set_webhook_disabled(conn, client_id, disabled, True)
    other = add_client(engine, "Other")
    theirs = _consumer(engine, other, ["*"])
    assert _emit(engine, client_id, "company.created") == 0
    assert _queued(engine, other, theirs) == []


def test_an_event_is_queued_only_if_its_transaction_commits(engine: Engine, client_id: str) -> None:
    hook = _consumer(engine, client_id, ["*"])
    with engine.connect() as conn:
        transaction = conn.begin()
        queued = events.emit(
            conn,
            client_id=client_id,
            event_type="company.deleted",
            payload={},
            company_tags=None,
            now=NOW,
        )
        transaction.rollback()
    assert queued == 1
    assert _queued(engine, client_id, hook) == []
