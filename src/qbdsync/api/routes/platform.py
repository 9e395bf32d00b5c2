"""Companies, connections and integrations (Codat's platform API).

A request that changes something is one transaction (`engine.begin()`), its webhook event
included: the change and the event commit together, or an error leaves neither.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from sqlalchemy import Connection

from qbdsync import lifecycle
from qbdsync.api.auth import CallerDep
from qbdsync.api.deps import company_of, connection_of, engine_of, now, settings_of
from qbdsync.api.errors import ApiError
from qbdsync.api.models import (
    Companies,
    CompanyModel,
    CompanyRequestBody,
    CompanyUpdateRequest,
    ConnectionModel,
    ConnectionRequestBody,
    Connections,
    Integration,
    Integrations,
    UpdateConnectionStatus,
)
from qbdsync.api.paging import PageQ, PageSizeQ, check_page, page_of_views
from qbdsync.api.query import shape_of_model
from qbdsync.api.shapes import INTEGRATION_ID, PLATFORM_KEY, PLATFORM_NAME, company_view
from qbdsync.api.shapes import connection_view as _connection_view
from qbdsync.linking import create_company, create_linkable_connection, new_link
from qbdsync.settings import Settings
from qbdsync.statuses import ConnectionStatus
from qbdsync.store import companies as company_store

router = APIRouter(tags=["Platform"])
# The fields a `query` or `orderBy` may name in each list, from its response model.
_COMPANY_FIELDS = shape_of_model(CompanyModel)
_CONNECTION_FIELDS = shape_of_model(ConnectionModel)
_INTEGRATION_FIELDS = shape_of_model(Integration)

QueryQ = Annotated[str | None, Query(description="Codat query language, e.g. name~Acme.")]
OrderQ = Annotated[str | None, Query(alias="orderBy", description="e.g. -created")]


def _company(conn: Connection, settings: Settings, company_id: str) -> dict[str, Any]:
    row = company_store.get_company(conn, company_id)
    connections = company_store.list_connections(conn, company_id)
    return company_view(conn, settings, row, connections)


@router.get("/companies", response_model=Companies, summary="List companies")
def list_companies(
    request: Request,
    caller: CallerDep,
    page: PageQ = 1,
    page_size: PageSizeQ = 100,
    query: QueryQ = None,
    order_by: OrderQ = None,
) -> dict[str, Any]:
    check_page(page, page_size)
    engine, settings = engine_of(request), settings_of(request)
    with engine.connect() as conn:
        rows = company_store.list_companies(conn, caller.client_id)
        views = [
            company_view(conn, settings, row, company_store.list_connections(conn, row.id))
            for row in rows
        ]
    return page_of_views(
        request,
        views,
        page=page,
        page_size=page_size,
        query=query,
        order_by=order_by,
        fields=_COMPANY_FIELDS,
        what="companies",
        default_order="-created",
    )


@router.post("/companies", response_model=CompanyModel, summary="Create a company")
def create(request: Request, caller: CallerDep, body: CompanyRequestBody) -> dict[str, Any]:
    with engine_of(request).begin() as conn:
        company_id = create_company(
            conn,
            body.name,
            body.description,
            client_id=caller.client_id,
            tags=body.tags,
            now=now(),
        )  # with its company.created event
        return _company(conn, settings_of(request), company_id)


@router.get("/companies/{companyId}", response_model=CompanyModel, summary="Get a company")
def get(request: Request, caller: CallerDep, companyId: str) -> dict[str, Any]:
    with engine_of(request).connect() as conn:
        company_of(conn, caller, companyId)
        return _company(conn, settings_of(request), companyId)


def _update(
    request: Request, caller: CallerDep, company_id: str, values: dict[str, Any]
) -> dict[str, Any]:
    """Change a company and answer with it as committed-to-be, in one transaction."""
    with engine_of(request).begin() as conn:
        company_store.lock_company(conn, company_id, client_id=caller.client_id)
        if values:
            company_store.update_company(conn, company_id, now(), **values)
        return _company(conn, settings_of(request), company_id)


@router.put("/companies/{companyId}", response_model=CompanyModel, summary="Replace a company")
def replace(
    request: Request,
    caller: CallerDep,
    companyId: str,
    body: CompanyRequestBody,
) -> dict[str, Any]:
    return _update(
        request,
        caller,
        companyId,
        {
            "name": body.name,
            "description": body.description,
            "tags": body.tags or {},
        },
    )


@router.patch("/companies/{companyId}", response_model=CompanyModel, summary="Update a company")
def patch(
    request: Request,
    caller: CallerDep,
    companyId: str,
    body: CompanyUpdateRequest,
) -> dict[str, Any]:
    values = body.model_dump(exclude_unset=True)
    if "name" in values and values["name"] is None:
        raise ApiError(400, "name cannot be null", can_be_retried="False")
    return _update(request, caller, companyId, values)


@router.delete("/companies/{companyId}", status_code=204, summary="Delete a company")
def delete(request: Request, caller: CallerDep, companyId: str) -> Response:
    with engine_of(request).begin() as conn:
        lifecycle.delete_company(conn, companyId, client_id=caller.client_id)
    return Response(status_code=204)


@router.get(
    "/companies/{companyId}/connections", response_model=Connections, summary="List connections"
)
def list_connections(
    request: Request,
    caller: CallerDep,
    companyId: str,
    page: PageQ = 1,
    page_size: PageSizeQ = 100,
    query: QueryQ = None,
    order_by: OrderQ = None,
) -> dict[str, Any]:
    check_page(page, page_size)
    settings = settings_of(request)
    with engine_of(request).connect() as conn:
        company_of(conn, caller, companyId)
        views = [
            _connection_view(conn, settings, c)
            for c in company_store.list_connections(conn, companyId)
        ]
    return page_of_views(
        request,
        views,
        page=page,
        page_size=page_size,
        query=query,
        order_by=order_by,
        fields=_CONNECTION_FIELDS,
        what="connections",
        default_order="created",
    )


@router.post(
    "/companies/{companyId}/connections",
    response_model=ConnectionModel,
    summary="Create a connection (returns its linkUrl for the SMB user)",
)
def create_connection(
    request: Request,
    caller: CallerDep,
    companyId: str,
    body: ConnectionRequestBody,
) -> dict[str, Any]:
    if body.platformKey != PLATFORM_KEY:
        raise ApiError(
            400,
            f"Unknown platformKey {body.platformKey!r}: this server offers {PLATFORM_KEY!r} "
            f"({PLATFORM_NAME}).",
            can_be_retried="False",
        )
    settings = settings_of(request)
    with engine_of(request).begin() as conn:
        company_of(conn, caller, companyId)
        # The connection, its first-link pulls, its link and its connection.created event.
        connection, _ = create_linkable_connection(conn, settings, companyId, now=now())
        return _connection_view(conn, settings, connection)


@router.get(
    "/companies/{companyId}/connections/{connectionId}",
    response_model=ConnectionModel,
    summary="Get a connection",
)
def get_connection(
    request: Request,
    caller: CallerDep,
    companyId: str,
    connectionId: str,
) -> dict[str, Any]:
    with engine_of(request).connect() as conn:
        row = connection_of(conn, caller, companyId, connectionId)
        return _connection_view(conn, settings_of(request), row)


@router.patch(
    "/companies/{companyId}/connections/{connectionId}",
    response_model=ConnectionModel,
    summary='Unlink a connection ({"status": "Unlinked"})',
)
def unlink(
    request: Request,
    caller: CallerDep,
    companyId: str,
    connectionId: str,
    body: UpdateConnectionStatus,
) -> dict[str, Any]:
    if body.status != ConnectionStatus.UNLINKED:
        raise ApiError(400, 'Only {"status": "Unlinked"} can be set.', can_be_retried="False")
    settings = settings_of(request)
    with engine_of(request).begin() as conn:
        row = lifecycle.unlink_connection(
            conn, settings, connectionId, company_id=companyId, client_id=caller.client_id
        )
        return _connection_view(conn, settings, row)


@router.delete(
    "/companies/{companyId}/connections/{connectionId}",
    status_code=200,  # Codat answers 200 with no body here; its SDKs reject a 204
    summary="Delete a connection and its data",
)
def delete_connection(
    request: Request,
    caller: CallerDep,
    companyId: str,
    connectionId: str,
) -> Response:
    with engine_of(request).begin() as conn:
        lifecycle.delete_connection(
            conn,
            settings_of(request),
            connectionId,
            company_id=companyId,
            client_id=caller.client_id,
        )
    return Response(status_code=200)


@router.post(
    "/companies/{companyId}/connections/{connectionId}/link",
    response_model=ConnectionModel,
    summary="Regenerate the link URL (the old one stops working; the password can be shown again)",
)
def regenerate_link(
    request: Request,
    caller: CallerDep,
    companyId: str,
    connectionId: str,
) -> dict[str, Any]:
    settings = settings_of(request)
    with engine_of(request).begin() as conn:
        connection_of(conn, caller, companyId, connectionId)
        new_link(conn, settings, connectionId, now=now())
        return _connection_view(conn, settings, company_store.get_connection(conn, connectionId))


def _integration(request: Request) -> dict[str, Any]:
    base = settings_of(request).public_url
    return {
        "key": PLATFORM_KEY,
        "logoUrl": f"{base}/static/quickbooks-desktop.svg",
        "name": PLATFORM_NAME,
        "enabled": True,
        "sourceId": INTEGRATION_ID,
        "sourceType": "Accounting",
        "integrationId": INTEGRATION_ID,
        "isOfflineConnector": True,
        "isBeta": False,
        "dataProvidedBy": "qbdsync",
        "datatypeFeatures": [],
    }


@router.get("/integrations", response_model=Integrations, summary="List integrations")
def integrations(
    request: Request,
    caller: CallerDep,
    page: PageQ = 1,
    page_size: PageSizeQ = 100,
    query: QueryQ = None,
    order_by: OrderQ = None,
) -> dict[str, Any]:
    check_page(page, page_size)
    return page_of_views(
        request,
        [_integration(request)],
        page=page,
        page_size=page_size,
        query=query,
        order_by=order_by,
        fields=_INTEGRATION_FIELDS,
        what="integrations",
    )


@router.get("/integrations/{platformKey}", response_model=Integration, summary="Get integration")
def integration(request: Request, caller: CallerDep, platformKey: str) -> dict[str, Any]:
    if platformKey != PLATFORM_KEY:
        raise ApiError(404, f"no integration {platformKey!r}", can_be_retried="False")
    return _integration(request)
