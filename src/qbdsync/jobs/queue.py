"""The PostgreSQL runner: the periodic jobs as procrastinate tasks, run by a procrastinate
worker inside this process.

Every node runs one worker. Each worker's periodic deferrer proposes each tick of each job,
and procrastinate's table of periodic defers (unique per task and tick) lets exactly one
proposal in, so each tick becomes one job, which one worker of all the nodes takes. Workers
record a heartbeat; a node that dies mid-job stops beating, and the `jobs.retry_stalled` task
(itself periodic, on whichever node is alive) puts the jobs of a worker silent for longer than
QBDSYNC_JOB_STALLED_SECONDS back in the queue, where a live worker runs them again.

The jobs' own work is idempotent (catalogue.py), so running a half-done job again is safe.
Procrastinate's tables are created by an Alembic revision (0014), never at start-up.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import threading
from collections.abc import Sequence
from typing import Any, Final

import procrastinate
from procrastinate import exceptions as procrastinate_errors
from procrastinate.worker import Worker
from sqlalchemy.engine import make_url

from qbdsync.jobs.catalogue import PeriodicJob
from qbdsync.jobs.context import JobContext
from qbdsync.settings import Settings

logger = logging.getLogger(__name__)

# Procrastinate's own periodic chores, beside the catalogue's.
RETRY_STALLED_TASK: Final = "jobs.retry_stalled"
DELETE_FINISHED_TASK: Final = "jobs.delete_finished"
RETRY_STALLED_EVERY_SECONDS: Final = 10.0
DELETE_FINISHED_EVERY_SECONDS: Final = 600.0
# Finished jobs are kept this long (what ran when, for an operator asking), then deleted: a
# webhook pass every 2 s alone makes 43,200 a day.
FINISHED_JOBS_KEPT_HOURS: Final = 6
# After a stop, runs still going get this long beyond a webhook attempt's timeout to end.
SHUTDOWN_MARGIN_SECONDS: Final = 10.0


def cron_for(every_seconds: float) -> str:
    """The cron expression (croniter's, seconds last) closest to every `every_seconds`,
    aligned to the clock so that all nodes compute the same ticks."""
    if every_seconds < 60:
        return f"* * * * * */{max(1, round(every_seconds))}"
    if every_seconds < 3600:
        return f"*/{max(1, round(every_seconds / 60))} * * * *"
    if every_seconds < 86400:
        return f"0 */{max(1, round(every_seconds / 3600))} * * *"
    return "0 0 * * *"


def conninfo(database_url: str) -> str:
    """libpq's form of a SQLAlchemy PostgreSQL URL (the driver name dropped)."""
    return make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)


def build_app(
    jobs: Sequence[PeriodicJob], context: JobContext, *, stalled_seconds: float
) -> procrastinate.App:
    """A procrastinate App with one periodic task per job and the queue's own chores."""
    connector = procrastinate.PsycopgConnector(
        conninfo=conninfo(context.settings.database_url),
        min_size=1,
        max_size=context.settings.jobs_concurrency + 3,
    )
    app = procrastinate.App(connector=connector)
    for job in jobs:
        _register(app, job, context)

    async def retry_stalled(timestamp: int) -> int:
        """Put the jobs of workers silent for `stalled_seconds` back in the queue."""
        retried = 0
        for stalled in await app.job_manager.get_stalled_jobs(
            seconds_since_heartbeat=stalled_seconds
        ):
            try:
                await app.job_manager.retry_job(stalled)
            except procrastinate_errors.ConnectorException:
                continue  # another node retried it first, or it finished meanwhile
            retried += 1
            logger.warning(
                "background job %s (#%s) was running on a node that stopped answering; "
                "queued again",
                stalled.task_name,
                stalled.id,
            )
        return retried

    async def delete_finished(timestamp: int) -> None:
        await app.job_manager.delete_old_jobs(
            nb_hours=FINISHED_JOBS_KEPT_HOURS,
            include_failed=True,
            include_cancelled=True,
            include_aborted=True,
        )

    # No lock on the retry: a lock held by a dead node's retry would block every later one.
    app.periodic(cron=cron_for(RETRY_STALLED_EVERY_SECONDS))(
        app.task(name=RETRY_STALLED_TASK)(retry_stalled)
    )
    app.periodic(cron=cron_for(DELETE_FINISHED_EVERY_SECONDS))(
        app.task(name=DELETE_FINISHED_TASK, lock=DELETE_FINISHED_TASK)(delete_finished)
    )
    return app


def _register(app: procrastinate.App, job: PeriodicJob, context: JobContext) -> None:
    def run(timestamp: int) -> None:
        # Sync: procrastinate runs it on a thread of its own, beside the others.
        job.run(context)

    task = app.task(name=job.name, lock=job.name if job.exclusive else None)(run)
    app.periodic(cron=cron_for(job.every_seconds))(task)


class QueueRunner:
    """A procrastinate worker running `jobs` on its own thread and event loop."""

    def __init__(self, jobs: Sequence[PeriodicJob], context: JobContext) -> None:
        settings: Settings = context.settings
        # Procrastinate logs every job at INFO; with a webhook pass every 2 s that would be
        # most of a node's log, so it says only what goes wrong unless asked for DEBUG.
        if settings.log_level != "DEBUG":
            logging.getLogger("procrastinate").setLevel(logging.WARNING)
        self._context = context
        self._stalled_seconds = settings.job_stalled_seconds
        self._app = build_app(jobs, context, stalled_seconds=self._stalled_seconds)
        self._worker = Worker(
            self._app,
            name=f"qbdsync@{socket.gethostname()}:{os.getpid()}",
            concurrency=settings.jobs_concurrency,
            install_signal_handlers=False,
            # A beat three times per stalled period: one late beat is not a death.
            update_heartbeat_interval=self._stalled_seconds / 3,
            stalled_worker_timeout=self._stalled_seconds,
            shutdown_graceful_timeout=settings.webhook_timeout_seconds + SHUTDOWN_MARGIN_SECONDS,
        )
        self._loop: asyncio.AbstractEventLoop | None = None
        self._started = threading.Event()
        self._thread: threading.Thread | None = None
        self._failure: BaseException | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("a QueueRunner can be started once")
        self._thread = threading.Thread(target=self._main, name="qbdsync-jobs", daemon=True)
        self._thread.start()
        self._started.wait(timeout=30)

    def _main(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as exc:  # logged; the node serves on, and /readyz still answers
            self._failure = exc
            logger.exception("the background job worker stopped on an error")
        finally:
            self._started.set()

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        async with self._app.open_async():
            self._started.set()
            await self._worker.run()  # type: ignore[no-untyped-call]

    def wake(self, name: str) -> None:
        """Queue a run of job `name` now rather than at its next tick."""
        loop = self._loop
        task = self._app.tasks.get(name)
        if loop is None or task is None or not self.running:
            return
        future = asyncio.run_coroutine_threadsafe(task.defer_async(timestamp=0), loop)
        future.add_done_callback(_log_failure)

    def stop(self, timeout: float | None = None) -> None:
        """Stop taking jobs, let the runs in flight end (a webhook pass gives back what it has
        not posted) and stop the worker (it unregisters, so nobody waits for its heartbeat)."""
        self._context.close(timeout)
        loop = self._loop
        if loop is not None and self.running:
            loop.call_soon_threadsafe(self._worker.stop)
        if self._thread is not None:
            self._thread.join(timeout)


def _log_failure(future: Any) -> None:
    if not future.cancelled() and future.exception() is not None:
        logger.warning("could not queue a background job: %s", future.exception())
