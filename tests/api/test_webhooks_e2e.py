"""Webhooks end to end: a real consumer on loopback receives signed Codat events for a company
linked and synced through the API, verified with the `standardwebhooks` package exactly as an
operator's own code would; a consumer that is down gets them later; the log and replay work."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from qbdsync.api.server import free_port
from qbdsync.webhooks.delivery import deliver_due
from qbdsync.webhooks.destinations import DestinationPolicy
from qbdsync.webhooks.sender import WebhookSender
from tests.api.helpers import create_linkable, link_and_sync, new_tenant, serving
from tests.api.receiver import Received, receiver
from tests.unit.webhooks.slow_consumer import slow_consumer

# The consumers here run on 127.0.0.1; the operator allows loopback as it would a private
# network its consumers live on (off by default).
ALLOW_LOOPBACK = "127.0.0.0/8"
EVENTS = [
    "company.created",
    "connection.created",
    "connection.connected",
    "read.completed",
    "read.completed.initial",
]


def _verified(secret: str, got: list[Received]) -> list[dict[str, Any]]:
    """Each delivery's body, after Standard Webhooks verification (which raises if bad)."""
    hook = Webhook(secret)
    bodies = []
    for item in got:
        payload = hook.verify(item.body, item.headers)
        assert payload == json.loads(item.body)
        assert item.headers["webhook-id"] == payload["id"]
        assert item.headers["content-type"].startswith("application/json")
        bodies.append(payload)
    return bodies


def _by_type(bodies: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {b["eventType"]: b for b in bodies}


def _settled_log(api: httpx.Client, url: str, wanted: set[str]) -> list[dict[str, Any]]:
    """The delivery log once every wanted event is in it and nothing is pending."""
    deadline = time.monotonic() + 20
    while True:
        log: list[dict[str, Any]] = api.get(url).json()["results"]
        types = {d["eventType"] for d in log}
        settled = all(d["status"] != "pending" for d in log)
        if (wanted <= types and settled) or time.monotonic() > deadline:
            return log
        time.sleep(0.05)


def test_signed_events_for_a_linked_and_synced_company(sqlite_url: str, tmp_path: Path) -> None:
    with (
        receiver() as inbox,
        serving(
            sqlite_url, webhook_poll_seconds=0.1, webhook_allow_private=ALLOW_LOOPBACK
        ) as server,
    ):
        tenant = new_tenant(server, "hooks")
        made = tenant.api.post("/webhooks", json={"url": inbox.url, "eventTypes": EVENTS})
        assert made.status_code in (200, 201), made.text
        consumer = made.json()
        secret = consumer["signingSecret"]
        assert secret.startswith("whsec_")
        synced = link_and_sync(tenant, tmp_path, "Hooked Ltd")

        wanted = {
            "company.created",
            "connection.created",
            "connection.connected",
            "read.completed",
            "read.completed.initial",
        }
        log_url = f"/webhooks/{consumer['id']}/deliveries"
        log = _settled_log(tenant.api, log_url, wanted)
        bodies = _verified(secret, inbox.wait_for(len(log)))
        assert len(bodies) == len(log)
        events = _by_type(bodies)
        assert wanted <= set(events), sorted(events)
        assert set(events) <= set(EVENTS)

        for body in bodies:
            assert set(body) == {"id", "eventType", "generatedDate", "payload"}
            assert body["generatedDate"].endswith("Z")
            assert body["payload"]["referenceCompany"]["id"] == synced.company_id
            assert body["payload"]["referenceCompany"]["name"] == "Hooked Ltd"
        connected = events["connection.connected"]["payload"]["connection"]
        assert connected["id"] == synced.connection_id
        assert connected["status"] == "Linked"
        assert connected["integrationKey"] == "pqsw"
        created = events["connection.created"]["payload"]["connection"]
        assert created["status"] == "PendingAuth" and created["linkUrl"]

        # a tampered body fails verification
        first = inbox.snapshot()[0]
        forged = first.body.replace(b"Hooked", b"Hacked")
        with pytest.raises(WebhookVerificationError):
            Webhook(secret).verify(forged, first.headers)

        # the delivery log
        assert {d["eventType"] for d in log} == set(events)
        assert all(d["status"] == "succeeded" and d["lastStatusCode"] == 200 for d in log)
        assert {d["eventId"] for d in log} == {b["id"] for b in bodies}
        only_ok = tenant.api.get(log_url, params={"status": "succeeded"}).json()["results"]
        assert len(only_ok) == len(log)

        # replay sends the same event (same id) again
        target = next(d for d in log if d["eventType"] == "connection.connected")
        count = len(inbox.snapshot())
        replayed = tenant.api.post(f"/webhooks/{consumer['id']}/deliveries/{target['id']}/replay")
        assert replayed.status_code == 200, replayed.text
        assert replayed.json()["status"] == "pending"
        again = inbox.wait_for(count + 1)
        assert len(again) == count + 1
        body = _verified(secret, again[-1:])[0]
        assert body["id"] == target["eventId"]
        assert body["eventType"] == "connection.connected"


def test_a_consumer_that_is_down_gets_the_events_later(sqlite_url: str) -> None:
    port = free_port()
    with serving(
        sqlite_url, webhook_poll_seconds=3600, webhook_allow_private=ALLOW_LOOPBACK
    ) as server:
        tenant = new_tenant(server, "later")
        url = f"http://127.0.0.1:{port}/hooks/codat"
        made = tenant.api.post("/webhooks", json={"url": url, "eventTypes": ["*"]})
        consumer = made.json()
        company_id, _ = create_linkable(tenant, "Patient Co", tags={"region": "us"})
        log_url = f"/webhooks/{consumer['id']}/deliveries"
        now = datetime.now(UTC)
        with WebhookSender(DestinationPolicy.parse(ALLOW_LOOPBACK)) as sender:
            assert deliver_due(server.engine, sender=sender, now=now) == 2
            log = tenant.api.get(log_url).json()["results"]
            assert {d["eventType"] for d in log} == {"company.created", "connection.created"}
            for delivery in log:
                assert delivery["status"] == "pending"
                assert delivery["attempts"] == 1
                assert delivery["lastError"]
                assert delivery["nextAttemptAt"] > now.strftime("%Y-%m-%dT%H:%M:%S")
            # nothing is due again until the backoff has passed
            assert deliver_due(server.engine, sender=sender, now=now) == 0

            with receiver(port) as inbox:
                later = now + timedelta(minutes=1)
                assert deliver_due(server.engine, sender=sender, now=later) == 2
                bodies = _verified(consumer["signingSecret"], inbox.wait_for(2))
        assert {b["eventType"] for b in bodies} == {"company.created", "connection.created"}
        assert all(b["payload"]["referenceCompany"]["id"] == company_id for b in bodies)
        assert all(b["payload"]["referenceCompany"]["tags"] == {"region": "us"} for b in bodies)
        log = tenant.api.get(log_url).json()["results"]
        assert all(d["status"] == "succeeded" and d["attempts"] == 2 for d in log)
        failed = tenant.api.get(log_url, params={"status": "pending"}).json()["results"]
        assert failed == []


def test_tag_filters_and_unsubscribed_events_are_not_sent(sqlite_url: str) -> None:
    with serving(
        sqlite_url, webhook_poll_seconds=3600, webhook_allow_private=ALLOW_LOOPBACK
    ) as server:
        tenant = new_tenant(server, "filters")
        eu = tenant.api.post(
            "/webhooks",
            json={
                "url": "http://127.0.0.1:9/eu",
                "eventTypes": ["company.created"],
                "companyTags": {"region": "eu"},
            },
        ).json()
        deleted_only = tenant.api.post(
            "/webhooks", json={"url": "http://127.0.0.1:9/d", "eventTypes": ["company.deleted"]}
        ).json()
        tenant.api.post("/companies", json={"name": "US Co", "tags": {"region": "us"}})
        eu_co = tenant.api.post("/companies", json={"name": "EU Co", "tags": {"region": "eu"}})
        eu_log = tenant.api.get(f"/webhooks/{eu['id']}/deliveries").json()["results"]
        assert [d["eventType"] for d in eu_log] == ["company.created"]
        d_log = tenant.api.get(f"/webhooks/{deleted_only['id']}/deliveries").json()["results"]
        assert d_log == []
        assert tenant.api.delete(f"/companies/{eu_co.json()['id']}").status_code in (200, 204)
        d_log = tenant.api.get(f"/webhooks/{deleted_only['id']}/deliveries").json()["results"]
        assert [d["eventType"] for d in d_log] == ["company.deleted"]
        # deleting a consumer removes it from the list
        assert tenant.api.delete(f"/webhooks/{eu['id']}").status_code in (200, 204)
        ids = {h["id"] for h in tenant.api.get("/webhooks").json()["results"]}
        assert ids == {deleted_only["id"]}


def test_read_completed_is_sent_for_the_first_read_and_every_later_one(
    sqlite_url: str, tmp_path: Path
) -> None:
    """Codat sends read.completed for every completed read and read.completed.initial in
    addition for the first: a consumer of read.completed alone hears of a new company."""
    with (
        receiver() as reads,
        receiver() as initials,
        serving(
            sqlite_url, webhook_poll_seconds=0.1, webhook_allow_private=ALLOW_LOOPBACK
        ) as server,
    ):
        tenant = new_tenant(server, "reads")
        subscribed = {}
        for inbox, event in ((reads, "read.completed"), (initials, "read.completed.initial")):
            made = tenant.api.post("/webhooks", json={"url": inbox.url, "eventTypes": [event]})
            assert made.status_code == 201, made.text
            subscribed[event] = made.json()["signingSecret"]

        synced = link_and_sync(tenant, tmp_path, "First Read Ltd")  # a whole QBWC session
        [first] = _verified(subscribed["read.completed"], reads.wait_for(1))
        [initial] = _verified(subscribed["read.completed.initial"], initials.wait_for(1))
        assert first["eventType"] == "read.completed"
        assert initial["eventType"] == "read.completed.initial"
        for body in (first, initial):
            payload = body["payload"]
            assert payload["referenceCompany"]["id"] == synced.company_id
            assert payload["connection"]["id"] == synced.connection_id
            assert payload["recordsSynced"] > 0
            assert "invoices" in payload["dataTypes"]
        assert first["payload"] == initial["payload"]
        assert first["id"] != initial["id"]  # two events, each with its own id

        # The next read, asked for through the API: a read, but not the first.
        queued = tenant.api.post(f"/companies/{synced.company_id}/data/queue/invoices")
        assert queued.status_code in (200, 201, 202), queued.text
        again = synced.sync()
        assert not again.errors, again
        bodies = _verified(subscribed["read.completed"], reads.wait_for(2))
        assert [b["eventType"] for b in bodies] == ["read.completed", "read.completed"]
        assert bodies[1]["payload"]["referenceCompany"]["id"] == synced.company_id
        time.sleep(0.5)  # give the worker time to send anything it (wrongly) queued
        assert len(initials.snapshot()) == 1


def test_a_delivery_being_posted_cannot_be_replayed_until_its_attempt_is_recorded(
    sqlite_url: str,
) -> None:
    """Replay makes a delivery due now; for one a worker is posting, that would let another
    process post it a second time. It is refused (409, Codat's shape) until the attempt is
    in the log, and then works."""
    with (
        slow_consumer(byte_every=0.2) as consumer,
        serving(
            sqlite_url,
            webhook_poll_seconds=0.2,
            webhook_timeout_seconds=60,
            webhook_allow_private=ALLOW_LOOPBACK,
        ) as server,
    ):
        tenant = new_tenant(server, "replayer")
        made = tenant.api.post("/webhooks", json={"url": consumer.url, "eventTypes": ["*"]})
        hook = made.json()["id"]
        create_linkable(tenant, "Busy Co")  # company.created and connection.created
        assert consumer.requested.wait(20)  # the worker is posting one of them now
        log_url = f"/webhooks/{hook}/deliveries"
        log = tenant.api.get(log_url).json()["results"]
        answers = {d["id"]: tenant.api.post(f"{log_url}/{d['id']}/replay") for d in log}
        # one delivery per consumer is posted at a time: the other one is waiting, replayable
        assert sorted(a.status_code for a in answers.values()) == [200, 409]
        [(busy, refused)] = [(i, a) for i, a in answers.items() if a.status_code == 409]
        error = refused.json()
        assert error["statusCode"] == 409
        assert error["canBeRetried"] == "True"
        assert "is being posted right now" in error["error"]
        [before] = [d for d in tenant.api.get(log_url).json()["results"] if d["id"] == busy]
        assert before["attempts"] == 0  # nothing was reset

        consumer.hang_up.set()  # the attempt fails now and is recorded
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            [row] = [d for d in tenant.api.get(log_url).json()["results"] if d["id"] == busy]
            if row["attempts"] >= 1:
                break
            time.sleep(0.05)
        assert row["attempts"] >= 1
        replayed = tenant.api.post(f"{log_url}/{busy}/replay")
        assert replayed.status_code == 200, replayed.text
        assert replayed.json()["attempts"] == 0
