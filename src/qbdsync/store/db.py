"""Database engines: SQLite (the embedded default, WAL) or PostgreSQL via psycopg 3."""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError
from sqlalchemy.pool import QueuePool, StaticPool

from qbdsync.errors import ConfigurationError, DatabaseUnavailable
from qbdsync.redact import describe_unparseable, encode_userinfo, mask_database_url, redact_known

_EXPECTED = "expected sqlite:///PATH or postgresql://USER:PASSWORD@HOST[:PORT]/DATABASE"


def _json_dumps(value: Any) -> str:
    # orjson is several times faster than json for the records' raw and mapped JSON.
    return orjson.dumps(value).decode()


def database_url(url: str | URL) -> URL:
    """A qbdsync database URL parsed and normalised: the one place that decides what it means.

    `postgres://` (Heroku's and many hosts' spelling) and `postgresql://` mean PostgreSQL
    through psycopg 3, the driver qbdsync ships with. Anything but SQLite and PostgreSQL is a
    ConfigurationError naming the (masked) URL. An "@" the operator left unencoded in the
    password belongs to the password (the last "@" ends the userinfo), not to the host.
    """
    try:
        # ValueError: a port that is not a number, an unclosed IPv6 bracket.
        parsed = make_url(encode_userinfo(url) if isinstance(url, str) else url)
    except (ArgumentError, ValueError):
        # Never echoed: what does not parse may hold a password nothing could find
        # (libpq's `host=… password=…` keyword form).
        raise ConfigurationError(
            f"QBDSYNC_DATABASE_URL ({describe_unparseable(str(url))}) is not a database URL; "
            f"{_EXPECTED}"
        ) from None
    backend, _, driver = parsed.drivername.partition("+")
    if backend in ("postgres", "postgresql"):
        return parsed.set(drivername=f"postgresql+{driver or 'psycopg'}")
    if backend != "sqlite":
        raise ConfigurationError(
            f"QBDSYNC_DATABASE_URL {mask_database_url(parsed)!r}: qbdsync stores its data in "
            f"SQLite or PostgreSQL; {_EXPECTED}"
        )
    if parsed.username or parsed.password or parsed.host or parsed.port:
        # SQLite is a file: a user, password or host is a mistyped URL (create_engine would
        # refuse it with a traceback).
        raise ConfigurationError(
            f"QBDSYNC_DATABASE_URL {mask_database_url(parsed)!r}: a SQLite URL names a file "
            f"only, no user, password or host; {_EXPECTED}"
        )
    return parsed


def make_engine(url: str | URL, *, pool_size: int = 5) -> Engine:
    """An Engine for a qbdsync database URL, tuned for the hot paths."""
    parsed = database_url(url)
    try:
        return _make_engine(parsed, pool_size)
    except (NoSuchModuleError, ImportError) as exc:  # e.g. +psycopg2 without psycopg2
        raise ConfigurationError(
            f"QBDSYNC_DATABASE_URL {mask_database_url(parsed)!r}: its driver is not installed "
            f"({redact_known(str(exc), parsed.password)}); "
            "use postgresql:// (psycopg 3) or sqlite:///"
        ) from None
    except (ArgumentError, ValueError, TypeError) as exc:  # e.g. ?pool_size=x, ?connect_timeout=x
        raise ConfigurationError(
            f"QBDSYNC_DATABASE_URL {mask_database_url(parsed)!r} cannot be used: "
            f"{redact_known(str(exc), parsed.password)}; {_EXPECTED}"
        ) from None


def check_connection(engine: Engine) -> None:
    """Open one connection now: DatabaseUnavailable with one clear line when it cannot be had.

    Entry points call this first so that a mistyped host, a refused port or a wrong password
    reads as what it is instead of a traceback from deep inside the first query.
    """
    try:
        with engine.connect():
            pass
    except DBAPIError as exc:
        reason = " ".join(str(exc.orig).split()) if exc.orig is not None else str(exc)
        raise DatabaseUnavailable(
            f"cannot open the database {mask_database_url(engine.url)}: "
            f"{redact_known(reason, engine.url.password)} "
            "(check QBDSYNC_DATABASE_URL)"
        ) from None


def _make_engine(parsed: URL, pool_size: int) -> Engine:
    if parsed.get_backend_name() == "sqlite":
        in_memory = parsed.database in (None, "", ":memory:")
        # Pooled connections: opening a SQLite connection (and its pragmas) per call cost ~90%
        # of an idle poll, and closing the last one checkpoints the WAL on every commit. Under
        # WAL a connection back in the pool holds no lock. An in-memory database must be one
        # shared connection.
        engine = create_engine(
            parsed,
            json_serializer=_json_dumps,
            json_deserializer=orjson.loads,
            connect_args={"check_same_thread": False, "timeout": 30},
            poolclass=StaticPool if in_memory else QueuePool,
            **({} if in_memory else {"pool_size": pool_size, "max_overflow": pool_size * 2}),
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            if not in_memory:
                cursor.execute("PRAGMA journal_mode=WAL")  # persistent; cheap when already set
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    return create_engine(
        parsed,
        json_serializer=_json_dumps,
        json_deserializer=orjson.loads,
        pool_size=pool_size,
        max_overflow=pool_size * 2,
        # No pre-ping: it costs a round trip on every checkout of the idle-poll hot path.
        # Recycling bounds how stale a pooled connection can get instead.
        pool_recycle=300,
    )


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"
