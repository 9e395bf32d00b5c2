"""`/metrics`: Prometheus text, and the HTTP request timer that feeds it.

The counters and histograms are `qbdsync.metrics`' (this process's, or every worker's in
multiprocess mode). The queue gauges are read from the database when Prometheus scrapes:
pushes waiting and webhook deliveries pending, with the age of the oldest of each, so every
node reports the same deployment-wide figures (take `max` across nodes, not `sum`).

Protection: the figures hold no secret and no id, but they say how busy the deployment is.
With QBDSYNC_METRICS_TOKEN set, a scrape must send `Authorization: Bearer <token>`; without
it, `/metrics` is open like `/healthz`, and the production guide has the reverse proxy refuse
it from outside.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Iterator
from datetime import UTC, datetime

from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from starlette.types import ASGIApp, Scope

from qbdsync import metrics
from qbdsync.api.timing import TimedRequests
from qbdsync.store import backlog

log = logging.getLogger(__name__)

METRICS_PATH = "/metrics"
# The route of a request no route matched (a 404, a scanner): never its raw path.
UNMATCHED_ROUTE = "unmatched"
NO_STORE = {"Cache-Control": "no-store"}


def route_template(scope: Scope) -> str:
    """The template of the route that answered (`/companies/{companyId}/data/invoices`), set
    by Starlette's router; the fast path's /qbwc is its own path."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    if isinstance(path, str) and path:
        return path
    return UNMATCHED_ROUTE


class RequestMetrics(TimedRequests):
    """Times every HTTP request into qbdsync_http_request_duration_seconds (outermost, so the
    /qbwc fast path is timed too). `fixed_routes`: paths answered outside the router, labelled
    as themselves."""

    def __init__(self, app: ASGIApp, fixed_routes: frozenset[str] = frozenset()) -> None:
        super().__init__(app)
        self.fixed_routes = fixed_routes

    def finished(self, scope: Scope, status: int, seconds: float) -> None:
        path = scope["path"]
        route = path if path in self.fixed_routes else route_template(scope)
        metrics.current().request(scope["method"], route, status, seconds)


class QueueGauges(Collector):
    """The push queue and the webhook backlog, read from the database at each scrape."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._failing = False

    def collect(self) -> Iterator[Metric]:
        try:
            with self.engine.connect() as conn:
                pushes = backlog.push_queue(conn)
                deliveries = backlog.webhook_backlog(conn)
        except SQLAlchemyError as exc:
            if not self._failing:  # once per outage, not once per scrape
                log.warning("metrics: the queue gauges could not be read: %s", type(exc).__name__)
            self._failing = True
            return
        self._failing = False
        now = datetime.now(UTC)
        yield from _queue(
            "qbdsync_push_queue", "Push operations still Pending (queued or sent).", pushes, now
        )
        yield from _queue(
            "qbdsync_webhook_backlog",
            "Webhook deliveries still pending (due, or waiting to be tried again).",
            deliveries,
            now,
        )


def _queue(name: str, what: str, queue: backlog.Queue, now: datetime) -> Iterator[Metric]:
    yield GaugeMetricFamily(f"{name}_depth", what, value=queue.depth)
    age = (now - queue.oldest).total_seconds() if queue.oldest is not None else 0.0
    yield GaugeMetricFamily(
        f"{name}_oldest_age_seconds",
        f"How long the oldest of them has waited (0 when none): {what[0].lower()}{what[1:]}",
        value=max(age, 0.0),
    )


class _ProcessMetrics(Collector):
    """This process's counters and histograms (the embedded, single-process case)."""

    def collect(self) -> Iterator[Metric]:
        yield from metrics.current().registry.collect()


def exposition(engine: Engine) -> bytes:
    """The Prometheus text of this process, or of every worker, and the queue gauges."""
    registry = CollectorRegistry(auto_describe=False)
    directory = metrics.directory()
    if directory is not None:
        MultiProcessCollector(registry, path=str(directory))  # type: ignore[no-untyped-call]
    else:
        registry.register(_ProcessMetrics())
    registry.register(QueueGauges(engine))
    return generate_latest(registry)


def authorized(request: Request, token: str) -> bool:
    if not token:
        return True
    given = request.headers.get("authorization", "")
    scheme, _, credentials = given.partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(
        credentials.strip().encode(), token.encode()
    )


def install(app: FastAPI, engine: Engine, *, token: str) -> None:
    @app.get(METRICS_PATH, include_in_schema=False)
    def scrape(request: Request) -> Response:  # a thread of the pool: it reads the database
        if not authorized(request, token):
            return PlainTextResponse(
                "a metrics token is required (Authorization: Bearer)",
                status_code=401,
                headers={"WWW-Authenticate": "Bearer", **NO_STORE},
            )
        return Response(exposition(engine), media_type=CONTENT_TYPE_LATEST, headers=NO_STORE)
