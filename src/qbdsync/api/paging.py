"""Codat's paging envelope: {results, pageNumber, pageSize, totalResults, _links}."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Query, Request

from qbdsync.api.errors import ApiError
from qbdsync.api.query import parse_order, parse_query
from qbdsync.api.query.fields import Shape, check_order, check_query
from qbdsync.api.query.reference import matches, order

# The paging parameters every list takes (a list's query and orderBy examples are its own).
PageQ = Annotated[int, Query(description="Page number, from 1.")]
PageSizeQ = Annotated[int, Query(alias="pageSize", description="Results per page (max 5000).")]

MAX_PAGE_SIZE = 5000
MAX_OFFSET = 2**62


def check_page(page: int, page_size: int) -> None:
    if page < 1:
        raise ApiError(400, "page must be 1 or more", can_be_retried="False")
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise ApiError(
            400, f"pageSize must be between 1 and {MAX_PAGE_SIZE}", can_be_retried="False"
        )
    if (page - 1) * page_size > MAX_OFFSET:
        # Databases keep OFFSET in 64 bits; a larger one would be a 500, not an empty page.
        raise ApiError(400, "page is beyond any possible result", can_be_retried="False")


def envelope(
    request: Request, results: list[Any], *, page: int, page_size: int, total: int
) -> dict[str, Any]:
    base = str(request.url.replace(query=""))
    params = dict(request.query_params)

    def href(number: int) -> dict[str, str]:
        query = {**params, "page": str(number), "pageSize": str(page_size)}
        return {"href": f"{base}?{urlencode(query)}"}

    # next/previous are null rather than absent at either end (as the Links model serializes).
    links: dict[str, Any] = {
        "self": {"href": base},
        "current": href(page),
        "next": href(page + 1) if page * page_size < total else None,
        "previous": href(page - 1) if page > 1 else None,
    }
    return {
        "results": results,
        "pageNumber": page,
        "pageSize": page_size,
        "totalResults": total,
        "_links": links,
    }


def page_of_views(
    request: Request,
    views: list[dict[str, Any]],
    *,
    page: int,
    page_size: int,
    query: str | None,
    order_by: str | None,
    fields: Shape,
    what: str,
    default_order: str | None = None,
) -> dict[str, Any]:
    """Filter, sort and page views built in Python (a tenant's companies, a company's
    connections or pull operations: few enough; record data is paged in SQL instead).

    `fields` is the shape of the views (`what` names them in errors): a `query` or `orderBy`
    on another field is refused, as for records.
    """
    check_query(parse_query(query), fields, what)
    check_order(parse_order(order_by), fields, what)
    chosen = [v for v in views if matches(query, v)]
    if order_by or default_order:
        chosen = order(chosen, order_by or default_order)
    start = (page - 1) * page_size
    return envelope(
        request,
        chosen[start : start + page_size],
        page=page,
        page_size=page_size,
        total=len(chosen),
    )
