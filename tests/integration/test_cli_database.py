"""The database URL as operators type it: never printed with its password, one clear line when
it cannot work, `postgres://` understood."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import URL, make_url

from qbdsync.api.server import free_port
from tests.conftest import _drop_pg_database, _fresh_pg_database
from tests.integration.cli_helpers import last_line, ok, run_cli

PASSWORD = "S3cretPW"


@pytest.fixture
def pg_url_with_password(postgres_server: str) -> Iterator[URL]:
    """A fresh database on the test server, its URL carrying a password (trust auth takes any)."""
    url, name = _fresh_pg_database(postgres_server)
    try:
        yield make_url(url).set(password=PASSWORD)
    finally:
        _drop_pg_database(postgres_server, name)


@pytest.mark.postgres
def test_no_command_prints_the_database_password(pg_url_with_password: URL) -> None:
    url = pg_url_with_password.render_as_string(hide_password=False)
    assert f":{PASSWORD}@" in url
    migrated = ok(run_cli("migrate", database_url=url))
    masked = pg_url_with_password.render_as_string(hide_password=True)
    assert migrated.stdout.strip() == f"Database at {masked} is up to date."
    company_id = last_line(ok(run_cli("company", "create", "Pw Co", database_url=url)).stdout)
    failing = run_cli("connection", "show", "nope", database_url=url)
    assert failing.returncode == 1
    for ran in (migrated, failing, run_cli("company", "show", company_id, database_url=url)):
        assert PASSWORD not in ran.stdout + ran.stderr

    # The server's start-up banner names the database too.
    with subprocess.Popen(
        [
            sys.executable,
            "-m",
            "qbdsync.cli",
            "serve",
            "--port",
            str(free_port()),
            "--workers",
            "1",
        ],
        env={**os.environ, "QBDSYNC_DATABASE_URL": url},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    ) as server:
        try:
            assert server.stderr is not None
            banner = server.stderr.readline()
        finally:
            server.terminate()
            server.wait(timeout=60)
    assert banner.startswith("qbdsync serving on") and f"database {masked}" in banner, banner
    assert PASSWORD not in banner


@pytest.mark.postgres
def test_postgres_scheme_is_postgresql(pg_url_with_password: URL) -> None:
    url = pg_url_with_password.render_as_string(hide_password=False)
    heroku_style = "postgres://" + url.split("://", 1)[1]
    ok(run_cli("migrate", database_url=heroku_style))
    ok(run_cli("company", "create", "Heroku Co", database_url=heroku_style))


@pytest.mark.parametrize(
    ("url", "says"),
    [
        # a host that does not resolve (.invalid never does; "db" off a compose network neither)
        (f"postgresql://qbdsync:{PASSWORD}@db.invalid/qbdsync", "failed to resolve host"),
        (f"postgres://qbdsync:{PASSWORD}@127.0.0.1:{{port}}/qbdsync", "Connection refused"),
        (f"mysql://qbdsync:{PASSWORD}@db/qbdsync", "SQLite or PostgreSQL"),
        ("db/qbdsync", "not a database URL"),
        ("sqlite:///{tmp}/no/such/dir/qbdsync.db", "unable to open database file"),
        # an unencoded "@" in the password: neither half of it is printed as a host
        (f"postgresql://qbdsync:S3c@{PASSWORD}@127.0.0.1:{{port}}/db", "Connection refused"),
        (f"host=127.0.0.1 password={PASSWORD}", "not a database URL"),
        (f"postgresql://qbdsync:{PASSWORD}@127.0.0.1:notaport/db", "not a database URL"),
        (f"postgresql://qbdsync:{PASSWORD}@[::1/db", "not a database URL"),
        (f"sqlite://qbdsync:{PASSWORD}@/x.db", "names a file only"),
        (
            f"postgresql://qbdsync:{PASSWORD}@127.0.0.1:{{port}}/db?connect_timeout=x",
            "connect_timeout",
        ),
    ],
)
def test_a_mistyped_database_url_is_one_clear_line(url: str, says: str, tmp_path: Path) -> None:
    url = url.format(port=free_port(), tmp=tmp_path)
    ran = run_cli("migrate", database_url=url)
    assert ran.returncode == 1
    assert ran.stdout == ""
    (line,) = ran.stderr.splitlines()
    assert line.startswith("error: ") and says in line, line
    assert "QBDSYNC_DATABASE_URL" in line
    assert PASSWORD not in ran.stderr


def test_a_setting_that_does_not_parse_is_one_line_naming_it(tmp_path: Path) -> None:
    ran = run_cli(
        "company",
        "list",
        database_url=f"sqlite:///{tmp_path / 'q.db'}",
        env={"QBDSYNC_RUN_EVERY_MINUTES": "hourly", "QBDSYNC_SECRET_KEY": PASSWORD},
    )
    assert ran.returncode == 1
    (line,) = ran.stderr.splitlines()
    assert line.startswith("error: invalid settings: QBDSYNC_RUN_EVERY_MINUTES: ")
    assert "hourly" not in line and PASSWORD not in line
