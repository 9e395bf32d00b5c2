"""Shared fixtures: databases (SQLite and a real PostgreSQL server) and a live qbdsync server."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
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


def _fresh_pg_database(server_url: str) -> tuple[str, str]:
    url = make_url(server_url)
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return url.set(database=name).render_as_string(hide_password=False), name


def _drop_pg_database(server_url: str, name: str) -> None:
    url = make_url(server_url).set(drivername="postgresql")
    with psycopg.connect(url.render_as_string(hide_password=False), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


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
