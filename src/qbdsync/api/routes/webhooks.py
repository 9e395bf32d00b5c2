"""Webhook consumers (Standard Webhooks signing) and their delivery log."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from qbdsync.api.auth import CallerDep
from qbdsync.api.deps import engine_of, now
from qbdsync.api.errors import ApiError
from qbdsync.api.shapes import iso
from qbdsync.api.text import FreeText, Line, Tags
from qbdsync.errors import ForbiddenDestination, NotFound
from qbdsync.jobs.catalogue import DELIVER_WEBHOOKS
from qbdsync.store import webhooks as webhook_store
from qbdsync.store.webhooks import DeliveryRow, WebhookRow
from qbdsync.webhooks.destinations import DestinationPolicy, Resolver, check_destination
from qbdsync.webhooks.events import EventType, Subscription
from qbdsync.webhooks.signing import new_secret

router = APIRouter(tags=["Webhooks"])


class WebhookConsumerPrototype(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: Line = Field(min_length=1, max_length=2048)
    eventTypes: list[Subscription] = Field(
        min_length=1, description='Event names, or "*" for every event.'
    )
    companyTags: Tags | None = None
    description: FreeText | None = Field(default=None, max_length=500)
    disabled: bool = False


class WebhookConsumer(BaseModel):
    id: str
    url: str
    eventTypes: list[Subscription]
    companyTags: dict[str, str] = {}
    description: str | None = None
    disabled: bool
    created: str | None = None
    signingSecret: str | None = None


class WebhookConsumers(BaseModel):
    results: list[WebhookConsumer]


class Delivery(BaseModel):
    id: str
    eventId: str
    eventType: EventType
    status: str
    attempts: int
    nextAttemptAt: str | None = None
    lastStatusCode: int | None = None
    lastError: str | None = None
    created: str | None = None
    deliveredAt: str | None = None


class Deliveries(BaseModel):
    results: list[Delivery]


def _consumer(row: WebhookRow, *, with_secret: bool = False) -> dict[str, Any]:
    return {
        "id": row.id,
        "url": row.url,
        "eventTypes": row.event_types,
        "companyTags": row.company_tags or {},
        "description": row.description,
        "disabled": row.disabled,
        "created": iso(row.created_at),
        "signingSecret": row.secret if with_secret else None,
    }


def _delivery(row: DeliveryRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "eventId": row.event_id,
        "eventType": row.event_type,
        "status": row.status,
        "attempts": row.attempts,
        "nextAttemptAt": iso(row.next_attempt_at),
        "lastStatusCode": row.last_status_code,
        "lastError": row.last_error,
        "created": iso(row.created_at),
        "deliveredAt": iso(row.delivered_at),
    }


def _check_destination(request: Request, url: str) -> None:
    """400 in Codat's shape, naming the reason, for a URL qbdsync will not post to."""
    policy: DestinationPolicy = request.app.state.webhook_policy
    resolver: Resolver = request.app.state.webhook_resolver
    try:
        check_destination(url, policy, resolver)
    except ForbiddenDestination as exc:
        message = f"url is refused: {exc}"
        raise ApiError(
            400,
            message,
            can_be_retried="False",
            validation={
                "errors": [{"itemId": "url", "message": str(exc), "validatorName": "destination"}],
                "warnings": [],
            },
        ) from exc


@router.get("/webhooks", response_model=WebhookConsumers, summary="List webhook consumers")
def list_consumers(request: Request, caller: CallerDep) -> dict[str, Any]:
    with engine_of(request).connect() as conn:
        rows = webhook_store.list_webhooks(conn, caller.client_id)
    return {"results": [_consumer(r) for r in rows]}


@router.post(
    "/webhooks",
    response_model=WebhookConsumer,
    status_code=201,
    summary="Create a webhook consumer (its signing secret is shown here)",
)
def create_consumer(
    request: Request, caller: CallerDep, body: WebhookConsumerPrototype
) -> dict[str, Any]:
    _check_destination(request, body.url)
    with engine_of(request).begin() as conn:
        row = webhook_store.create_webhook(
            conn,
            client_id=caller.client_id,
            url=body.url,
            event_types=[str(event) for event in body.eventTypes],
            secret=new_secret(),
            now=now(),
            company_tags=body.companyTags,
            description=body.description,
        )
        if body.disabled:
            webhook_store.set_webhook_disabled(conn, caller.client_id, row.id, disabled=True)
            row = webhook_store.get_webhook(conn, caller.client_id, row.id)
    return _consumer(row, with_secret=True)


@router.get("/webhooks/{webhookId}", response_model=WebhookConsumer, summary="Get a consumer")
def get_consumer(request: Request, caller: CallerDep, webhookId: str) -> dict[str, Any]:
    with engine_of(request).connect() as conn:
        row = webhook_store.get_webhook(conn, caller.client_id, webhookId)
    return _consumer(row, with_secret=True)


@router.delete("/webhooks/{webhookId}", status_code=204, summary="Delete a consumer")
def delete_consumer(request: Request, caller: CallerDep, webhookId: str) -> Response:
    with engine_of(request).begin() as conn:
        webhook_store.delete_webhook(conn, caller.client_id, webhookId)
    return Response(status_code=204)


@router.get(
    "/webhooks/{webhookId}/deliveries",
    response_model=Deliveries,
    summary="The delivery log of a consumer, newest first",
)
def deliveries(
    request: Request,
    caller: CallerDep,
    webhookId: str,
    status: Annotated[str | None, Query(description="pending, succeeded or failed")] = None,
) -> dict[str, Any]:
    with engine_of(request).connect() as conn:
        rows = webhook_store.list_deliveries(conn, caller.client_id, webhookId, status=status)
    return {"results": [_delivery(r) for r in rows]}


@router.post(
    "/webhooks/{webhookId}/deliveries/{deliveryId}/replay",
    response_model=Delivery,
    summary="Send a delivery again",
)
def replay(
    request: Request,
    caller: CallerDep,
    webhookId: str,
    deliveryId: str,
) -> dict[str, Any]:
    with engine_of(request).begin() as conn:
        webhook_store.get_webhook(conn, caller.client_id, webhookId)
        if webhook_store.get_delivery(conn, caller.client_id, deliveryId).webhook_id != webhookId:
            raise NotFound(f"no delivery {deliveryId} for webhook {webhookId}")
        row = webhook_store.replay(conn, caller.client_id, deliveryId, now=now())
    # Posted at the next webhook pass; sooner when this process runs the background jobs.
    jobs = getattr(request.app.state, "background_jobs", None)
    if jobs is not None:
        jobs.wake(DELIVER_WEBHOOKS)
    return _delivery(row)
