"""Emitting events: one queued delivery per consumer that wants the event.

`emit` only writes rows, on the caller's connection and inside the caller's transaction, so an
event is queued exactly when the change it describes commits; the worker in delivery.py posts it
later, never on the request path.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Literal

from sqlalchemy import Connection

from qbdsync.store import webhooks as store


# The one list of events: /openapi.json documents it, subscriptions may name only these (or
# ALL_EVENTS), and emit refuses any other. Codat's write events ({dataType}.write.successful and
# .unsuccessful) are left out while qbdsync does not write to QuickBooks: a subscription to one
# would never hear anything.
class EventType(StrEnum):
    """The webhook events qbdsync sends, by Codat's names. connection.reconnected is accepted
    in subscriptions for compatibility with Codat but not sent yet."""

    COMPANY_CREATED = "company.created"
    COMPANY_DELETED = "company.deleted"
    CONNECTION_CREATED = "connection.created"
    CONNECTION_CONNECTED = "connection.connected"
    CONNECTION_FAILED = "connection.failed"
    CONNECTION_DISCONNECTED = "connection.disconnected"
    CONNECTION_RECONNECTED = "connection.reconnected"
    CONNECTION_DELETED = "connection.deleted"
    READ_COMPLETED = "read.completed"
    READ_COMPLETED_INITIAL = "read.completed.initial"


COMPANY_CREATED = EventType.COMPANY_CREATED
COMPANY_DELETED = EventType.COMPANY_DELETED
CONNECTION_CREATED = EventType.CONNECTION_CREATED
CONNECTION_CONNECTED = EventType.CONNECTION_CONNECTED
CONNECTION_FAILED = EventType.CONNECTION_FAILED
CONNECTION_DISCONNECTED = EventType.CONNECTION_DISCONNECTED
CONNECTION_RECONNECTED = EventType.CONNECTION_RECONNECTED
CONNECTION_DELETED = EventType.CONNECTION_DELETED
READ_COMPLETED = EventType.READ_COMPLETED
READ_COMPLETED_INITIAL = EventType.READ_COMPLETED_INITIAL

# A consumer subscribed to this gets every event.
ALL_EVENTS = "*"
# What a consumer's eventTypes may hold.
Subscription = EventType | Literal["*"]


def subscribes(event_types: Iterable[str], event_type: str) -> bool:
    """Whether a consumer's event types take `event_type` (exact name or "*")."""
    return any(wanted in (ALL_EVENTS, event_type) for wanted in event_types)


def tags_match(wanted: Mapping[str, str], company_tags: Mapping[str, Any] | None) -> bool:
    """Every tag the consumer filters on is on the company with an equal value."""
    have = company_tags or {}
    return all(key in have and have[key] == value for key, value in wanted.items())


def generated_date(now: datetime) -> str:
    """Codat's timestamp form: UTC with milliseconds and a Z."""
    return now.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def emit(
    conn: Connection,
    *,
    client_id: str,
    event_type: str,
    payload: dict[str, Any],
    company_tags: Mapping[str, Any] | None,
    now: datetime,
) -> int:
    """Queue `event_type` for each of the client's consumers that wants it; returns how many.

    Call it inside the transaction that makes the change, so the event commits with it.
    """
    # Every event sent is one of EventType (so documented and subscribable); a new one must be
    # added there first. ValueError otherwise.
    event_type = EventType(event_type).value
    body: dict[str, Any] | None = None
    queued = 0
    for webhook in store.active_webhooks(conn, client_id):
        if not subscribes(webhook.event_types, event_type):
            continue
        if not tags_match(webhook.company_tags, company_tags):
            continue
        if body is None:
            # One event (one id) shared by every consumer, as Standard Webhooks' message id.
            body = {
                "id": str(uuid.uuid4()),
                "eventType": event_type,
                "generatedDate": generated_date(now),
                "payload": payload,
            }
        store.enqueue(
            conn,
            webhook_id=webhook.id,
            event_id=body["id"],
            event_type=event_type,
            body=body,
            now=now,
        )
        queued += 1
    return queued
