"""The access log (QBDSYNC_ACCESS_LOG): one INFO record per HTTP request, once it is answered.

An ASGI middleware around the whole server, the /qbwc fast path included, so that every
request is logged once, with how long it took. The request target is logged as the client sent
it (percent-encoding kept, other bytes escaped, so a line never splits) with secrets masked:
link tokens and secret query parameters (qbdsync.redact). Headers are never logged: the API
key travels in Authorization.
"""

from __future__ import annotations

import logging

from starlette.types import Scope

from qbdsync.api.timing import TimedRequests
from qbdsync.redact import redact_text

log = logging.getLogger("qbdsync.access")


def request_target(scope: Scope) -> str:
    """The path and query as the client sent them, one printable line, secrets masked."""
    raw: bytes = scope.get("raw_path") or scope["path"].encode("utf-8")
    query: bytes = scope.get("query_string", b"")
    target = raw + (b"?" + query if query else b"")
    return redact_text(target.decode("ascii", "backslashreplace"))


class AccessLog(TimedRequests):
    def finished(self, scope: Scope, status: int, seconds: float) -> None:
        duration_ms = round(seconds * 1000, 1)
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
