"""The built-in periodic jobs (catalogue.py lists them with their intervals).

Each does what is due when it runs, in transactions of its own, and doing it twice does no
harm: a job may be run again on another node after the node running it died.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Final

from qbdsync import connection_health, health_checks, outbox
from qbdsync.jobs.context import JobContext
from qbdsync.store import retention

logger = logging.getLogger(__name__)

# Pushes timed out per transaction: each one's event and dependants commit with it.
PUSH_BATCH: Final = 500


def deliver_webhooks(ctx: JobContext) -> int:
    """One pass over the webhook deliveries that are due; how many were attempted."""
    deliverer = ctx.deliverer
    return deliverer.run_once() if deliverer is not None else 0


def time_out_pushes(ctx: JobContext) -> int:
    """Pending pushes past their timeoutInMinutes become TimedOut with their
    `{dataType}.write.unsuccessful` event, whether or not a connector calls; how many."""
    total = 0
    while True:
        with ctx.engine.begin() as conn:
            done = len(outbox.expire_due(conn, ctx.now(), limit=PUSH_BATCH))
        total += done
        if done < PUSH_BATCH:
            break
    if total:
        logger.info("%d push(es) timed out: the connector did not call in time", total)
    return total


def time_out_health_checks(ctx: JobContext) -> int:
    """Health checks nobody answered before their timeout are stored TimedOut; how many."""
    with ctx.engine.begin() as conn:
        return health_checks.time_out_expired(conn, ctx.now())


def watch_connection_health(ctx: JobContext) -> int:
    """Emit `connection.health.changed` for each connection whose health changed since it was
    last announced (the compare-and-set in `connection_health.watch` announces each change
    once, even if this job runs twice); how many changed."""
    with ctx.engine.begin() as conn:
        return connection_health.watch(conn, ctx.settings, ctx.now())


def prune(ctx: JobContext) -> retention.Pruned:
    """Delete finished rows older than QBDSYNC_RETENTION_DAYS."""
    before = ctx.now() - timedelta(days=ctx.settings.retention_days)
    pruned = retention.prune(ctx.engine, before)
    if pruned.deliveries or pruned.sessions or pruned.sync_errors:
        logger.info(
            "retention: deleted %d webhook deliveries, %d sessions and %d sync errors "
            "from before %s",
            pruned.deliveries,
            pruned.sessions,
            pruned.sync_errors,
            before.isoformat(timespec="seconds"),
        )
    return pruned
