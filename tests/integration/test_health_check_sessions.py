"""Health checks inside whole sessions over real HTTP: one asked for while a sync runs is
answered by that session, before its next read, and the sync goes on; a client that sends no
company information gets the core's own host query first, then the check."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from qbdsync import health_checks
from qbdsync.statuses import HealthCheckStatus, PullStatus
from qbdsync.store import health_checks as check_store
from tests.conftest import LiveServer
from tests.integration.helpers import link


def test_a_check_asked_for_during_a_sync_is_answered_by_that_session(
    live_server: LiveServer, tmp_path: Path
) -> None:
    linked = link(live_server, tmp_path)
    connection_id = linked.connection.connection.id
    asked: list[str] = []

    def ask_once(progress: int) -> None:
        if asked:
            return
        with live_server.engine.begin() as conn:
            check = health_checks.request_check(
                conn, live_server.settings, connection_id, datetime.now(UTC), 600
            )
        asked.append(check.id)

    run = linked.sync(on_progress=ask_once)
    assert run.error is None, run
    with live_server.engine.connect() as conn:
        check = check_store.get(conn, asked[0])
    assert check is not None and check.status == HealthCheckStatus.SUCCESS, check
    assert check.answer is not None and check.answer["companyName"]
    assert linked.row().health_check_until is None
    # The sync itself finished whole: every queued data type completed or is not supported.
    statuses = {p.status for p in linked.pulls().values()}
    assert statuses <= {PullStatus.COMPLETE, PullStatus.NOT_SUPPORTED}, statuses
    assert run.result.startswith("qbdsync: synced")


def test_a_client_without_company_information_gets_the_host_query_then_the_check(
    live_server: LiveServer, tmp_path: Path
) -> None:
    linked = link(live_server, tmp_path)
    connection_id = linked.connection.connection.id
    assert linked.sync().error is None
    with live_server.engine.begin() as conn:
        check = health_checks.request_check(
            conn, live_server.settings, connection_id, datetime.now(UTC), 600
        )
    run = linked.sync(send_hcp=False)
    assert run.error is None and run.requests == 2, run  # the host query, then the check
    with live_server.engine.connect() as conn:
        done = check_store.get(conn, check.id)
    assert done is not None and done.status == HealthCheckStatus.SUCCESS
    # With QuickBooks refusing the host query itself, the check fails with its hresult.
    with live_server.engine.begin() as conn:
        check = health_checks.request_check(
            conn, live_server.settings, connection_id, datetime.now(UTC), 600
        )
    run = linked.sync(send_hcp=False, failures={"HostQueryRq": 0x80040414})
    with live_server.engine.connect() as conn:
        failed = check_store.get(conn, check.id)
    assert failed is not None and failed.status == HealthCheckStatus.FAILED
    assert failed.code == "0x80040414" and failed.sent_at is None
    assert run.error is not None
