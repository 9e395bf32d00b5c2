"""Backups and restores as docs/production.md says to take them: `qbdsync backup` of the
embedded SQLite database while a sync writes to it, and pg_dump / pg_restore of PostgreSQL; a
restored database serves what was backed up."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from qbdsync.store.db import make_engine
from qbdsync.store.tables import records
from tests.api.helpers import link_and_sync, new_tenant, serving
from tests.conftest import _drop_pg_database, _fresh_pg_database
from tests.integration.cli_helpers import ok, run_cli


def _record_count(url: str) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(records)).scalar_one())
    finally:
        engine.dispose()


def test_sqlite_backup_taken_during_a_sync_is_consistent_and_restores(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'live.db'}"
    backup = tmp_path / "backup.db"
    with serving(url) as server:
        tenant = new_tenant(server, "Operator")
        synced = link_and_sync(tenant, tmp_path / "first")
        before = _record_count(url)
        assert before > 100
        # A second session changes records while the backup is taken.
        churning = threading.Thread(target=lambda: synced.sync(churn=300))
        churning.start()
        try:
            made = ok(run_cli("backup", str(backup), "--json", database_url=url))
        finally:
            churning.join(timeout=300)
        assert not churning.is_alive()
    shown = json.loads(made.stdout)
    assert shown["path"] == str(backup)
    assert shown["bytes"] == backup.stat().st_size > 0
    # One self-contained file: no -wal beside it holds part of the data.
    with sqlite3.connect(backup) as copy:
        assert copy.execute("PRAGMA journal_mode").fetchone() == ("delete",)
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)

    # Restoring is copying the file into place; qbdsync serves it as it was.
    restored_url = f"sqlite:///{tmp_path / 'restored.db'}"
    (tmp_path / "restored.db").write_bytes(backup.read_bytes())
    assert _record_count(restored_url) >= before
    companies = json.loads(
        ok(run_cli("company", "list", "--json", database_url=restored_url)).stdout
    )
    assert [c["id"] for c in companies] == [synced.company_id]

    # Never over an existing file unless asked; never the database itself.
    again = run_cli("backup", str(backup), database_url=url)
    assert again.returncode == 2, again.stderr
    assert "exists" in again.stderr
    itself = run_cli("backup", str(tmp_path / "live.db"), "--overwrite", database_url=url)
    assert itself.returncode == 2, itself.stderr
    assert "Traceback" not in itself.stderr
    assert not list(tmp_path.glob(".*.partial"))


@pytest.mark.postgres
def test_backup_refuses_postgresql_and_points_to_pg_dump(
    pg_database_url: str, tmp_path: Path
) -> None:
    refused = run_cli("backup", str(tmp_path / "x.db"), database_url=pg_database_url)
    assert refused.returncode == 1, refused.stderr
    assert "pg_dump" in refused.stderr
    assert not (tmp_path / "x.db").exists()


@pytest.fixture
def pg_database_url(postgres_server: str) -> Iterator[str]:
    url, name = _fresh_pg_database(postgres_server)
    try:
        yield url
    finally:
        _drop_pg_database(postgres_server, name)


def _libpq(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@pytest.mark.postgres
def test_pg_dump_and_pg_restore_as_documented(
    postgres_server: str, pg_database_url: str, tmp_path: Path
) -> None:
    with serving(pg_database_url) as server:
        tenant = new_tenant(server, "Operator")
        synced = link_and_sync(tenant, tmp_path / "first")
    before = _record_count(pg_database_url)
    dump = tmp_path / "qbdsync.dump"
    subprocess.run(
        ["pg_dump", "--format=custom", f"--file={dump}", f"--dbname={_libpq(pg_database_url)}"],
        check=True,
    )
    restored_url, restored_name = _fresh_pg_database(postgres_server)
    try:
        subprocess.run(
            ["pg_restore", "--no-owner", f"--dbname={_libpq(restored_url)}", str(dump)],
            check=True,
        )
        migrated = ok(run_cli("migrate", database_url=restored_url))
        assert "is up to date" in migrated.stdout
        assert _record_count(restored_url) == before
        companies = json.loads(
            ok(run_cli("company", "list", "--json", database_url=restored_url)).stdout
        )
        assert [c["id"] for c in companies] == [synced.company_id]
    finally:
        _drop_pg_database(postgres_server, restored_name)
