"""Request and response models: they make /openapi.json describe exactly what is served.

The data types' record schemas are in qbdsync.api.schemas."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from qbdsync.api.text import FreeText, Line, Name, Tags
from qbdsync.statuses import ConnectionStatus, HealthState
from qbdsync.store.sync_settings import MONTHS_TO_SYNC_MAX, SCHEDULE_HOURS_MAX, SYNC_ORDER_MAX


class _Model(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="forbid")


class ErrorMessage(_Model):
    statusCode: int
    service: str
    error: str
    correlationId: str
    validation: dict[str, Any] | None = None
    canBeRetried: str
    detailedErrorCode: int


class HalRef(_Model):
    href: str


class Links(_Model):
    self: HalRef
    current: HalRef
    next: HalRef | None = None
    previous: HalRef | None = None


class DataConnectionError(_Model):
    statusCode: str | None = None
    statusText: str | None = None
    errorMessage: str | None = None
    erroredOnUtc: str | None = None
    status: str | None = None
    resolvedOnUtc: str | None = None


class ConnectionHealth(_Model):
    """qbdsync's own: the connection's health, worked out when read."""

    state: HealthState
    since: str | None = None
    title: str | None = None
    userFacingMessage: str
    fixSteps: list[str] = []
    operatorDetail: str
    whoActs: Literal["smbUser", "operator", "nobody"]
    canBeRetried: bool
    code: str | None = None
    lastRequestAt: str | None = None
    lastSuccessfulRequestAt: str | None = None
    lateAt: str | None = None


class ConnectionModel(_Model):
    id: str
    integrationId: str
    integrationKey: str
    sourceId: str
    platformName: str
    linkUrl: str
    status: ConnectionStatus
    lastSync: str | None = None
    created: str
    sourceType: Literal["Accounting"]
    dataConnectionErrors: list[DataConnectionError] = []
    connectionInfo: dict[str, Any] | None = None
    health: ConnectionHealth | None = None


class Connections(_Model):
    results: list[ConnectionModel]
    pageNumber: int
    pageSize: int
    totalResults: int
    links: Links = Field(alias="_links")


class CompanyModel(_Model):
    id: str
    name: str
    description: str | None = None
    redirect: str
    lastSync: str | None = None
    created: str | None = None
    createdByUserName: str | None = None
    products: list[str] = []
    tags: dict[str, str] = {}
    dataConnections: list[ConnectionModel] = []


class Companies(_Model):
    results: list[CompanyModel]
    pageNumber: int
    pageSize: int
    totalResults: int
    links: Links = Field(alias="_links")


# Request bodies: every text field is a Line or FreeText (qbdsync.api.text), never a bare str.


class CompanyRequestBody(_Model):
    name: Name = Field(min_length=1, max_length=255)
    description: FreeText | None = Field(default=None, max_length=4000)
    tags: Tags | None = None


class CompanyUpdateRequest(_Model):
    name: Name | None = Field(default=None, min_length=1, max_length=255)
    description: FreeText | None = Field(default=None, max_length=4000)
    tags: Tags | None = None


class ConnectionRequestBody(_Model):
    platformKey: Line


class UpdateConnectionStatus(_Model):
    status: ConnectionStatus


class Integration(_Model):
    key: str
    logoUrl: str
    name: str
    enabled: bool
    sourceId: str
    sourceType: str
    integrationId: str
    isOfflineConnector: bool
    isBeta: bool
    dataProvidedBy: str
    datatypeFeatures: list[dict[str, Any]] = []


class Integrations(_Model):
    results: list[Integration]
    pageNumber: int
    pageSize: int
    totalResults: int
    links: Links = Field(alias="_links")


class SyncSetting(_Model):
    dataType: str
    fetchOnFirstLink: bool
    syncSchedule: int
    syncOrder: int
    syncFromUtc: str | None = None
    syncFromWindow: int | None = None
    monthsToSync: int | None = None
    isLocked: bool | None = None


class SyncSettingRequest(SyncSetting):
    """A setting as a request sets it: bounded numbers (the CLI's bounds too), one-line text.
    (Responses use SyncSetting: what was stored before these bounds still reads.)"""

    dataType: Line
    syncSchedule: int = Field(ge=0, le=SCHEDULE_HOURS_MAX, description="Hours; 0 = never.")
    syncOrder: int = Field(ge=0, le=SYNC_ORDER_MAX)
    syncFromUtc: Line | None = None
    syncFromWindow: int | None = Field(default=None, ge=0, le=MONTHS_TO_SYNC_MAX)
    monthsToSync: int | None = Field(default=None, ge=0, le=MONTHS_TO_SYNC_MAX)


class CompanySyncSettings(_Model):
    companyId: str
    settings: list[SyncSetting]
    overridesDefaults: bool = True


class ProfileSyncSettings(_Model):
    clientId: str
    settings: list[SyncSetting]
    overridesDefaults: bool = True


class CompanySyncSettingsRequest(_Model):
    companyId: Line
    settings: list[SyncSettingRequest]
    overridesDefaults: bool = True


class ProfileSyncSettingsRequest(_Model):
    clientId: Line
    settings: list[SyncSettingRequest]
    overridesDefaults: bool = True


class PullOperation(_Model):
    id: str
    companyId: str
    connectionId: str
    dataType: str
    status: str
    statusDescription: str | None = None
    errorMessage: str | None = None
    requested: str
    completed: str | None = None
    progress: int
    isCompleted: bool
    isErrored: bool


class PullOperations(_Model):
    results: list[PullOperation]
    pageNumber: int
    pageSize: int
    totalResults: int
    links: Links = Field(alias="_links")


class DataStatus(_Model):
    dataType: str
    lastSuccessfulSync: str | None = None
    currentStatus: str
    latestSyncId: str | None = None
    latestSuccessfulSyncId: str | None = None


class CreateApiKey(_Model):
    name: Line | None = Field(default=None, max_length=50)


class ApiKeyDetails(_Model):
    id: str
    name: str | None = None
    apiKey: str
    createdDate: str


class ApiKeys(_Model):
    results: list[ApiKeyDetails]


class LinkDetails(_Model):
    companyId: str
    connectionId: str
    companyName: str
    qwcUrl: str
    username: str
    password: str | None
    passwordNote: str | None = None
    status: ConnectionStatus
    lastSync: str | None = None
