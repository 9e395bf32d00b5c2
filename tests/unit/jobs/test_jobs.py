"""The background jobs' own work on a real database (SQLite and PostgreSQL): health checks
stored TimedOut as they are shown, retention deleting only what is finished and old, the
catalogue, and the cron ticks every node computes alike."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, func, insert, select

from qbdsync import health_checks, linking
from qbdsync.jobs import chores
from qbdsync.jobs.catalogue import DELIVER_WEBHOOKS, periodic_jobs
from qbdsync.jobs.context import JobContext
from qbdsync.jobs.queue import cron_for
from qbdsync.settings import Settings
from qbdsync.statuses import DeliveryStatus, HealthCheckStatus, SessionStatus
from qbdsync.store import clients as client_store
from qbdsync.store import companies as company_store
from qbdsync.store import health_checks as check_store
from qbdsync.store import retention
from qbdsync.store import webhooks as webhook_store
from qbdsync.store.tables import qbwc_sessions, sync_errors, webhook_deliveries

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
SETTINGS = Settings(public_url="http://127.0.0.1:8000")


def _connection(engine: Engine) -> str:
    with engine.begin() as conn:
        company_id = linking.create_company(conn, "Kept Ltd", now=NOW)
        return linking.create_connection(conn, SETTINGS, company_id, now=NOW).connection.id


def test_unanswered_checks_are_stored_timed_out_as_they_were_shown(engine: Engine) -> None:
    connection_id = _connection(engine)
    later = NOW + timedelta(minutes=5)
    with engine.begin() as conn:
        expired = health_checks.request_check(conn, SETTINGS, connection_id, NOW, 60)
        waiting = health_checks.request_check(conn, SETTINGS, connection_id, NOW, 3600)
        shown = health_checks.check_view(expired, "company", later)
    context = JobContext(engine, SETTINGS, clock=lambda: later)
    assert chores.time_out_health_checks(context) == 1
    assert chores.time_out_health_checks(context) == 0  # nothing left: twice is harmless
    with engine.connect() as conn:
        stored = check_store.get(conn, expired.id)
        still = check_store.get(conn, waiting.id)
        until = company_store.get_connection(conn, connection_id).health_check_until
    assert stored is not None and stored.status == HealthCheckStatus.TIMED_OUT
    assert health_checks.check_view(stored, "company", later) == shown
    assert still is not None and still.status == HealthCheckStatus.PENDING
    assert until == waiting.expires_at


def _delivery(engine: Engine, webhook_id: str, status: str, created: datetime) -> None:
    with engine.begin() as conn:
        conn.execute(
            insert(webhook_deliveries).values(
                id=str(uuid.uuid4()),
                webhook_id=webhook_id,
                event_id=str(uuid.uuid4()),
                event_type="company.created",
                payload={},
                status=status,
                attempts=1,
                next_attempt_at=created if status == DeliveryStatus.PENDING else None,
                created_at=created,
            )
        )


def _session(engine: Engine, connection_id: str, status: str, at: datetime) -> None:
    with engine.begin() as conn:
        conn.execute(
            insert(qbwc_sessions).values(
                ticket=str(uuid.uuid4()),
                connection_id=connection_id,
                status=status,
                created_at=at,
                updated_at=at,
            )
        )


def _counts(engine: Engine) -> tuple[int, int, int]:
    with engine.connect() as conn:
        return tuple(  # type: ignore[return-value]
            int(conn.scalar(select(func.count()).select_from(table)) or 0)
            for table in (webhook_deliveries, qbwc_sessions, sync_errors)
        )


def test_retention_deletes_only_finished_rows_older_than_the_period(engine: Engine) -> None:
    connection_id = _connection(engine)
    old, recent = NOW - timedelta(days=100), NOW - timedelta(days=10)
    with engine.begin() as conn:
        client_id = client_store.default_client(conn, NOW)
        webhook_id = webhook_store.create_webhook(
            conn, client_id=client_id, url="https://x.test/", event_types=[], secret="s", now=NOW
        ).id
    for status in (DeliveryStatus.SUCCEEDED, DeliveryStatus.FAILED, DeliveryStatus.PENDING):
        _delivery(engine, webhook_id, status, old)
    _delivery(engine, webhook_id, DeliveryStatus.SUCCEEDED, recent)
    _session(engine, connection_id, SessionStatus.CLOSED, old - timedelta(days=1))
    _session(engine, connection_id, SessionStatus.FAILED, old)
    _session(engine, connection_id, SessionStatus.CLOSED, old + timedelta(days=1))  # its newest
    with engine.begin() as conn:
        for at in (old, recent):
            conn.execute(
                insert(sync_errors).values(
                    connection_id=connection_id, occurred_at=at, recovery="skip", message="m"
                )
            )
    assert _counts(engine) == (4, 3, 2)
    context = JobContext(engine, Settings(retention_days=90), clock=lambda: NOW)
    pruned = chores.prune(context)
    assert pruned == retention.Pruned(deliveries=2, sessions=2, sync_errors=1)
    # What stays: the pending delivery, the recent ones, the connection's newest session.
    assert _counts(engine) == (2, 1, 1)
    assert chores.prune(context) == retention.Pruned(0, 0, 0)


def test_the_catalogue_runs_retention_only_when_asked() -> None:
    names = [job.name for job in periodic_jobs(Settings())]
    assert names == [
        DELIVER_WEBHOOKS,
        "pushes.time_out",
        "health_checks.time_out",
        "connections.health_watch",
        "retention.prune",
    ]
    assert "retention.prune" not in [job.name for job in periodic_jobs(Settings(retention_days=0))]
    [deliver] = [job for job in periodic_jobs(Settings()) if job.name == DELIVER_WEBHOOKS]
    assert not deliver.exclusive  # passes run on several nodes at once; claims keep them apart


def test_every_interval_becomes_a_clock_aligned_cron_tick() -> None:
    assert cron_for(0.1) == "* * * * * */1"
    assert cron_for(2) == "* * * * * */2"
    assert cron_for(15) == "* * * * * */15"
    assert cron_for(60) == "*/1 * * * *"
    assert cron_for(600) == "*/10 * * * *"
    assert cron_for(3600) == "0 */1 * * *"
    assert cron_for(7 * 86400) == "0 0 * * *"
