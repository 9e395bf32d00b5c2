"""Posting queued deliveries to consumers, with retries and backoff, on a background thread.

Delivery never happens on an HTTP request path: `emit` (events.py) only queues rows, and a
WebhookWorker per server process posts them. Several processes may run workers on one
PostgreSQL database; claims (store/webhooks.py) make sure each delivery is posted by one.

A consumer may be slow on purpose: each attempt ends by the timeout (sender.py), a batch
holds at most one delivery per consumer, and a batch's posts run side by side on a few
threads, so a consumer that hangs delays the others by at most about one timeout.

Start it from the ASGI app's lifespan, e.g.::

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        worker = start_worker(engine, settings)
        try:
            yield
        finally:
            worker.stop()
"""

from __future__ import annotations

import logging
import math
import random
import threading
from collections.abc import Callable, Sequence
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


class WebhookWorker:
    """Delivers due webhooks on a daemon thread until stopped. One per server process.

    It posts through `sender` (public destinations only unless its policy allows more) and
    closes it when stopped.
    """

    def __init__(
        self,
        engine: Engine,
        *,
        sender: WebhookSender | None = None,
        poll_seconds: float = 2.0,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
        batch_limit: int = 100,
        concurrency: int = DEFAULT_CONCURRENCY,
        chores: Sequence[Callable[[], object]] = (),
    ) -> None:
        self._engine = engine
        # Other periodic work that makes events (push timeouts), run before each pass so what
        # it queues goes out in that pass; given by the app, as webhooks know nothing of it.
        self._chores = tuple(chores)
        self._concurrency = concurrency
        self._poll_seconds = poll_seconds
        self._max_attempts = max_attempts
        self._timeout_seconds = timeout_seconds
        self._batch_limit = batch_limit
        self._sender = sender or WebhookSender(DestinationPolicy(), timeout_seconds=timeout_seconds)
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("a WebhookWorker can be started once")
        self._thread = threading.Thread(target=self._run, name="qbdsync-webhooks", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        """Look for due deliveries now instead of at the next poll (e.g. after an emit)."""
        self._wake.set()

    def stop(self, timeout: float | None = None) -> None:
        """Stop after the deliveries in flight (at most one consumer timeout) and close HTTP."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
        if not self.running:
            self._sender.close()

    def run_once(self) -> int:
        """The chores, then one pass over due deliveries (what the thread does each poll)."""
        for chore in self._chores:
            try:
                chore()
            except Exception:  # one failing chore must not stop deliveries
                logger.exception("background chore %r failed", chore)
        return deliver_due(
            self._engine,
            sender=self._sender,
            limit=self._batch_limit,
            max_attempts=self._max_attempts,
            timeout_seconds=self._timeout_seconds,
            stop=self._stop,
            concurrency=self._concurrency,
        )

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            try:
                attempted = self.run_once()
            except Exception:  # the database is away: log, wait, try again
                logger.exception("webhook delivery pass failed")
                attempted = 0
            if attempted < self._batch_limit:
                self._wake.wait(self._poll_seconds)


def start_worker(
    engine: Engine,
    settings: Settings,
    *,
    resolver: Resolver = system_resolver,
    chores: Sequence[Callable[[], object]] = (),
) -> WebhookWorker:
    """A started WebhookWorker configured from settings; call `stop()` on shutdown."""
    worker = WebhookWorker(
        engine,
        sender=WebhookSender.from_settings(settings, resolver=resolver),
        poll_seconds=settings.webhook_poll_seconds,
        max_attempts=settings.webhook_max_attempts,
        timeout_seconds=settings.webhook_timeout_seconds,
        concurrency=settings.webhook_concurrency,
        chores=chores,
    )
    worker.start()
    return worker
