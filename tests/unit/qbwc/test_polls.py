"""The connectors' calls written coalesced: once a minute per connection at most, batched."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from qbdsync.linking import create_company, create_connection
from qbdsync.qbwc.polls import PollRecorder
from qbdsync.settings import Settings
from qbdsync.store import companies as company_store
from qbdsync.store.db import make_engine
from qbdsync.store.migrate import upgrade


def test_calls_are_written_at_most_once_a_minute_per_connection(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'polls.db'}"
    engine = make_engine(url)
    upgrade(engine)
    settings = Settings(database_url=url, public_url="http://127.0.0.1:8000")  # type: ignore[call-arg]
    with engine.begin() as conn:
        company = create_company(conn, "Polls")
        ids = [create_connection(conn, settings, company).connection.id for _ in range(3)]
    recorder = PollRecorder(engine, every_seconds=60, flush_seconds=3600)

    def stored(cid: str) -> datetime | None:
        with engine.connect() as conn:
            return company_store.get_connection(conn, cid).last_request_at

    t0 = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
    for cid in ids:
        recorder.seen(cid, t0)
    assert stored(ids[0]) is None  # nothing written on the call itself
    assert recorder.flush() == 3  # one batch for all of them
    assert all(stored(cid) == t0 for cid in ids)
    recorder.seen(ids[0], t0 + timedelta(seconds=30))  # within the minute: coalesced
    assert recorder.flush() == 0
    assert stored(ids[0]) == t0
    recorder.seen(ids[0], t0 + timedelta(seconds=61))
    recorder.seen(ids[1], t0 + timedelta(seconds=10))
    assert recorder.flush() == 1
    assert stored(ids[0]) == t0 + timedelta(seconds=61) and stored(ids[1]) == t0
    recorder.seen(ids[2], t0 + timedelta(minutes=5))
    recorder.stop()  # what is left is written on the way out
    assert stored(ids[2]) == t0 + timedelta(minutes=5)
    engine.dispose()
