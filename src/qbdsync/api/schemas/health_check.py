"""Response schema of the health check API (qbdsync.health_checks builds it)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from qbdsync.api.schemas.common import Schema
from qbdsync.statuses import HealthCheckStatus


class HealthCheckProblem(Schema):
    """Why a check failed or timed out, explained from the code the connector reported."""

    code: str | None = Field(
        description="An hresult (0x80040408), a qbXML status code, or qbdsync's own "
        "(qbdsync:wrong-company-file, qbdsync:health-check-unanswered)."
    )
    title: str | None = None
    userFacingMessage: str = Field(description="For the person at the QuickBooks PC.")
    fixSteps: list[str]
    operatorDetail: str | None = None
    canBeRetried: bool = Field(description="Whether asking again can pass without anyone acting.")
    whoActs: Literal["smbUser", "operator", "nobody"] | None = Field(
        description="Who must act for the problem to go away."
    )
    detail: str | None = Field(description="What the connector or QuickBooks said, quoted.")


class QuickBooksAnswer(Schema):
    productName: str
    companyName: str
    fileMode: str


class HealthCheck(Schema):
    """A health check: a tiny request (HostQuery and CompanyQuery) the connector's next poll
    sends to QuickBooks before anything else."""

    id: str
    companyId: str
    connectionId: str
    status: HealthCheckStatus
    statusDescription: str
    requestedUtc: str
    timeoutInSeconds: int
    expiresUtc: str = Field(description="Still Pending then, the check is TimedOut.")
    sentUtc: str | None = Field(description="When the request was handed to the Web Connector.")
    completedUtc: str | None
    durationInMs: int | None = Field(
        description="From handing the request out to QuickBooks' answer (or its refusal)."
    )
    quickBooks: QuickBooksAnswer | None = Field(description="What QuickBooks said, on success.")
    error: HealthCheckProblem | None
