"""Webhook consumers and their delivery queue: the only SQL for `webhooks` and
`webhook_deliveries`.

Every consumer belongs to one client; the functions that take a `client_id` answer NotFound for
another client's consumer or delivery, so the API cannot leak across tenants.

The delivery queue is claimed with a lease instead of a long transaction: a claim moves
`next_attempt_at` to the end of the lease and commits, the HTTP post happens outside any
transaction, and the result is recorded afterwards. If a process dies mid-delivery the lease
runs out and another process delivers again (at-least-once, as Standard Webhooks expects).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, delete, func, insert, or_, select, update

from qbdsync.errors import DeliveryInFlight, NotFound
from qbdsync.statuses import DeliveryStatus
from qbdsync.store.tables import webhook_deliveries, webhooks


@dataclass(frozen=True, slots=True)
class WebhookRow:
    id: str
    client_id: str
    url: str
    event_types: list[str]
    # Only companies carrying all these tags (equal values) trigger the consumer; {} = all.
    company_tags: dict[str, str]
    description: str | None
    secret: str
    created_at: datetime
    disabled: bool


@dataclass(frozen=True, slots=True)
class DeliveryRow:
    id: str
    webhook_id: str
    event_id: str
    event_type: str
    # The whole event body sent to the consumer: {id, eventType, generatedDate, payload}.
    payload: dict[str, Any]
    status: str
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None


@dataclass(frozen=True, slots=True)
class DueDelivery:
    """A claimed delivery with what is needed to post it."""

    delivery: DeliveryRow
    url: str
    secret: str


_WEBHOOK_COLUMNS = tuple(webhooks.c[name] for name in WebhookRow.__slots__)
_DELIVERY_COLUMNS = tuple(webhook_deliveries.c[name] for name in DeliveryRow.__slots__)


def _webhook(row: Any) -> WebhookRow:
    values = row._asdict()
    values["event_types"] = list(values["event_types"] or [])
    values["company_tags"] = dict(values["company_tags"] or {})
    return WebhookRow(**values)


def _delivery(row: Any) -> DeliveryRow:
    return DeliveryRow(**{name: getattr(row, name) for name in DeliveryRow.__slots__})


# Consumers


def create_webhook(
    conn: Connection,
    *,
    client_id: str,
    url: str,
    event_types: Sequence[str],
    secret: str,
    now: datetime,
    company_tags: dict[str, str] | None = None,
    description: str | None = None,
) -> WebhookRow:
    webhook_id = str(uuid.uuid4())
    conn.execute(
        insert(webhooks).values(
            id=webhook_id,
            client_id=client_id,
            url=url,
            event_types=list(event_types),
            company_tags=dict(company_tags or {}),
            description=description,
            secret=secret,
            created_at=now,
            disabled=False,
        )
    )
    return get_webhook(conn, client_id, webhook_id)


def list_webhooks(conn: Connection, client_id: str) -> list[WebhookRow]:
    rows = conn.execute(
        select(*_WEBHOOK_COLUMNS)
        .where(webhooks.c.client_id == client_id)
        .order_by(webhooks.c.created_at, webhooks.c.id)
    )
    return [_webhook(r) for r in rows]


def active_webhooks(conn: Connection, client_id: str) -> list[WebhookRow]:
    """The client's consumers that take events (not disabled)."""
    return [w for w in list_webhooks(conn, client_id) if not w.disabled]


def get_webhook(conn: Connection, client_id: str, webhook_id: str) -> WebhookRow:
    row = conn.execute(
        select(*_WEBHOOK_COLUMNS)
        .where(webhooks.c.id == webhook_id)
        .where(webhooks.c.client_id == client_id)
    ).one_or_none()
    if row is None:
        raise NotFound(f"no webhook {webhook_id!r}")
    return _webhook(row)


def delete_webhook(conn: Connection, client_id: str, webhook_id: str) -> None:
    """Remove a consumer and (by cascade) its delivery log."""
    result = conn.execute(
        delete(webhooks).where(webhooks.c.id == webhook_id).where(webhooks.c.client_id == client_id)
    )
    if result.rowcount == 0:
        raise NotFound(f"no webhook {webhook_id!r}")


def set_webhook_disabled(
    conn: Connection, client_id: str, webhook_id: str, disabled: bool
) -> WebhookRow:
    """Pause (or resume) a consumer: while disabled no new deliveries are queued for it."""
    result = conn.execute(
        update(webhooks)
        .where(webhooks.c.id == webhook_id)
        .where(webhooks.c.client_id == client_id)
        .values(disabled=disabled)
    )
    if result.rowcount == 0:
        raise NotFound(f"no webhook {webhook_id!r}")
    return get_webhook(conn, client_id, webhook_id)


# Deliveries


def enqueue(
    conn: Connection,
    *,
    webhook_id: str,
    event_id: str,
    event_type: str,
    body: dict[str, Any],
    now: datetime,
) -> str:
    """Queue one event for one consumer, due now; returns the delivery id."""
    delivery_id = str(uuid.uuid4())
    at = now
    conn.execute(
        insert(webhook_deliveries).values(
            id=delivery_id,
            webhook_id=webhook_id,
            event_id=event_id,
            event_type=event_type,
            payload=body,
            status=DeliveryStatus.PENDING,
            attempts=0,
            next_attempt_at=at,
            created_at=at,
        )
    )
    return delivery_id


def claim_due(
    conn: Connection,
    *,
    now: datetime,
    lease_until: datetime,
    limit: int,
    one_per_consumer: bool = False,
) -> list[DueDelivery]:
    """Take up to `limit` pending deliveries due at `now`, oldest due first, and lease them
    until `lease_until` (commit the transaction before posting them).

    `one_per_consumer` takes at most one delivery (its oldest due) per consumer, from the
    consumers waiting longest: a consumer with a backlog, or one that hangs to the timeout,
    then holds one post of a batch, and the other consumers' deliveries go out beside it.

    PostgreSQL: `FOR UPDATE SKIP LOCKED` lets several server processes claim at once without
    waiting for or taking each other's rows. SQLite has no row locks (and pysqlite runs a SELECT
    outside the write transaction), so the UPDATE repeats the "still due" condition and only
    the rows it really changed, as RETURNING reports them, are ours.
    """
    at = now
    due = and_(
        webhook_deliveries.c.status == DeliveryStatus.PENDING,
        webhook_deliveries.c.next_attempt_at <= at,
    )
    oldest_first = (webhook_deliveries.c.next_attempt_at, webhook_deliveries.c.created_at)
    if one_per_consumer:
        # Two steps because PostgreSQL locks no rows of a grouped query: pick the consumers,
        # then lock each one's oldest due delivery (SKIP LOCKED: another process has it).
        consumers = conn.scalars(
            select(webhook_deliveries.c.webhook_id)
            .where(due)
            .group_by(webhook_deliveries.c.webhook_id)
            .order_by(func.min(webhook_deliveries.c.next_attempt_at))
            .limit(limit)
        ).all()
        picked = (
            conn.scalar(
                select(webhook_deliveries.c.id)
                .where(due, webhook_deliveries.c.webhook_id == webhook_id)
                .order_by(*oldest_first)
                .limit(1)
                .with_for_update(skip_locked=True)
            )
            for webhook_id in consumers
        )
        candidates = [delivery_id for delivery_id in picked if delivery_id is not None]
    else:
        candidates = list(
            conn.scalars(
                select(webhook_deliveries.c.id)
                .where(due)
                .order_by(*oldest_first)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        )
    if not candidates:
        return []
    claimed = list(
        conn.scalars(
            update(webhook_deliveries)
            .where(webhook_deliveries.c.id.in_(candidates))
            .where(due)
            .values(next_attempt_at=lease_until, leased_until=lease_until)
            .returning(webhook_deliveries.c.id)
        )
    )
    if not claimed:
        return []
    rows = conn.execute(
        select(*_DELIVERY_COLUMNS, webhooks.c.url, webhooks.c.secret)
        .join(webhooks, webhooks.c.id == webhook_deliveries.c.webhook_id)
        .where(webhook_deliveries.c.id.in_(claimed))
        .order_by(webhook_deliveries.c.created_at, webhook_deliveries.c.id)
    )
    return [DueDelivery(delivery=_delivery(r), url=r.url, secret=r.secret) for r in rows]


def record_success(conn: Connection, delivery_id: str, *, status_code: int, now: datetime) -> None:
    conn.execute(
        update(webhook_deliveries)
        .where(webhook_deliveries.c.id == delivery_id)
        .values(
            status=DeliveryStatus.SUCCEEDED,
            attempts=webhook_deliveries.c.attempts + 1,
            next_attempt_at=None,
            last_status_code=status_code,
            last_error=None,
            delivered_at=now,
            leased_until=None,
        )
    )


def record_failure(
    conn: Connection,
    delivery_id: str,
    *,
    status_code: int | None,
    error: str,
    retry_at: datetime | None,
) -> None:
    """Count a failed attempt; `retry_at` None means no more attempts (status failed)."""
    conn.execute(
        update(webhook_deliveries)
        .where(webhook_deliveries.c.id == delivery_id)
        .values(
            status=DeliveryStatus.PENDING if retry_at is not None else DeliveryStatus.FAILED,
            attempts=webhook_deliveries.c.attempts + 1,
            next_attempt_at=retry_at if retry_at is not None else None,
            last_status_code=status_code,
            last_error=error,
            leased_until=None,
        )
    )


def get_delivery(conn: Connection, client_id: str, delivery_id: str) -> DeliveryRow:
    row = conn.execute(
        select(*_DELIVERY_COLUMNS)
        .join(webhooks, webhooks.c.id == webhook_deliveries.c.webhook_id)
        .where(webhook_deliveries.c.id == delivery_id)
        .where(webhooks.c.client_id == client_id)
    ).one_or_none()
    if row is None:
        raise NotFound(f"no webhook delivery {delivery_id!r}")
    return _delivery(row)


def list_deliveries(
    conn: Connection,
    client_id: str,
    webhook_id: str,
    *,
    status: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[DeliveryRow]:
    """One consumer's delivery log, newest first."""
    get_webhook(conn, client_id, webhook_id)  # NotFound for another client's consumer
    query = select(*_DELIVERY_COLUMNS).where(webhook_deliveries.c.webhook_id == webhook_id)
    if status is not None:
        query = query.where(webhook_deliveries.c.status == status)
    rows = conn.execute(
        query.order_by(webhook_deliveries.c.created_at.desc(), webhook_deliveries.c.id.desc())
        .limit(limit)
        .offset(offset)
    )
    return [_delivery(r) for r in rows]


def replay(conn: Connection, client_id: str, delivery_id: str, *, now: datetime) -> DeliveryRow:
    """Send a delivery again: pending, due now, with a fresh run of retries.

    The event body (and so its id, which receivers use to drop duplicates) is unchanged.
    DeliveryInFlight while a worker is posting it (its claim has not run out): made due now,
    another process would post it a second time beside that worker. Refused rather than
    queued behind the claim, so the caller knows nothing changed and the worker's result is
    what the log shows next; the claim lasts a few timeouts at most.
    """
    current = get_delivery(conn, client_id, delivery_id)  # NotFound for another client's
    at = now
    # The check is part of the UPDATE, so a claim taken meanwhile by another process counts.
    result = conn.execute(
        update(webhook_deliveries)
        .where(webhook_deliveries.c.id == delivery_id)
        .where(
            or_(
                webhook_deliveries.c.leased_until.is_(None),
                webhook_deliveries.c.leased_until <= at,
            )
        )
        .values(
            status=DeliveryStatus.PENDING,
            attempts=0,
            next_attempt_at=at,
            delivered_at=None,
            leased_until=None,
        )
    )
    if result.rowcount == 0:
        raise DeliveryInFlight(
            f"webhook delivery {current.id} is being posted right now; "
            "replay it once that attempt shows in its delivery log"
        )
    return get_delivery(conn, client_id, delivery_id)


def release(conn: Connection, delivery_ids: Sequence[str], *, now: datetime) -> None:
    """Give back claimed deliveries that were not posted (the worker is stopping): due now."""
    if not delivery_ids:
        return
    conn.execute(
        update(webhook_deliveries)
        .where(webhook_deliveries.c.id.in_(list(delivery_ids)))
        .where(webhook_deliveries.c.status == DeliveryStatus.PENDING)
        .values(next_attempt_at=now, leased_until=None)
    )
