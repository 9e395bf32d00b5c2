"""Deliveries reach a real HTTP consumer on loopback, signed; failures back off and retry."""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta

import orjson
from sqlalchemy import Engine

from qbdsync.api.server import free_port
from qbdsync.jobs.catalogue import DELIVER_WEBHOOKS, PeriodicJob, periodic_jobs
from qbdsync.jobs.runner import start_background_jobs
from qbdsync.settings import Settings
from qbdsync.store import webhooks as store
from qbdsync.webhooks import events
from qbdsync.webhooks.delivery import RETRY_DELAYS, deliver_due, retry_delay
from qbdsync.webhooks.sender import WebhookSender
from qbdsync.webhooks.signing import new_secret
from tests.unit.webhooks.conftest import verify
from tests.unit.webhooks.receiver import Receiver, running_receiver


def _now() -> datetime:
    # Real time: the reference library refuses timestamps more than 5 minutes off its clock.
    return datetime.now(UTC).replace(microsecond=0)


def _consumer(engine: Engine, client_id: str, url: str) -> store.WebhookRow:
    with engine.begin() as conn:
        return store.create_webhook(
            conn,
            client_id=client_id,
            url=url,
            event_types=["*"],
            secret=new_secret(),
            now=_now(),
        )


def _emit(
    engine: Engine, client_id: str, now: datetime, event_type: str = "read.completed"
) -> None:
    with engine.begin() as conn:
        events.emit(
            conn,
            client_id=client_id,
            event_type=event_type,
            payload={"companyId": "c1", "dataType": "invoices"},
            company_tags=None,
            now=now,
        )


def _only_delivery(engine: Engine, client_id: str, webhook_id: str) -> store.DeliveryRow:
    with engine.begin() as conn:
        [delivery] = store.list_deliveries(conn, client_id, webhook_id)
    return delivery


def test_an_event_reaches_the_consumer_signed(
    engine: Engine, client_id: str, receiver: Receiver, sender: WebhookSender
) -> None:
    hook = _consumer(engine, client_id, receiver.url)
    now = _now()
    _emit(engine, client_id, now)
    assert deliver_due(engine, sender=sender, now=now) == 1
    [request] = receiver.requests
    assert request.path == "/hooks/qbdsync"
    assert request.headers["content-type"] == "application/json"
    body = verify(hook.secret, request.headers, request.body)
    delivery = _only_delivery(engine, client_id, hook.id)
    assert body == delivery.payload
    assert body["eventType"] == "read.completed"
    assert body["payload"] == {"companyId": "c1", "dataType": "invoices"}
    assert request.headers["webhook-id"] == body["id"] == delivery.event_id
    assert request.headers["webhook-timestamp"] == str(int(now.timestamp()))
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == (
        "succeeded",
        1,
        204,
    )
    assert delivery.delivered_at == now
    assert deliver_due(engine, sender=sender, now=now + timedelta(hours=1)) == 0


def test_a_consumer_that_is_down_gets_the_event_once_it_is_back(
    engine: Engine, client_id: str, sender: WebhookSender
) -> None:
    port = free_port()  # nothing listens here yet
    hook = _consumer(engine, client_id, f"http://127.0.0.1:{port}/hooks/qbdsync")
    start = _now()
    _emit(engine, client_id, start)
    assert deliver_due(engine, sender=sender, now=start) == 1
    waiting = _only_delivery(engine, client_id, hook.id)
    assert (waiting.status, waiting.attempts, waiting.last_status_code) == ("pending", 1, None)
    assert waiting.last_error is not None
    assert "ConnectError" in waiting.last_error
    assert waiting.next_attempt_at is not None
    assert start + timedelta(seconds=4) <= waiting.next_attempt_at <= start + timedelta(seconds=6)
    assert deliver_due(engine, sender=sender, now=start + timedelta(seconds=1)) == 0  # backing off

    with running_receiver(port) as receiver:
        later = start + timedelta(seconds=10)
        assert deliver_due(engine, sender=sender, now=later) == 1
        [request] = receiver.requests
        body = verify(hook.secret, request.headers, request.body)
    delivered = _only_delivery(engine, client_id, hook.id)
    assert body["id"] == delivered.event_id
    assert (delivered.status, delivered.attempts, delivered.delivered_at) == (
        "succeeded",
        2,
        later,
    )
    assert delivered.last_error is None


def test_non_2xx_answers_fail_then_give_up_after_max_attempts(
    engine: Engine, client_id: str, receiver: Receiver, sender: WebhookSender
) -> None:
    receiver.status, receiver.answer = 500, b"boom"
    hook = _consumer(engine, client_id, receiver.url)
    now = _now()
    _emit(engine, client_id, now)
    assert deliver_due(engine, sender=sender, now=now, max_attempts=2) == 1
    first = _only_delivery(engine, client_id, hook.id)
    assert (first.status, first.attempts, first.last_status_code, first.last_error) == (
        "pending",
        1,
        500,
        "HTTP 500 Internal Server Error",  # the status and its standard name, not the answer
    )
    receiver.status = 503
    assert deliver_due(engine, sender=sender, now=now + timedelta(seconds=7), max_attempts=2) == 1
    final = _only_delivery(engine, client_id, hook.id)
    assert (final.status, final.attempts, final.last_status_code, final.next_attempt_at) == (
        "failed",
        2,
        503,
        None,
    )
    assert final.last_error == "HTTP 503 Service Unavailable"
    assert len(receiver.requests) == 2
    assert deliver_due(engine, sender=sender, now=now + timedelta(days=3)) == 0


def test_replay_sends_the_same_event_again(
    engine: Engine, client_id: str, receiver: Receiver, sender: WebhookSender
) -> None:
    hook = _consumer(engine, client_id, receiver.url)
    now = _now()
    _emit(engine, client_id, now)
    deliver_due(engine, sender=sender, now=now)
    delivery = _only_delivery(engine, client_id, hook.id)
    with engine.begin() as conn:
        store.replay(conn, client_id, delivery.id, now=now + timedelta(seconds=2))
    assert deliver_due(engine, sender=sender, now=now + timedelta(seconds=2)) == 1
    first, second = receiver.requests
    assert first.body == second.body
    assert first.headers["webhook-id"] == second.headers["webhook-id"]
    verify(hook.secret, second.headers, second.body)
    assert _only_delivery(engine, client_id, hook.id).status == "succeeded"


def test_one_bad_consumer_does_not_stop_the_others(
    engine: Engine, client_id: str, receiver: Receiver, sender: WebhookSender
) -> None:
    broken = _consumer(engine, client_id, "not a url at all")
    good = _consumer(engine, client_id, receiver.url)
    now = _now()
    _emit(engine, client_id, now)
    assert deliver_due(engine, sender=sender, now=now) == 2
    assert _only_delivery(engine, client_id, good.id).status == "succeeded"
    bad = _only_delivery(engine, client_id, broken.id)
    assert (bad.status, bad.attempts) == ("pending", 1)
    assert bad.last_error


def test_limit_caps_one_pass(
    engine: Engine, client_id: str, receiver: Receiver, sender: WebhookSender
) -> None:
    _consumer(engine, client_id, receiver.url)
    now = _now()
    for _ in range(15):
        _emit(engine, client_id, now)
    assert deliver_due(engine, sender=sender, now=now, limit=12) == 12
    assert deliver_due(engine, sender=sender, now=now, limit=12) == 3
    bodies = [orjson.loads(r.body)["id"] for r in receiver.requests]
    assert len(set(bodies)) == 15


def test_backoff_schedule_with_jitter() -> None:
    rng = random.Random(7)
    for failed, base in enumerate(RETRY_DELAYS, start=1):
        delay = retry_delay(failed, rng)
        assert base * 0.8 <= delay <= base * 1.2
    assert retry_delay(50, rng) <= timedelta(hours=12)  # the last delay repeats
    assert [d.total_seconds() for d in RETRY_DELAYS] == [
        5,
        300,
        1800,
        7200,
        18000,
        36000,
        36000,
    ]


def _wait_for(receiver: Receiver, count: int) -> None:
    deadline = time.monotonic() + 15
    while len(receiver.requests) < count:
        assert time.monotonic() < deadline, "the worker did not deliver"
        time.sleep(0.02)


def test_the_background_jobs_deliver_and_a_wake_skips_the_wait(
    engine: Engine, client_id: str, receiver: Receiver, database_url: str
) -> None:
    hook = _consumer(engine, client_id, receiver.url)
    settings = Settings(
        database_url=database_url, webhook_poll_seconds=3600, webhook_allow_private="127.0.0.0/8"
    )
    [deliver] = [job for job in periodic_jobs(settings) if job.name == DELIVER_WEBHOOKS]
    jobs = start_background_jobs(engine, settings, jobs=[deliver])
    try:
        assert jobs.running
        time.sleep(2)  # the first (hourly) tick has run, on an empty queue
        _emit(engine, client_id, _now())
        jobs.wake(DELIVER_WEBHOOKS)  # no waiting for the next hourly tick
        _wait_for(receiver, 1)
        verify(hook.secret, receiver.requests[0].headers, receiver.requests[0].body)
    finally:
        jobs.stop(timeout=30)
    assert not jobs.running
    assert _only_delivery(engine, client_id, hook.id).status == "succeeded"


def test_the_webhook_job_polls_at_the_configured_interval(
    engine: Engine, client_id: str, receiver: Receiver, database_url: str
) -> None:
    _consumer(engine, client_id, receiver.url)
    settings = Settings(
        database_url=database_url,
        webhook_poll_seconds=0.05,
        webhook_allow_private="127.0.0.0/8",
    )
    [deliver] = [job for job in periodic_jobs(settings) if job.name == DELIVER_WEBHOOKS]
    assert deliver == PeriodicJob(DELIVER_WEBHOOKS, 0.05, deliver.run, exclusive=False)
    jobs = start_background_jobs(engine, settings, jobs=[deliver])
    try:
        _emit(engine, client_id, _now())
        _wait_for(receiver, 1)  # picked up by polling alone
    finally:
        jobs.stop(timeout=30)
    assert not jobs.running
