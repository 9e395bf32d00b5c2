"""A session core with a fake clock, a linked connection and its simulated company: on SQLite,
or (`synced`, the push tests' world) once on SQLite and once on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from qbdsync.linking import NewConnection, create_company, create_connection
from qbdsync.qbwc.qwc import parse_qwc
from qbdsync.session.core import SessionCore
from qbdsync.session.local import run_local_session
from qbdsync.settings import Settings
from qbdsync.simulator.company import SimulatedCompany
from qbdsync.simulator.quickbooks import SimulatedQuickBooks
from qbdsync.store import pulls as pull_store
from qbdsync.store import records as record_store
from qbdsync.store.db import make_engine
from qbdsync.store.migrate import upgrade
from qbdsync.store.pulls import PullRow
from tests.conftest import migrated_fast


class FakeClock:
    """The one clock of the session core, moved by the test."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC).replace(microsecond=0)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass
class World:
    engine: Engine
    settings: Settings
    clock: FakeClock
    core: SessionCore
    connection: NewConnection
    company: SimulatedCompany

    @property
    def connection_id(self) -> str:
        return self.connection.connection.id

    def quickbooks(self, **kwargs: Any) -> SimulatedQuickBooks:
        return SimulatedQuickBooks(self.company, **kwargs)

    def pulls(self) -> dict[str, PullRow]:
        with self.engine.connect() as conn:
            return pull_store.latest_by_type(conn, self.connection.connection.company_id)

    def counts(self) -> dict[str, int]:
        with self.engine.connect() as conn:
            return record_store.count_by_type(conn, self.connection_id)

    def errors(self) -> list[record_store.SyncErrorRow]:
        with self.engine.connect() as conn:
            return record_store.list_errors(conn, self.connection_id, limit=1000)


def make_world(
    tmp_path: Path, *, database_url: str | None = None, **overrides: Any
) -> Iterator[World]:
    """The world on `database_url` (an empty database), by default a SQLite file in tmp_path."""
    settings = Settings(
        database_url=database_url or f"sqlite:///{tmp_path / 'qbdsync.db'}",  # type: ignore[arg-type]
        public_url="http://127.0.0.1:8080",  # type: ignore[arg-type]
        **overrides,
    )
    migrated_fast(settings.database_url)
    engine = make_engine(settings.database_url)
    upgrade(engine)
    clock = FakeClock()
    with engine.begin() as conn:
        connection = create_connection(conn, settings, create_company(conn, "Acme"))
    qwc = parse_qwc(connection.qwc)
    with SimulatedCompany.open(tmp_path / "acme.qbsim", size="small", seed=1) as company:
        company.stamp_file_id(qwc.owner_id, qwc.file_id)
        try:
            yield World(
                engine,
                settings,
                clock,
                SessionCore(engine, settings, clock=clock),
                connection,
                company,
            )
        finally:
            engine.dispose()


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    yield from make_world(tmp_path)


@pytest.fixture
def world_on_both_databases(tmp_path: Path, database_url: str) -> Iterator[World]:
    """The world once on SQLite and once on PostgreSQL (`database_url`): a push's exactly-once
    bookkeeping is SQL — conditional updates, row locks, JSON columns — that both must keep."""
    yield from make_world(tmp_path, database_url=database_url)


@pytest.fixture
def synced(world_on_both_databases: World) -> World:
    """The world after a first sync, on both databases: pushes have synced data to be checked
    against."""
    world = world_on_both_databases
    result = run_local_session(world.core, world.connection_id, world.quickbooks())
    assert result.finished, result.outcome
    world.clock.advance(60)
    return world
