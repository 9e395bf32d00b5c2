"""The webhook events qbdsync sends, documented in /openapi.json's `webhooks` section.

Each event type (qbdsync.webhooks.events.EventType) gets an entry with the body a consumer
receives: Codat's `{id, eventType, generatedDate, payload}` with that event's payload, as built
by qbdsync.views and the callers of events.emit. tests/api/test_webhook_schemas.py checks
delivered bodies against these.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Literal

from fastapi import FastAPI, Response
from pydantic import BaseModel, Field

from qbdsync.api.schemas.common import Schema
from qbdsync.statuses import ConnectionStatus, HealthState, PushStatus
from qbdsync.webhooks.events import WRITE_EVENTS, EventType


class ReferenceCompany(Schema):
    id: str
    name: str
    description: str | None
    tags: dict[str, str]


class EventConnection(Schema):
    id: str
    integrationKey: str
    sourceId: str
    platformName: str
    linkUrl: str
    status: ConnectionStatus
    lastSync: str | None
    created: str | None
    sourceType: Literal["Accounting"]


class CompanyEventPayload(Schema):
    referenceCompany: ReferenceCompany


class ConnectionEventPayload(Schema):
    referenceCompany: ReferenceCompany
    connection: EventConnection


class ConnectionFailedPayload(ConnectionEventPayload):
    error: str = Field(description="Why the Web Connector session failed.")


class HealthBody(Schema):
    state: HealthState
    since: str | None
    title: str | None
    userFacingMessage: str = Field(description="For the SMB user: plain words.")
    fixSteps: list[str]
    operatorDetail: str
    whoActs: Literal["smbUser", "operator", "nobody"]
    canBeRetried: bool
    code: str | None
    lastRequestAt: str | None
    lastSuccessfulRequestAt: str | None
    lateAt: str | None


class HealthChangedPayload(ConnectionEventPayload):
    previousState: HealthState | None = Field(
        description="The state announced before (null: none was announced yet)."
    )
    health: HealthBody


class ReadCompletedPayload(ConnectionEventPayload):
    dataTypes: list[str] = Field(description="The data types that received records.")
    recordsSynced: int


class _Event(Schema):
    id: str = Field(description="The event id; also the webhook-id header.")
    generatedDate: str = Field(description="UTC, with milliseconds.")


class CompanyEvent(_Event):
    eventType: Literal[EventType.COMPANY_CREATED, EventType.COMPANY_DELETED]
    payload: CompanyEventPayload


class ConnectionEvent(_Event):
    eventType: Literal[
        EventType.CONNECTION_CREATED,
        EventType.CONNECTION_CONNECTED,
        EventType.CONNECTION_DISCONNECTED,
        EventType.CONNECTION_RECONNECTED,
        EventType.CONNECTION_DELETED,
    ]
    payload: ConnectionEventPayload


class ConnectionFailedEvent(_Event):
    eventType: Literal[EventType.CONNECTION_FAILED]
    payload: ConnectionFailedPayload


class HealthChangedEvent(_Event):
    eventType: Literal[EventType.CONNECTION_HEALTH_CHANGED]
    payload: HealthChangedPayload


class ReadCompletedEvent(_Event):
    eventType: Literal[EventType.READ_COMPLETED, EventType.READ_COMPLETED_INITIAL]
    payload: ReadCompletedPayload


class ValidationItem(Schema):
    itemId: str | None
    message: str | None
    validatorName: str | None


class WriteValidation(Schema):
    errors: list[ValidationItem]
    warnings: list[ValidationItem]


class WrittenRecord(Schema):
    id: str = Field(description="QuickBooks' ListID or TxnID of the record written.")


class WritePayload(Schema):
    id: str = Field(description="The push operation's key.")
    pushOperationKey: str
    type: Literal["Create", "Update", "Delete"]
    dataType: str
    referenceCompany: ReferenceCompany
    connectionId: str
    requestedOnDate: str | None
    completedOnDate: str | None
    status: PushStatus
    record: WrittenRecord | None = Field(description="Set when the write succeeded.")
    errorMessage: str | None
    validation: WriteValidation


class WriteEvent(_Event):
    eventType: str = Field(pattern=r"^[A-Za-z]+\.write\.(successful|unsuccessful)$")
    payload: WritePayload


def _write_description(event: EventType) -> str:
    data_type, _, outcome = event.value.partition(".write.")
    if outcome == "successful":
        return f"A push operation of {data_type} succeeded: the record is in QuickBooks."
    return f"A push operation of {data_type} failed, or timed out before it was sent."


# Every event type → (the body its deliveries carry, when it is sent).
EVENT_BODIES: dict[EventType, tuple[type[BaseModel], str]] = {
    EventType.COMPANY_CREATED: (CompanyEvent, "A company was created."),
    EventType.COMPANY_DELETED: (CompanyEvent, "A company was deleted."),
    EventType.CONNECTION_CREATED: (ConnectionEvent, "A connection was created (PendingAuth)."),
    EventType.CONNECTION_CONNECTED: (
        ConnectionEvent,
        "The Web Connector completed the connection's first sync: it is Linked.",
    ),
    EventType.CONNECTION_FAILED: (ConnectionFailedEvent, "A Web Connector session failed."),
    EventType.CONNECTION_DISCONNECTED: (
        ConnectionEvent,
        "The connection was unlinked, or a one-time sync completed (Deauthorized).",
    ),
    EventType.CONNECTION_RECONNECTED: (
        ConnectionEvent,
        "Accepted in subscriptions for Codat compatibility; not sent yet.",
    ),
    EventType.CONNECTION_DELETED: (ConnectionEvent, "A connection was deleted."),
    EventType.CONNECTION_HEALTH_CHANGED: (
        HealthChangedEvent,
        "qbdsync's own event: the connection's health state changed (healthy, late, failing, "
        "paused, deauthorized, unlinked, notConnected), with the message for the SMB user, "
        "the operator's detail and who must act. Sent once per change, within about a minute.",
    ),
    EventType.READ_COMPLETED: (ReadCompletedEvent, "A sync of the connection completed."),
    EventType.READ_COMPLETED_INITIAL: (
        ReadCompletedEvent,
        "The first sync of a connection completed.",
    ),
    **{event: (WriteEvent, _write_description(event)) for event in sorted(WRITE_EVENTS)},
}


def _receiver(body: type[BaseModel]) -> Callable[..., None]:
    """An endpoint whose signature names `body` as its request body: FastAPI builds the
    webhook's documentation from it (it is never called)."""

    def receive(**_: object) -> None:  # pragma: no cover - documentation only
        return None

    parameter = inspect.Parameter("body", inspect.Parameter.KEYWORD_ONLY, annotation=body)
    receive.__signature__ = inspect.Signature([parameter])  # type: ignore[attr-defined]
    return receive


def document_webhooks(app: FastAPI) -> None:
    for event, (body, description) in EVENT_BODIES.items():
        app.webhooks.add_api_route(
            event.value,
            _receiver(body),
            methods=["POST"],
            summary=event.value,
            description=(
                f"{description} Signed the Standard Webhooks way (webhook-id, "
                "webhook-timestamp, webhook-signature headers)."
            ),
            operation_id=f"webhook_{event.name.lower()}",
            tags=["Webhook events"],
            # No body is expected back; "default" also keeps FastAPI from listing a 422.
            response_class=Response,
            response_description="Received: any 2xx answer.",
            responses={
                "default": {
                    "description": "Anything else, or no answer within 15 s: retried with "
                    "backoff, then marked failed (see /webhooks/{webhookId}/deliveries)."
                }
            },
        )
