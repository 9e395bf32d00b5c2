"""A consistent copy of the embedded SQLite database while qbdsync keeps running.

Copying the file itself is not a backup: under WAL the newest commits live in the `-wal` file
beside it, and a copy taken mid-write can be torn. SQLite's online backup API copies a
consistent snapshot page by page while other connections go on writing. PostgreSQL has its own
tool for this (pg_dump), documented in docs/production.md; qbdsync does not wrap it.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import URL

from qbdsync.errors import ConfigurationError, InvalidValue
from qbdsync.redact import mask_database_url
from qbdsync.store.db import database_url


@dataclass(frozen=True)
class Backup:
    path: Path
    bytes: int
    pages: int


def backup_sqlite(url: str | URL, out: Path, *, overwrite: bool = False) -> Backup:
    """Copy the SQLite database at `url` to `out` (a new file; written beside it first and
    renamed, so `out` is never a half-written copy), then check the copy's integrity."""
    parsed = database_url(url)
    if parsed.get_backend_name() != "sqlite":
        raise ConfigurationError(
            f"{mask_database_url(parsed)} is PostgreSQL: back it up with pg_dump "
            "(docs/production.md, Backups); `qbdsync backup` copies the embedded SQLite file"
        )
    source_path = Path(parsed.database or "")
    if not parsed.database or parsed.database == ":memory:" or not source_path.is_file():
        raise InvalidValue(f"no SQLite database file at {str(source_path)!r} to back up")
    if out.exists() and not overwrite:
        raise InvalidValue(f"{out} exists: choose a new file (or pass --overwrite)")
    if out.resolve() == source_path.resolve():
        raise InvalidValue("the backup cannot be the database itself")
    partial = out.with_name(f".{out.name}.partial")
    partial.unlink(missing_ok=True)
    # Read-only: a backup never changes the database (nor creates one at a mistyped path).
    source = sqlite3.connect(f"{source_path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
    try:
        target = sqlite3.connect(partial)
        try:
            # In one step: under WAL the copy reads one snapshot while writers go on (a copy in
            # several steps starts again whenever another process writes between them, and
            # may never finish beside a busy sync).
            source.backup(target)
            (verdict,) = target.execute("PRAGMA integrity_check").fetchone()
            if verdict != "ok":
                raise InvalidValue(f"the copy failed SQLite's integrity check: {verdict}")
            # One self-contained file: a restore is copying it into place.
            target.execute("PRAGMA journal_mode=DELETE")
            (pages,) = target.execute("PRAGMA page_count").fetchone()
        finally:
            target.close()
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        source.close()
    os.replace(partial, out)
    return Backup(path=out, bytes=out.stat().st_size, pages=int(pages))
