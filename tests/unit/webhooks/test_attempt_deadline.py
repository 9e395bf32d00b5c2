"""The webhook timeout bounds a whole attempt: a consumer that trickles its answer one byte
inside every read timeout is cut off at the timeout, like one that answers nothing."""

from __future__ import annotations

import threading

from qbdsync.webhooks.sender import Outcome, WebhookSender
from tests.unit.webhooks.conftest import LOOPBACK
from tests.unit.webhooks.receiver import Receiver
from tests.unit.webhooks.slow_consumer import slow_consumer

# Far longer than the 1 s timeout: without a deadline for the attempt the post would still be
# reading the trickled header (it never ends) when this runs out.
PATIENCE = 20.0


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
