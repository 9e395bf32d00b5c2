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
# ALL_EVENTS), and emit refuses any other. Codat's write events are {dataType}.write.successful
# and .unsuccessful for each type a push can write (Codat's names: accounts are chartOfAccounts).
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
    # qbdsync's own, in Codat's style: a connection's health state changed (healthy, late,
    # failing, paused, …; connection_health.py), with who must act. Sent by the background
    # worker's health watch, once per change.
    CONNECTION_HEALTH_CHANGED = "connection.health.changed"
    READ_COMPLETED = "read.completed"
    READ_COMPLETED_INITIAL = "read.completed.initial"
    # A push operation succeeded, or failed or timed out: one pair per type a push writes.
    CHART_OF_ACCOUNTS_WRITE_SUCCESSFUL = "chartOfAccounts.write.successful"
    CHART_OF_ACCOUNTS_WRITE_UNSUCCESSFUL = "chartOfAccounts.write.unsuccessful"
    BANK_ACCOUNTS_WRITE_SUCCESSFUL = "bankAccounts.write.successful"
    BANK_ACCOUNTS_WRITE_UNSUCCESSFUL = "bankAccounts.write.unsuccessful"
    BANK_TRANSACTIONS_WRITE_SUCCESSFUL = "bankTransactions.write.successful"
    BANK_TRANSACTIONS_WRITE_UNSUCCESSFUL = "bankTransactions.write.unsuccessful"
    CUSTOMERS_WRITE_SUCCESSFUL = "customers.write.successful"
    CUSTOMERS_WRITE_UNSUCCESSFUL = "customers.write.unsuccessful"
    SUPPLIERS_WRITE_SUCCESSFUL = "suppliers.write.successful"
    SUPPLIERS_WRITE_UNSUCCESSFUL = "suppliers.write.unsuccessful"
    ITEMS_WRITE_SUCCESSFUL = "items.write.successful"
    ITEMS_WRITE_UNSUCCESSFUL = "items.write.unsuccessful"
    INVOICES_WRITE_SUCCESSFUL = "invoices.write.successful"
    INVOICES_WRITE_UNSUCCESSFUL = "invoices.write.unsuccessful"
    CREDIT_NOTES_WRITE_SUCCESSFUL = "creditNotes.write.successful"
    CREDIT_NOTES_WRITE_UNSUCCESSFUL = "creditNotes.write.unsuccessful"
    PAYMENTS_WRITE_SUCCESSFUL = "payments.write.successful"
    PAYMENTS_WRITE_UNSUCCESSFUL = "payments.write.unsuccessful"
    BILLS_WRITE_SUCCESSFUL = "bills.write.successful"
    BILLS_WRITE_UNSUCCESSFUL = "bills.write.unsuccessful"
    BILL_CREDIT_NOTES_WRITE_SUCCESSFUL = "billCreditNotes.write.successful"
    BILL_CREDIT_NOTES_WRITE_UNSUCCESSFUL = "billCreditNotes.write.unsuccessful"
    BILL_PAYMENTS_WRITE_SUCCESSFUL = "billPayments.write.successful"
    BILL_PAYMENTS_WRITE_UNSUCCESSFUL = "billPayments.write.unsuccessful"
    JOURNAL_ENTRIES_WRITE_SUCCESSFUL = "journalEntries.write.successful"
    JOURNAL_ENTRIES_WRITE_UNSUCCESSFUL = "journalEntries.write.unsuccessful"
    DIRECT_COSTS_WRITE_SUCCESSFUL = "directCosts.write.successful"
    DIRECT_COSTS_WRITE_UNSUCCESSFUL = "directCosts.write.unsuccessful"
    DIRECT_INCOMES_WRITE_SUCCESSFUL = "directIncomes.write.successful"
    DIRECT_INCOMES_WRITE_UNSUCCESSFUL = "directIncomes.write.unsuccessful"
    TRANSFERS_WRITE_SUCCESSFUL = "transfers.write.successful"
    TRANSFERS_WRITE_UNSUCCESSFUL = "transfers.write.unsuccessful"
    PURCHASE_ORDERS_WRITE_SUCCESSFUL = "purchaseOrders.write.successful"
    PURCHASE_ORDERS_WRITE_UNSUCCESSFUL = "purchaseOrders.write.unsuccessful"


COMPANY_CREATED = EventType.COMPANY_CREATED
COMPANY_DELETED = EventType.COMPANY_DELETED
CONNECTION_CREATED = EventType.CONNECTION_CREATED
CONNECTION_CONNECTED = EventType.CONNECTION_CONNECTED
CONNECTION_FAILED = EventType.CONNECTION_FAILED
CONNECTION_DISCONNECTED = EventType.CONNECTION_DISCONNECTED
CONNECTION_RECONNECTED = EventType.CONNECTION_RECONNECTED
CONNECTION_DELETED = EventType.CONNECTION_DELETED
CONNECTION_HEALTH_CHANGED = EventType.CONNECTION_HEALTH_CHANGED
READ_COMPLETED = EventType.READ_COMPLETED
READ_COMPLETED_INITIAL = EventType.READ_COMPLETED_INITIAL


def write_event(codat_data_type: str, *, succeeded: bool) -> EventType:
    """`{dataType}.write.successful` or `.unsuccessful`; ValueError for a type no push writes."""
    outcome = "successful" if succeeded else "unsuccessful"
    return EventType(f"{codat_data_type}.write.{outcome}")


WRITE_EVENTS: frozenset[EventType] = frozenset(e for e in EventType if ".write." in e.value)

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
