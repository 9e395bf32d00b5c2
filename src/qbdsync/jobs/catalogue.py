"""The periodic jobs: each a name, an interval and what it does, in one list.

`periodic_jobs(settings)` is the one place a job is registered; both runners (queue.py on
PostgreSQL, local.py on SQLite) run exactly that list. To add one, write a function taking the
JobContext (chores.py) and add a PeriodicJob for it below: a name, an interval, the function,
e.g. ``PeriodicJob("connections.health_watch", 60.0, chores.watch_connection_health)``.

A job may run on any node, may be run again after a node died part-way through it, and (on
PostgreSQL) a tick missed while every node was down is not made up later, so each job does
whatever is due at the time it runs and does it idempotently, in transactions of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from qbdsync.jobs import chores
from qbdsync.jobs.context import JobContext
from qbdsync.settings import Settings

DELIVER_WEBHOOKS = "webhooks.deliver"

# How often pending pushes are checked against their timeoutInMinutes (whole minutes): a push
# becomes TimedOut at most this long after its time-out passed, with no connector calling.
PUSH_TIMEOUT_EVERY_SECONDS = 15.0
HEALTH_CHECK_TIMEOUT_EVERY_SECONDS = 60.0
# How often connections are looked at for a health change (a silent connector turns late by
# the clock alone, so this must run whether or not anything calls).
HEALTH_WATCH_EVERY_SECONDS = 60.0
RETENTION_EVERY_SECONDS = 3600.0


@dataclass(frozen=True, slots=True)
class PeriodicJob:
    """A job run every `every_seconds` (on PostgreSQL rounded to a whole-second, -minute or
    -hour cron tick, so that every node computes the same ticks)."""

    name: str
    every_seconds: float
    run: Callable[[JobContext], object]
    # At most one run at a time across all nodes (a procrastinate lock). False for the webhook
    # pass: passes run side by side on several nodes (claims keep them apart), one per node.
    exclusive: bool = True


def periodic_jobs(settings: Settings) -> tuple[PeriodicJob, ...]:
    """Every periodic job, in the order a runner starts them."""
    jobs = [
        PeriodicJob(
            DELIVER_WEBHOOKS, settings.webhook_poll_seconds, chores.deliver_webhooks, False
        ),
        PeriodicJob("pushes.time_out", PUSH_TIMEOUT_EVERY_SECONDS, chores.time_out_pushes),
        PeriodicJob(
            "health_checks.time_out",
            HEALTH_CHECK_TIMEOUT_EVERY_SECONDS,
            chores.time_out_health_checks,
        ),
        PeriodicJob(
            "connections.health_watch", HEALTH_WATCH_EVERY_SECONDS, chores.watch_connection_health
        ),
    ]
    if settings.retention_days > 0:
        jobs.append(PeriodicJob("retention.prune", RETENTION_EVERY_SECONDS, chores.prune))
    return tuple(jobs)
