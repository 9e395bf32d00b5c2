"""What a database URL means is decided in one place: `postgres://` is PostgreSQL too."""

from __future__ import annotations

import pytest

from qbdsync.errors import ConfigurationError
from qbdsync.store.db import database_url, make_engine


@pytest.mark.parametrize(
    "given",
    [
        "postgres://qbdsync:pw@db/qbdsync",
        "postgresql://qbdsync:pw@db/qbdsync",
        "postgresql+psycopg://qbdsync:pw@db/qbdsync",
    ],
)
def test_every_postgresql_spelling_means_psycopg_3(given: str) -> None:
    url = database_url(given)
    assert url.drivername == "postgresql+psycopg"
    assert (url.username, url.password, url.host, url.database) == (
        "qbdsync",
        "pw",
        "db",
        "qbdsync",
    )
    engine = make_engine(given)  # no connection is made until one is needed
    try:
        assert engine.dialect.name == "postgresql" and engine.dialect.driver == "psycopg"
    finally:
        engine.dispose()


def test_sqlite_stays_as_it_is() -> None:
    assert database_url("sqlite:///./qbdsync.db").drivername == "sqlite"


@pytest.mark.parametrize(
    ("given", "says"),
    [
        ("mysql://u:S3cretPW@db/x", "SQLite or PostgreSQL"),
        ("db.example.com/qbdsync", "not a database URL"),
        ("postgresql+psycopg2://u:S3cretPW@db/x", "driver is not installed"),
    ],
)
def test_a_url_qbdsync_cannot_use_is_a_configuration_error(given: str, says: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        make_engine(given)
    assert says in str(caught.value)
    assert "S3cretPW" not in str(caught.value)
