"""An ASGI middleware base that times each HTTP request and notes the status it was answered
with; the access log and the request metrics are two of them around the whole server."""

from __future__ import annotations

import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# What a request that ended before any answer was sent counts as (uvicorn answers it with 500).
NO_ANSWER_STATUS = 500


class TimedRequests:
    """Calls `finished(scope, status, seconds)` once per HTTP request, after it is answered
    (or failed); other scopes (lifespan, websockets) pass through untouched."""

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
            self.finished(scope, status, time.perf_counter() - started)

    def finished(self, scope: Scope, status: int, seconds: float) -> None:
        raise NotImplementedError
