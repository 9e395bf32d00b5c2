"""One unit of work, one transaction: an operator action and the webhook event it emits commit
together or not at all, on SQLite and on PostgreSQL.

Failures are real: a database trigger refuses one write in the middle of an action (the
first-link pulls, the link, the event), or the caller's own code raises after the action
inside the caller's transaction. Afterwards every table holds exactly what it held before.
Concurrent actions (two queuings, two links, two first uses of the default client) stay
correct because the actions lock what they read before they write.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, exc, func, select

from qbdsync import lifecycle
from qbdsync.linking import create_company, create_connection, create_linkable_connection
from qbdsync.settings import Settings
from qbdsync.store import clients as client_store
from qbdsync.store import companies as company_store
from qbdsync.store import pulls as pull_store
from qbdsync.store import webhooks as webhook_store
from qbdsync.store.tables import (
    clients,
    companies,
    connections,
    meta,
    metadata,
    pull_operations,
    webhook_deliveries,
)
from tests.api.helpers import new_tenant, serving

REFUSED = "refused by the test"


class CallerFailed(Exception):
    """What the caller's own code raises after an action, inside its transaction."""


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(database_url=database_url, public_url="https://sync.example.com")  # type: ignore[arg-type]


# A live server's delivery worker may be trying a delivery while an action runs; what it
# changes (attempts, times, lease) is not the action's doing, so it is left out of the compare.
_DELIVERY_PROGRESS = frozenset(
    {
        "status",
        "attempts",
        "next_attempt_at",
        "last_status_code",
        "last_error",
        "delivered_at",
        "leased_until",
    }
)


def snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in a stable order: what "nothing left behind" compares."""
    with engine.connect() as conn:
        return {
            table.name: sorted(
                (tuple(row) for row in conn.execute(select(*_compared(table)))), key=repr
            )
            for table in metadata.sorted_tables
        }


def _compared(table: Any) -> list[Any]:
    if table.name != "webhook_deliveries":
        return list(table.columns)
    return [c for c in table.columns if c.name not in _DELIVERY_PROGRESS]


@contextmanager
def refused(engine: Engine, table: str, write: str) -> Iterator[None]:
    """A trigger that makes the database refuse `write` (e.g. "INSERT", "UPDATE OF link_nonce")
    on `table` — a real failure in the middle of an action, not a mock."""
    name = f"refuse_{table}"
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql(
                f"CREATE TRIGGER {name} BEFORE {write} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{REFUSED}'); END"
            )
        else:
            conn.exec_driver_sql(
                "CREATE OR REPLACE FUNCTION qbdsync_test_refuse() RETURNS trigger "
                f"LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '{REFUSED}'; END $$"
            )
            conn.exec_driver_sql(
                f"CREATE TRIGGER {name} BEFORE {write} ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION qbdsync_test_refuse()"
            )
    try:
        yield
    finally:
        with engine.begin() as conn:
            on = "" if engine.dialect.name == "sqlite" else f" ON {table}"
            conn.exec_driver_sql(f"DROP TRIGGER {name}{on}")


def in_one_transaction(engine: Engine, unit: Callable[[Connection], object]) -> None:
    with engine.begin() as conn:
        unit(conn)


def failing_after(engine: Engine, unit: Callable[[Connection], object]) -> None:
    """`unit`, then the caller's own code fails before its transaction ends."""
    with engine.begin() as conn:
        unit(conn)
        raise CallerFailed


def subscribed_client(engine: Engine) -> str:
    """The default client with a consumer of every event, so each action emits one."""
    now = datetime.now(UTC)
    with engine.begin() as conn:
        client_id = client_store.default_client(conn, now)
        webhook_store.create_webhook(
            conn,
            client_id=client_id,
            url="https://hooks.example.com/qbdsync",
            event_types=["*"],
            secret="whsec_" + "a" * 32,
            now=now,
        )
    return client_id


def event_types(engine: Engine) -> list[str]:
    with engine.connect() as conn:
        rows = conn.execute(select(webhook_deliveries.c.event_type))
        return sorted(str(r[0]) for r in rows)


def count(engine: Engine, table: Any) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


# -- linking: company + connection + credentials + first-link pulls + event ------------------


LINKING_FAILURES = [
    pytest.param("connections", "INSERT", id="connection-insert"),
    pytest.param("pull_operations", "INSERT", id="first-link-pulls"),
    pytest.param("connections", "UPDATE OF password_revealed_at", id="credentials"),
    pytest.param("webhook_deliveries", "INSERT", id="event"),
]


@pytest.mark.parametrize(("table", "write"), LINKING_FAILURES)
def test_a_failed_link_leaves_no_company_connection_or_event(
    engine: Engine, settings: Settings, table: str, write: str
) -> None:
    subscribed_client(engine)
    before = snapshot(engine)

    def link(conn: Connection) -> None:
        create_connection(conn, settings, create_company(conn, "Acme"))

    with refused(engine, table, write), pytest.raises(exc.DBAPIError, match=REFUSED):
        in_one_transaction(engine, link)
    assert snapshot(engine) == before

    in_one_transaction(engine, link)  # the same unit, nothing refused: all of it is there
    assert count(engine, companies) == count(engine, connections) == 1
    assert count(engine, pull_operations) > 0
    assert event_types(engine) == ["company.created", "connection.created"]


@pytest.mark.parametrize(
    ("table", "write"),
    [
        pytest.param("pull_operations", "INSERT", id="first-link-pulls"),
        pytest.param("connections", "UPDATE OF link_nonce", id="link"),
        pytest.param("webhook_deliveries", "INSERT", id="event"),
    ],
)
def test_a_failed_linkable_connection_leaves_nothing(
    engine: Engine, settings: Settings, table: str, write: str
) -> None:
    subscribed_client(engine)
    with engine.begin() as conn:
        company_id = create_company(conn, "Acme")
    before = snapshot(engine)
    with refused(engine, table, write), pytest.raises(exc.DBAPIError, match=REFUSED):
        in_one_transaction(
            engine, lambda conn: create_linkable_connection(conn, settings, company_id)
        )
    assert snapshot(engine) == before


def test_the_caller_owns_the_transaction_of_a_link(engine: Engine, settings: Settings) -> None:
    """No action commits on its own: the caller's failure after it takes all of it back."""
    subscribed_client(engine)
    before = snapshot(engine)

    def link_twice(conn: Connection) -> None:
        company_id = create_company(conn, "Acme")
        create_linkable_connection(conn, settings, company_id)
        create_connection(conn, settings, company_id)

    with pytest.raises(CallerFailed):
        failing_after(engine, link_twice)
    assert snapshot(engine) == before


# -- lifecycle actions ------------------------------------------------------------------------


@pytest.fixture
def linked(engine: Engine, settings: Settings) -> str:
    """A connection, linked, paused for an hour and subscribed: the id. (Paused, so that
    every action changes something: resume clears it, pause moves it, relink clears it.)"""
    subscribed_client(engine)
    with engine.begin() as conn:
        created = create_connection(conn, settings, create_company(conn, "Acme"))
        company_store.update_connection(
            conn,
            created.connection.id,
            status="Linked",
            linked_at=datetime.now(UTC),
            paused_until=datetime.now(UTC) + timedelta(hours=1),
        )
        # First-link pulls done, so a relink or a queued sync has something to add.
        for pull in pull_store.active_for(conn, created.connection.id):
            pull_store.update_pull(conn, pull.id, status="Complete", completed=datetime.now(UTC))
    return created.connection.id


def _actions(settings: Settings) -> dict[str, Callable[[Connection, str], object]]:
    later = datetime.now(UTC) + timedelta(hours=2)

    def company_of(conn: Connection, connection_id: str) -> str:
        return company_store.get_connection(conn, connection_id).company_id

    return {
        "pause": lambda conn, cid: lifecycle.pause(conn, cid, later),
        "resume": lifecycle.resume,
        "unlink": lambda conn, cid: lifecycle.unlink_connection(conn, settings, cid),
        "relink": lambda conn, cid: lifecycle.relink(conn, settings, cid),
        "queue": lambda conn, cid: lifecycle.queue_sync(conn, company_of(conn, cid)),
        "delete-connection": lambda conn, cid: lifecycle.delete_connection(conn, settings, cid),
        "delete-company": lambda conn, cid: lifecycle.delete_company(conn, company_of(conn, cid)),
    }


ACTIONS = ["pause", "resume", "unlink", "relink", "queue", "delete-connection", "delete-company"]


@pytest.mark.parametrize("action", ACTIONS)
def test_a_lifecycle_action_is_taken_back_with_its_caller(
    engine: Engine, settings: Settings, linked: str, action: str
) -> None:
    assert sorted(_actions(settings)) == sorted(ACTIONS)
    act = _actions(settings)[action]
    before = snapshot(engine)
    with pytest.raises(CallerFailed):
        failing_after(engine, lambda conn: act(conn, linked))
    assert snapshot(engine) == before

    in_one_transaction(engine, lambda conn: act(conn, linked))
    assert snapshot(engine) != before  # the action does change something when it commits


@pytest.mark.parametrize(
    ("action", "table", "write"),
    [
        pytest.param("unlink", "webhook_deliveries", "INSERT", id="unlink-event"),
        pytest.param("delete-connection", "webhook_deliveries", "INSERT", id="delete-event"),
        pytest.param("delete-company", "webhook_deliveries", "INSERT", id="company-event"),
        pytest.param("relink", "pull_operations", "INSERT", id="relink-first-link-pulls"),
        pytest.param("queue", "pull_operations", "INSERT", id="queue-pulls"),
    ],
)
def test_a_lifecycle_action_failing_half_way_changes_nothing(
    engine: Engine, settings: Settings, linked: str, action: str, table: str, write: str
) -> None:
    act = _actions(settings)[action]
    before = snapshot(engine)
    with refused(engine, table, write), pytest.raises(exc.DBAPIError, match=REFUSED):
        in_one_transaction(engine, lambda conn: act(conn, linked))
    assert snapshot(engine) == before


def test_an_event_commits_with_its_change(engine: Engine, settings: Settings, linked: str) -> None:
    in_one_transaction(engine, lambda conn: lifecycle.unlink_connection(conn, settings, linked))
    with engine.connect() as conn:
        assert company_store.get_connection(conn, linked).status == "Unlinked"
    assert event_types(engine).count("connection.disconnected") == 1


# -- an API route that emits an event ---------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "write"),
    [
        pytest.param("pull_operations", "INSERT", id="first-link-pulls"),
        pytest.param("webhook_deliveries", "INSERT", id="event"),
    ],
)
def test_a_failed_create_connection_request_leaves_nothing(
    database_url: str, table: str, write: str
) -> None:
    with serving(database_url) as server:
        tenant = new_tenant(server, "Tenant")
        consumer = tenant.api.post(
            "/webhooks", json={"url": "https://hooks.example.com/x", "eventTypes": ["*"]}
        )
        assert consumer.status_code == 201, consumer.text
        company = tenant.api.post("/companies", json={"name": "Acme"})
        assert company.status_code == 200, company.text
        company_id = company.json()["id"]
        before = snapshot(server.engine)
        with refused(server.engine, table, write):
            failed = tenant.api.post(
                f"/companies/{company_id}/connections",
                json={"platformKey": "pqsw"},
                # The server drops the connection after an unhandled error; start afresh.
                headers={"Connection": "close"},
            )
        assert failed.status_code == 500
        assert snapshot(server.engine) == before

        made = tenant.api.post(f"/companies/{company_id}/connections", json={"platformKey": "pqsw"})
        assert made.status_code == 200, made.text
        assert event_types(server.engine) == ["company.created", "connection.created"]
        assert count(server.engine, connections) == 1


# -- concurrent actions -----------------------------------------------------------------------


def _at_once(engine: Engine, count_: int, unit: Callable[[Connection, int], object]) -> None:
    """`count_` units of work on threads released together, each in its own transaction."""
    barrier = threading.Barrier(count_)
    failures: list[BaseException] = []

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            with engine.begin() as conn:
                unit(conn, index)
        except BaseException as error:  # reported by the assert below
            failures.append(error)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count_)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert failures == []


def test_queuings_at_once_queue_each_type_once(
    engine: Engine, settings: Settings, linked: str
) -> None:
    with engine.connect() as conn:
        company_id = company_store.get_connection(conn, linked).company_id
    for _ in range(3):
        _at_once(engine, 4, lambda conn, _: lifecycle.queue_sync(conn, company_id))
        with engine.connect() as conn:
            active = pull_store.active_for(conn, linked)
        types = [p.data_type for p in active]
        assert len(types) == len(set(types)), sorted(types)
        with engine.begin() as conn:
            for pull in active:
                pull_store.update_pull(conn, pull.id, status="Complete")


def test_two_links_at_once_are_two_whole_connections(engine: Engine, settings: Settings) -> None:
    subscribed_client(engine)
    with engine.begin() as conn:
        company_id = create_company(conn, "Acme")
    _at_once(engine, 2, lambda conn, _: create_linkable_connection(conn, settings, company_id))
    with engine.connect() as conn:
        made = company_store.list_connections(conn, company_id)
        assert len(made) == 2
        for connection in made:
            assert pull_store.active_for(conn, connection.id)
            assert company_store.link_nonce(conn, connection.id) is not None
    assert event_types(engine).count("connection.created") == 2


def test_first_uses_of_the_default_client_at_once_agree_on_one(
    engine: Engine, settings: Settings
) -> None:
    _at_once(engine, 3, lambda conn, i: create_company(conn, f"Company {i}"))
    with engine.connect() as conn:
        owners = {c.client_id for c in company_store.list_companies(conn)}
        assert count(engine, clients) == 1
        assert len(owners) == 1
        (default,) = conn.execute(
            select(meta.c.value).where(meta.c.key == "default_client_id")
        ).scalars()
    assert owners == {default}
