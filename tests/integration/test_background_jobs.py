"""Background jobs across nodes: real `qbdsync serve` processes on one real PostgreSQL (and the
embedded SQLite default), a real webhook consumer on loopback, a node killed with SIGKILL."""

from __future__ import annotations

import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import orjson
import pytest
from sqlalchemy import Engine, text

from qbdsync import linking
from qbdsync.push.kinds import PushAction
from qbdsync.statuses import PushStatus
from qbdsync.store import clients as client_store
from qbdsync.store import pushes as push_store
from qbdsync.store import webhooks as webhook_store
from qbdsync.store.db import make_engine
from qbdsync.webhooks.events import EventType
from qbdsync.webhooks.signing import new_secret
from tests.conftest import _drop_pg_database, _fresh_pg_database
from tests.integration.cli_helpers import ok, run_cli
from tests.integration.test_migrating_nodes import _qbdsync, _serving, _wait_ready

ALLOW_LOOPBACK = "127.0.0.0/8"


@pytest.fixture
def pg_database_url(postgres_server: str) -> Iterator[str]:
    url, name = _fresh_pg_database(postgres_server)
    try:
        yield url
    finally:
        _drop_pg_database(postgres_server, name)


@pytest.fixture
def engine_of() -> Iterator[Callable[[str], Engine]]:
    made: list[Engine] = []

    def make(url: str) -> Engine:
        made.append(make_engine(url))
        return made[-1]

    yield make
    for engine in made:
        engine.dispose()


class Consumer:
    """A webhook consumer on loopback: records each post; `hang_first` holds the first one
    unanswered until the test ends (as a consumer that never answers would)."""

    def __init__(self, *, hang_first: bool = False) -> None:
        self.posts: list[dict[str, Any]] = []
        self.first_received = threading.Event()
        self._release = threading.Event()
        self._hang_first = hang_first
        self._lock = threading.Lock()
        consumer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with consumer._lock:
                    consumer.posts.append({"id": self.headers["webhook-id"], **orjson.loads(body)})
                    first = len(consumer.posts) == 1
                consumer.first_received.set()
                if first and consumer._hang_first:
                    consumer._release.wait(120)
                    return
                self.send_response(204)
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/hooks"

    @contextmanager
    def running(self) -> Iterator[Consumer]:
        thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        thread.start()
        try:
            yield self
        finally:
            self._release.set()
            self._server.shutdown()
            self._server.server_close()


def _subscribe(engine: Engine, url: str, event_types: list[str]) -> str:
    with engine.begin() as conn:
        client_id = client_store.default_client(conn, datetime.now(UTC))
        return webhook_store.create_webhook(
            conn,
            client_id=client_id,
            url=url,
            event_types=event_types,
            secret=new_secret(),
            now=datetime.now(UTC),
        ).id


def _wait(what: str, done: Callable[[], object], timeout: float) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        found = done()
        if found:
            return found
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


@pytest.mark.postgres
def test_each_tick_of_a_periodic_job_runs_once_across_two_nodes(
    pg_database_url: str, engine_of: Callable[[str], Engine], monkeypatch: pytest.MonkeyPatch
) -> None:
    ok(run_cli("migrate", database_url=pg_database_url))
    engine = engine_of(pg_database_url)
    monkeypatch.setenv("QBDSYNC_WEBHOOK_POLL_SECONDS", "1")  # a webhook pass every second
    with _serving(pg_database_url) as first, _serving(pg_database_url) as second:
        _wait_ready(first)
        _wait_ready(second)

        def workers() -> int:
            with engine.connect() as conn:
                return int(conn.scalar(text("SELECT count(*) FROM procrastinate_workers")) or 0)

        _wait("both nodes' job workers", lambda: workers() == 2, 60)
        with engine.connect() as conn:
            since = int(conn.scalar(text("SELECT extract(epoch FROM now())")) or 0)
        time.sleep(8)
        with engine.connect() as conn:
            ticks = conn.execute(
                text(
                    "SELECT (args->>'timestamp')::bigint AS tick, count(*) AS runs, "
                    "bool_and(status = 'succeeded') AS succeeded FROM procrastinate_jobs "
                    "WHERE task_name = 'webhooks.deliver' AND (args->>'timestamp')::bigint "
                    "BETWEEN :since AND :until GROUP BY 1 ORDER BY 1"
                ),
                {"since": since, "until": since + 6},
            ).all()
    assert [tick.runs for tick in ticks] == [1] * len(ticks), ticks
    # Every second of the window has its tick (both deferrers proposed it; one got in)...
    assert [tick.tick for tick in ticks] == list(range(since, since + 7))
    assert all(tick.succeeded for tick in ticks)


@pytest.mark.postgres
def test_a_job_running_on_a_killed_node_runs_again_on_the_other(
    pg_database_url: str, engine_of: Callable[[str], Engine], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Node A is posting a webhook (its consumer has not answered) when it is killed: node B
    runs A's job again, and the delivery reaches the consumer once its claim has run out."""
    ok(run_cli("migrate", database_url=pg_database_url))
    engine = engine_of(pg_database_url)
    for name, value in {
        "QBDSYNC_WEBHOOK_POLL_SECONDS": "1",
        "QBDSYNC_WEBHOOK_ALLOW_PRIVATE": ALLOW_LOOPBACK,
        "QBDSYNC_WEBHOOK_TIMEOUT_SECONDS": "4",  # the claim lasts 4 s × 3 rounds + 60 s
        "QBDSYNC_JOB_STALLED_SECONDS": "3",
    }.items():
        monkeypatch.setenv(name, value)
    with Consumer(hang_first=True).running() as consumer:
        _subscribe(engine, consumer.url, [EventType.COMPANY_CREATED])
        with _serving(pg_database_url) as node_a:
            _wait_ready(node_a)
            with engine.begin() as conn:
                linking.create_company(conn, "Killed Mid-Post Ltd")  # company.created, queued
            assert consumer.first_received.wait(30), "node A did not post"
            node_a.process.kill()  # SIGKILL: no shutdown, its worker never unregisters
            node_a.process.wait(30)
        with engine.connect() as conn:
            (job_id, worker_id) = conn.execute(
                text(
                    "SELECT id, worker_id FROM procrastinate_jobs "
                    "WHERE task_name = 'webhooks.deliver' AND status = 'doing'"
                )
            ).one()
        assert worker_id is not None
        with _serving(pg_database_url) as node_b:
            _wait_ready(node_b)

            def job() -> Any:
                with engine.connect() as conn:
                    row = conn.execute(
                        text(
                            "SELECT status, attempts, (SELECT count(*) FROM procrastinate_events "
                            "WHERE job_id = :id AND type = 'started') AS starts "
                            "FROM procrastinate_jobs WHERE id = :id"
                        ),
                        {"id": job_id},
                    ).one()
                return row if row.status == "succeeded" else None

            finished = _wait("A's job to run again on B", job, 60)
            assert finished.starts == 2 and finished.attempts == 2  # A's run, then B's
            # The delivery A claimed is posted again once its claim runs out (at least once).
            _wait("the delivery again", lambda: len(consumer.posts) >= 2, 120)
            with engine.connect() as conn:
                status = conn.scalar(text("SELECT status FROM webhook_deliveries"))
            assert status == "succeeded"
    assert [post["eventType"] for post in consumer.posts] == ["company.created"] * 2
    assert consumer.posts[0]["id"] == consumer.posts[1]["id"]  # the same event, again


def test_a_timed_out_push_turns_timed_out_with_no_connector_calling(
    database_url: str, engine_of: Callable[[str], Engine], monkeypatch: pytest.MonkeyPatch
) -> None:
    """On PostgreSQL (procrastinate) and SQLite (the in-process scheduler) alike: nothing but
    the background job sees the push, and its webhook goes out."""
    ok(run_cli("migrate", database_url=database_url))
    engine = engine_of(database_url)
    monkeypatch.setenv("QBDSYNC_WEBHOOK_POLL_SECONDS", "1")
    monkeypatch.setenv("QBDSYNC_WEBHOOK_ALLOW_PRIVATE", ALLOW_LOOPBACK)
    with Consumer().running() as consumer:
        _subscribe(engine, consumer.url, [EventType.CUSTOMERS_WRITE_UNSUCCESSFUL])
        push = _overdue_push(engine, database_url, "Nobody Calls Ltd")
        with _serving(database_url) as node:
            _wait_ready(node)

            def status() -> str | None:
                with engine.connect() as conn:
                    row = push_store.get_push(conn, push.push_key)
                assert row is not None
                return row.status if row.status != PushStatus.PENDING else None

            assert _wait("the push to time out", status, 60) == PushStatus.TIMED_OUT
            _wait("its webhook", lambda: consumer.posts, 30)
    [post] = consumer.posts
    assert post["eventType"] == "customers.write.unsuccessful"
    assert post["payload"]["pushOperationKey"] == push.push_key


def _overdue_push(engine: Engine, database_url: str, company: str) -> push_store.PushRow:
    """A Pending push of a new company's, asked for two minutes ago with a one-minute
    time-out: its time is up, and no connector will call for it."""
    with engine.begin() as conn:
        company_id = linking.create_company(conn, company)
        connection = linking.create_connection(
            conn, _settings_for(database_url), company_id
        ).connection
        push = push_store.insert_push(
            conn,
            company_id=company_id,
            connection_id=connection.id,
            data_type="customers",
            action=PushAction.CREATE,
            payload={"customerName": "Late Ltd"},
            now=datetime.now(UTC) - timedelta(minutes=2),
            provisional_id=push_store.new_provisional_id(),
            timeout_in_minutes=1,
        )
        push_store.refresh_pending_count(conn, connection.id)
    return push


def _settings_for(database_url: str) -> Any:
    from qbdsync.settings import Settings

    return Settings(database_url=database_url, public_url="http://127.0.0.1:8000")


@pytest.mark.postgres
def test_qbdsync_worker_runs_the_jobs_for_nodes_that_only_serve(
    pg_database_url: str, engine_of: Callable[[str], Engine], monkeypatch: pytest.MonkeyPatch
) -> None:
    """QBDSYNC_RUN_JOBS=false on the serving node, `qbdsync worker` beside it: the worker's
    procrastinate worker is the only one, and it times the push out."""
    ok(run_cli("migrate", database_url=pg_database_url))
    engine = engine_of(pg_database_url)
    push = _overdue_push(engine, pg_database_url, "Worker Ltd")
    monkeypatch.setenv("QBDSYNC_RUN_JOBS", "false")
    with _serving(pg_database_url) as node:
        _wait_ready(node)
        with engine.connect() as conn:
            assert conn.scalar(text("SELECT count(*) FROM procrastinate_workers")) == 0
        with tempfile.TemporaryFile("w+") as log:
            worker = _qbdsync("worker", database_url=pg_database_url, log=log)
            try:

                def status() -> str | None:
                    assert worker.poll() is None, "the worker exited"
                    with engine.connect() as conn:
                        row = push_store.get_push(conn, push.push_key)
                    assert row is not None
                    return row.status if row.status != PushStatus.PENDING else None

                assert _wait("the worker to time the push out", status, 90) == "TimedOut"
                with engine.connect() as conn:
                    assert conn.scalar(text("SELECT count(*) FROM procrastinate_workers")) == 1
            finally:
                worker.terminate()
                assert worker.wait(60) == 0
            log.seek(0)
            assert "qbdsync running background jobs" in log.read()
