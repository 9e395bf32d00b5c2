"""The embedded (SQLite) runner: one scheduler in the serving process runs the periodic jobs.

SQLite is the single-machine default, so there is one node; its `qbdsync serve` (or a test's
app) runs each job of the catalogue at its interval on a small thread pool. A job whose run
is still going when its next tick comes skips that tick, and a job that fails is logged and
runs again at its next tick; the other jobs go on.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor

from qbdsync.jobs.catalogue import PeriodicJob
from qbdsync.jobs.context import JobContext

logger = logging.getLogger(__name__)


class LocalScheduler:
    """Runs `jobs` in this process until stopped."""

    def __init__(self, jobs: Sequence[PeriodicJob], context: JobContext) -> None:
        self._jobs = tuple(jobs)
        self._context = context
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._woken: set[str] = set()
        self._woken_lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max(1, len(self._jobs)), thread_name_prefix="qbdsync-job")
        self._running: dict[str, Future[object]] = {}
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("a scheduler can be started once")
        self._thread = threading.Thread(target=self._loop, name="qbdsync-jobs", daemon=True)
        self._thread.start()

    def wake(self, name: str) -> None:
        """Run job `name` now rather than at its next tick (e.g. webhooks after a replay)."""
        with self._woken_lock:
            self._woken.add(name)
        self._wake.set()

    def stop(self, timeout: float | None = None) -> None:
        """Stop scheduling, end the runs in flight (a webhook pass gives back what it has not
        posted) and wait for them."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self._context.close(timeout)
        self._pool.shutdown(wait=True, cancel_futures=True)

    def _loop(self) -> None:
        due = dict.fromkeys((job.name for job in self._jobs), time.monotonic())
        while not self._stop.is_set():
            now = time.monotonic()
            with self._woken_lock:
                woken, self._woken = self._woken, set()
            for job in self._jobs:
                if due[job.name] <= now or job.name in woken:
                    self._submit(job)
                    due[job.name] = now + job.every_seconds
            self._wake.wait(max(0.0, min(due.values()) - time.monotonic()))
            self._wake.clear()

    def _submit(self, job: PeriodicJob) -> None:
        previous = self._running.get(job.name)
        if previous is not None and not previous.done():
            return  # still running since its last tick: this tick is skipped
        self._running[job.name] = self._pool.submit(self._run, job)

    def _run(self, job: PeriodicJob) -> object:
        try:
            return job.run(self._context)
        except Exception:  # the database is away, or a bug: log; the next tick tries again
            logger.exception("background job %s failed", job.name)
            return None
