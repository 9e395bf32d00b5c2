"""Health checks on demand over real HTTP, answered by the simulated Web Connector's next poll:
a healthy connection, QuickBooks not running, a dialog refusing the check's request, the wrong
company file, a connector that does not call, QuickBooks answering too late; the POST's long
poll (200 with the result, 202 with the check Pending) and the GETs that follow it."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from qbdsync.api.app import create_app
from qbdsync.api.server import free_port, serve_in_thread
from qbdsync.diagnosis.catalogue import entry
from qbdsync.explaining import explain_problem
from qbdsync.lifecycle import pause, resume
from qbdsync.qbwc.qwc import parse_qwc
from qbdsync.settings import Settings
from qbdsync.simulator.company import SimulatedCompany
from qbdsync.simulator.quickbooks import SimulatedQuickBooks
from qbdsync.simulator.runner import simulate
from qbdsync.simulator.webconnector import run_session
from qbdsync.store import companies as company_store
from qbdsync.store import health_checks as check_store
from qbdsync.store.db import make_engine
from qbdsync.store.migrate import upgrade
from tests.api.helpers import Synced, Tenant, basic, link_and_sync, new_tenant
from tests.conftest import LiveServer

# The POST holds its answer this long at most (the server's cap), then answers 202.
MAX_WAIT_SECONDS = 8.0
ACTORS = {"smbUser", "operator", "nobody"}


@dataclass
class World:
    server: LiveServer
    tenant: Tenant
    stranger: Tenant
    synced: Synced
    other: Synced  # a second company of the same tenant, with its own company file

    def path(self, synced: Synced | None = None) -> str:
        s = synced or self.synced
        return f"/companies/{s.company_id}/connections/{s.connection_id}/healthCheck"


@pytest.fixture(scope="module")
def world(module_database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    port = free_port()
    settings = Settings(
        database_url=module_database_url,
        public_url=f"http://127.0.0.1:{port}",
        health_check_max_wait_seconds=MAX_WAIT_SECONDS,
    )
    engine = make_engine(settings.database_url)
    upgrade(engine)
    app = create_app(settings, engine, run_jobs=False)
    try:
        with serve_in_thread(app, port=port) as url:
            server = LiveServer(url=url, settings=settings, engine=engine)
            tenant = new_tenant(server, "checker")
            stranger = new_tenant(server, "stranger")
            synced = link_and_sync(tenant, tmp_path_factory.mktemp("check"), "Check Co")
            other = link_and_sync(tenant, tmp_path_factory.mktemp("other"), "Other Co")
            yield World(server, tenant, stranger, synced, other)
    finally:
        engine.dispose()


@contextmanager
def posting(world: World, synced: Synced | None = None, **params: Any) -> Iterator[Future[Any]]:
    """POST …/healthCheck on a thread of its own (it long-polls); the future is its answer."""
    # The pool is left first: it waits for the POST before its client closes.
    with (
        httpx.Client(
            base_url=world.server.url, headers=basic(world.tenant.key), timeout=60
        ) as client,
        ThreadPoolExecutor(max_workers=1) as pool,
    ):
        yield pool.submit(client.post, world.path(synced), params=params)


def until_queued(world: World, synced: Synced | None = None, count: int = 1) -> None:
    """Wait until `count` checks wait for the connector (the POSTs have queued them)."""
    connection_id = (synced or world.synced).connection_id
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with world.server.engine.connect() as conn:
            row = company_store.get_connection(conn, connection_id)
            if row.health_check_until is not None:
                waiting = [
                    c
                    for c in _checks(conn, connection_id)
                    if c.status == "Pending" and c.sent_at is None
                ]
                if len(waiting) >= count:
                    return
        time.sleep(0.05)
    raise AssertionError("the health check was never queued")


def _checks(conn: Any, connection_id: str) -> list[check_store.HealthCheckRow]:
    from sqlalchemy import select

    from qbdsync.store.tables import health_checks

    ids = conn.execute(
        select(health_checks.c.id).where(health_checks.c.connection_id == connection_id)
    ).scalars()
    return [c for i in ids if (c := check_store.get(conn, i)) is not None]


def assert_explained(error: dict[str, Any], code: str) -> None:
    """The failure is explained from its code as the catalogue (or qbdsync's fallback) says
    it, in words: never an enum name."""
    expected = explain_problem(code, error["detail"] or "")
    assert error["code"] == code
    assert error["userFacingMessage"] == expected.user_message
    assert isinstance(error["canBeRetried"], bool)
    assert error["whoActs"] in ACTORS
    assert "retry_next_session" not in str(error) and "fatal_request" not in str(error)


def test_a_healthy_connection_passes_at_its_next_poll_with_no_sync_due(world: World) -> None:
    assert world.synced.sync().auth == "none"  # nothing due: an idle poll
    with posting(world, timeoutInSeconds=60) as answer:
        until_queued(world)
        run = world.synced.sync()
    reply = answer.result()
    assert reply.status_code == 200, reply.text
    body = reply.json()
    assert body["status"] == "Success", body
    assert (body["companyId"], body["connectionId"]) == (
        world.synced.company_id,
        world.synced.connection_id,
    )
    # The check made the poll a working session, and its request was the only one.
    assert run.auth == "" and run.error is None and run.requests == 1, run
    assert body["quickBooks"]["companyName"] and body["quickBooks"]["productName"]
    assert body["sentUtc"] is not None and body["completedUtc"] is not None
    assert 0 <= body["durationInMs"] < 60_000
    assert body["error"] is None
    assert body["statusDescription"] == "QuickBooks answered with the linked company file open."
    assert world.tenant.api.get(world.path()).json() == body
    assert world.tenant.api.get(f"{world.path()}/{body['id']}").json() == body
    assert world.synced.sync().auth == "none"  # answered: the next poll is idle again


def test_quickbooks_not_running_fails_the_check_with_the_connectors_hresult(
    world: World,
) -> None:
    with posting(world, timeoutInSeconds=60) as answer:
        until_queued(world)
        run = world.synced.sync(failures={"open": 0x80040408})
    body = answer.result().json()
    assert body["status"] == "Failed", body
    assert run.error is not None and "0x80040408" in run.error
    error = body["error"]
    assert_explained(error, "0x80040408")
    assert "Could not start QuickBooks." in error["detail"]
    # Nothing was sent to QuickBooks: there is no round trip to time.
    assert body["sentUtc"] is None and body["durationInMs"] is None
    assert body["statusDescription"] == error["userFacingMessage"]


def test_a_dialog_refusing_the_checks_request_fails_it_and_the_session_goes_on(
    world: World,
) -> None:
    with posting(world, timeoutInSeconds=60) as answer:
        until_queued(world)
        run = world.synced.sync(failures={"HostQueryRq": 0x80040414})
    body = answer.result().json()
    assert body["status"] == "Failed", body
    assert_explained(body["error"], "0x80040414")
    assert "Simulated failure of HostQueryRq." in body["error"]["detail"]
    assert body["sentUtc"] is not None and body["durationInMs"] is not None
    assert run.error is None and run.requests == 1, run  # the session finished cleanly


def test_the_wrong_company_file_fails_the_check(world: World) -> None:
    with posting(world, timeoutInSeconds=60) as answer:
        until_queued(world)
        s = world.synced  # its Web Connector entry, the other company's file open
        run = simulate(
            qwc_path=s.qwc_path, password=s.password, company_file=world.other.company_file
        )
    assert run.requests == 0
    body = answer.result().json()
    assert body["status"] == "Failed", body
    error = body["error"]
    assert_explained(error, "qbdsync:wrong-company-file")
    assert "not the one this Web Connector entry is linked to" in error["detail"]
    assert world.synced.sync().auth == "none"  # the failed check waits no more


def test_a_check_nobody_answers_times_out_saying_the_connector_is_not_calling(
    world: World,
) -> None:
    started = time.monotonic()
    reply = world.tenant.api.post(world.path(), params={"timeoutInSeconds": 1})
    assert reply.status_code == 200, reply.text
    assert 0.9 <= time.monotonic() - started < MAX_WAIT_SECONDS
    body = reply.json()
    assert body["status"] == "TimedOut", body
    error = body["error"]
    unanswered = entry("health-check-unanswered")
    assert error["code"] == "qbdsync:health-check-unanswered"
    assert error["userFacingMessage"] == unanswered.user_message
    assert error["fixSteps"] == list(unanswered.fix_steps)
    assert (error["whoActs"], error["canBeRetried"]) == ("smbUser", True)
    assert "did not call within the check's 1 s" in error["detail"]
    assert body["sentUtc"] is None and body["timeoutInSeconds"] == 1
    assert world.tenant.api.get(world.path()).json()["status"] == "TimedOut"
    # A check past its timeout makes no poll a working session.
    assert world.synced.sync().auth == "none"


def test_a_check_not_answered_within_the_wait_is_202_pending_and_followed_by_get(
    world: World,
) -> None:
    started = time.monotonic()
    reply = world.tenant.api.post(world.path(), params={"timeoutInSeconds": 600})
    waited = time.monotonic() - started
    assert reply.status_code == 202, reply.text
    assert MAX_WAIT_SECONDS - 0.5 <= waited < MAX_WAIT_SECONDS + 5
    pending = reply.json()
    assert pending["status"] == "Pending" and pending["error"] is None
    assert "Waiting for the Web Connector's next call" in pending["statusDescription"]
    location = reply.headers["location"]
    assert location == f"{world.path()}/{pending['id']}"
    assert world.tenant.api.get(location).json()["status"] == "Pending"
    run = world.synced.sync()
    assert run.auth == "" and run.requests == 1
    done = world.tenant.api.get(location).json()
    assert done["status"] == "Success" and done["id"] == pending["id"]
    assert world.tenant.api.get(world.path()).json() == done


def test_checks_waiting_together_are_answered_by_one_request(world: World) -> None:
    with posting(world, timeoutInSeconds=60) as first, posting(world, timeoutInSeconds=60) as two:
        until_queued(world, count=2)
        run = world.synced.sync()
    answers = [first.result().json(), two.result().json()]
    assert [a["status"] for a in answers] == ["Success", "Success"]
    assert answers[0]["id"] != answers[1]["id"]
    assert answers[0]["sentUtc"] == answers[1]["sentUtc"]
    assert run.requests == 1


def test_a_paused_connection_fails_its_check_at_once(world: World) -> None:
    engine = world.server.engine
    with engine.begin() as conn:
        pause(conn, world.synced.connection_id, datetime.now(UTC) + timedelta(hours=1))
    try:
        started = time.monotonic()
        body = world.tenant.api.post(world.path(), params={"timeoutInSeconds": 60}).json()
        assert time.monotonic() - started < 5
    finally:
        with engine.begin() as conn:
            resume(conn, world.synced.connection_id)
    assert body["status"] == "Failed"
    assert body["error"]["code"] == "qbdsync:paused"
    assert "paused" in body["error"]["detail"].lower()


def test_quickbooks_answering_after_the_timeout_times_the_check_out(world: World) -> None:
    """The request was handed out, but QuickBooks took longer than the check's timeout."""
    with posting(world, timeoutInSeconds=2) as answer:
        until_queued(world)
        run = _slow_session(world, seconds=3.0)
    body = answer.result().json()
    assert run.failure is None, run
    assert body["status"] == "TimedOut", body
    assert body["error"]["code"] == "qbdsync:health-check-no-answer"
    assert body["sentUtc"] is not None
    later = world.tenant.api.get(f"{world.path()}/{body['id']}").json()
    assert later["status"] == "TimedOut"
    assert later["error"]["code"] == "qbdsync:health-check-no-answer"
    assert "after the request was sent, past the check's timeout of 2 s" in later["error"]["detail"]
    assert later["error"]["userFacingMessage"] == entry("health-check-no-answer").user_message


class _SlowQuickBooks:
    """The simulated QuickBooks, taking `seconds` over a health check's request."""

    def __init__(self, inner: SimulatedQuickBooks, seconds: float) -> None:
        self.inner = inner
        self.seconds = seconds

    def begin_session(self) -> Any:
        return self.inner.begin_session()

    def process(self, request_xml: str) -> str:
        if "qbdsyncHealthCheck" in request_xml:
            time.sleep(self.seconds)
        return self.inner.process(request_xml)

    def end_session(self) -> None:
        self.inner.end_session()


def _slow_session(world: World, seconds: float) -> Any:
    qwc = parse_qwc(world.synced.qwc_path.read_text(encoding="utf-8"))
    with SimulatedCompany.open(world.synced.company_file) as company:
        quickbooks = _SlowQuickBooks(SimulatedQuickBooks(company), seconds)
        return run_session(qwc.app_url, qwc.user_name, world.synced.password, quickbooks)


def test_checks_are_the_tenants_own_and_their_timeout_is_bounded(world: World) -> None:
    for method in ("post", "get"):
        reply = getattr(world.stranger.api, method)(world.path(), params={"timeoutInSeconds": 1})
        assert reply.status_code == 404, reply.text
    assert world.tenant.api.get(f"{world.path()}/nope").status_code == 404
    for bad in (0, 86_401, "soon"):
        reply = world.tenant.api.post(world.path(), params={"timeoutInSeconds": bad})
        assert reply.status_code == 400, reply.text
        assert "timeoutInSeconds" in reply.text


def test_waiting_posts_hold_no_worker_thread(world: World) -> None:
    """More long-polls than the server has worker threads (40): other calls still answer."""
    waiting = 48
    with (
        httpx.Client(
            base_url=world.server.url,
            headers=basic(world.tenant.key),
            timeout=60,
            limits=httpx.Limits(max_connections=waiting + 2),
        ) as client,
        ThreadPoolExecutor(max_workers=waiting) as pool,
    ):
        posts = [
            pool.submit(client.post, world.path(world.other), params={"timeoutInSeconds": 600})
            for _ in range(waiting)
        ]
        until_queued(world, world.other, count=waiting)
        started = time.monotonic()
        listed = client.get("/companies")
        assert listed.status_code == 200
        assert time.monotonic() - started < 3
        run = world.other.sync()  # one poll answers them all
        answers = [p.result() for p in posts]
    assert run.requests == 1
    assert {a.status_code for a in answers} <= {200, 202}
    statuses = {
        world.tenant.api.get(f"{world.path(world.other)}/{a.json()['id']}").json()["status"]
        for a in answers
    }
    assert statuses == {"Success"}
