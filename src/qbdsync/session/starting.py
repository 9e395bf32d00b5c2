"""Starting a session: the company file is checked, its company info stored, the session
planned from the connection's pull operations and its first request prepared — from the
company information the driver sent, or from QuickBooks' answer to the core's own host query
when the driver had none."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection

from qbdsync.errors import QbdsyncError
from qbdsync.mapping.currencies import CompanyCurrency, CurrencyCodes, company_currency
from qbdsync.qbxml.hostinfo import (
    HostInfo,
    host_query_request,
    host_query_version,
    parse_host_info,
    read_host_query_answer,
)
from qbdsync.qbxml.status import Recovery, describe_hresult
from qbdsync.session import asking, finishing, liveness, opening
from qbdsync.session.context import Context, Env
from qbdsync.session.outcomes import Ended, Progress, Response, Send, Step, Taken
from qbdsync.session.planning import plan_session, scheduled_types
from qbdsync.session.processor import OpenedCompany
from qbdsync.session.pulls import applied
from qbdsync.session.recording import write_pull_changes
from qbdsync.session.stored import PendingHostQuery
from qbdsync.store import companies as company_store
from qbdsync.store import pulls as pull_store
from qbdsync.store import records as record_store
from qbdsync.store import sessions as session_store
from qbdsync.store import sync_settings
from qbdsync.store.pulls import PullRow
from qbdsync.sync.engine import SyncEngine
from qbdsync.untrusted import quote_untrusted


def start(
    conn: Connection,
    env: Env,
    key: str,
    context: Context,
    opened: OpenedCompany,
    now: datetime,
    silent: session_store.Liveness | None = None,
) -> Step:
    """Create the session (taking over `silent` first) and give its first request.

    The caller has found nothing that forbids the start; the database may still refuse it
    (SessionNotStarted: another driver won the race).
    """
    connection_id = context.connection.id
    if silent is not None:
        liveness.take_over(conn, silent, connection_id, key, now)
    session_store.create_session(conn, key, connection_id, now)
    if not opened.hcp_response.strip():
        # No company information from the driver: ask QuickBooks for it first.
        pending = PendingHostQuery(host_query_version(opened.country), *opened[1:])
        request = host_query_request(pending.version, env.owner_id)
        session_store.save_session(
            conn, key, now, state=pending.to_json(), pending_request=request, request_sent=True
        )
        return Send(request)
    try:
        host = _parse_host(opened.hcp_response)
        engine, pulls = _bind_and_plan(conn, env, key, context, host, opened, now)
    except opening.Refused as refused:
        finishing.record_failure(
            conn, env, key, context, refused.message, refused.recovery, now, code=refused.code
        )
        return Ended(refused.message)
    return asking.prepare_next(conn, env, key, context, engine, pulls, now, sent=True)


def take_host_answer(
    conn: Connection,
    env: Env,
    key: str,
    context: Context,
    pending: PendingHostQuery,
    response: Response,
    now: datetime,
) -> Taken:
    """Start the session from QuickBooks' answer to the host query, as from an HCP
    response: the company file is checked before anything is stored."""
    answer = read_host_query_answer(response.response_chunks())
    if answer.host is None:
        code = None
        if answer.problem is None:  # no response at all, only an hresult
            info = describe_hresult(response.hresult or "0x80040402")
            problem = f"{info.user_message} ({info.hex}) {quote_untrusted(response.message)}"
            problem, recovery, code = problem.strip(), info.recovery, info.hex
        else:
            problem, recovery = answer.problem, answer.recovery
        message = f"QuickBooks did not answer qbdsync's question about the company file: {problem}"
        finishing.record_failure(conn, env, key, context, message, recovery, now, code=code)
        return Ended(message)
    try:
        engine, pulls = _bind_and_plan(conn, env, key, context, answer.host, pending.opened(), now)
    except opening.Refused as refused:
        finishing.record_failure(
            conn, env, key, context, refused.message, refused.recovery, now, code=refused.code
        )
        return Ended(refused.message)
    engine.state.answered_host_query = True
    step = asking.prepare_next(conn, env, key, context, engine, pulls, now, sent=False)
    return Progress(engine.progress()) if isinstance(step, Send) else step


def _bind_and_plan(
    conn: Connection,
    env: Env,
    key: str,
    context: Context,
    host: HostInfo,
    opened: OpenedCompany,
    now: datetime,
) -> tuple[SyncEngine, list[PullRow]]:
    """Check the company file, then store its company info and plan the session.

    Nothing is written before the FileID check passes. Returns the engine and the
    connection's active pull operations as planning left them.
    """
    connection = context.connection
    opening.check_company_file(
        host,
        owner_id=env.owner_id,
        linked_file_id=connection.file_id,
        company_file=opened.company_file,
    )
    settings = env.settings
    version = opening.negotiate(
        host, opened.country, opened.major, opened.minor, settings.max_qbxml_version
    )
    qb_country = opening.company_country(host, opened.country)
    home = host.home_currency or opening.HOME_CURRENCY.get(qb_country)
    currencies = _company_currencies(conn, connection.id)
    company_row, warning = opening.company_row(host, home, CurrencyCodes(currencies), qb_country)
    record_store.upsert_records(conn, connection.id, [company_row], now)
    if warning is not None:
        record_store.add_errors(conn, connection.id, key, [warning], now)
    company_store.update_connection(
        conn,
        connection.id,
        qb_product=host.product_name,
        qb_country=qb_country,
        qbxml_version=version,
        company_file=opened.company_file or None,
    )
    effective = sync_settings.effective(conn, connection.company_id)
    pull_store.queue(
        conn,
        company_id=connection.company_id,
        connection_id=connection.id,
        data_types=scheduled_types(effective, pull_store.last_success(conn, connection.id), now),
        now=now,
        description="Scheduled sync",
    )
    active = pull_store.active_for(conn, connection.id)
    plan = plan_session(active, effective, session_key=key, now=now)
    write_pull_changes(conn, plan.changes)
    started = now.timestamp()
    budget = settings.session_time_budget_seconds
    engine = SyncEngine.plan(
        datasets=plan.datasets,
        history=plan.history,
        bank_account_ids=record_store.live_ids(conn, connection.id, "bankAccounts"),
        currencies=currencies,
        watermarks=record_store.get_watermarks(conn, connection.id),
        version=version,
        home_currency=home,
        country=qb_country,
        max_returned=settings.max_returned,
        overlap_seconds=settings.watermark_overlap_seconds,
        future_tolerance_seconds=settings.watermark_future_tolerance_seconds,
        deadline=started + budget,
        hard_deadline=started + max(budget, settings.session_hard_limit_seconds),
    )
    return engine, applied(active, plan.changes)


def _parse_host(hcp_response: str) -> HostInfo:
    try:
        return parse_host_info(hcp_response)
    except QbdsyncError as exc:
        raise opening.Refused(
            f"QuickBooks' company information could not be read: {exc}",
            Recovery.FATAL_REQUEST,
        ) from exc


def _company_currencies(conn: Connection, connection_id: str) -> list[CompanyCurrency]:
    """The company's Currency list as last synced (deleted ones too: old records use them)."""
    stored = record_store.iter_records(conn, connection_id, "currencies")
    return [c for r in stored if (c := company_currency(r["raw"])) is not None]
