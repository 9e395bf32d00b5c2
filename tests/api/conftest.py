"""Module-scoped databases for API tests: a synced company is built once per module and
database, then read by many tests (each sync takes a couple of seconds)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import _drop_pg_database, _fresh_pg_database


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def module_database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """An empty database for one test module, once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'qbdsync.db'}"
        return
    server = request.getfixturevalue("postgres_server")
    url, name = _fresh_pg_database(server)
    try:
        yield url
    finally:
        _drop_pg_database(server, name)
