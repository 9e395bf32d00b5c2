"""The database schema: bring it to the newest revision under a lock, or check that it is there.

Alembic runs the migrations. Several nodes may start at once on one empty database, and two
migrations running side by side fail (both create `alembic_version`), so whatever migrates first
takes a lock that every other migrating process waits for, and then finds the work done: a
PostgreSQL advisory lock held on the migration's own connection, or on SQLite an exclusive
file lock on a file beside the database.

Who migrates (`open_database`): on SQLite, the embedded single-machine default, every command
does, so the two-command quick start works. On PostgreSQL only `qbdsync migrate` (and
`qbdsync serve --migrate`) change the schema: nodes of an older or a newer version share that
database, and an upgrade is a step the operator takes, not a side effect of whichever node
restarts first. Everything else checks the schema and refuses to run on the wrong one.
"""

from __future__ import annotations

import fcntl
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, inspect, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import DBAPIError

from qbdsync.errors import SchemaNotCurrent
from qbdsync.redact import mask_database_url
from qbdsync.store.db import check_connection, is_sqlite, make_engine

MIGRATIONS_DIR = Path(__file__).parent / "migrations"

# The advisory lock every migrating qbdsync takes on PostgreSQL: one fixed 64-bit key per
# database ("qbdsync" in ASCII), so that unrelated applications' locks never collide with it.
MIGRATION_LOCK_KEY = 0x71_62_64_73_79_6E_63

# Beside a SQLite database file: the file whose exclusive lock a migration holds. It is left in
# place afterwards (empty): removing a lock file lets two processes lock different files.
SQLITE_LOCK_SUFFIX = ".migration-lock"

MIGRATE_COMMAND = "qbdsync migrate"

# Alembic's table of the revisions a database is at (its default name).
VERSION_TABLE = "alembic_version"

# Tables in qbdsync's database that qbdsync.store.tables does not declare: the job queue's
# (procrastinate's own schema, applied by revision 0014 on PostgreSQL).
FOREIGN_TABLE_PREFIX = "procrastinate_"

log = logging.getLogger(__name__)


def is_declared(name: str | None, type_: str, parent_names: object) -> bool:
    """Alembic's `include_name`: schema comparisons leave out the job queue's tables."""
    return not (type_ == "table" and (name or "").startswith(FOREIGN_TABLE_PREFIX))


@dataclass(frozen=True)
class SchemaState:
    """Where a database's schema stands against what this qbdsync needs."""

    current: str | None  # the database's revision; None when it has no qbdsync schema yet
    head: str  # the newest revision this qbdsync has, the one it needs
    known: bool  # `current` is one of this qbdsync's revisions (False: a newer qbdsync's)

    @property
    def up_to_date(self) -> bool:
        return self.current == self.head

    def problem(self) -> str | None:
        """What is wrong, in words an operator can act on; None when the schema is current."""
        if self.up_to_date:
            return None
        if self.current is None:
            return (
                f"the database has no qbdsync schema yet (this qbdsync needs revision "
                f"{self.head}): run `{MIGRATE_COMMAND}`"
            )
        if not self.known:
            return (
                f"the database schema is at revision {self.current}, newer than this qbdsync "
                f"knows (its newest is {self.head}): a newer qbdsync migrated it; run that "
                f"version on this node (qbdsync never downgrades a schema)"
            )
        return (
            f"the database schema is at revision {self.current}, older than this qbdsync "
            f"needs ({self.head}): run `{MIGRATE_COMMAND}`"
        )


@cache
def _scripts() -> ScriptDirectory:
    # The migration scripts ship with the package: read them once per process.
    return ScriptDirectory(str(MIGRATIONS_DIR))


@cache
def _known_revisions() -> frozenset[str]:
    return frozenset(script.revision for script in _scripts().walk_revisions())


def head_revision() -> str:
    """The newest schema revision this qbdsync has."""
    head = _scripts().get_current_head()
    assert head is not None, "no migrations"
    return head


def schema_state(conn: Connection) -> SchemaState:
    """The schema of the database `conn` is on, against this qbdsync's newest revision.

    Reads Alembic's version table itself: cheap enough for every `/readyz` probe (Alembic's
    MigrationContext logs two lines each time it is made).
    """
    heads: list[str] = []
    if inspect(conn).has_table(VERSION_TABLE):
        heads = sorted(conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars())
    current = ",".join(heads) if heads else None
    known = current is None or all(head in _known_revisions() for head in heads)
    return SchemaState(current=current, head=head_revision(), known=known)


def alembic_config(bind: Connection | Engine) -> Config:
    """Alembic's configuration for migrating on `bind`. A Connection is used as it is (the
    caller holds the lock and the transaction); an Engine runs without the lock, for tests
    that step through revisions."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = bind
    return config


def upgrade(engine: Engine) -> None:
    """Apply every pending migration under the migration lock; a no-op on a current database.

    A database a newer qbdsync migrated is refused (SchemaNotCurrent): this one cannot know
    how to read it and never downgrades it.
    """
    with _migration_lock(engine) as conn:
        state = schema_state(conn)
        conn.rollback()
        if state.current is not None and not state.known:
            raise SchemaNotCurrent(_naming(engine, state))
        if state.up_to_date:
            return
        with conn.begin():
            command.upgrade(alembic_config(conn), "head")


def check_schema(engine: Engine) -> SchemaState:
    """The database's schema state; SchemaNotCurrent naming both revisions unless current."""
    with engine.connect() as conn:
        state = schema_state(conn)
    if not state.up_to_date:
        raise SchemaNotCurrent(_naming(engine, state))
    return state


def open_database(url: str | URL, *, migrate: bool | None = None) -> Engine:
    """An engine on `url`, reachable and at this qbdsync's schema: what every command starts with.

    `migrate`: bring the schema up to date first (under the lock) or only check it. By default
    SQLite databases are migrated and PostgreSQL ones checked (see the module's note).

    Raises ConfigurationError (a URL that is not SQLite or PostgreSQL), DatabaseUnavailable
    (one that cannot be opened) or SchemaNotCurrent, each one line naming the URL with its
    password masked.
    """
    engine = make_engine(url)
    try:
        check_connection(engine)
        if migrate if migrate is not None else is_sqlite(engine):
            upgrade(engine)
        else:
            check_schema(engine)
    except BaseException:
        engine.dispose()
        raise
    return engine


def _naming(engine: Engine, state: SchemaState) -> str:
    return f"database {mask_database_url(engine.url)}: {state.problem()}"


@contextmanager
def _migration_lock(engine: Engine) -> Iterator[Connection]:
    """A connection to migrate on, with the database's migration lock held until exit."""
    if is_sqlite(engine):
        with _sqlite_file_lock(engine.url.database), engine.connect() as conn:
            yield conn
        return
    with engine.connect() as conn:
        if not conn.execute(
            text("SELECT pg_try_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY}
        ).scalar():
            log.info("another process is migrating the database; waiting for it to finish")
            conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        conn.commit()
        try:
            yield conn
        finally:
            try:
                conn.rollback()
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK_KEY})
                conn.commit()
            except DBAPIError:
                # A lost connection: its session, and the lock with it, ended on the server.
                conn.invalidate()


@contextmanager
def _sqlite_file_lock(database: str | None) -> Iterator[None]:
    """An exclusive lock (flock) on the database's lock file; none for an in-memory database,
    which only this process can see.

    Not the database file itself: SQLite's own locks on it are POSIX locks, which closing any
    other descriptor of the file in this process would drop.
    """
    if database in (None, "", ":memory:") or database.startswith("file:"):
        yield
        return
    fd = os.open(database + SQLITE_LOCK_SUFFIX, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log.info("another process is migrating the database; waiting for it to finish")
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # releases the lock
