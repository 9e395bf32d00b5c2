"""The ASGI application: the Web Connector endpoint, the Codat-compatible API, link pages.

`create_app` takes its settings and database engine as arguments; `app_from_env` is the factory
uvicorn workers call, the only place that reads the environment.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from fastapi import Depends, FastAPI
from sqlalchemy import Engine
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from qbdsync import __version__, connection_health, outbox
from qbdsync.api import docs, errors, health
from qbdsync.api.access_log import AccessLog
from qbdsync.api.deps import registered_push_kinds
from qbdsync.api.models import ErrorMessage
from qbdsync.api.routes import data, health_check, link, platform, push, refresh, webhooks
from qbdsync.api.routes import settings as settings_routes
from qbdsync.api.schemas.events import document_webhooks
from qbdsync.api.text import refuse_control_characters
from qbdsync.logs import configure_logging
from qbdsync.push.kinds import PushKind
from qbdsync.qbwc.endpoint import QbwcEndpoint
from qbdsync.qbwc.service import QbwcService
from qbdsync.settings import Settings
from qbdsync.store.db import make_engine
from qbdsync.webhooks.delivery import start_worker
from qbdsync.webhooks.destinations import DestinationPolicy, Resolver, system_resolver

QBWC_PATH = "/qbwc"
# How often each server process looks for connections whose health changed.
HEALTH_WATCH_SECONDS = 60.0

# The server's log level when QBDSYNC_LOG_LEVEL is not set.
SERVER_LOG_LEVEL = "INFO"

# Every answer other than 2xx carries Codat's error body; /openapi.json says so, so generated
# clients can parse it (FastAPI's own 422 is never sent: invalid input is a 400 here).
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorMessage, "description": text}
    for code, text in (
        (400, "The request is not valid"),
        (401, "Missing, unknown or revoked API key"),
        (404, "No such object for this API key"),
        (409, "Not possible in the current state"),
    )
}


def create_app(
    settings: Settings,
    engine: Engine,
    *,
    deliver_webhooks: bool = True,
    resolver: Resolver = system_resolver,
    push_kinds: Mapping[str, PushKind] | None = None,
) -> FastAPI:
    """The whole server. The database must already be migrated (the CLI does it once).

    `resolver` answers the DNS questions about webhook destinations (when a consumer is
    created and when a delivery connects); the operating system's by default. `push_kinds`
    are the data types the push API writes, by data type (the registry's by default).
    """
    service = QbwcService(engine, settings)

    def expire_pushes() -> None:
        with engine.begin() as conn:
            outbox.expire_due(conn, datetime.now(UTC))

    # Health changes by the clock alone (a silent connector turns late), so the worker that
    # already runs every few seconds looks for changes too, at most once a HEALTH_WATCH_SECONDS.
    health_watch = Throttled(HEALTH_WATCH_SECONDS, lambda: _watch_health(engine, settings))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Webhooks go out from a background worker, never from the request that caused them;
        # it also times out pushes the connector did not call for in time.
        worker = (
            start_worker(engine, settings, resolver=resolver, chores=[expire_pushes, health_watch])
            if deliver_webhooks
            else None
        )
        app.state.webhook_worker = worker
        try:
            yield
        finally:
            if worker is not None:
                worker.stop()
            service.close()  # the connectors' last calls noted but not yet written

    app = FastAPI(
        title="qbdsync",
        version=__version__,
        description=(
            "QuickBooks Desktop sync: a Web Connector service and a Codat-compatible API. "
            "Authenticate with `Authorization: Basic <base64 of your API key>`."
        ),
        lifespan=lifespan,
        # Served by qbdsync.api.docs from packaged assets instead of a CDN.
        docs_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.webhook_worker = None
    app.state.webhook_policy = DestinationPolicy.parse(settings.webhook_allow_private)
    app.state.webhook_resolver = resolver
    app.state.push_kinds = dict(push_kinds) if push_kinds is not None else registered_push_kinds()
    errors.install(app)
    docs.install(app)
    qbwc = QbwcEndpoint(
        lambda: service,
        service_url=settings.qbwc_url,
        max_body_bytes=settings.max_request_bytes,
        limits=settings.soap_limits(),
        large_body_slots=settings.large_body_slots,
        large_body_wait_seconds=settings.large_body_wait_seconds,
        large_body_stall_seconds=settings.large_body_stall_seconds,
    )
    app.state.qbwc_endpoint = qbwc
    app.router.routes.append(Route(QBWC_PATH, endpoint=qbwc))
    for module in (
        platform,
        health_check,
        refresh,
        data,
        push,
        settings_routes,
        webhooks,
        link,
    ):
        # Control characters in a path or query parameter: a 400 before any reaches the
        # database (PostgreSQL refuses NUL) or an operator's terminal.
        app.include_router(
            module.router,
            responses=ERROR_RESPONSES,
            dependencies=[Depends(refuse_control_characters)],
        )
    document_webhooks(app)
    health.install(app, engine, timeout_seconds=settings.readiness_timeout_seconds)
    return app


def _watch_health(engine: Engine, settings: Settings) -> None:
    with engine.begin() as conn:
        connection_health.watch(conn, settings, datetime.now(UTC))


class Throttled:
    """Runs `chore` when called, but at most once every `seconds` (monotonic time)."""

    def __init__(self, seconds: float, chore: Callable[[], object]) -> None:
        self._seconds = seconds
        self._chore = chore
        self._last: float | None = None

    def __call__(self) -> None:
        now = time.monotonic()
        if self._last is not None and now - self._last < self._seconds:
            return
        self._last = now
        self._chore()


class QbwcFastPath:
    """Sends /qbwc straight to the Web Connector endpoint, everything else to FastAPI.

    Idle polls are most of the traffic (three calls per connector per minute); skipping
    FastAPI's middleware stack and route matching for them is a large share of their cost.
    """

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self._qbwc: QbwcEndpoint = app.state.qbwc_endpoint

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == QBWC_PATH:
            await self._qbwc(scope, receive, send)
        else:
            await self.app(scope, receive, send)


def serving_app(settings: Settings, engine: Engine, **options: Any) -> ASGIApp:
    """What `qbdsync serve` runs: `create_app(settings, engine, **options)` behind the /qbwc
    fast path, inside the access log when QBDSYNC_ACCESS_LOG asks for it."""
    served: ASGIApp = QbwcFastPath(create_app(settings, engine, **options))
    return AccessLog(served) if settings.access_log else served


def app_from_env() -> ASGIApp:
    """uvicorn's factory for `qbdsync serve` workers (the CLI checked the settings and the
    schema before starting them)."""
    settings = Settings()
    # Each worker process has logging of its own.
    configure_logging(settings.log_format, settings.log_level or SERVER_LOG_LEVEL)
    return serving_app(settings, make_engine(settings.database_url))
