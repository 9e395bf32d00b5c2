"""The access log (QBDSYNC_ACCESS_LOG): one INFO record per HTTP request, once it is answered.

An ASGI middleware around the whole server, the /qbwc fast path included, so that every
request is logged once, with how long it took. The request target is logged as the client sent
it (percent-encoding kept, other bytes escaped, so a line never splits) with secrets masked:
link tokens and secret query parameters (qbdsync.redact). Headers are never logged: the API
key travels in Authorization.
"""

from __future__ import annotations

import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from qbdsync.redact import redact_text

log = logging.getLogger("qbdsync.access")

# What a request that ended before any answer was sent counts as (uvicorn answers it with 500).
NO_ANSWER_STATUS = 500


def request_target(scope: Scope) -> str:
    """The path and query as the client sent them, one printable line, secrets masked."""
    raw: bytes = scope.get("raw_path") or scope["path"].encode("utf-8")
    query: bytes = scope.get("query_string", b"")
    target = raw + (b"?" + query if query else b"")
    return redact_text(target.decode("ascii", "backslashreplace"))


class AccessLog:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = NO_ANSWER_STATUS

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            duration_ms = round((time.perf_counter() - started) * 1000, 1)
            client = scope.get("client")
            address = str(client[0]) if client else "-"
            method = str(scope.get("method", "-"))
            target = request_target(scope)
            log.info(
                "%s %s %d %.1fms %s",
                method,
                target,
                status,
                duration_ms,
                address,
                extra={
                    "method": method,
                    "path": target,
                    "status": status,
                    "duration_ms": duration_ms,
                    "client": address,
                },
            )
