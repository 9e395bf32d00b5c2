"""Starting the background jobs of this process: procrastinate on PostgreSQL, the in-process
scheduler on SQLite, the same catalogue of jobs either way."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from sqlalchemy import Engine

from qbdsync.jobs.catalogue import PeriodicJob, periodic_jobs
from qbdsync.jobs.context import JobContext
from qbdsync.jobs.local import LocalScheduler
from qbdsync.settings import Settings
from qbdsync.store.db import is_sqlite
from qbdsync.webhooks.destinations import Resolver, system_resolver


class BackgroundJobs(Protocol):
    @property
    def running(self) -> bool: ...

    def start(self) -> None: ...

    def wake(self, name: str) -> None: ...

    def stop(self, timeout: float | None = None) -> None: ...


def start_background_jobs(
    engine: Engine,
    settings: Settings,
    *,
    resolver: Resolver = system_resolver,
    jobs: Sequence[PeriodicJob] | None = None,
) -> BackgroundJobs:
    """Started runner of `jobs` (the catalogue's by default); call `stop()` on shutdown."""
    chosen = periodic_jobs(settings) if jobs is None else tuple(jobs)
    context = JobContext(engine, settings, resolver)
    runner: BackgroundJobs
    if is_sqlite(engine):
        runner = LocalScheduler(chosen, context)
    else:
        from qbdsync.jobs.queue import QueueRunner  # procrastinate is needed on PostgreSQL only

        runner = QueueRunner(chosen, context)
    runner.start()
    return runner
