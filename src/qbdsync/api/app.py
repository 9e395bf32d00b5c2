"""The ASGI application: the Web Connector endpoint, the Codat-compatible API, link pages.

`create_app` takes its settings and database engine as arguments; `app_from_env` is the factory
uvicorn workers call, the only place that reads the environment.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI
from sqlalchemy import Engine
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from qbdsync import __version__, metrics
from qbdsync.api import docs, errors, health
from qbdsync.api import metrics as metrics_api
from qbdsync.api.access_log import AccessLog
from qbdsync.api.deps import registered_push_kinds
from qbdsync.api.models import ErrorMessage
from qbdsync.api.routes import data, health_check, link, platform, push, refresh, webhooks
from qbdsync.api.routes import settings as settings_routes
from qbdsync.api.schemas.events import document_webhooks
from qbdsync.api.text import refuse_control_characters
from qbdsync.jobs.runner import start_background_jobs
from qbdsync.logs import configure_logging
from qbdsync.push.kinds import PushKind
from qbdsync.qbwc.endpoint import QbwcEndpoint
from qbdsync.qbwc.service import QbwcService
from qbdsync.settings import Settings
from qbdsync.store.db import make_engine
from qbdsync.webhooks.destinations import DestinationPolicy, Resolver, system_resolver

QBWC_PATH = "/qbwc"

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
    run_jobs: bool = True,
    resolver: Resolver = system_resolver,
    push_kinds: Mapping[str, PushKind] | None = None,
) -> FastAPI:
    """The whole server. The database must already be migrated (the CLI does it once).

    `run_jobs` runs the background jobs (webhook delivery, push time-outs, retention) in this
    process while the app is up; `qbdsync serve` runs them once per node instead, beside its
    workers, and so turns it off in them.

    `resolver` answers the DNS questions about webhook destinations (when a consumer is
    created and when a delivery connects); the operating system's by default. `push_kinds`
    are the data types the push API writes, by data type (the registry's by default).
    """
    service = QbwcService(engine, settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Webhooks go out from the background jobs, never from the request that caused them;
        # they also time out pushes and watch connections' health (qbdsync.jobs).
        jobs = start_background_jobs(engine, settings, resolver=resolver) if run_jobs else None
        app.state.background_jobs = jobs
        try:
            yield
        finally:
            if jobs is not None:
                jobs.stop()
            service.close()  # the connectors' last calls noted but not yet written
            metrics.worker_exiting()

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
    app.state.background_jobs = None
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
    metrics_api.install(app, engine, token=settings.metrics_token)
    return app


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
    fast path, timed for the metrics, inside the access log when QBDSYNC_ACCESS_LOG asks."""
    fast = QbwcFastPath(create_app(settings, engine, **options))
    served: ASGIApp = metrics_api.RequestMetrics(fast, fixed_routes=frozenset({QBWC_PATH}))
    return AccessLog(served) if settings.access_log else served


def app_from_env() -> ASGIApp:
    """uvicorn's factory for `qbdsync serve` workers (the CLI checked the settings and the
    schema before starting them, and runs the background jobs itself)."""
    settings = Settings()
    # Each worker process has logging of its own.
    configure_logging(settings.log_format, settings.log_level or SERVER_LOG_LEVEL)
    # Before anything is counted: several workers share one directory (`qbdsync serve`).
    metrics.configure(Path(settings.metrics_dir) if settings.metrics_dir else None)
    return serving_app(settings, make_engine(settings.database_url), run_jobs=False)
