"""Errors in Codat's shape: {statusCode, service, error, correlationId, validation,
canBeRetried, detailedErrorCode}, mapped from qbdsync's one error tree.

Nothing here answers 5xx for conditions an operator cannot fix by retrying (e.g. "the connector
has not called yet"): Codat's SDKs retry 5xx for a long time.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from qbdsync.errors import (
    AuthenticationFailed,
    Fatal,
    InvalidPush,
    InvalidQuery,
    NotFound,
    PushRefused,
    QbdsyncError,
    RejectedInput,
    RetryLater,
)

log = logging.getLogger(__name__)
SERVICE = "qbdsync"


class ApiError(QbdsyncError):
    """An HTTP error with Codat's body; raise it from routes for explicit status codes."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        can_be_retried: str = "Unknown",
        detailed_error_code: int = 0,
        validation: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.can_be_retried = can_be_retried
        self.detailed_error_code = detailed_error_code
        self.validation = validation


def error_body(
    status: int,
    message: str,
    *,
    can_be_retried: str = "Unknown",
    detailed_error_code: int = 0,
    validation: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "statusCode": status,
        "service": SERVICE,
        "error": message,
        "correlationId": uuid.uuid4().hex,
        "validation": validation,
        "canBeRetried": can_be_retried,
        "detailedErrorCode": detailed_error_code,
    }


def _respond(status: int, message: str, **extra: Any) -> JSONResponse:
    headers = {"WWW-Authenticate": 'Basic realm="qbdsync"'} if status == 401 else None
    return JSONResponse(error_body(status, message, **extra), status_code=status, headers=headers)


def install(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_: Request, exc: ApiError) -> JSONResponse:
        return _respond(
            exc.status,
            exc.message,
            can_be_retried=exc.can_be_retried,
            detailed_error_code=exc.detailed_error_code,
            validation=exc.validation,
        )

    @app.exception_handler(AuthenticationFailed)
    async def _auth(_: Request, exc: AuthenticationFailed) -> JSONResponse:
        return _respond(401, str(exc), can_be_retried="False")

    @app.exception_handler(NotFound)
    async def _not_found(_: Request, exc: NotFound) -> JSONResponse:
        return _respond(404, str(exc), can_be_retried="False")

    @app.exception_handler(InvalidQuery)
    async def _bad_query(_: Request, exc: InvalidQuery) -> JSONResponse:
        # QuerySyntaxError and UnknownField say which parameter; the message says where.
        parameter = getattr(exc, "parameter", "query")
        return _respond(
            400,
            str(exc),
            can_be_retried="False",
            validation={
                "errors": [
                    {"itemId": parameter, "message": str(exc), "validatorName": type(exc).__name__}
                ],
                "warnings": [],
            },
        )

    @app.exception_handler(InvalidPush)
    async def _invalid_push(_: Request, exc: InvalidPush) -> JSONResponse:
        # Nothing was queued; each field at fault is one validation error, as Codat reports.
        return _respond(
            400,
            str(exc),
            can_be_retried="False",
            validation={"errors": exc.errors, "warnings": []},
        )

    @app.exception_handler(PushRefused)
    async def _push_refused(_: Request, exc: PushRefused) -> JSONResponse:
        # An unsupported type or action is a bad request; an inactive or never-synced
        # connection is the state of things (409), not retryable by resending as is.
        status = 400 if exc.reason == "not_supported" else 409
        return _respond(status, str(exc), can_be_retried="False")

    @app.exception_handler(RejectedInput)
    async def _rejected(_: Request, exc: RejectedInput) -> JSONResponse:
        return _respond(400, str(exc), can_be_retried="False")

    @app.exception_handler(RetryLater)
    async def _retry(_: Request, exc: RetryLater) -> JSONResponse:
        return _respond(409, str(exc), can_be_retried="True")

    @app.exception_handler(Fatal)
    async def _fatal(_: Request, exc: Fatal) -> JSONResponse:
        log.error("fatal error answering a request: %s", exc)
        return _respond(
            500,
            "qbdsync could not complete this request; see the server log",
            can_be_retried="False",
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {
                "itemId": ".".join(str(p) for p in err.get("loc", ()) if p != "body"),
                "message": err.get("msg", "invalid"),
                "validatorName": err.get("type", "validation"),
            }
            for err in exc.errors()
        ]
        return _respond(
            400,
            "The request is not valid: "
            + "; ".join(f"{e['itemId']}: {e['message']}" for e in errors),
            can_be_retried="False",
            validation={"errors": errors, "warnings": []},
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return _respond(exc.status_code, str(exc.detail), can_be_retried="False")
