"""Every datetime column stores and returns aware UTC, on SQLite as on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Column, DateTime, Integer, MetaData, Table, insert, select, text
from sqlalchemy.exc import StatementError

from qbdsync.store.db import make_engine
from qbdsync.store.tables import metadata
from qbdsync.store.types import UtcDateTime

_probe = MetaData()
moments = Table(
    "moments",
    _probe,
    Column("id", Integer, primary_key=True),
    Column("at", UtcDateTime(), nullable=True),
)

NOON_UTC = datetime(2026, 3, 8, 12, 0, tzinfo=UTC)
# The same moment written in New York's winter offset.
NOON_IN_NEW_YORK = NOON_UTC.astimezone(timezone(timedelta(hours=-5)))


def test_every_datetime_column_of_the_schema_is_utc() -> None:
    plain = [
        f"{table.name}.{column.name}"
        for table in metadata.tables.values()
        for column in table.columns
        if isinstance(column.type, DateTime)  # a bare DateTime would read naive on SQLite
    ]
    utc = [
        c for t in metadata.tables.values() for c in t.columns if isinstance(c.type, UtcDateTime)
    ]
    assert plain == []
    assert len(utc) > 20


def test_times_read_back_aware_in_utc_whatever_offset_they_were_written_in(
    database_url: str,
) -> None:
    engine = make_engine(database_url)
    _probe.create_all(engine)
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # PostgreSQL answers in the session's zone; the column type still gives UTC.
            conn.execute(text("SET TIME ZONE 'America/New_York'"))
        conn.execute(insert(moments), [{"id": 1, "at": NOON_IN_NEW_YORK}, {"id": 2, "at": None}])
        found = dict(conn.execute(select(moments.c.id, moments.c.at)).all())
        # Compared in SQL against a bound value written in yet another offset.
        later = (
            conn.execute(select(moments.c.id).where(moments.c.at > NOON_UTC - timedelta(minutes=1)))
            .scalars()
            .all()
        )
    engine.dispose()
    assert found == {1: NOON_UTC, 2: None}
    assert found[1] is not None and found[1].tzinfo is UTC
    assert later == [1]


def test_a_naive_datetime_is_refused_on_write(database_url: str) -> None:
    engine = make_engine(database_url)
    _probe.create_all(engine)
    with engine.begin() as conn, pytest.raises(StatementError, match="naive datetime"):
        conn.execute(insert(moments).values(id=1, at=datetime(2026, 3, 8, 12, 0)))
    with engine.connect() as conn:
        assert conn.execute(select(moments.c.id)).all() == []
    engine.dispose()
