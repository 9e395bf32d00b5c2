"""Health checks on a real database (SQLite and PostgreSQL): the `health_check_until` that
authenticate reads, sending, settling, failing what waits, timing out, and the kept history."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from qbdsync import health_checks, linking
from qbdsync.errors import InvalidValue, NotFound
from qbdsync.lifecycle import pause
from qbdsync.settings import Settings
from qbdsync.statuses import HealthCheckStatus
from qbdsync.store import companies as company_store
from qbdsync.store import health_checks as check_store

NOW = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
SETTINGS = Settings(public_url="http://127.0.0.1:8000")


def _connection(engine: Engine) -> str:
    with engine.begin() as conn:
        company_id = linking.create_company(conn, "Checked Ltd", now=NOW)
        return linking.create_connection(conn, SETTINGS, company_id, now=NOW).connection.id


def _until(engine: Engine, connection_id: str) -> datetime | None:
    with engine.connect() as conn:
        return company_store.get_connection(conn, connection_id).health_check_until


def test_waiting_checks_are_on_the_connection_until_sent(engine: Engine) -> None:
    connection_id = _connection(engine)
    with engine.begin() as conn:
        short = health_checks.request_check(conn, SETTINGS, connection_id, NOW, 60)
        long = health_checks.request_check(conn, SETTINGS, connection_id, NOW, 600)
    assert _until(engine, connection_id) == long.expires_at == NOW + timedelta(seconds=600)
    with engine.begin() as conn:
        assert check_store.take_due(conn, connection_id, "ticket-1", NOW + timedelta(seconds=1))
        assert check_store.take_due(conn, connection_id, "ticket-2", NOW) == 0  # sent already
        sent = check_store.sent_by(conn, "ticket-1")
    assert {c.id for c in sent} == {short.id, long.id}
    assert _until(engine, connection_id) is None  # nothing left to send
    with engine.begin() as conn:
        for check in sent:
            check_store.settle(conn, check.id, HealthCheckStatus.SUCCESS, NOW)
        # A result is never rewritten.
        check_store.settle(conn, short.id, HealthCheckStatus.FAILED, NOW, code="x")
        again = check_store.get(conn, short.id)
    assert again is not None and again.status == HealthCheckStatus.SUCCESS and again.code is None


def test_a_check_past_its_timeout_is_timed_out_and_never_sent(engine: Engine) -> None:
    connection_id = _connection(engine)
    with engine.begin() as conn:
        check = health_checks.request_check(conn, SETTINGS, connection_id, NOW, 5)
    later = NOW + timedelta(seconds=5)
    assert check.effective_status(NOW) == HealthCheckStatus.PENDING
    assert check.effective_status(later) == HealthCheckStatus.TIMED_OUT
    view = health_checks.check_view(check, "company", later)
    assert view["status"] == "TimedOut" and view["completedUtc"] == view["expiresUtc"]
    assert view["error"]["code"] == "qbdsync:health-check-unanswered"
    assert view["error"]["whoActs"] == "smbUser"
    with engine.begin() as conn:
        assert check_store.take_due(conn, connection_id, "late", later) == 0
        assert check_store.fail_waiting(conn, connection_id, "0x80040408", "x", later) == 0
        assert health_checks.find_check(conn, connection_id).status == HealthCheckStatus.PENDING


def test_failing_what_waits_reaches_sent_and_unsent_checks_of_the_connection_only(
    engine: Engine,
) -> None:
    mine, theirs = _connection(engine), _connection(engine)
    with engine.begin() as conn:
        sent = health_checks.request_check(conn, SETTINGS, mine, NOW, 60)
        check_store.take_due(conn, mine, "ticket", NOW)
        unsent = health_checks.request_check(conn, SETTINGS, mine, NOW, 60)
        other = health_checks.request_check(conn, SETTINGS, theirs, NOW, 60)
        assert check_store.fail_waiting(conn, mine, "0x80040408", "not running", NOW) == 2
        rows = {c: check_store.get(conn, c) for c in (sent.id, unsent.id, other.id)}
    assert [rows[c].status for c in (sent.id, unsent.id, other.id)] == [  # type: ignore[union-attr]
        HealthCheckStatus.FAILED,
        HealthCheckStatus.FAILED,
        HealthCheckStatus.PENDING,
    ]
    assert _until(engine, mine) is None and _until(engine, theirs) is not None


def test_a_paused_connection_fails_at_once_and_bad_timeouts_or_ids_are_refused(
    engine: Engine,
) -> None:
    connection_id = _connection(engine)
    with engine.begin() as conn:
        pause(conn, connection_id, NOW + timedelta(hours=2))
        check = health_checks.request_check(conn, SETTINGS, connection_id, NOW, 60)
        for bad in (0, 86_401):
            with pytest.raises(InvalidValue):
                health_checks.request_check(conn, SETTINGS, connection_id, NOW, bad)
        with pytest.raises(NotFound):
            health_checks.request_check(conn, SETTINGS, "nope", NOW, 60)
        with pytest.raises(NotFound):
            health_checks.find_check(conn, connection_id, "nope")
    assert (check.status, check.code) == (HealthCheckStatus.FAILED, "qbdsync:paused")
    assert _until(engine, connection_id) is None
    view = health_checks.check_view(check, "company", NOW)
    assert (view["error"]["whoActs"], view["error"]["canBeRetried"]) == ("operator", False)


def test_the_newest_checks_are_kept_and_every_pending_one(engine: Engine) -> None:
    connection_id = _connection(engine)
    kept = check_store.KEPT_PER_CONNECTION
    with engine.begin() as conn:
        pending = health_checks.request_check(conn, SETTINGS, connection_id, NOW, 86_400)
        for n in range(kept + 10):
            check_store.create(
                conn, connection_id, 1, NOW + timedelta(seconds=n + 1), failed=(None, "done")
            )
        rows = _all(conn, connection_id)
        newest = health_checks.find_check(conn, connection_id)
    assert len(rows) == kept + 1  # the newest finished ones, and the one still waiting
    assert pending.id in {r.id for r in rows}
    assert newest.requested_at == NOW + timedelta(seconds=kept + 10)
    assert min(r.requested_at for r in rows if r.id != pending.id) == NOW + timedelta(seconds=11)


def _all(conn: object, connection_id: str) -> list[check_store.HealthCheckRow]:
    from sqlalchemy import select

    from qbdsync.store.tables import health_checks as table

    ids = conn.execute(  # type: ignore[attr-defined]
        select(table.c.id).where(table.c.connection_id == connection_id)
    ).scalars()
    return [c for i in ids if (c := check_store.get(conn, i)) is not None]  # type: ignore[arg-type]
