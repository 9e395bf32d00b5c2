"""Codat's paging envelope: {results, pageNumber, pageSize, totalResults, _links}."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import Request

from qbdsync.api.errors import ApiError

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

    links: dict[str, Any] = {"self": {"href": base}, "current": href(page)}
    if page * page_size < total:
        links["next"] = href(page + 1)
    if page > 1:
        links["previous"] = href(page - 1)
    return {
        "results": results,
        "pageNumber": page,
        "pageSize": page_size,
        "totalResults": total,
        "_links": links,
    }
