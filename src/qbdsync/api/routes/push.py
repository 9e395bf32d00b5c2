"""Writing into QuickBooks: create, update and delete records (push operations), read the push
operations back, and the push options of a data type.

A push is validated against the company file and its synced data before anything is queued
(a 400 with `validation.errors` naming each field otherwise), then waits, Pending, for the Web
Connector's next call. Data types are Codat's names (accounts are also `chartOfAccounts`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Body, Query, Request, Response
from sqlalchemy import Connection

from qbdsync import outbox
from qbdsync.api.auth import Caller, CallerDep
from qbdsync.api.deps import company_of, connection_of, engine_of, now, push_kinds_of
from qbdsync.api.errors import ApiError
from qbdsync.api.paging import PageQ, PageSizeQ, check_page, page_of_views
from qbdsync.api.query import shape_of_model
from qbdsync.api.schemas.push import PushOperation, PushOperations, PushOperationWithData
from qbdsync.api.schemas.push import PushOption as PushOptionSchema
from qbdsync.errors import NotFound, PushRefused
from qbdsync.push.kinds import PushAction, PushKind
from qbdsync.store import pushes as push_store
from qbdsync.store.push_lookup import StoreLookup, company_profile
from qbdsync.store.pushes import PushRow
from qbdsync.sync.datatypes import data_types
from qbdsync.views import internal_data_type, push_view

router = APIRouter(tags=["Push data"])

_PUSH_FIELDS = shape_of_model(PushOperation)
# Codat's own limit is not published; a year is beyond any use, and keeps expires_at sane.
MAX_TIMEOUT_MINUTES = 525_600
BANK_TRANSACTIONS = "bankTransactions"

TimeoutQ = Annotated[
    int | None,
    Query(
        alias="timeoutInMinutes",
        ge=1,
        le=MAX_TIMEOUT_MINUTES,
        description="Unsent after this many minutes, the push becomes TimedOut and is never sent.",
    ),
]
BodyQ = Annotated[
    dict[str, Any],
    Body(
        description="The record in Codat's shape; GET …/options/{dataType} lists the fields "
        "QuickBooks takes."
    ),
]


def _kind(request: Request, data_type_name: str) -> PushKind:
    """The kind that pushes `data_type_name`; NotFound for a name that is no data type,
    PushRefused (400) for one QuickBooks Desktop cannot write."""
    data_type = internal_data_type(data_type_name)
    kind = push_kinds_of(request).get(data_type)
    if kind is not None:
        return kind
    if data_type in data_types():
        raise PushRefused(
            f"Pushing {data_type_name} is not supported for QuickBooks Desktop.", "not_supported"
        )
    raise NotFound(f"unknown data type {data_type_name!r}")


def _queue(
    request: Request,
    caller: Caller,
    company_id: str,
    connection_id: str,
    data_type_name: str,
    action: PushAction,
    payload: Mapping[str, Any],
    *,
    record_id: str | None = None,
    timeout: int | None = None,
    force_update: bool = False,
    bank_account_id: str | None = None,
) -> dict[str, Any]:
    with engine_of(request).begin() as conn:
        # Ownership first: another tenant's connection is a 404 whatever the data type.
        connection_of(conn, caller, company_id, connection_id)
        kind = _kind(request, data_type_name)
        if bank_account_id is not None:
            found = StoreLookup(conn, connection_id).find("bankAccounts", bank_account_id)
            if found is None:
                raise NotFound(f"no bank account with id {bank_account_id}")
        row = outbox.queue_push(
            conn,
            connection_id=connection_id,
            kind=kind,
            action=action,
            payload=payload,
            now=now(),
            record_id=record_id,
            timeout_in_minutes=timeout,
            force_update=force_update,
        )
    return push_view(row, with_data=True)


_PUSH_PATH = "/companies/{companyId}/connections/{connectionId}/push/{dataType}"


@router.post(
    _PUSH_PATH,
    response_model=PushOperationWithData,
    summary="Create a record in QuickBooks (a push operation)",
)
def create(
    request: Request,
    caller: CallerDep,
    companyId: str,
    connectionId: str,
    dataType: str,
    body: BodyQ,
    timeout: TimeoutQ = None,
) -> dict[str, Any]:
    if internal_data_type(dataType) == BANK_TRANSACTIONS:
        with engine_of(request).connect() as conn:
            connection_of(conn, caller, companyId, connectionId)
        raise NotFound(
            "bank transactions are pushed per bank account: "
            "POST …/push/bankAccounts/{accountId}/bankTransactions"
        )
    return _queue(
        request, caller, companyId, connectionId, dataType, PushAction.CREATE, body, timeout=timeout
    )


@router.put(
    _PUSH_PATH + "/{recordId}",
    response_model=PushOperationWithData,
    summary="Update a record in QuickBooks (a push operation)",
)
def update(
    request: Request,
    caller: CallerDep,
    companyId: str,
    connectionId: str,
    dataType: str,
    recordId: str,
    body: BodyQ,
    timeout: TimeoutQ = None,
    force_update: Annotated[
        bool,
        Query(
            alias="forceUpdate",
            description="If QuickBooks reports the record changed meanwhile, apply the change "
            "to its current version once instead of failing.",
        ),
    ] = False,
) -> dict[str, Any]:
    return _queue(
        request,
        caller,
        companyId,
        connectionId,
        dataType,
        PushAction.UPDATE,
        body,
        record_id=recordId,
        timeout=timeout,
        force_update=force_update,
    )


@router.delete(
    _PUSH_PATH + "/{recordId}",
    response_model=PushOperationWithData,
    summary="Delete a record in QuickBooks (a push operation)",
)
def delete(
    request: Request,
    caller: CallerDep,
    companyId: str,
    connectionId: str,
    dataType: str,
    recordId: str,
    timeout: TimeoutQ = None,
) -> dict[str, Any]:
    return _queue(
        request,
        caller,
        companyId,
        connectionId,
        dataType,
        PushAction.DELETE,
        {},
        record_id=recordId,
        timeout=timeout,
    )


@router.post(
    "/companies/{companyId}/connections/{connectionId}/push/bankAccounts/{accountId}"
    "/bankTransactions",
    response_model=PushOperationWithData,
    summary="Create bank transactions in one bank account (a push operation)",
)
def create_bank_transactions(
    request: Request,
    caller: CallerDep,
    companyId: str,
    connectionId: str,
    accountId: str,
    body: BodyQ,
    timeout: TimeoutQ = None,
) -> dict[str, Any]:
    given = body.get("accountId")
    if given is not None and given != accountId:
        raise ApiError(
            400,
            f"accountId {given!r} in the body is not the bank account of the path ({accountId!r})",
            can_be_retried="False",
            validation={
                "errors": [
                    {
                        "itemId": "accountId",
                        "message": "must be the bank account of the path",
                        "validatorName": "Matches",
                    }
                ],
                "warnings": [],
            },
        )
    payload = {**body, "accountId": accountId}
    return _queue(
        request,
        caller,
        companyId,
        connectionId,
        BANK_TRANSACTIONS,
        PushAction.CREATE,
        payload,
        timeout=timeout,
        bank_account_id=accountId,
    )


# -- reading push operations -----------------------------------------------------------------


def _before_a_read(conn: Connection, caller: Caller, company_id: str) -> None:
    """The company must be the caller's; then the pushes whose time is up are timed out, so a
    read never shows Pending for a push that can no longer be sent."""
    company_of(conn, caller, company_id)
    outbox.expire_due(conn, now(), company_id=company_id)


def _company_pushes(request: Request, caller: Caller, company_id: str) -> list[PushRow]:
    """The company's pushes, newest first."""
    with engine_of(request).begin() as conn:
        _before_a_read(conn, caller, company_id)
        return push_store.list_for_company(conn, company_id)


@router.get(
    "/companies/{companyId}/push",
    response_model=PushOperations,
    summary="Push operations, newest first",
)
def list_pushes(
    request: Request,
    caller: CallerDep,
    companyId: str,
    page: PageQ = 1,
    page_size: PageSizeQ = 100,
    query: str | None = None,
    order_by: Annotated[str | None, Query(alias="orderBy")] = None,
) -> dict[str, Any]:
    check_page(page, page_size)
    views = [push_view(r) for r in _company_pushes(request, caller, companyId)]
    return page_of_views(
        request,
        views,
        page=page,
        page_size=page_size,
        query=query,
        order_by=order_by,
        fields=_PUSH_FIELDS,
        what="push operations",
    )


@router.get(
    "/companies/{companyId}/push/{pushOperationKey}",
    response_model=PushOperation,
    summary="One push operation",
)
def one(request: Request, caller: CallerDep, companyId: str, pushOperationKey: str) -> Any:
    with engine_of(request).begin() as conn:
        _before_a_read(conn, caller, companyId)
        row = push_store.get_push(conn, pushOperationKey)
    if row is None or row.company_id != companyId:
        raise NotFound(f"no push operation with key {pushOperationKey}")
    return push_view(row)


# -- options ----------------------------------------------------------------------------------


@router.get(
    "/companies/{companyId}/connections/{connectionId}/options/{dataType}",
    response_model=PushOptionSchema,
    summary="Which fields a push of the data type takes in this company file",
)
def options(
    request: Request, caller: CallerDep, companyId: str, connectionId: str, dataType: str
) -> Response:
    with engine_of(request).connect() as conn:
        connection = connection_of(conn, caller, companyId, connectionId)
        kind = _kind(request, dataType)
        profile = company_profile(conn, connection)
    if profile is None:
        raise PushRefused(
            "The QuickBooks connector has not synced this connection yet: its edition, country "
            "and currencies, which decide the options, are not known.",
            "not_synced",
        )
    # The kind builds the tree; served as it is (the schema documents it for /openapi.json).
    return Response(orjson.dumps(kind.options(profile)), media_type="application/json")
