"""The ASGI application: the Web Connector endpoint plus the HTTP API.

`create_app` takes its settings and database engine as arguments; `app_from_env` is the factory
uvicorn workers call, the only place that reads the environment.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import PlainTextResponse
from sqlalchemy import Engine

from qbdsync import __version__
from qbdsync.qbwc.endpoint import qbwc_routes
from qbdsync.qbwc.service import QbwcService
from qbdsync.settings import Settings
from qbdsync.store.db import make_engine


def create_app(settings: Settings, engine: Engine) -> FastAPI:
    """The whole server. The database must already be migrated (the CLI does it once)."""
    service = QbwcService(engine, settings)
    app = FastAPI(
        title="qbdsync",
        version=__version__,
        description="QuickBooks Desktop sync: Web Connector service and Codat-compatible API.",
    )
    for route in qbwc_routes(
        lambda: service,
        service_url=settings.qbwc_url,
        max_body_bytes=settings.max_request_bytes,
    ):
        app.router.routes.append(route)

    @app.get("/healthz", response_class=PlainTextResponse, include_in_schema=False)
    def healthz() -> str:
        return "ok"

    app.state.settings = settings
    app.state.engine = engine
    return app


def app_from_env() -> FastAPI:
    """uvicorn's factory for `qbdsync serve` workers."""
    settings = Settings()
    return create_app(settings, make_engine(settings.database_url))
