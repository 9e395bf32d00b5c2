"""Refreshing data and watching it arrive: queue pulls, dataStatus, pull history."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response

from qbdsync.api.auth import CallerDep
from qbdsync.api.deps import company_of, connection_of, engine_of
from qbdsync.api.errors import ApiError
from qbdsync.api.models import DataStatus, PullOperation, PullOperations
from qbdsync.api.paging import PageQ, PageSizeQ, check_page, page_of_views
from qbdsync.api.query import shape_of_model
from qbdsync.errors import NotFound
from qbdsync.lifecycle import queue_sync
from qbdsync.statuses import PullStatus
from qbdsync.store import companies as company_store
from qbdsync.store import pulls as pull_store
from qbdsync.sync.datatypes import data_types
from qbdsync.views import internal_data_type, pull_view

router = APIRouter(tags=["Refresh data"])
# The fields a `query` or `orderBy` on the pull history may name.
_PULL_FIELDS = shape_of_model(PullOperation)


def _views(request: Request, company_id: str, limit: int = 10_000) -> list[dict[str, Any]]:
    with engine_of(request).connect() as conn:
        rows = pull_store.list_for_company(conn, company_id, limit=limit)
        connections = {c.id: c for c in company_store.list_connections(conn, company_id)}
    return [pull_view(r, connections.get(r.connection_id)) for r in rows]


@router.post("/companies/{companyId}/data/all", status_code=204, summary="Refresh all data")
def refresh_all(request: Request, caller: CallerDep, companyId: str) -> Response:
    with engine_of(request).begin() as conn:
        company_of(conn, caller, companyId)
        queue_sync(conn, companyId)
    return Response(status_code=204)


@router.post(
    "/companies/{companyId}/data/queue/{dataType}",
    response_model=PullOperation,
    summary="Refresh one data type",
)
def refresh_type(
    request: Request,
    caller: CallerDep,
    companyId: str,
    dataType: str,
    connection_id: Annotated[str | None, Query(alias="connectionId")] = None,
) -> dict[str, Any]:
    data_type = internal_data_type(dataType)
    if data_type not in data_types():
        raise ApiError(400, f"unknown dataType {dataType!r}", can_be_retried="False")
    with engine_of(request).begin() as conn:
        company_of(conn, caller, companyId)
        if connection_id is not None:
            connection_of(conn, caller, companyId, connection_id)
        # Queued only on active connections (each checked under its lock): none is a 409.
        queued = queue_sync(conn, companyId, data_type=data_type, connection_id=connection_id)
        if not queued:
            raise ApiError(
                409,
                "This company has no active QuickBooks connection to refresh from.",
                can_be_retried="False",
            )
        connection = company_store.get_connection(conn, queued[0].connection_id)
    return pull_view(queued[0], connection)


@router.get(
    "/companies/{companyId}/dataStatus",
    response_model=dict[str, DataStatus],
    summary="Status of each data type",
)
def data_status(request: Request, caller: CallerDep, companyId: str) -> dict[str, Any]:
    with engine_of(request).connect() as conn:
        company_of(conn, caller, companyId)
    views = _views(request, companyId)
    result: dict[str, Any] = {}
    for view in views:  # newest first
        entry = result.get(view["dataType"])
        if entry is None:
            entry = result[view["dataType"]] = {
                "dataType": view["dataType"],
                "lastSuccessfulSync": None,
                "currentStatus": view["status"],
                "latestSyncId": view["id"],
                "latestSuccessfulSyncId": None,
            }
        if entry["latestSuccessfulSyncId"] is None and view["status"] == PullStatus.COMPLETE:
            entry["latestSuccessfulSyncId"] = view["id"]
            entry["lastSuccessfulSync"] = view["completed"]
    return result


@router.get(
    "/companies/{companyId}/data/history",
    response_model=PullOperations,
    summary="Pull operations, newest first",
)
def history(
    request: Request,
    caller: CallerDep,
    companyId: str,
    page: PageQ = 1,
    page_size: PageSizeQ = 100,
    query: str | None = None,
    order_by: Annotated[str | None, Query(alias="orderBy")] = None,
) -> dict[str, Any]:
    check_page(page, page_size)
    with engine_of(request).connect() as conn:
        company_of(conn, caller, companyId)
    return page_of_views(
        request,
        _views(request, companyId),
        page=page,
        page_size=page_size,
        query=query,
        order_by=order_by,
        fields=_PULL_FIELDS,
        what="pull operations",
    )


@router.get(
    "/companies/{companyId}/data/history/{datasetId}",
    response_model=PullOperation,
    summary="One pull operation",
)
def one(request: Request, caller: CallerDep, companyId: str, datasetId: str) -> dict[str, Any]:
    with engine_of(request).connect() as conn:
        company_of(conn, caller, companyId)
        try:
            row = pull_store.get_if(conn, datasetId)
        except NotFound:
            row = None
        if row is None or row.company_id != companyId:
            raise NotFound(f"no pull operation with id {datasetId}")
        connection = company_store.get_connection(conn, row.connection_id)
    return pull_view(row, connection)
