"""Background work: what runs on a timer, once across all nodes, surviving a node that dies.

Every periodic activity of qbdsync is a job in catalogue.py (a name, an interval, a function):

- `webhooks.deliver` (every QBDSYNC_WEBHOOK_POLL_SECONDS): one pass over the deliveries that
  are due, with retries and backoff. The events stay in the webhook_deliveries outbox, written
  in the same transaction as the change they describe (webhooks/events.py says why); the job
  only makes passes. Passes may run on several nodes at once: claims with a lease keep them
  from posting one delivery twice, and a delivery whose node died mid-post is due again when
  its lease ends.
- `pushes.time_out` (every 15 s): a pending push past its timeoutInMinutes becomes TimedOut
  with its `.write.unsuccessful` webhook, even when no connector ever calls again.
- `health_checks.time_out` (every minute): unanswered checks past their timeout are stored
  TimedOut, so the per-connection pruning can remove them.
- `connections.health_watch` (every minute): emits `connection.health.changed` for each
  connection whose health changed (a silent connector turns late by the clock alone).
- `retention.prune` (hourly; QBDSYNC_RETENTION_DAYS): finished webhook deliveries, finished
  sessions and sync errors older than the retention period are deleted.

Sessions left silent by a Web Connector and pull retries are decided on the request path when
the connector calls, and need no timer.

How the jobs run (runner.py): on PostgreSQL as procrastinate periodic tasks (queue.py), whose
worker each node runs in-process — each tick runs once across all nodes, and the jobs of a node
that dies are run again by another; on SQLite, the single-machine default, by one scheduler in
the serving process (local.py). `qbdsync serve` runs them unless QBDSYNC_RUN_JOBS is false;
`qbdsync worker` runs them alone.
"""
