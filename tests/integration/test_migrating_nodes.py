"""Many nodes on one database: migrations that cannot race, and nodes that refuse a schema
they cannot serve — real `qbdsync` processes on a real PostgreSQL (and SQLite)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import httpx
import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import text

from qbdsync.api.server import free_port
from qbdsync.store.db import make_engine
from qbdsync.store.migrate import MIGRATIONS_DIR, alembic_config, head_revision, schema_state
from tests.conftest import _drop_pg_database, _fresh_pg_database
from tests.integration.cli_helpers import ok, run_cli

PROCESSES = 3


@pytest.fixture
def pg_database_url(postgres_server: str) -> Iterator[str]:
    """An empty database on the test set-up's PostgreSQL server."""
    url, name = _fresh_pg_database(postgres_server)
    try:
        yield url
    finally:
        _drop_pg_database(postgres_server, name)


def previous_revision(revision: str) -> str:
    down = ScriptDirectory(str(MIGRATIONS_DIR)).get_revision(revision).down_revision
    assert isinstance(down, str), down
    return down


def _qbdsync(
    *args: str, database_url: str, log: IO[str] | None = None, **env: str
) -> subprocess.Popen[str]:
    """`qbdsync ARGS` started; its output piped, or written to `log` (a server's, which
    nothing reads while it runs)."""
    return subprocess.Popen(
        [sys.executable, "-m", "qbdsync.cli", *args],
        env={**os.environ, "QBDSYNC_DATABASE_URL": database_url, **env},
        stdout=subprocess.PIPE if log is None else subprocess.DEVNULL,
        stderr=subprocess.PIPE if log is None else log,
        text=True,
    )


def _revision(database_url: str) -> str | None:
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            return schema_state(conn).current
    finally:
        engine.dispose()


def _set_revision(database_url: str, revision: str) -> None:
    engine = make_engine(database_url)
    try:
        with engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": revision})
    finally:
        engine.dispose()


def test_processes_migrating_an_empty_database_together_all_succeed(database_url: str) -> None:
    """Without the migration lock two of them would both create alembic_version (PostgreSQL:
    UniqueViolation; SQLite: table already exists) and fail."""
    started = [_qbdsync("migrate", database_url=database_url) for _ in range(PROCESSES)]
    for process in started:
        stdout, stderr = process.communicate(timeout=300)
        assert process.returncode == 0, stderr
        assert "is up to date" in stdout
    assert _revision(database_url) == head_revision()


@dataclass
class Node:
    process: subprocess.Popen[str]
    url: str
    log: IO[str]


@contextmanager
def _serving(database_url: str, *args: str) -> Iterator[Node]:
    port = free_port()
    with tempfile.TemporaryFile("w+") as log:
        process = _qbdsync(
            "serve",
            "--port",
            str(port),
            "--workers",
            "1",
            *args,
            database_url=database_url,
            log=log,
            QBDSYNC_PUBLIC_URL=f"http://127.0.0.1:{port}",
        )
        with process:
            try:
                yield Node(process, f"http://127.0.0.1:{port}", log)
            finally:
                process.terminate()
                process.wait(timeout=60)


def _wait_ready(node: Node, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    url = node.url
    while time.monotonic() < deadline:
        if node.process.poll() is not None:
            node.log.seek(0)
            raise AssertionError(f"the node exited: {node.log.read()}")
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} did not become ready")


@pytest.mark.postgres
def test_nodes_started_together_with_migrate_on_an_empty_database_both_come_up(
    pg_database_url: str,
) -> None:
    with (
        _serving(pg_database_url, "--migrate") as first,
        _serving(pg_database_url, "--migrate") as second,
    ):
        _wait_ready(first)
        _wait_ready(second)
    assert _revision(pg_database_url) == head_revision()


def _refused(ran: subprocess.CompletedProcess[str]) -> str:
    assert ran.returncode == 1, (ran.stdout, ran.stderr)
    assert "Traceback" not in ran.stderr
    (line,) = ran.stderr.splitlines()
    assert line.startswith("error: database "), line
    return line


@pytest.mark.postgres
def test_serve_on_postgresql_refuses_a_schema_that_is_missing_or_behind(
    pg_database_url: str,
) -> None:
    head = head_revision()
    empty = _refused(run_cli("serve", "--port", str(free_port()), database_url=pg_database_url))
    assert "no qbdsync schema yet" in empty and head in empty and "`qbdsync migrate`" in empty
    assert _revision(pg_database_url) is None  # serve did not migrate it
    # Other commands refuse as well: only `qbdsync migrate` changes a PostgreSQL schema.
    assert "`qbdsync migrate`" in _refused(run_cli("company", "list", database_url=pg_database_url))

    engine = make_engine(pg_database_url)
    try:
        command.upgrade(alembic_config(engine), previous_revision(head))
    finally:
        engine.dispose()
    behind = _refused(run_cli("serve", "--port", str(free_port()), database_url=pg_database_url))
    assert (
        f"at revision {previous_revision(head)}, older than this qbdsync needs ({head})" in behind
    )
    assert "run `qbdsync migrate`" in behind

    ok(run_cli("migrate", database_url=pg_database_url))
    assert _revision(pg_database_url) == head
    with _serving(pg_database_url) as node:
        _wait_ready(node)


def test_a_schema_a_newer_qbdsync_migrated_is_refused_and_never_downgraded(
    database_url: str,
) -> None:
    ok(run_cli("migrate", database_url=database_url))
    _set_revision(database_url, "9999_from_the_future")
    for args in (("serve", "--port", str(free_port())), ("migrate",), ("company", "list")):
        line = _refused(run_cli(*args, database_url=database_url))
        assert "at revision 9999_from_the_future, newer than this qbdsync knows" in line, args
        assert f"its newest is {head_revision()}" in line
    assert _revision(database_url) == "9999_from_the_future"


def test_serve_on_sqlite_migrates_so_the_quick_start_needs_no_migrate(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'quick.db'}"
    with _serving(url) as node:
        _wait_ready(node)
    assert _revision(url) == head_revision()
    # --no-migrate only checks: on an older schema it refuses like a PostgreSQL node.
    _set_revision(url, previous_revision(head_revision()))
    line = _refused(run_cli("serve", "--no-migrate", "--port", "8000", database_url=url))
    assert "older than this qbdsync needs" in line
