"""Reading synced data: every Codat data type, company- and connection-level, paged and
filtered in SQL with Codat's query language."""

from __future__ import annotations

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query, Request, Response
from sqlalchemy import and_

from qbdsync.api.auth import CallerDep
from qbdsync.api.deps import company_of, connection_of, engine_of
from qbdsync.api.errors import ApiError
from qbdsync.api.paging import PageQ, PageSizeQ, check_page, envelope
from qbdsync.api.query import RECORD_SHAPES, compile_order, compile_query
from qbdsync.api.schemas import page_schema, record_schema
from qbdsync.errors import NotFound
from qbdsync.store import companies as company_store
from qbdsync.store import records as record_store
from qbdsync.store.tables import records
from qbdsync.sync.datasets import COMPANY_INFO, SERVED

router = APIRouter(tags=["Data"])

# Every type the registry serves company-wide (Codat serves most under /companies/{id}/data/…,
# some only per connection; qbdsync serves them both ways), each also per connection.
COMPANY_TYPES = tuple(t for t, served in SERVED.items() if served.scope == "company")
CONNECTION_TYPES = COMPANY_TYPES
# The types Codat lists per bank account of a connection (bankTransactions).
BANK_ACCOUNT_TYPES = tuple(t for t, served in SERVED.items() if served.scope == "bankAccount")

QueryQ = Annotated[
    str | None, Query(description="Codat query language, e.g. amountDue>0&&status=Submitted")
]
OrderQ = Annotated[str | None, Query(alias="orderBy", description="e.g. -modifiedDate")]


def _stored_json(body: Any) -> Response:
    """Records are stored already mapped, so they are served as they are: the routes declare
    their schema (qbdsync.api.schemas) as response_model for /openapi.json only, and answering
    with a Response skips FastAPI's validation and re-serialization of every record (a page of
    5000 invoices would otherwise be validated field by field on each read)."""
    return Response(orjson.dumps(body), media_type="application/json")


def _page(
    request: Request,
    connection_ids: list[str],
    data_type: str,
    page: int,
    page_size: int,
    query: str | None,
    order_by: str | None,
    extra: Any = None,
) -> Response:
    check_page(page, page_size)
    engine = engine_of(request)
    dialect = engine.dialect.name
    fields = RECORD_SHAPES[data_type]
    where = compile_query(query, records.c.data, dialect, fields=fields, what=data_type)
    if extra is not None:
        where = and_(where, extra)
    order = compile_order(
        order_by,
        records.c.data,
        dialect,
        default="id",
        tie_breaker=records.c.record_id,
        columns=record_store.sorted_columns(dialect),
        fields=fields,
        what=data_type,
    )
    with engine.connect() as conn:
        found = record_store.page_records(
            conn,
            connection_ids,
            data_type,
            where=where,
            order_by=order,
            offset=(page - 1) * page_size,
            limit=page_size,
        )
    return _stored_json(
        envelope(request, found.results, page=page, page_size=page_size, total=found.total)
    )


def _company_connections(request: Request, caller: CallerDep, company_id: str) -> list[str]:
    with engine_of(request).connect() as conn:
        company_of(conn, caller, company_id)
        return [c.id for c in company_store.list_connections(conn, company_id)]


def _one(request: Request, connection_ids: list[str], data_type: str, record_id: str) -> Response:
    with engine_of(request).connect() as conn:
        found = record_store.get_record(conn, connection_ids, data_type, record_id)
    if found is None:
        raise NotFound(f"no {data_type} record with id {record_id}")
    return _stored_json(found)


def _add_company_routes(data_type: str) -> None:
    id_name = SERVED[data_type].id_name

    def list_records(
        request: Request,
        caller: CallerDep,
        companyId: str,
        page: PageQ = 1,
        page_size: PageSizeQ = 100,
        query: QueryQ = None,
        order_by: OrderQ = None,
    ) -> Response:
        ids = _company_connections(request, caller, companyId)
        return _page(request, ids, data_type, page, page_size, query, order_by)

    def get_record(request: Request, caller: CallerDep, companyId: str, recordId: str) -> Response:
        return _one(request, _company_connections(request, caller, companyId), data_type, recordId)

    router.add_api_route(
        f"/companies/{{companyId}}/data/{data_type}",
        list_records,
        methods=["GET"],
        response_model=page_schema(data_type),
        summary=f"List {data_type}",
        operation_id=f"list_{data_type}",
    )
    router.add_api_route(
        f"/companies/{{companyId}}/data/{data_type}/{{recordId}}",
        get_record,
        methods=["GET"],
        response_model=record_schema(data_type),
        summary=f"Get one of {data_type} ({id_name})",
        operation_id=f"get_{data_type}",
    )


def _add_connection_routes(data_type: str) -> None:
    def list_records(
        request: Request,
        caller: CallerDep,
        companyId: str,
        connectionId: str,
        page: PageQ = 1,
        page_size: PageSizeQ = 100,
        query: QueryQ = None,
        order_by: OrderQ = None,
    ) -> Response:
        with engine_of(request).connect() as conn:
            connection_of(conn, caller, companyId, connectionId)
        return _page(request, [connectionId], data_type, page, page_size, query, order_by)

    def get_record(
        request: Request,
        caller: CallerDep,
        companyId: str,
        connectionId: str,
        recordId: str,
    ) -> Response:
        with engine_of(request).connect() as conn:
            connection_of(conn, caller, companyId, connectionId)
        return _one(request, [connectionId], data_type, recordId)

    router.add_api_route(
        f"/companies/{{companyId}}/connections/{{connectionId}}/data/{data_type}",
        list_records,
        methods=["GET"],
        response_model=page_schema(data_type),
        summary=f"List {data_type} of one connection",
        operation_id=f"list_connection_{data_type}",
    )
    router.add_api_route(
        f"/companies/{{companyId}}/connections/{{connectionId}}/data/{data_type}/{{recordId}}",
        get_record,
        methods=["GET"],
        response_model=record_schema(data_type),
        summary=f"Get one of {data_type} of one connection",
        operation_id=f"get_connection_{data_type}",
    )


def _add_bank_account_routes(data_type: str) -> None:
    """Codat lists these per bank account: /data/bankAccounts/{accountId}/<type>."""
    account_id = SERVED["bankAccounts"].id_name

    def list_records(
        request: Request,
        caller: CallerDep,
        companyId: str,
        connectionId: str,
        accountId: str,
        page: PageQ = 1,
        page_size: PageSizeQ = 100,
        query: QueryQ = None,
        order_by: OrderQ = None,
    ) -> Response:
        with engine_of(request).connect() as conn:
            connection_of(conn, caller, companyId, connectionId)
            if record_store.get_record(conn, [connectionId], "bankAccounts", accountId) is None:
                raise NotFound(f"no bank account with id {accountId}")
        account_filter = compile_query(
            f'accountId="{_quoted(accountId)}"', records.c.data, engine_of(request).dialect.name
        )
        return _page(
            request,
            [connectionId],
            data_type,
            page,
            page_size,
            query,
            order_by,
            extra=account_filter,
        )

    router.add_api_route(
        f"/companies/{{companyId}}/connections/{{connectionId}}/data/bankAccounts/"
        f"{{{account_id}}}/{data_type}",
        list_records,
        methods=["GET"],
        response_model=page_schema(data_type),
        summary="List the transactions of one bank account",
        operation_id=f"list_bank_account_{data_type}",
    )


def _quoted(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')


# Before company info and the per-type routes, where the document has always listed them.
for _type in BANK_ACCOUNT_TYPES:
    _add_bank_account_routes(_type)


@router.get(
    "/companies/{companyId}/data/info",
    response_model=record_schema(COMPANY_INFO),
    summary="Company info",
)
def company_info(request: Request, caller: CallerDep, companyId: str) -> Response:
    ids = _company_connections(request, caller, companyId)
    with engine_of(request).connect() as conn:
        found = record_store.get_record(conn, ids, COMPANY_INFO, COMPANY_INFO)
    if found is None:
        raise ApiError(
            404,
            "No company information yet: the QuickBooks connector has not synced.",
            can_be_retried="True",
        )
    return _stored_json(found)


for _type in COMPANY_TYPES:
    _add_company_routes(_type)
for _type in CONNECTION_TYPES:
    _add_connection_routes(_type)
