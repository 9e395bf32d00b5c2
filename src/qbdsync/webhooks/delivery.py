"""Posting queued deliveries to consumers, with retries and backoff, on a background thread.

Delivery never happens on an HTTP request path: `emit` (events.py) only queues rows, and a
WebhookWorker per server process posts them. Several processes may run workers on one
PostgreSQL database; claims (store/webhooks.py) make sure each delivery is posted by one.

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
import random
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import httpx
import orjson
from sqlalchemy import Engine

from qbdsync.redact import mask_url
from qbdsync.settings import Settings
from qbdsync.store import webhooks as store
from qbdsync.webhooks import signing

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
DEFAULT_TIMEOUT_SECONDS = 15.0
# Deliveries claimed per transaction: small, so a claim's lease (and how long a crashed
# process's claims stay untouched) stays short even when every consumer hangs to the timeout.
CLAIM_BATCH = 10
LEASE_MARGIN = timedelta(seconds=60)
# How much of a failing consumer's answer is kept in the delivery log.
ERROR_BODY_BYTES = 512
USER_AGENT = "qbdsync-webhooks"


def retry_delay(failed_attempts: int, rng: random.Random | None = None) -> timedelta:
    """How long to wait after `failed_attempts` (1 or more) failed attempts, with jitter."""
    base = RETRY_DELAYS[min(max(failed_attempts, 1), len(RETRY_DELAYS)) - 1]
    factor = 1 + (rng or random).uniform(-JITTER, JITTER)
    return base * factor


def _describe(exc: BaseException) -> str:
    text = str(exc) or exc.__class__.__name__
    return f"{exc.__class__.__name__}: {text}"[:1000]


def _post(
    client: httpx.Client, due: store.DueDelivery, at: datetime, timeout: float
) -> tuple[int | None, str | None]:
    """Post one delivery; (status code, error text or None). Never raises."""
    delivery = due.delivery
    try:
        body = orjson.dumps(delivery.payload)
        headers = signing.headers(due.secret, delivery.event_id, body, at)
        with client.stream(
            "POST", due.url, content=body, headers=headers, timeout=timeout
        ) as response:
            if 200 <= response.status_code < 300:
                return response.status_code, None
            # A bit of the answer helps whoever reads the delivery log; never read it all.
            start = b""
            for chunk in response.iter_bytes():
                start += chunk
                if len(start) >= ERROR_BODY_BYTES:
                    break
            text = start[:ERROR_BODY_BYTES].decode("utf-8", "replace").strip()
            return response.status_code, f"HTTP {response.status_code}" + (
                f": {text}" if text else ""
            )
    except Exception as exc:  # one bad consumer (bad URL, refused, timeout) stops nothing
        return None, _describe(exc)


def deliver_due(
    engine: Engine,
    *,
    client: httpx.Client,
    now: datetime | None = None,
    limit: int = 100,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
    stop: threading.Event | None = None,
    rng: random.Random | None = None,
) -> int:
    """Post up to `limit` deliveries that are due; returns how many were attempted.

    2xx marks a delivery succeeded; anything else (an error status, a refused connection, a
    timeout) counts a failed attempt and schedules the next one after `retry_delay`, or marks
    it failed after `max_attempts`. `now` fixes the clock (tests); by default each attempt uses
    the real time. `stop` ends the run early, giving unposted claims back.
    """

    def clock() -> datetime:
        return now if now is not None else datetime.now(UTC)

    lease = timedelta(seconds=timeout_seconds) * CLAIM_BATCH + LEASE_MARGIN
    attempted = 0
    while attempted < limit and not (stop is not None and stop.is_set()):
        claimed_at = clock()
        with engine.begin() as conn:
            batch = store.claim_due(
                conn,
                now=claimed_at,
                lease_until=claimed_at + lease,
                limit=min(CLAIM_BATCH, limit - attempted),
            )
        if not batch:
            break
        for index, due in enumerate(batch):
            if stop is not None and stop.is_set():
                with engine.begin() as conn:
                    store.release(conn, [d.delivery.id for d in batch[index:]], now=clock())
                return attempted
            _attempt(engine, client, due, clock, max_attempts, timeout_seconds, rng)
            attempted += 1
    return attempted


def _attempt(
    engine: Engine,
    client: httpx.Client,
    due: store.DueDelivery,
    clock: Callable[[], datetime],
    max_attempts: int,
    timeout_seconds: float,
    rng: random.Random | None,
) -> None:
    status_code, error = _post(client, due, clock(), timeout_seconds)
    finished = clock()
    with engine.begin() as conn:
        if error is None and status_code is not None:
            store.record_success(conn, due.delivery.id, status_code=status_code, now=finished)
            return
        failed_attempts = due.delivery.attempts + 1
        retry_at = (
            finished + retry_delay(failed_attempts, rng) if failed_attempts < max_attempts else None
        )
        store.record_failure(
            conn,
            due.delivery.id,
            status_code=status_code,
            error=error or "no answer",
            retry_at=retry_at,
        )
    logger.info(
        "webhook delivery %s to %s failed (attempt %d): %s",
        due.delivery.id,
        mask_url(due.url),
        failed_attempts,
        error,
    )


class WebhookWorker:
    """Delivers due webhooks on a daemon thread until stopped. One per server process."""

    def __init__(
        self,
        engine: Engine,
        *,
        poll_seconds: float = 2.0,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
        batch_limit: int = 100,
    ) -> None:
        self._engine = engine
        self._poll_seconds = poll_seconds
        self._max_attempts = max_attempts
        self._timeout_seconds = timeout_seconds
        self._batch_limit = batch_limit
        # Redirects are not followed: a consumer answers 2xx itself or the attempt failed.
        self._client = httpx.Client(
            follow_redirects=False,
            timeout=timeout_seconds,
            headers={"user-agent": USER_AGENT},
        )
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
        """Stop after the delivery in flight (at most one consumer timeout) and close HTTP."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
        if not self.running:
            self._client.close()

    def run_once(self) -> int:
        """One pass over due deliveries (what the thread does each poll)."""
        return deliver_due(
            self._engine,
            client=self._client,
            limit=self._batch_limit,
            max_attempts=self._max_attempts,
            timeout_seconds=self._timeout_seconds,
            stop=self._stop,
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


def start_worker(engine: Engine, settings: Settings) -> WebhookWorker:
    """A started WebhookWorker configured from settings; call `stop()` on shutdown."""
    worker = WebhookWorker(
        engine,
        poll_seconds=settings.webhook_poll_seconds,
        max_attempts=settings.webhook_max_attempts,
        timeout_seconds=settings.webhook_timeout_seconds,
    )
    worker.start()
    return worker
