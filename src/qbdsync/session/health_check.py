"""A health check on demand, as a step of the session: a tiny request sent before anything else.

A check asked for through the API or the CLI waits on its connection (`health_check_until`,
read with the connection on every call, so looking costs nothing). The next request a session
prepares is then a HostQuery and a CompanyQuery (with our OwnerID, so the FileID of the open
company file comes back): one round trip through the Web Connector and QuickBooks, sent ahead
of the writes and the reads, and answering every check that waited. Its answer is recognised by
the request it answers (the session row keeps the request handed out), so the engine's state
is not touched and never sees it.

The answer settles the checks: Success with what QuickBooks said about itself, or Failed with
the hresult, the status code or our own code (`opening.WRONG_COMPANY_FILE`). A check also fails
when the session never gets that far: the Web Connector reports that QuickBooks could not be
opened (`connectionError`), or the session is refused at its start (`fail_waiting`, called by
the core and by `finishing.record_failure`). One that nobody answers times out (the store).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from sqlalchemy import Connection

from qbdsync.diagnosis.entries_health_check import NO_ANSWER
from qbdsync.errors import InvalidXML, RecordTooLarge
from qbdsync.qbxml.hostinfo import MAX_HOST_ANSWER_CHARS, parse_host_info
from qbdsync.qbxml.parser import ResponseStatus, parse_response
from qbdsync.qbxml.requests import QueryRequest, build_message_set
from qbdsync.qbxml.status import Recovery, describe_hresult
from qbdsync.session import opening
from qbdsync.session.context import Context, Env
from qbdsync.session.outcomes import Response
from qbdsync.statuses import HealthCheckStatus
from qbdsync.store import health_checks as check_store
from qbdsync.untrusted import quote_untrusted

REQUEST_ID: Final = "qbdsyncHealthCheck"
_MARK: Final = f'requestID="{REQUEST_ID}"'
_ANSWERED: Final = ("HostQueryRs", "CompanyQueryRs")


def is_check_request(request: str | None) -> bool:
    """Is `request` (the one handed out) a health check's?"""
    return request is not None and _MARK in request


def check_request(version: str, owner_id: str) -> str:
    return build_message_set(
        version,
        (
            QueryRequest(rq_name="HostQueryRq", request_id=REQUEST_ID),
            QueryRequest(
                rq_name="CompanyQueryRq",
                request_id=f"{REQUEST_ID}Company",
                filters=(("OwnerID", owner_id),),
            ),
        ),
        on_error="continueOnError",
    )


def next_request(
    conn: Connection, env: Env, context: Context, key: str, version: str, now: datetime
) -> str | None:
    """The check's request when one waits on the connection (marked sent by this session),
    else None. Only the connection already read is looked at when none waits."""
    until = context.connection.health_check_until
    if until is None or until <= now:
        return None
    if check_store.take_due(conn, context.connection.id, key, now) == 0:
        return None
    return check_request(version, env.owner_id)


@dataclass(frozen=True, slots=True)
class _Result:
    status: HealthCheckStatus
    code: str | None = None
    message: str | None = None
    answer: dict[str, Any] | None = field(default=None)


def take(
    conn: Connection, env: Env, key: str, context: Context, response: Response, now: datetime
) -> None:
    """Settle the checks this session's request answered, from QuickBooks' answer."""
    result = _read(env, context, response)
    for check in check_store.sent_by(conn, key):
        if now >= check.expires_at:
            waited = (now - (check.sent_at or check.requested_at)).total_seconds()
            check_store.settle(
                conn,
                check.id,
                HealthCheckStatus.TIMED_OUT,
                now,
                code=NO_ANSWER,
                message=(
                    f"QuickBooks answered {waited:.0f} s after the request was sent, past the "
                    f"check's timeout of {check.timeout_seconds} s ({_outcome(result)})."
                ),
            )
            continue
        check_store.settle(
            conn,
            check.id,
            result.status,
            now,
            code=result.code,
            message=result.message,
            answer=result.answer,
        )


def fail_waiting(
    conn: Connection, connection_id: str, code: str | None, message: str, now: datetime
) -> None:
    """The session failed (or never started) before its checks were answered: they fail
    with its reason."""
    check_store.fail_waiting(conn, connection_id, code, message, now)


def _outcome(result: _Result) -> str:
    if result.status == HealthCheckStatus.SUCCESS:
        return "it answered correctly"
    return f"it reported: {result.message}"


def _failed(code: str | None, message: str) -> _Result:
    return _Result(HealthCheckStatus.FAILED, code, message)


def _read(env: Env, context: Context, response: Response) -> _Result:
    chunks: list[str] = []
    size = 0
    for chunk in response.response_chunks():  # read to the end: then the hresult is known
        size += len(chunk)
        if size <= MAX_HOST_ANSWER_CHARS:
            chunks.append(chunk)
    if not size:
        info = describe_hresult(response.hresult or "0x80040402")
        said = quote_untrusted(response.message)
        return _failed(info.hex, f"{info.user_message} {said}".strip())
    if size > MAX_HOST_ANSWER_CHARS:
        return _failed(None, f"QuickBooks' answer to the health check is over {size:,} characters")
    text = "".join(chunks)
    try:
        events = parse_response(text, env.settings.record_limits())
    except (InvalidXML, RecordTooLarge) as exc:
        return _failed(None, f"QuickBooks' answer to the health check could not be read: {exc}")
    statuses = {e.rs_name: e for e in events if isinstance(e, ResponseStatus)}
    for rs_name in _ANSWERED:
        status = statuses.get(rs_name)
        if status is None:
            return _failed(None, f"QuickBooks' answer to the health check has no {rs_name}")
        if status.recovery not in (Recovery.OK, Recovery.KEEP_WARN):
            return _failed(str(status.code), _refused(status))
    try:
        host = parse_host_info(text)
        opening.check_company_file(
            host,
            owner_id=env.owner_id,
            linked_file_id=context.connection.file_id,
            company_file=context.connection.company_file or "",
        )
    except opening.Refused as refused:
        return _failed(refused.code, refused.message)
    except InvalidXML as exc:
        return _failed(None, f"QuickBooks' answer to the health check could not be read: {exc}")
    return _Result(
        HealthCheckStatus.SUCCESS,
        answer={
            "productName": quote_untrusted(host.product_name),
            "companyName": quote_untrusted(host.company_name),
            "fileMode": quote_untrusted(host.file_mode),
        },
    )


def _refused(status: ResponseStatus) -> str:
    return (
        f"QuickBooks refused {status.rs_name[:-2]} (status {status.code}: "
        f"{quote_untrusted(status.message)})"
    )
