"""The webhook timeout bounds a whole attempt: a consumer that trickles its answer one byte
inside every read timeout is cut off at the timeout, like one that answers nothing."""

from __future__ import annotations

import socket
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from qbdsync.store import webhooks as store
from qbdsync.webhooks.delivery import deliver_due
from qbdsync.webhooks.sender import Outcome, WebhookSender
from qbdsync.webhooks.signing import new_secret
from tests.unit.webhooks.conftest import LOOPBACK
from tests.unit.webhooks.receiver import Receiver
from tests.unit.webhooks.slow_consumer import slow_consumer

# Far longer than the 1 s timeout: without a deadline for the attempt the post would still be
# reading the trickled header (it never ends) when this runs out.
PATIENCE = 20.0
MINUTE = timedelta(minutes=1)


def _post_in_background(sender: WebhookSender, url: str) -> tuple[threading.Thread, list[Outcome]]:
    outcomes: list[Outcome] = []
    thread = threading.Thread(
        target=lambda: outcomes.append(sender.post(url, b"{}", {}, 1.0)), daemon=True
    )
    thread.start()
    return thread, outcomes


def test_a_consumer_trickling_its_answer_is_cut_off_at_the_timeout() -> None:
    with slow_consumer(byte_every=0.2) as consumer, WebhookSender(LOOPBACK) as sender:
        thread, outcomes = _post_in_background(sender, consumer.url)
        thread.join(PATIENCE)
        assert not thread.is_alive(), "the post outlived its timeout"
        assert outcomes == [Outcome(None, "ReadTimeout: no answer within the timeout")]
        assert consumer.abandoned.wait(PATIENCE)  # the connection was closed, not left open


def test_the_deadline_belongs_to_the_attempt_not_the_connection(receiver: Receiver) -> None:
    # One sender, one connection pool: a slow attempt does not shorten the next one's budget,
    # and the next attempt gets a full timeout of its own.
    with slow_consumer(byte_every=0.2) as consumer, WebhookSender(LOOPBACK) as sender:
        thread, outcomes = _post_in_background(sender, consumer.url)
        thread.join(PATIENCE)
        assert outcomes and outcomes[0].error is not None
        assert sender.post(receiver.url, b"{}", {}, 1.0) == Outcome(204, None)
        assert sender.post(receiver.url, b"{}", {}, 1.0) == Outcome(204, None)  # kept alive


def _consumer(engine: Engine, client_id: str, url: str) -> store.WebhookRow:
    with engine.begin() as conn:
        return store.create_webhook(
            conn,
            client_id=client_id,
            url=url,
            event_types=["*"],
            secret=new_secret(),
            now=datetime.now(UTC),
        )


def _queue(engine: Engine, webhook_id: str, at: datetime) -> str:
    with engine.begin() as conn:
        return store.enqueue(
            conn,
            webhook_id=webhook_id,
            event_id=str(uuid.uuid4()),
            event_type="read.completed",
            body={"eventType": "read.completed"},
            now=at,
        )


def test_a_hanging_consumer_does_not_hold_up_the_others(
    engine: Engine, client_id: str, receiver: Receiver
) -> None:
    """A consumer with a backlog that hangs to the (long) timeout, queued before a healthy
    one: the healthy consumer's delivery goes out while the hanging posts are still open."""
    start = datetime.now(UTC) - timedelta(minutes=5)
    with slow_consumer(byte_every=0.2) as slow, WebhookSender(LOOPBACK) as sender:
        slow_hook = _consumer(engine, client_id, slow.url)
        backlog = [_queue(engine, slow_hook.id, start + timedelta(seconds=i)) for i in range(3)]
        healthy = _queue(engine, _consumer(engine, client_id, receiver.url).id, start + MINUTE)
        attempted: list[int] = []
        run = threading.Thread(
            target=lambda: attempted.append(
                deliver_due(engine, sender=sender, timeout_seconds=PATIENCE * 3, concurrency=2)
            ),
            daemon=True,
        )
        run.start()
        assert slow.requested.wait(PATIENCE)
        for _ in range(int(PATIENCE / 0.05)):  # the healthy consumer is served meanwhile
            if receiver.requests:
                break
            time.sleep(0.05)
        assert len(receiver.requests) == 1
        assert not slow.abandoned.is_set()  # the hanging post is still open
        slow.hang_up.set()  # now the slow consumer answers nonsense at once
        run.join(PATIENCE)
        assert attempted == [4]
    with engine.connect() as conn:
        assert store.get_delivery(conn, client_id, healthy).status == "succeeded"
        for delivery_id in backlog:
            failed = store.get_delivery(conn, client_id, delivery_id)
            assert (failed.status, failed.attempts) == ("pending", 1)


def test_a_tls_handshake_trickled_byte_by_byte_is_cut_off_at_the_timeout() -> None:
    # A guard rather than a regression test: the TLS stream is ours now, and its handshake
    # must stay within the attempt's budget (CPython counts a socket timeout as a deadline
    # for the whole handshake).
    server = socket.create_server(("127.0.0.1", 0))
    stop = threading.Event()

    def serve() -> None:
        conn, _ = server.accept()
        with conn:
            conn.recv(65536)  # the ClientHello
            conn.sendall(b"\x16\x03\x03\x40\x00")  # a 16 KiB handshake record, then a byte a time
            while not stop.wait(0.2):
                try:
                    conn.sendall(b"\x02")
                except OSError:
                    return

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    url = f"https://hooks.example.test:{server.getsockname()[1]}/hooks"
    try:
        with WebhookSender(LOOPBACK, resolver=lambda host, port: ["127.0.0.1"]) as sender:
            poster, outcomes = _post_in_background(sender, url)
            poster.join(PATIENCE)
            assert not poster.is_alive(), "the handshake outlived the timeout"
            assert outcomes == [Outcome(None, "ConnectTimeout: no connection within the timeout")]
    finally:
        stop.set()
        thread.join(10)
        server.close()
