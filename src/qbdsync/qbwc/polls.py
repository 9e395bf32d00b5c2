"""Every call of a connector seen, without a write per idle poll.

Idle polls are most of the traffic, and until now an idle poll wrote nothing, so a connector
that stopped calling looked exactly like an idle one. `PollRecorder` notes a connection's call
in memory and writes `connections.last_request_at` coalesced: at most once per `every_seconds`
(a minute) per connection in this process, and batched, one UPDATE statement for everything
noted, from a thread of its own every `flush_seconds`, so the event loop answering the Web
Connector never waits for a write (or for SQLite's write lock, which a live session may hold).

Each server process keeps its own memory: with N workers a connection's column is written at
most N times a minute. The stored time lags the true last call by at most `every_seconds` plus
`flush_seconds`; the health of a connection allows for that (connection_health.py).
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta

from sqlalchemy import Engine, bindparam, update

from qbdsync.store.tables import connections

log = logging.getLogger(__name__)

# At most one write per connection and process in this long.
DEFAULT_EVERY_SECONDS = 60.0
# How long a noted call waits, at most, before the batch holding it is written.
DEFAULT_FLUSH_SECONDS = 2.0

_RECORD = (
    update(connections)
    .where(connections.c.id == bindparam("connection_id"))
    .values(last_request_at=bindparam("at"))
)


class PollRecorder:
    """Notes connectors' calls; writes them coalesced and batched on a daemon thread."""

    def __init__(
        self,
        engine: Engine,
        *,
        every_seconds: float = DEFAULT_EVERY_SECONDS,
        flush_seconds: float = DEFAULT_FLUSH_SECONDS,
    ) -> None:
        self._engine = engine
        self._every = timedelta(seconds=every_seconds)
        self._flush_seconds = flush_seconds
        # When each connection's call was last queued for writing (read without the lock: a
        # stale answer only costs one redundant write).
        self._queued: dict[str, datetime] = {}
        self._pending: dict[str, datetime] = {}
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def seen(self, connection_id: str, at: datetime) -> None:
        """A call from this connection's connector at `at` (cheap: a dict look-up, mostly)."""
        last = self._queued.get(connection_id)
        if last is not None and at - last < self._every and at >= last:
            return
        with self._lock:
            self._queued[connection_id] = at
            self._pending[connection_id] = at
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="qbdsync-polls", daemon=True)
                self._thread.start()

    def flush(self) -> int:
        """Write what was noted (one statement, one transaction); how many connections."""
        with self._lock:
            batch, self._pending = self._pending, {}
        if not batch:
            return 0
        try:
            with self._engine.begin() as conn:
                conn.execute(
                    _RECORD, [{"connection_id": cid, "at": at} for cid, at in batch.items()]
                )
        except Exception:
            # The database is away: keep the newest time of each for the next attempt.
            with self._lock:
                for cid, at in batch.items():
                    if cid not in self._pending or self._pending[cid] < at:
                        self._pending[cid] = at
            raise
        return len(batch)

    def stop(self) -> None:
        """Write what is left and stop the thread."""
        self._stop.set()
        self._wake.set()
        thread = self._thread
        if thread is not None:
            thread.join(10)
        try:
            self.flush()
        except Exception:
            log.exception("could not record the connectors' last calls")

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self._flush_seconds)
            try:
                self.flush()
            except Exception:
                log.exception("could not record the connectors' last calls; retrying")
