"""Shared fixtures: databases (SQLite and a real PostgreSQL server) and a live qbdsync server."""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from _pytest.nodeid import NodeId
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from qbdsync.api.app import serving_app
from qbdsync.api.server import free_port, serve_in_thread
from qbdsync.settings import Settings
from qbdsync.store.db import make_engine
from qbdsync.store.migrate import upgrade
from qbdsync.webhooks.destinations import Resolver, system_resolver
from tests.pg import running_postgres


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """URL of the admin database of a PostgreSQL server started for this test run."""
    given = os.environ.get("QBDSYNC_TEST_POSTGRES_URL")
    if given:
        yield given
        return
    with running_postgres() as url:
        yield url


def _admin_url(server_url: str) -> str:
    return make_url(server_url).set(drivername="postgresql").render_as_string(hide_password=False)


# The PostgreSQL databases _fresh_pg_database made in this process, with their server's URL:
# only these may be swapped for a copy of the migrated template (see migrated_fast).
_FRESH_PG: dict[str, str] = {}


def _fresh_pg_database(server_url: str) -> tuple[str, str]:
    url = make_url(server_url)
    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(_admin_url(server_url), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    _FRESH_PG[name] = server_url
    return url.set(database=name).render_as_string(hide_password=False), name


def _drop_pg_database(server_url: str, name: str) -> None:
    _FRESH_PG.pop(name, None)
    with psycopg.connect(_admin_url(server_url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# Migrating an empty database with Alembic costs ~0.5 s (SQLite's batch table rebuilds, a dozen
# revisions), and most tests start a server on a fresh database: that was minutes of every run.
# Tests that only need the schema get a copy of one database migrated once per test process
# instead; upgrade() still runs on it (a no-op on a current schema, as on every restart). Tests
# of the migrations themselves call upgrade() on an empty database and are untouched.


@functools.cache
def _sqlite_template() -> Path:
    root = Path(tempfile.mkdtemp(prefix="qbdsync-template-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    path = root / "migrated.db"
    engine = make_engine(f"sqlite:///{path}")
    try:
        upgrade(engine)
    finally:
        engine.dispose()  # the last connection closed: the WAL is checkpointed into the file
    return path


@functools.cache
def _pg_template(server_url: str) -> str:
    url, name = _fresh_pg_database(server_url)
    _FRESH_PG.pop(name)  # the template itself is never swapped
    engine = make_engine(url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()  # CREATE DATABASE … TEMPLATE needs the template to have no sessions
    return name


def _pg_is_empty(url: str) -> bool:
    plain = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(plain, autocommit=True) as conn:
        row = conn.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname !~ '^pg_' AND n.nspname <> 'information_schema')"
        ).fetchone()
    return row is not None and not row[0]


def _absent(path: Path) -> bool:
    """A SQLite file that does not exist yet, in a folder that does."""
    return path.parent.is_dir() and not path.exists()


def migrated_fast(database_url: str) -> None:
    """Give an empty test database the newest schema by copying a migrated one, when it is a
    SQLite file not yet created or a PostgreSQL database _fresh_pg_database made that is still
    empty and unused; otherwise leave it to upgrade()."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        path = url.database
        if path and path != ":memory:" and not path.startswith("file:") and _absent(Path(path)):
            shutil.copyfile(_sqlite_template(), path)
        return
    name = url.database
    server_url = _FRESH_PG.get(name or "")
    if name is None or server_url is None or not _pg_is_empty(database_url):
        return
    template = _pg_template(server_url)
    with psycopg.connect(_admin_url(server_url), autocommit=True) as conn:
        try:
            conn.execute(f'DROP DATABASE "{name}"')  # refused while anything is connected to it
        except psycopg.errors.ObjectInUse:
            return
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database URL, once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'qbdsync.db'}"
        return
    server = request.getfixturevalue("postgres_server")
    url, name = _fresh_pg_database(server)
    try:
        yield url
    finally:
        _drop_pg_database(server, name)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An Engine on `database_url` with the current schema (copied from one migrated once)."""
    migrated_fast(database_url)
    made = make_engine(database_url)
    upgrade(made)
    try:
        yield made
    finally:
        made.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'qbdsync.db'}"


@dataclass
class LiveServer:
    url: str
    settings: Settings
    engine: Engine


def start_server(
    database_url: str, *, resolver: Resolver = system_resolver, **overrides: object
) -> Iterator[LiveServer]:
    """Serve on a free loopback port; `resolver` answers webhook destinations' DNS."""
    port = free_port()
    settings = Settings(
        database_url=database_url, public_url=f"http://127.0.0.1:{port}", **overrides
    )  # type: ignore[arg-type]
    migrated_fast(database_url)
    engine = make_engine(settings.database_url)
    try:
        upgrade(engine)
        # As `qbdsync serve` runs it: the /qbwc fast path, timed for the metrics.
        app = serving_app(settings, engine, resolver=resolver)
        with serve_in_thread(app, port=port) as url:
            yield LiveServer(url=url, settings=settings, engine=engine)
    finally:
        engine.dispose()


@pytest.fixture
def live_server(database_url: str) -> Iterator[LiveServer]:
    """qbdsync serving over real HTTP on loopback, on SQLite and on PostgreSQL."""
    yield from start_server(database_url)


@pytest.fixture
def sqlite_server(sqlite_url: str) -> Iterator[LiveServer]:
    yield from start_server(sqlite_url)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Schemathesis gives every API operation of one test the same node id (the name alone
    carries `[GET /companies]`). pytest-xdist hands out whole files by node id and would run only
    the first of them, and reports would merge: give each its name as its id."""
    for item in items:
        module, _, name = item.nodeid.rpartition("::")
        if module and name != item.name:
            # pytest 9.1+ keeps the id as a parsed NodeId (the lock file pins pytest).
            item._id = NodeId.parse(f"{module}::{item.name}")  # type: ignore[attr-defined]
