"""Response schemas of the push API: PushOperation (with `data` where a write answers it), its
page, and the PushOption tree of `…/options/{dataType}` — Codat's shapes, as qbdsync.views and
the push kinds build them."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from qbdsync.api.models import Links
from qbdsync.api.schemas.common import Schema
from qbdsync.statuses import PushStatus


class ValidationItem(Schema):
    itemId: str | None = Field(default=None, description="The payload path of the field.")
    message: str | None = None
    validatorName: str | None = Field(default=None, description="The rule, e.g. MaxLength.")


class PushValidation(Schema):
    errors: list[ValidationItem]
    warnings: list[ValidationItem]


class PushRecordRef(Schema):
    id: str | None = Field(default=None, description="QuickBooks' ListID or TxnID.")
    dataType: str | None = None


class PushChange(Schema):
    type: Literal["Unknown", "Created", "Modified", "Deleted", "AttachmentUploaded"]
    recordRef: PushRecordRef
    attachmentId: str | None = None


class PushOperation(Schema):
    """One write into QuickBooks: Pending until the connector calls, then Success, Failed or
    TimedOut."""

    pushOperationKey: str
    companyId: str
    dataConnectionKey: str = Field(description="The connection's id.")
    dataType: str = Field(description="Codat's name (accounts are chartOfAccounts).")
    requestedOnUtc: str
    completedOnUtc: str | None = None
    timeoutInMinutes: int | None = None
    timeoutInSeconds: int | None = None
    status: PushStatus
    statusCode: int
    errorMessage: str | None = None
    validation: PushValidation
    changes: list[PushChange] | None = None


class PushOperationWithData(PushOperation):
    """The answer to a create, update or delete: the operation and the record as accepted."""

    data: dict[str, Any] | None = Field(
        default=None,
        description=(
            "The record as pushed, with its id: a create's is provisional (other pushes may "
            "refer to it) until QuickBooks has made the record; a delete's is null."
        ),
    )


class PushOperations(Schema):
    results: list[PushOperation]
    pageNumber: int
    pageSize: int
    totalResults: int
    links: Links = Field(alias="_links")


PushOptionType = Literal[
    "Array", "Object", "String", "Number", "Boolean", "DateTime", "File", "MultiPart"
]


class PushOptionChoice(Schema):
    value: str | None = None
    displayName: str | None = None
    description: str | None = None
    required: bool | None = None
    type: PushOptionType | None = None


class PushFieldValidation(Schema):
    details: str
    field: str | None = None
    ref: str | None = None


class PushValidationInfo(Schema):
    warnings: list[PushFieldValidation] | None = None
    information: list[PushFieldValidation] | None = None


class PushOptionProperty(Schema):
    description: str
    displayName: str
    required: bool
    type: PushOptionType
    options: list[PushOptionChoice] | None = None
    properties: dict[str, PushOptionProperty] | None = None
    validation: PushValidationInfo | None = None


class PushOption(Schema):
    """Which fields a push of the type takes in this company file: required flags, limits and
    allowed values (tax codes of its country, currencies with multicurrency on)."""

    displayName: str
    required: bool
    type: PushOptionType
    description: str | None = None
    options: list[PushOptionChoice] | None = None
    properties: dict[str, PushOptionProperty] | None = None
    validation: PushValidationInfo | None = None
