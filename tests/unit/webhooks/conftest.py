"""Fixtures for webhook tests: a migrated database with one client, and a live receiver."""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, insert

from qbdsync.store.tables import clients
from qbdsync.webhooks.destinations import DestinationPolicy
from qbdsync.webhooks.sender import WebhookSender
from tests.unit.webhooks.receiver import Receiver, running_receiver

# The receivers run on 127.0.0.1: tests reach them the way an operator reaches consumers on a
# private network, by allowing that network explicitly.
LOOPBACK = DestinationPolicy.parse("127.0.0.0/8")


def add_client(engine: Engine, name: str = "Acme") -> str:
    client_id = str(uuid.uuid4())
    with engine.begin() as conn:
        conn.execute(insert(clients).values(id=client_id, name=name, created_at=datetime.now(UTC)))
    return client_id


@pytest.fixture
def client_id(engine: Engine) -> str:
    return add_client(engine)


@pytest.fixture
def sender() -> Iterator[WebhookSender]:
    """Posts to loopback consumers (allowed explicitly) with a short timeout."""
    with WebhookSender(LOOPBACK, timeout_seconds=5) as live:
        yield live


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as live:
        yield live


def verify(secret: str, headers: dict[str, str], body: bytes) -> Any:
    """Check a delivery the way a consumer would; returns the parsed body.

    Uses the `standardwebhooks` library from PyPI when installed (what operators run); else an
    independent implementation of the Standard Webhooks spec.
    """
    try:
        from standardwebhooks import Webhook
    except ImportError:
        return _verify_from_spec(secret, headers, body)
    return Webhook(secret).verify(body, headers)


def _verify_from_spec(secret: str, headers: dict[str, str], body: bytes) -> Any:
    import json

    key = base64.b64decode(secret.split("_", 1)[1])
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    offered = [s.split(",", 1) for s in headers["webhook-signature"].split(" ")]
    if not any(v == "v1" and hmac.compare_digest(sig, expected) for v, sig in offered):
        raise ValueError("no matching signature")
    if abs(int(headers["webhook-timestamp"]) - datetime.now(UTC).timestamp()) > 300:
        raise ValueError("timestamp too far from now")
    return json.loads(body)
