"""The `qbdsync` command line: serve, demo, simulate, company and connection management.

Every command reads QBDSYNC_DATABASE_URL / QBDSYNC_PUBLIC_URL (and the other QBDSYNC_ settings)
through one Settings object built at the start of the command. Commands whose output scripts
read print the value they create as their last line.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine

from qbdsync.errors import QbdsyncError
from qbdsync.settings import Settings
from qbdsync.store.db import make_engine
from qbdsync.store.migrate import upgrade

app = typer.Typer(help="qbdsync: QuickBooks Desktop sync service.", no_args_is_help=True)
company_app = typer.Typer(help="Companies (one per business whose books you read).")
connection_app = typer.Typer(help="QuickBooks connections of a company (one per company file).")
app.add_typer(company_app, name="company")
sync_app = typer.Typer(help="Syncs: queue a refresh for the next Web Connector poll.")
apikey_app = typer.Typer(help="API keys for the REST API (each belongs to a client/tenant).")
app.add_typer(apikey_app, name="apikey")
app.add_typer(connection_app, name="connection")
app.add_typer(sync_app, name="sync")

err = Console(stderr=True)
out = Console()


def _settings(**overrides: object) -> Settings:
    return Settings(**overrides)  # type: ignore[arg-type]


def _engine(settings: Settings) -> Engine:
    engine = make_engine(settings.database_url)
    upgrade(engine)
    return engine


@app.command()
def migrate() -> None:
    """Bring the database to the newest schema."""
    settings = _settings()
    _engine(settings)
    out.print(f"Database at {settings.database_url} is up to date.")


@company_app.command("create")
def company_create(
    name: str,
    description: Annotated[str | None, typer.Option(help="A note for operators.")] = None,
) -> None:
    """Create a company; prints its id as the last line."""
    from qbdsync.linking import create_company

    engine = _engine(_settings())
    print(create_company(engine, name, description))


@company_app.command("list")
def company_list() -> None:
    """List companies."""
    from qbdsync.store import companies as company_store

    engine = _engine(_settings())
    with engine.connect() as conn:
        rows = company_store.list_companies(conn)
    table = Table("id", "name", "created")
    for row in rows:
        table.add_row(row.id, row.name, f"{row.created_at:%Y-%m-%d %H:%M}")
    out.print(table)


@connection_app.command("create")
def connection_create(
    company_id: str,
    out_file: Annotated[Path, typer.Option("--out", help="Where to write the .qwc file.")],
) -> None:
    """Create a QuickBooks connection, write its .qwc file; prints the password as last line.

    The password is shown once: only its SHA-256 digest is stored.
    """
    from qbdsync.linking import create_connection

    settings = _settings()
    engine = _engine(settings)
    created = create_connection(engine, settings, company_id)
    out_file.write_text(created.qwc, encoding="utf-8")
    err.print(
        f"Connection {created.connection.id} created; .qwc written to {out_file}. "
        "Give the user the file and the password below (shown only once)."
    )
    print(created.password)


@connection_app.command("list")
def connection_list(company_id: Annotated[str | None, typer.Argument()] = None) -> None:
    """List connections, optionally of one company."""
    from qbdsync.store import companies as company_store

    engine = _engine(_settings())
    with engine.connect() as conn:
        rows = company_store.list_connections(conn, company_id)
    table = Table("id", "company", "status", "user name", "last sync", "QuickBooks")
    now = datetime.now(UTC)
    for row in rows:
        paused = row.paused_until is not None and (
            row.paused_until.replace(tzinfo=row.paused_until.tzinfo or UTC) > now
        )
        table.add_row(
            row.id,
            row.company_id,
            row.status + (f" (paused until {row.paused_until:%Y-%m-%d %H:%M})" if paused else ""),
            row.username,
            f"{row.last_sync_at:%Y-%m-%d %H:%M}" if row.last_sync_at else "never",
            " ".join(x for x in (row.qb_product, row.qb_country) if x) or "-",
        )
    out.print(table)


@connection_app.command("qwc")
def connection_qwc(
    connection_id: str,
    out_file: Annotated[Path, typer.Option("--out", help="Where to write the .qwc file.")],
) -> None:
    """Write the .qwc file of an existing connection again (it holds no password)."""
    from qbdsync.linking import connection_qwc as make_qwc

    settings = _settings()
    out_file.write_text(make_qwc(_engine(settings), settings, connection_id), encoding="utf-8")
    print(out_file)


@sync_app.command("queue")
def sync_queue(
    company_id: str,
    data_type: Annotated[
        str | None, typer.Option("--type", help="One data type, e.g. invoices (default: all).")
    ] = None,
) -> None:
    """Queue a sync: the next Web Connector poll of each connection of the company runs it."""
    from qbdsync.lifecycle import queue_sync

    queued = queue_sync(_engine(_settings()), company_id, data_type=data_type)
    table = Table("pull operation", "data type", "status", "description")
    for pull in queued:
        table.add_row(pull.id, pull.data_type, pull.status, pull.status_description or "")
    out.print(table)
    out.print(f"Queued {len(queued)} pull operation(s) for company {company_id}.")


@sync_app.command("status")
def sync_status(company_id: str) -> None:
    """The pull operations of a company, newest first (paused ones show Initial)."""
    from qbdsync.store import companies as company_store
    from qbdsync.store import pulls as pull_store
    from qbdsync.views import pull_view

    engine = _engine(_settings())
    with engine.connect() as conn:
        company_store.get_company(conn, company_id)
        rows = pull_store.list_for_company(conn, company_id, limit=100)
        connections = {c.id: c for c in company_store.list_connections(conn, company_id)}
    table = Table("data type", "status", "description", "records", "requested", "completed")
    for row in rows:
        view = pull_view(row, connections.get(row.connection_id))
        table.add_row(
            row.data_type,
            view["status"],
            view["statusDescription"] or "",
            str(row.records),
            f"{row.requested:%Y-%m-%d %H:%M}",
            f"{row.completed:%Y-%m-%d %H:%M}" if row.completed else "",
        )
    out.print(table)


@sync_app.command("settings")
def sync_settings_cmd(
    company_id: Annotated[
        str | None, typer.Argument(help="A company (default: the default client's profile).")
    ] = None,
    data_type: Annotated[str | None, typer.Option("--type", help="Change one data type.")] = None,
    fetch_on_first_link: Annotated[
        bool | None, typer.Option("--fetch-on-first-link/--no-fetch-on-first-link")
    ] = None,
    schedule: Annotated[int | None, typer.Option(help="Hours between syncs (0 = never).")] = None,
    order: Annotated[int | None, typer.Option(help="Sync order (lower first).")] = None,
    months: Annotated[int | None, typer.Option(help="History limit in months.")] = None,
    sync_from: Annotated[
        str | None, typer.Option(help="History limit: first date, YYYY-MM-DD.")
    ] = None,
) -> None:
    """Show sync settings, or change one data type's with --type and options."""
    from qbdsync.store import clients as client_store
    from qbdsync.store import companies as company_store
    from qbdsync.store import sync_settings

    engine = _engine(_settings())
    with engine.begin() as conn:
        if company_id:
            company_store.get_company(conn, company_id)
            key = company_id
            current = sync_settings.effective(conn, company_id)
        else:
            client_id = client_store.default_client(conn, datetime.now(UTC))
            key = sync_settings.profile_key(client_id)
            current = sync_settings.effective(conn, None, client_id=client_id)
        if data_type is not None:
            if data_type not in current:
                raise typer.BadParameter(f"unknown data type {data_type!r}")
            changed = sync_settings.updated(
                current[data_type],
                fetch_on_first_link=fetch_on_first_link,
                sync_schedule_hours=schedule,
                sync_order=order,
                months_to_sync=months,
                sync_from_utc=sync_from,
            )
            sync_settings.save(conn, key, [changed])
            current[data_type] = changed
    table = Table("data type", "fetch on first link", "schedule (h)", "order", "history")
    for setting in sorted(current.values(), key=lambda s: s.sync_order):
        history = setting.sync_from_utc or (
            f"{setting.months_to_sync} months" if setting.months_to_sync else "all"
        )
        table.add_row(
            setting.data_type,
            "yes" if setting.fetch_on_first_link else "no",
            str(setting.sync_schedule_hours),
            str(setting.sync_order),
            history,
        )
    out.print(table)


@company_app.command("set")
def company_set(
    company_id: str,
    sync_mode: Annotated[
        str | None, typer.Option(help="ongoing or one-time ('' = default).")
    ] = None,
    window: Annotated[
        str | None, typer.Option(help="Sync window, e.g. 19:00-07:00 ('' clears).")
    ] = None,
    days: Annotated[str | None, typer.Option(help="Window days, e.g. Mon-Fri.")] = None,
    timezone: Annotated[
        str | None, typer.Option(help="IANA time zone, e.g. America/Chicago.")
    ] = None,
) -> None:
    """Set a company's sync mode and sync window."""
    from qbdsync.lifecycle import CompanySyncOptions, set_company_options

    set_company_options(
        _engine(_settings()),
        company_id,
        CompanySyncOptions(
            sync_mode=sync_mode, sync_window=window, sync_window_days=days, timezone=timezone
        ),
    )
    out.print(f"Company {company_id} updated.")


@connection_app.command("pause")
def connection_pause(
    connection_id: str,
    until: Annotated[
        str | None, typer.Option(help="ISO time (UTC unless an offset is given).")
    ] = None,
    for_: Annotated[str | None, typer.Option("--for", help="A duration: 30m, 2h, 1d.")] = None,
) -> None:
    """Pause syncing: the Web Connector is told "Paused until <time>" and nothing runs."""
    from datetime import UTC, datetime

    from qbdsync.lifecycle import pause
    from qbdsync.sync.schedule import parse_until

    if (until is None) == (for_ is None):
        raise typer.BadParameter("give exactly one of --until and --for")
    when = parse_until(until or for_ or "", datetime.now(UTC))
    row = pause(_engine(_settings()), connection_id, when)
    out.print(f"Connection {row.id} paused until {when:%Y-%m-%d %H:%M} UTC.")


@connection_app.command("resume")
def connection_resume(connection_id: str) -> None:
    """End a pause now."""
    from qbdsync.lifecycle import resume

    row = resume(_engine(_settings()), connection_id)
    out.print(f"Connection {row.id} resumed.")


@connection_app.command("relink")
def connection_relink(
    connection_id: str,
    out_file: Annotated[Path, typer.Option("--out", help="Where to write the .qwc file.")],
) -> None:
    """Link the same company file again (same ids, data kept); prints a new password last."""
    from qbdsync.lifecycle import relink

    settings = _settings()
    created = relink(_engine(settings), settings, connection_id)
    out_file.write_text(created.qwc, encoding="utf-8")
    err.print(f"Connection {connection_id} re-linked; .qwc written to {out_file}.")
    print(created.password)


@connection_app.command("errors")
def connection_errors(connection_id: str) -> None:
    """Recent sync errors of a connection, newest first, with what qbdsync does next."""
    from qbdsync.store import companies as company_store
    from qbdsync.store import records as record_store

    engine = _engine(_settings())
    with engine.connect() as conn:
        company_store.get_connection(conn, connection_id)
        errors = record_store.list_errors(conn, connection_id)
    table = Table("data set", "status", "hresult", "recovery", "message")
    for e in errors:
        table.add_row(
            e.dataset or "", str(e.status_code or ""), e.hresult or "", e.recovery, e.summary
        )
    out.print(table)


@apikey_app.command("create")
def apikey_create(
    name: Annotated[str, typer.Option(help="What the key is for.")],
    client: Annotated[
        str | None,
        typer.Option(help="Client (tenant) id; default: the deployment's default client."),
    ] = None,
    new_client: Annotated[
        str | None, typer.Option(help="Create a new client (tenant) with this name for the key.")
    ] = None,
) -> None:
    """Create an API key; prints it as the last line (shown once, stored as a digest)."""
    from qbdsync.store import clients as client_store

    engine = _engine(_settings())
    now = datetime.now(UTC)
    with engine.begin() as conn:
        if new_client:
            client_id = client_store.create_client(conn, new_client, now)
        else:
            client_id = client or client_store.default_client(conn, now)
        key, row = client_store.create_api_key(conn, client_id, name, now)
    err.print(
        f"API key {row.id} for client {client_id}. Send it as "
        "'Authorization: Basic <base64 of the key>'."
    )
    print(key)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    workers: Annotated[int | None, typer.Option(help="Worker processes (default: cores).")] = None,
) -> None:
    """Serve the Web Connector endpoint and the API (uvicorn, uvloop + httptools)."""
    import uvicorn

    settings = _settings()
    _engine(settings)  # migrate once, before the workers start
    settings.checked_public_url()
    count = workers or os.cpu_count() or 1
    err.print(
        f"qbdsync serving on http://{host}:{port} with {count} worker(s); "
        f"Web Connector URL {settings.qbwc_url}"
    )
    uvicorn.run(
        "qbdsync.api.app:app_from_env",
        factory=True,
        host=host,
        port=port,
        workers=count,
        loop="uvloop",
        http="httptools",
        log_level="warning",
        access_log=False,
        backlog=4096,
    )


@app.command()
def simulate(
    qwc: Annotated[
        list[Path] | None,
        typer.Option(help="The .qwc file of a connection (repeat for several company files)."),
    ] = None,
    password: Annotated[
        list[str] | None,
        typer.Option(help="The connection's Web Connector password (one per --qwc)."),
    ] = None,
    link_url: Annotated[
        str | None,
        typer.Option(help="Act as the SMB user: fetch the link, the .qwc and the password."),
    ] = None,
    company_file: Annotated[
        list[Path] | None,
        typer.Option(help="Simulated company file, created when missing (one per --qwc)."),
    ] = None,
    size: Annotated[str, typer.Option(help="small (~1k), medium (~20k), large (~200k)")] = "small",
    seed: Annotated[int, typer.Option(help="Generator seed.")] = 1,
    country: Annotated[str, typer.Option(help="US, CA or UK edition.")] = "US",
    churn: Annotated[int, typer.Option(help="Create/modify/delete N records first.")] = 0,
    fail: Annotated[
        list[str] | None,
        typer.Option(help="Make QuickBooks fail: CODE:TYPE[:TIMES], e.g. 3175:invoices:1."),
    ] = None,
    log_file: Annotated[Path | None, typer.Option("--log", help="QWCLog-style log file.")] = None,
) -> None:
    """Run one Web Connector "Update Selected" session against a simulated QuickBooks.

    Several --qwc (with as many --password and --company-file) run one after another, as the
    Web Connector does for several company files on one PC. Each session prints one JSON line;
    the last line printed is the last session's: requests, records per data type, seconds,
    result.
    """
    from qbdsync.simulator.quickbooks import parse_failures
    from qbdsync.simulator.runner import simulate as run

    if size not in ("small", "medium", "large"):
        raise typer.BadParameter("size must be small, medium or large")
    if country not in ("US", "CA", "UK"):
        raise typer.BadParameter("country must be US, CA or UK")
    qwcs, passwords = list(qwc or []), list(password or [])
    if link_url is not None:
        from qbdsync.simulator.link import follow_link

        if qwcs or passwords:
            raise typer.BadParameter("give --link-url, or --qwc with --password, not both")
        linked_qwc, linked_password = follow_link(
            link_url, Path(tempfile.mkdtemp(prefix="qbdsync-link-"))
        )
        qwcs, passwords = [linked_qwc], [linked_password]
    if not qwcs or len(qwcs) != len(passwords):
        raise typer.BadParameter("give --link-url, or one --password for each --qwc")
    files = list(company_file or [])
    if files and len(files) != len(qwcs):
        raise typer.BadParameter("give one --company-file for each --qwc")
    if not files:
        files = [Path(f"qbdsync-sim-{country}-{size}-{seed + i}.qbsim") for i in range(len(qwcs))]
    failures = parse_failures(fail or [])
    log = log_file.open("a", encoding="utf-8") if log_file else None
    try:
        for qwc_path, secret, path in zip(qwcs, passwords, files, strict=True):
            result = run(
                qwc_path=qwc_path,
                password=secret,
                company_file=path,
                size=size,
                seed=seed,
                country=country,
                churn=churn,
                failures=failures,
                log=log,
            )
            print(json.dumps(result.as_json()), flush=True)
    finally:
        if log is not None:
            log.close()


@app.command()
def demo(
    size: Annotated[str, typer.Option(help="small, medium or large simulated company.")] = "small",
    exit_after: Annotated[bool, typer.Option("--exit", help="Exit after the sync.")] = False,
    port: Annotated[int, typer.Option(help="Port to serve on (0 = any free port).")] = 0,
) -> None:
    """Start the server on SQLite, link a simulated company and sync it over real HTTP."""
    from qbdsync.demo import run_demo

    run_demo(
        size=size,
        exit_after=exit_after,
        port=port,
        console=out,
        workdir=Path(tempfile.gettempdir()),
    )


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        app()
    except QbdsyncError as exc:
        err.print(f"[red]error:[/red] {exc}")
        sys.exit(2)


if __name__ == "__main__":
    main()
