"""Database engines: SQLite (the embedded default, WAL) or PostgreSQL via psycopg 3."""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.pool import QueuePool, StaticPool


def _json_dumps(value: Any) -> str:
    # orjson is several times faster than json for the records' raw and mapped JSON.
    return orjson.dumps(value).decode()


def make_engine(url: str, *, pool_size: int = 5) -> Engine:
    """An Engine for a qbdsync database URL, tuned for the hot paths."""
    parsed = make_url(url)
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
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
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
