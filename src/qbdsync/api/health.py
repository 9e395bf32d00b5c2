"""`/healthz` (the process is alive) and `/readyz` (it can serve: database and schema).

A load balancer sends traffic to a node while `/readyz` answers 200 and takes it away on 503,
whose JSON body says why: the database did not answer within QBDSYNC_READINESS_TIMEOUT_SECONDS,
it cannot be reached, or its schema is not the one this qbdsync needs (behind: run `qbdsync
migrate`; ahead: a newer qbdsync migrated it). `/healthz` never looks at the database, so a
supervisor does not restart a healthy process because the database is down.

The reason in the body names no host, user or URL (the endpoint needs no key); the server's log
says which database failed and how, once per change of state rather than once per probe.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from contextlib import suppress
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse, PlainTextResponse
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from qbdsync.redact import mask_database_url, redact_known
from qbdsync.store.migrate import SchemaState, schema_state

log = logging.getLogger(__name__)

UNREACHABLE = "the database cannot be reached (the server's log says why)"

# A probe's answer is about this moment: no cache (a proxy's included) may keep it.
NO_STORE = {"Cache-Control": "no-store"}

# The name of the thread a probe runs in.
PROBE_THREAD = "qbdsync-readiness"


class Readiness:
    """Probes the database for `/readyz`, with at most one probe in flight per process.

    A probe runs in a thread of its own; an answer that takes longer than the timeout makes
    `/readyz` a 503 while the probe goes on. Requests arriving meanwhile wait on that same
    probe, so a hung database costs one thread, not one per request.
    """

    def __init__(self, engine: Engine, timeout_seconds: float) -> None:
        self.engine = engine
        self.timeout_seconds = timeout_seconds
        self._probe: asyncio.Future[SchemaState] | None = None
        self._last_problem: str | None = None

    async def check(self) -> tuple[int, dict[str, Any]]:
        """(HTTP status, JSON body) of the node's readiness now."""
        try:
            state = await asyncio.wait_for(
                asyncio.shield(self._current_probe()), self.timeout_seconds
            )
        except TimeoutError:
            return self._unready(
                f"the database did not answer within {self.timeout_seconds:g} s",
                detail="a probe is still waiting for it",
            )
        except SQLAlchemyError as exc:  # refused, lost, failed login, the pool's own timeout
            orig = exc.orig if isinstance(exc, DBAPIError) else None
            reason = " ".join(str(orig if orig is not None else exc).split())
            return self._unready(UNREACHABLE, detail=redact_known(reason, self.engine.url.password))
        problem = state.problem()
        if problem is not None:
            return self._unready(problem, schema=state)
        if self._last_problem is not None:
            log.info("ready again: the database answers and its schema is %s", state.current)
            self._last_problem = None
        return 200, {"status": "ready", "schema": state.current}

    def _current_probe(self) -> asyncio.Future[SchemaState]:
        loop = asyncio.get_running_loop()
        probe = self._probe
        if probe is None or probe.done() or probe.get_loop() is not loop:
            probe = self._probe = _in_thread(loop, self._read_schema)
        return probe

    def _read_schema(self) -> SchemaState:
        with self.engine.connect() as conn:
            return schema_state(conn)

    def _unready(
        self, reason: str, *, detail: str | None = None, schema: SchemaState | None = None
    ) -> tuple[int, dict[str, Any]]:
        if reason != self._last_problem:
            log.warning(
                "not ready: database %s: %s%s",
                mask_database_url(self.engine.url),
                reason,
                f" ({detail})" if detail else "",
            )
            self._last_problem = reason
        body: dict[str, Any] = {"status": "unavailable", "reason": reason}
        if schema is not None:
            body |= {"schema": schema.current, "needs": schema.head}
        return 503, body


def _in_thread(
    loop: asyncio.AbstractEventLoop, work: Callable[[], SchemaState]
) -> asyncio.Future[SchemaState]:
    """`work()` in a daemon thread (one stuck on a dead database never holds up the process's
    exit), its result in a future of `loop`."""
    future: asyncio.Future[SchemaState] = loop.create_future()

    def settle(result: SchemaState | None, error: BaseException | None) -> None:
        if future.done():
            return
        if error is not None:
            future.set_exception(error)
        else:
            assert result is not None
            future.set_result(result)

    def run() -> None:
        try:
            outcome: tuple[SchemaState | None, BaseException | None] = (work(), None)
        except BaseException as exc:  # handed to the waiting request, which reports it
            outcome = (None, exc)
        with suppress(RuntimeError):  # the loop closed meanwhile (the server stopped)
            loop.call_soon_threadsafe(settle, *outcome)

    threading.Thread(target=run, name=PROBE_THREAD, daemon=True).start()
    return future


def install(app: FastAPI, engine: Engine, *, timeout_seconds: float) -> None:
    readiness = Readiness(engine, timeout_seconds)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> PlainTextResponse:
        return PlainTextResponse("ok", headers=NO_STORE)

    @app.get("/readyz", include_in_schema=False)
    async def readyz() -> JSONResponse:
        status, body = await readiness.check()
        return JSONResponse(body, status_code=status, headers=NO_STORE)
