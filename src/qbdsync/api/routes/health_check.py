"""Health checks on demand: `POST …/connections/{connectionId}/healthCheck` queues a tiny request
for the connector's next poll and answers with its result when it comes in time; `GET` shows the
last result (or one check by id).

The POST long-polls, and the wait costs neither a database transaction nor a thread: the route
is a coroutine, the check is queued in one short transaction, and while it waits the coroutine
sleeps and reads the check again in a short read of its own (on a worker thread for the
read only), every 0.1 s at first and then every second. The result may be written by any
server process (the Web Connector's poll can reach another), so the database is what is
watched, not this process's memory. The wait ends at the check's timeout or at
QBDSYNC_HEALTH_CHECK_MAX_WAIT_SECONDS, whichever comes first: 200 with a finished check, else
202 with the check Pending and its id (GET …/healthCheck/{checkId} follows it).
"""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Annotated, Any, Final

import anyio.to_thread
from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from sqlalchemy import Engine

from qbdsync import health_checks
from qbdsync.api.auth import Caller, CallerDep
from qbdsync.api.deps import connection_of, engine_of, now, settings_of
from qbdsync.api.schemas.health_check import HealthCheck
from qbdsync.errors import NotFound
from qbdsync.settings import Settings
from qbdsync.store import health_checks as check_store
from qbdsync.store.health_checks import HealthCheckRow

router = APIRouter(tags=["Connections"])

_PATH = "/companies/{companyId}/connections/{connectionId}/healthCheck"
_FIRST_POLL_SECONDS: Final = 0.1
_LAST_POLL_SECONDS: Final = 1.0

TimeoutQ = Annotated[
    int | None,
    Query(
        alias="timeoutInSeconds",
        ge=health_checks.MIN_TIMEOUT_SECONDS,
        le=health_checks.MAX_TIMEOUT_SECONDS,
        description=(
            "Not answered by then, the check is TimedOut (default: the Web Connector's "
            "schedule and two minutes, so its next scheduled poll answers). The request "
            "waits for the result this long at most, and never longer than the server's "
            "QBDSYNC_HEALTH_CHECK_MAX_WAIT_SECONDS (30 by default)."
        ),
    ),
]


def _queue(
    engine: Engine,
    settings: Settings,
    caller: Caller,
    company_id: str,
    connection_id: str,
    timeout: int | None,
) -> HealthCheckRow:
    with engine.begin() as conn:
        connection_of(conn, caller, company_id, connection_id)
        return health_checks.request_check(conn, settings, connection_id, now(), timeout)


def _read(engine: Engine, check_id: str) -> HealthCheckRow | None:
    with engine.connect() as conn:
        return check_store.get(conn, check_id)


@router.post(
    _PATH,
    response_model=HealthCheck,
    responses={
        202: {
            "model": HealthCheck,
            "description": "Not finished within the wait: the check is Pending (follow it with "
            "GET …/healthCheck/{checkId}).",
        }
    },
    summary="Check the connection: QuickBooks running, the linked company file open",
)
async def request_health_check(
    request: Request,
    caller: CallerDep,
    companyId: str,
    connectionId: str,
    timeout: TimeoutQ = None,
) -> JSONResponse:
    engine, settings = engine_of(request), settings_of(request)
    row = await anyio.to_thread.run_sync(
        _queue, engine, settings, caller, companyId, connectionId, timeout
    )
    wait = timedelta(seconds=settings.health_check_max_wait_seconds)
    until = min(row.expires_at, row.requested_at + wait)
    pause = _FIRST_POLL_SECONDS
    while not health_checks.is_final(row, now()):
        left = (until - now()).total_seconds()
        if left <= 0:
            break
        await asyncio.sleep(min(pause, left))
        pause = min(pause * 2, _LAST_POLL_SECONDS)
        found = await anyio.to_thread.run_sync(_read, engine, row.id)
        if found is None:  # the connection was deleted meanwhile
            raise NotFound(f"no connection with id {connectionId}")
        row = found
    at = now()
    view = health_checks.check_view(row, companyId, at)
    if health_checks.is_final(row, at):
        return JSONResponse(view)
    location = f"{_PATH.format(companyId=companyId, connectionId=connectionId)}/{row.id}"
    return JSONResponse(view, status_code=202, headers={"Location": location})


@router.get(_PATH, response_model=HealthCheck, summary="The last health check of the connection")
def last_health_check(
    request: Request, caller: CallerDep, companyId: str, connectionId: str
) -> dict[str, Any]:
    with engine_of(request).connect() as conn:
        connection_of(conn, caller, companyId, connectionId)
        row = health_checks.find_check(conn, connectionId)
    return health_checks.check_view(row, companyId, now())


@router.get(_PATH + "/{checkId}", response_model=HealthCheck, summary="One health check")
def health_check(
    request: Request, caller: CallerDep, companyId: str, connectionId: str, checkId: str
) -> dict[str, Any]:
    with engine_of(request).connect() as conn:
        connection_of(conn, caller, companyId, connectionId)
        row = health_checks.find_check(conn, connectionId, checkId)
    return health_checks.check_view(row, companyId, now())
