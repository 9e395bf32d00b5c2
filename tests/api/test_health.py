"""/healthz and /readyz over real HTTP: ready on a current schema; 503 with the reason while
the database is down (a real PostgreSQL server stopped and started again), silent, or on
another schema; ready again once it is back."""

from __future__ import annotations

import socket
import threading
import time
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlalchemy.engine import make_url

from qbdsync.api.health import PROBE_THREAD, UNREACHABLE
from qbdsync.store.migrate import MIGRATIONS_DIR, head_revision
from tests.conftest import LiveServer, _drop_pg_database, _fresh_pg_database, start_server
from tests.pg import postgres_cluster

serving = contextmanager(start_server)


def _readyz(url: str) -> tuple[int, dict[str, Any]]:
    reply = httpx.get(f"{url}/readyz", timeout=30)
    assert reply.headers["cache-control"] == "no-store"
    return reply.status_code, reply.json()


def _alive(url: str) -> bool:
    reply = httpx.get(f"{url}/healthz", timeout=30)
    assert reply.headers["cache-control"] == "no-store"
    return reply.status_code == 200 and reply.text == "ok"


def _set_revision(server: LiveServer, revision: str) -> None:
    with server.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": revision})


def test_ready_on_the_current_schema(live_server: LiveServer) -> None:
    assert _readyz(live_server.url) == (200, {"status": "ready", "schema": head_revision()})
    assert _alive(live_server.url)


def test_unready_on_a_schema_behind_or_ahead_naming_both_revisions(
    live_server: LiveServer,
) -> None:
    head = head_revision()
    previous = ScriptDirectory(str(MIGRATIONS_DIR)).get_revision(head).down_revision
    assert isinstance(previous, str)
    _set_revision(live_server, previous)
    status, body = _readyz(live_server.url)
    assert (status, body["status"], body["schema"], body["needs"]) == (
        503,
        "unavailable",
        previous,
        head,
    )
    assert f"at revision {previous}, older than this qbdsync needs ({head})" in body["reason"]
    assert "run `qbdsync migrate`" in body["reason"]

    _set_revision(live_server, "9999_newer")  # a newer qbdsync migrated it
    status, body = _readyz(live_server.url)
    assert status == 503 and "newer than this qbdsync knows" in body["reason"]
    assert _alive(live_server.url)  # alive all along: nothing to restart

    _set_revision(live_server, head)
    assert _readyz(live_server.url)[0] == 200


@pytest.mark.postgres
def test_readyz_fails_while_the_database_is_down_and_recovers() -> None:
    password = "S3cretPW"  # the test cluster trusts any; it must not reach the answer
    with postgres_cluster() as cluster:
        url = cluster.url.replace("qbdsync@", f"qbdsync:{password}@")
        with serving(url, readiness_timeout_seconds=5) as server:
            assert _readyz(server.url)[0] == 200
            cluster.stop()
            started = time.monotonic()
            status, body = _readyz(server.url)
            assert time.monotonic() - started < 5
            assert (status, body) == (503, {"status": "unavailable", "reason": UNREACHABLE})
            assert _alive(server.url)
            assert _readyz(server.url)[0] == 503  # every probe while it is down

            cluster.start()
            deadline = time.monotonic() + 30
            while _readyz(server.url)[0] != 200:
                assert time.monotonic() < deadline, "not ready again after the database came back"
                time.sleep(0.2)
            assert _readyz(server.url) == (200, {"status": "ready", "schema": head_revision()})
    assert password not in str(body)


class SilencingProxy:
    """A TCP proxy to the database that can go silent: it then swallows everything either side
    sends, as a hung server or a black-holed network does."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.silent = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        self._sockets: list[socket.socket] = [self._listener]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            self._sockets += [client, upstream]
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while chunk := source.recv(65536):
                if not self.silent.is_set():
                    sink.sendall(chunk)
        except OSError:
            pass

    def close(self) -> None:
        for sock in self._sockets:
            sock.close()


@pytest.mark.postgres
def test_readyz_gives_up_on_a_database_that_does_not_answer(postgres_server: str) -> None:
    """503 within the timeout while the database is silent; later probes wait on the one
    already in flight instead of piling up threads; ready again once it answers."""
    database_url, name = _fresh_pg_database(postgres_server)
    proxy = SilencingProxy(make_url(database_url).port or 5432)
    through = make_url(database_url).set(host="127.0.0.1", port=proxy.port)
    try:
        url = through.render_as_string(hide_password=False)
        with serving(url, readiness_timeout_seconds=0.5) as server:
            assert _readyz(server.url)[0] == 200
            proxy.silent.set()
            for _ in range(3):
                started = time.monotonic()
                status, body = _readyz(server.url)
                assert time.monotonic() - started < 3
                assert (status, body) == (
                    503,
                    {"status": "unavailable", "reason": "the database did not answer within 0.5 s"},
                )
            probes = [t for t in threading.enumerate() if t.name == PROBE_THREAD]
            assert len(probes) == 1  # the one probe still waiting
            assert _alive(server.url)
    finally:
        proxy.close()
        _drop_pg_database(postgres_server, name)
