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
        ("postgresql://u:S3cretPW@127.0.0.1:notaport/db", "not a database URL"),
        ("postgresql://u:S3cretPW@[::1/db", "not a database URL"),
        ("host=127.0.0.1 password=S3cretPW", "libpq keyword string"),
        ("sqlite://u:S3cretPW@/x.db", "names a file only"),
        ("sqlite://localhost/x.db", "names a file only"),
    ],
)
def test_a_url_qbdsync_cannot_use_is_a_configuration_error(given: str, says: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        make_engine(given)
    assert says in str(caught.value)
    assert "S3cretPW" not in str(caught.value)


def test_an_unencoded_at_sign_belongs_to_the_password() -> None:
    url = database_url("postgresql://qbdsync:S3c@ret/PW@127.0.0.1:5433/db")
    assert (url.username, url.password, url.host, url.port, url.database) == (
        "qbdsync",
        "S3c@ret/PW",
        "127.0.0.1",
        5433,
        "db",
    )


def test_an_encoded_password_is_decoded_once() -> None:
    assert database_url("postgresql://u:S3c%40ret%25@db/x").password == "S3c@ret%"


def test_a_sqlite_path_with_an_at_sign_is_a_path() -> None:
    assert database_url("sqlite:////tmp/a@b/q.db").database == "/tmp/a@b/q.db"
