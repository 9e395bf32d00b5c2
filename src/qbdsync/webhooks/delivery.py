"""Posting queued deliveries to consumers, with retries and backoff.

Delivery never happens on an HTTP request path: `emit` (events.py) only queues rows, and the
background job `webhooks.deliver` (qbdsync.jobs) runs a Deliverer pass on every tick. Several
processes may make passes at once on one PostgreSQL database; claims (store/webhooks.py) make
sure each delivery is posted by one, and a claim's lease makes a delivery whose process died
mid-post due again.

A consumer may be slow on purpose: each attempt ends by the timeout (sender.py), a batch
holds at most one delivery per consumer, and a batch's posts run side by side on a few
threads, so a consumer that hangs delays the others by at most about one timeout.
"""

from __future__ import annotations

import logging
import math
import random
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import httpx
import orjson
from sqlalchemy import Engine

from qbdsync import metrics
from qbdsync.settings import Settings
from qbdsync.store import webhooks as store
from qbdsync.webhooks import signing
from qbdsync.webhooks.destinations import DestinationPolicy, Resolver, system_resolver
from qbdsync.webhooks.sender import DEFAULT_TIMEOUT_SECONDS, Outcome, WebhookSender

logger = logging.getLogger(__name__)

# Wait after the 1st, 2nd, … failed attempt (the last one repeats). With the default 8 attempts
# a consumer that is down for about a day still gets the event.
RETRY_DELAYS = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=10),
)
# Each delay is stretched or shrunk by up to this fraction so that consumers which failed
# together (an outage) are not all retried in the same second.
JITTER = 0.2
DEFAULT_MAX_ATTEMPTS = 8
# Deliveries claimed per transaction: small, so a claim's lease (and how long a crashed
# process's claims stay untouched) stays short even when every consumer hangs to the timeout.
CLAIM_BATCH = 10
LEASE_MARGIN = timedelta(seconds=60)
# Posts in flight at once per process (threads): enough that a few hanging consumers leave
# room for the others, few enough to be no burden (each mostly waits on a socket).
DEFAULT_CONCURRENCY = 4


def retry_delay(failed_attempts: int, rng: random.Random | None = None) -> timedelta:
    """How long to wait after `failed_attempts` (1 or more) failed attempts, with jitter."""
    base = RETRY_DELAYS[min(max(failed_attempts, 1), len(RETRY_DELAYS)) - 1]
    factor = 1 + (rng or random).uniform(-JITTER, JITTER)
    return base * factor


def _post(sender: WebhookSender, due: store.DueDelivery, at: datetime, timeout: float) -> Outcome:
    """Sign and post one delivery attempt made at `at`. Never raises."""
    delivery = due.delivery
    try:
        body = orjson.dumps(delivery.payload)
        headers = signing.headers(due.secret, delivery.event_id, body, at)
    except Exception as exc:  # an unusable secret: the attempt fails, the others go on
        return Outcome(None, f"cannot sign the delivery: {exc.__class__.__name__}")
    return sender.post(due.url, body, headers, timeout)


def deliver_due(
    engine: Engine,
    *,
    sender: WebhookSender,
    now: datetime | None = None,
    limit: int = 100,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
    stop: threading.Event | None = None,
    rng: random.Random | None = None,
    concurrency: int = 1,
) -> int:
    """Post up to `limit` deliveries that are due; returns how many were attempted.

    2xx marks a delivery succeeded; anything else (an error status or a redirect, a refused
    connection or destination, a timeout) counts a failed attempt and schedules the next one
    after `retry_delay`, or marks it failed after `max_attempts`. `now` fixes the clock
    (tests); by default each attempt uses the real time. `stop` ends the run early, giving
    unposted claims back. Up to `concurrency` posts run at once, each on its own thread;
    a batch holds one delivery per consumer.
    """

    def clock() -> datetime:
        return now if now is not None else datetime.now(UTC)

    def stopping() -> bool:
        return stop is not None and stop.is_set()

    def attempt(due: store.DueDelivery) -> bool:
        if stopping():
            return False
        _attempt(engine, sender, due, clock, max_attempts, timeout_seconds, rng)
        return True

    # A batch is posted in ceil(batch / concurrency) rounds of at most one timeout each.
    lease = timedelta(seconds=timeout_seconds) * math.ceil(CLAIM_BATCH / concurrency)
    lease += LEASE_MARGIN
    attempted = 0
    with ThreadPoolExecutor(concurrency, thread_name_prefix="qbdsync-webhook-post") as pool:
        while attempted < limit and not stopping():
            claimed_at = clock()
            with engine.begin() as conn:
                batch = store.claim_due(
                    conn,
                    now=claimed_at,
                    lease_until=claimed_at + lease,
                    limit=min(CLAIM_BATCH, limit - attempted),
                    one_per_consumer=True,
                )
            if not batch:
                break
            done = list(pool.map(attempt, batch))  # re-raises what an attempt raised
            attempted += sum(done)
            unposted = [
                due.delivery.id for due, posted in zip(batch, done, strict=True) if not posted
            ]
            if unposted:
                with engine.begin() as conn:
                    store.release(conn, unposted, now=clock())
    return attempted


def _attempt(
    engine: Engine,
    sender: WebhookSender,
    due: store.DueDelivery,
    clock: Callable[[], datetime],
    max_attempts: int,
    timeout_seconds: float,
    rng: random.Random | None,
) -> None:
    outcome = _post(sender, due, clock(), timeout_seconds)
    finished = clock()
    with engine.begin() as conn:
        if outcome.error is None and outcome.status_code is not None:
            store.record_success(
                conn, due.delivery.id, status_code=outcome.status_code, now=finished
            )
            metrics.count_webhook_attempt("succeeded")
            return
        failed_attempts = due.delivery.attempts + 1
        retry_at = (
            finished + retry_delay(failed_attempts, rng) if failed_attempts < max_attempts else None
        )
        store.record_failure(
            conn,
            due.delivery.id,
            status_code=outcome.status_code,
            error=outcome.error or "no answer",
            retry_at=retry_at,
        )
    metrics.count_webhook_attempt("retrying" if retry_at is not None else "failed")
    logger.info(
        "webhook delivery %s to consumer %s (%s) failed (attempt %d): %s",
        due.delivery.id,
        due.delivery.webhook_id,
        _origin(due.url),
        failed_attempts,
        outcome.error,
    )


def _origin(url: str) -> str:
    """Scheme, host and port of a consumer URL for the log: its user info, path and query may
    carry tokens, and secrets are never logged."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError):
        return "an unparsable URL"
    port = f":{parsed.port}" if parsed.port else ""
    return f"{parsed.scheme}://{parsed.host}{port}"


class Deliverer:
    """One process's webhook poster: `run_once` makes one pass over due deliveries.

    The background jobs (qbdsync.jobs) call it on every tick of `webhooks.deliver`; it keeps the
    HTTP client (public destinations only unless its policy allows more) between passes and
    closes it in `close`. A pass that finds one already running in this process returns at
    once: each process posts one batch at a time, as many processes as there are side by side.
    """

    def __init__(
        self,
        engine: Engine,
        *,
        sender: WebhookSender | None = None,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
        batch_limit: int = 100,
        concurrency: int = DEFAULT_CONCURRENCY,
    ) -> None:
        self._engine = engine
        self._concurrency = concurrency
        self._max_attempts = max_attempts
        self._timeout_seconds = timeout_seconds
        self._batch_limit = batch_limit
        self._sender = sender or WebhookSender(DestinationPolicy(), timeout_seconds=timeout_seconds)
        self._stop = threading.Event()
        self._passing = threading.Lock()

    @classmethod
    def from_settings(
        cls, engine: Engine, settings: Settings, *, resolver: Resolver = system_resolver
    ) -> Deliverer:
        return cls(
            engine,
            sender=WebhookSender.from_settings(settings, resolver=resolver),
            max_attempts=settings.webhook_max_attempts,
            timeout_seconds=settings.webhook_timeout_seconds,
            concurrency=settings.webhook_concurrency,
        )

    def run_once(self) -> int:
        """One pass over due deliveries; how many were attempted (0 when closed, or when a pass
        of this process is still running)."""
        if self._stop.is_set() or not self._passing.acquire(blocking=False):
            return 0
        try:
            return deliver_due(
                self._engine,
                sender=self._sender,
                limit=self._batch_limit,
                max_attempts=self._max_attempts,
                timeout_seconds=self._timeout_seconds,
                stop=self._stop,
                concurrency=self._concurrency,
            )
        finally:
            self._passing.release()

    def close(self, timeout: float | None = None) -> None:
        """End the pass in flight after its posts (unposted claims go back) and close HTTP."""
        self._stop.set()
        if self._passing.acquire(timeout=-1 if timeout is None else timeout):
            self._passing.release()
        self._sender.close()
