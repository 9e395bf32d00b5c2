"""The `qbdsync` command line: serve, demo, simulate, companies, connections, keys, syncs and
pushes.

Every command reads QBDSYNC_DATABASE_URL / QBDSYNC_PUBLIC_URL (and the other QBDSYNC_ settings)
through one Settings object built at the start of the command. Commands whose output scripts
read print the value they create as their last line; every list and show command takes
`--json`. Exit codes: 0 done, 1 an error qbdsync explains on stderr (an unknown id, a database
that cannot be opened, a file that cannot be written, a port in use, a failed simulated
session), 2 a usage error (an unknown option, a number out of its bounds).

Tables and messages for people escape control characters in every value (cli_output); --json
prints values as they are, JSON-escaped.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import shutil
import socket
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Annotated, Any, TypeAlias

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table
from rich.text import Text
from sqlalchemy import Engine
from typer.core import TyperGroup

from qbdsync import cli_output as show
from qbdsync.errors import ConfigurationError, InvalidValue, QbdsyncError
from qbdsync.logs import configure_logging
from qbdsync.plain_text import (
    FREE_TEXT_RULE,
    LINE_RULE,
    NAME_RULE,
    is_blank,
    is_free_text,
    is_line,
)
from qbdsync.redact import mask_database_url, mask_url, redact_text
from qbdsync.settings import Settings, unknown_variables, variable_name
from qbdsync.store.companies import CompanyRow, ConnectionRow
from qbdsync.store.migrate import open_database
from qbdsync.store.sync_settings import MONTHS_TO_SYNC_MAX, SCHEDULE_HOURS_MAX, SYNC_ORDER_MAX
from qbdsync.views import iso

if TYPE_CHECKING:
    from qbdsync.connection_health import Health
    from qbdsync.jobs.runner import BackgroundJobs


class _Commands(TyperGroup):
    """The root command: an error qbdsync raises on purpose is one line on stderr and exit 1
    (a bug still shows its traceback). Sub-commands run inside this invoke, so it covers all."""

    # `Any`: typer's Context type lives in its private vendored click.
    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except InvalidValue as exc:
            # On the command line the only values checked below the CLI are the operator's
            # (a sync mode, a window, a pause, a data type): a bad one is a usage error, exit 2,
            # as typer's own option checks are. Unknown ids stay NotFound, exit 1.
            raise typer.BadParameter(show.printable(str(exc))) from None
        except QbdsyncError as exc:
            _error(str(exc))
            raise typer.Exit(1) from None
        except OSError as exc:
            # A file that cannot be read or written, a refused socket: the environment, not
            # a bug. Commands check what they can first; this keeps the rest to one line.
            where = f" ({exc.filename})" if exc.filename else ""
            _error(redact_text(f"{exc.strerror or exc}{where}"))
            raise typer.Exit(1) from None
        finally:
            while _OPEN_ENGINES:
                _OPEN_ENGINES.pop().dispose()


def _typer(help_text: str, **options: Any) -> typer.Typer:
    # Tracebacks never show local variables: they hold settings, passwords and keys.
    return typer.Typer(
        help=help_text, no_args_is_help=True, pretty_exceptions_show_locals=False, **options
    )


log = logging.getLogger("qbdsync.cli")

# On shutdown, how long the background jobs get to end what they are doing (a webhook pass
# posts what is in flight, at most one consumer timeout).
JOBS_STOP_SECONDS = 60.0

app = _typer("qbdsync: QuickBooks Desktop sync service.", cls=_Commands)
company_app = _typer("Companies (one per business whose books you read).")
connection_app = _typer("QuickBooks connections of a company (one per company file).")
client_app = _typer("Clients (API tenants): each sees only its own companies.")
apikey_app = _typer("API keys for the REST API (each belongs to a client).")
sync_app = _typer("Syncs: queue a refresh for the next Web Connector poll.")
push_app = _typer("Push operations: writes into QuickBooks, sent at the next Web Connector poll.")
app.add_typer(company_app, name="company")
app.add_typer(connection_app, name="connection")
app.add_typer(client_app, name="client")
app.add_typer(apikey_app, name="apikey")
app.add_typer(sync_app, name="sync")
app.add_typer(push_app, name="push")

# Markup off: company names and messages are printed as they are, brackets included.
err = Console(stderr=True, markup=False, highlight=False, soft_wrap=True)
out = Console(markup=False, highlight=False, soft_wrap=True)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
OutOption = Annotated[Path, typer.Option("--out", help="Where to write the .qwc file.")]
TCP_PORT_MAX = 65535
YesOption = Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")]


# Commands other than `serve` print what they did: their log shows warnings and errors only,
# unless QBDSYNC_LOG_LEVEL says otherwise.
COMMAND_LOG_LEVEL = "WARNING"


def _settings() -> Settings:
    """The QBDSYNC_* settings; a value that does not parse is one line naming the variable
    (never the value: it may be a secret)."""
    try:
        return Settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"QBDSYNC_{'_'.join(str(part) for part in e['loc']).upper()}: {e['msg']}"
            for e in exc.errors()
        )
        raise ConfigurationError(f"invalid settings: {problems}") from None


def _start_up() -> None:
    """Logging configured from the settings (the command reports settings that do not parse;
    until then the defaults), and a warning for each QBDSYNC_* variable that is no setting."""
    try:
        settings: Settings | None = Settings()
    except ValidationError:
        settings = None
    configure_logging(
        settings.log_format if settings else "text",
        (settings.log_level if settings else None) or COMMAND_LOG_LEVEL,
    )
    for warning in unknown_variables(os.environ):
        log.warning("%s", warning)


# Engines the running command opened; the root command disposes of them when it ends.
_OPEN_ENGINES: list[Engine] = []


def _engine(settings: Settings) -> Engine:
    """The migrated database, closed when the command ends."""
    engine = open_database(settings.database_url)
    _OPEN_ENGINES.append(engine)
    return engine


def _now() -> datetime:
    return datetime.now(UTC)


def _line(value: str | None, what: str) -> str | None:
    """A name as the API takes it (qbdsync.plain_text): one line, no control characters."""
    if value is not None and not is_line(value):
        raise typer.BadParameter(f"{value!r} {LINE_RULE}", param_hint=what)
    return value


def _name(value: str | None, what: str) -> str | None:
    """A company's or client's name: a line, and not blank (the API refuses those too)."""
    if value is not None and is_blank(value):
        raise typer.BadParameter(f"{value!r} {NAME_RULE}", param_hint=what)
    return _line(value, what)


def _free_text(value: str | None, what: str) -> str | None:
    if value is not None and not is_free_text(value):
        raise typer.BadParameter(f"{value!r} {FREE_TEXT_RULE}", param_hint=what)
    return value


class _OutputFile:
    """A file a command will write, checked before the command changes anything.

    Opening it creates a temporary file next to it (so a missing or read-only directory is
    found before a connection is created); `commit` writes it and puts it in place at once
    (a half-written .qwc never replaces a good one); `discard` leaves the path as it was.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        if path.is_dir():
            raise ConfigurationError(f"cannot write {path}: it is a directory")
        try:
            # Not a with-block: the file stays open until commit or discard.
            self._temporary: IO[str] | None = tempfile.NamedTemporaryFile(  # noqa: SIM115
                "w",
                encoding="utf-8",
                dir=path.parent,
                prefix=f".{path.name}.",
                suffix=".tmp",
                delete=False,
            )
        except OSError as exc:
            raise ConfigurationError(f"cannot write {path}: {exc.strerror or exc}") from None

    def commit(self, text: str) -> None:
        temporary, self._temporary = self._temporary, None
        assert temporary is not None, "committed twice"
        try:
            with temporary:
                temporary.write(text)
            os.replace(temporary.name, self.path)
        except OSError:
            Path(temporary.name).unlink(missing_ok=True)
            raise

    def discard(self) -> None:
        temporary, self._temporary = self._temporary, None
        if temporary is not None:
            temporary.close()
            Path(temporary.name).unlink(missing_ok=True)


def _write_qwc_or_keep_password(output: _OutputFile, qwc: str, password: str, again: str) -> None:
    """Write the .qwc; when that fails after all, the shown-once password is still printed
    (it is the last line, as always) and the error says how to write the file again."""
    try:
        output.commit(qwc)
    except OSError as exc:
        print(password)
        _error(
            f"the connection's password is the line above (shown only once), but the .qwc file "
            f"could not be written to {output.path}: {exc.strerror or exc}; write it with "
            f"`qbdsync connection qwc {again} --out FILE`"
        )
        raise typer.Exit(1) from None


def _client_names(engine: Engine) -> dict[str, str]:
    from qbdsync.store import clients as client_store

    with engine.connect() as conn:
        return {c.id: c.name for c in client_store.list_clients(conn)}


@app.command()
def migrate() -> None:
    """Bring the database to the newest schema (run it before starting nodes on PostgreSQL).

    Processes migrating one database together wait for each other: the first migrates, the
    others find it done."""
    settings = _settings()
    open_database(settings.database_url, migrate=True).dispose()
    out.print(f"Database at {mask_database_url(settings.database_url)} is up to date.")


@app.command()
def backup(
    output: Annotated[Path, typer.Argument(help="The backup file to write (a new file).")],
    overwrite: Annotated[bool, typer.Option(help="Replace OUTPUT if it exists.")] = False,
    as_json: JsonOption = False,
) -> None:
    """Copy the embedded SQLite database to OUTPUT while qbdsync keeps running (a consistent
    snapshot; restore by copying it into place with qbdsync stopped). PostgreSQL: pg_dump."""
    from qbdsync.store.backup import backup_sqlite

    made = backup_sqlite(_settings().database_url, output, overwrite=overwrite)
    if as_json:
        show.print_json({"path": str(made.path), "bytes": made.bytes, "pages": made.pages})
    else:
        out.print(f"Backed up to {show.printable(str(made.path))} ({made.bytes:,} bytes).")


PageOutOption: TypeAlias = Annotated[
    Path | None, typer.Option("--out", help="Write it here instead of standard output.")
]


def _write_page(text: str, output: Path | None) -> None:
    """A generated docs page to standard output or to a file."""
    if output is None:
        out.file.write(text)
    else:
        output.write_text(text, encoding="utf-8")


@app.command("settings-reference", hidden=True)
def settings_reference(output: PageOutOption = None) -> None:
    """Print the configuration reference (docs/configuration.md) made from the settings."""
    from qbdsync.settings_reference import render

    _write_page(render(), output)


@app.command("troubleshooting-reference", hidden=True)
def troubleshooting_reference(output: PageOutOption = None) -> None:
    """Print the troubleshooting page (docs/troubleshooting.md) made from the catalogue."""
    from qbdsync.diagnosis.troubleshooting import render

    _write_page(render(), output)


@app.command()
def doctor(
    logs: Annotated[
        list[Path],
        typer.Argument(
            help="The Web Connector's QWCLog.txt and, optionally, QuickBooks' qbsdklog.txt "
            "(each file's kind is read from its lines).",
            show_default=False,
        ),
    ],
    as_json: JsonOption = False,
) -> None:
    """Read Web Connector and QuickBooks logs and explain the known problems in them.

    Exit codes: 0 no problem found, 1 warnings only, 2 problems, 3 a file that cannot be read
    or holds no log lines (a usage error is 2 as well, as for every command).
    """
    from qbdsync.doctor.analysis import ExitCode, analyse
    from qbdsync.doctor.rendering import render_text, report_json
    from qbdsync.errors import UnreadableLog

    try:
        report = analyse(logs)
    except UnreadableLog as exc:
        _error(str(exc))
        raise typer.Exit(int(ExitCode.UNREADABLE)) from None
    if as_json:
        print(json.dumps(report_json(report), ensure_ascii=False, indent=2), flush=True)
    else:
        out.file.write(render_text(report))
    raise typer.Exit(int(report.exit_code))


# -- companies --------------------------------------------------------------------------------


@company_app.command("create")
def company_create(
    name: str,
    description: Annotated[str | None, typer.Option(help="A note for operators.")] = None,
    client: Annotated[
        str | None,
        typer.Option(help="Client (tenant) id that owns it; default: the default client."),
    ] = None,
) -> None:
    """Create a company; prints its id as the last line."""
    from qbdsync.linking import create_company

    _name(name, "NAME")
    _free_text(description, "--description")
    with _engine(_settings()).begin() as conn:
        company_id = create_company(conn, name, description, client_id=client)
    print(company_id)


@company_app.command("list")
def company_list(as_json: JsonOption = False) -> None:
    """List companies with their client and connections."""
    from qbdsync.connection_health import connection_health, health_json
    from qbdsync.store import companies as company_store

    settings = _settings()
    engine = _engine(settings)
    names = _client_names(engine)
    now = _now()
    with engine.connect() as conn:
        companies = [
            (row, company_store.list_connections(conn, row.id))
            for row in company_store.list_companies(conn)
        ]
        healths = (
            {
                c.id: health_json(connection_health(conn, settings, c, now))
                for _, conns in companies
                for c in conns
            }
            if as_json
            else {}
        )
    if as_json:
        show.print_json(
            [show.company_json(row, conns, names, now, healths) for row, conns in companies]
        )
        return
    table = show.table(show.id_column("id"), "name", "client", "connections")
    for row, conns in companies:
        table.add_row(row.id, row.name, names.get(row.client_id or "", ""), str(len(conns)))
    out.print(table)


@company_app.command("show")
def company_show(company_id: str, as_json: JsonOption = False) -> None:
    """One company: its settings and its connections."""
    from qbdsync.connection_health import connection_health, health_json
    from qbdsync.store import companies as company_store

    settings = _settings()
    engine = _engine(settings)
    names = _client_names(engine)
    now = _now()
    with engine.connect() as conn:
        row = company_store.get_company(conn, company_id)
        connections = company_store.list_connections(conn, company_id)
        healths = {c.id: connection_health(conn, settings, c, now) for c in connections}
    view = show.company_json(
        row, connections, names, now, {c: health_json(h) for c, h in healths.items()}
    )
    if as_json:
        show.print_json(view)
        return
    last_sync = max((c.last_sync_at for c in connections if c.last_sync_at), default=None)
    window = row.sync_window and " ".join(
        x for x in (row.sync_window, row.sync_window_days, row.timezone) if x
    )
    out.print(
        show.details(
            [
                ("id", row.id),
                ("name", row.name),
                ("description", row.description or ""),
                ("client", f"{names.get(row.client_id or '', '')} ({row.client_id})"),
                ("created", show.when(row.created_at)),
                ("last sync", show.when(last_sync, "never")),
                ("sync mode", row.sync_mode or "default"),
                ("sync window", window or "any time"),
                ("tags", json.dumps(row.tags or {})),
            ]
        )
    )
    out.print(_connections_table(connections, {row.id: row}, healths, now))


@company_app.command("delete")
def company_delete(company_id: str, yes: YesOption = False) -> None:
    """Delete a company with its connections and all their synced data."""
    from qbdsync.lifecycle import delete_company
    from qbdsync.store import companies as company_store

    engine = _engine(_settings())
    with engine.connect() as conn:
        row = company_store.get_company(conn, company_id)
        count = len(company_store.list_connections(conn, company_id))
    if not yes:
        typer.confirm(
            f"Delete company {row.name!r} ({row.id}), its {count} connection(s) and all their "
            "data?",
            abort=True,
            err=True,
        )
    with engine.begin() as conn:
        delete_company(conn, company_id)
    err.print(f"Company {row.name!r} ({row.id}) deleted.")


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

    if sync_mode is None and window is None and days is None and timezone is None:
        raise typer.BadParameter(
            "nothing to change: give --sync-mode, --window, --days or --timezone"
        )
    with _engine(_settings()).begin() as conn:
        set_company_options(
            conn,
            company_id,
            CompanySyncOptions(
                sync_mode=sync_mode, sync_window=window, sync_window_days=days, timezone=timezone
            ),
        )
    out.print(f"Company {company_id} updated.")


# -- connections ------------------------------------------------------------------------------


def _connections_table(
    rows: list[ConnectionRow],
    companies: dict[str, CompanyRow],
    healths: dict[str, Health],
    now: datetime,
) -> Table:
    table = show.table(
        show.id_column("connection"),
        show.name_column("company"),
        "status",
        # Health, not the last sync's time, fits beside the rest at 80 columns: it says
        # whether the connector is calling and working (`connection show` has the times).
        "health",
    )
    for row in rows:
        company = companies.get(row.company_id)
        health = healths[row.id]
        table.add_row(
            row.id,
            company.name if company is not None else row.company_id,
            show.status_text(row, now),
            _health_cell(health),
        )
    return table


def _health_cell(health: Health) -> str:
    """The health in a list: its state, and for trouble who must act, so a failing connection
    never reads as just `Linked` (the title, message and fix are in `connection health`)."""
    if health.is_healthy:
        return health.state.value
    return f"{health.state.value} ({_WHO[health.who_acts]} acts)"


_WHO = {"smbUser": "QuickBooks user", "operator": "operator", "nobody": "nobody"}


def _check_linkable(row: ConnectionRow) -> None:
    """An unlinked (or one-time, finished) connection authenticates no more: a link, a .qwc
    or a pause of it would do nothing, so they are refused with the way back."""
    from qbdsync.errors import RejectedInput
    from qbdsync.statuses import INACTIVE_CONNECTION_STATUSES

    if row.status in INACTIVE_CONNECTION_STATUSES:
        raise RejectedInput(
            f"connection {row.id} is {row.status.lower()}: link the company file again with "
            f"`qbdsync connection relink {row.id} --out FILE.qwc`"
        )


@connection_app.command("create")
def connection_create(company_id: str, out_file: OutOption) -> None:
    """Create a QuickBooks connection, write its .qwc file; prints the password as last line.

    The password is shown once: only its SHA-256 digest is stored. An --out that cannot be
    written is found before the connection is created.
    """
    from qbdsync.linking import create_connection

    settings = _settings()
    engine = _engine(settings)
    output = _OutputFile(out_file)
    try:
        with engine.begin() as conn:
            created = create_connection(conn, settings, company_id)
    except BaseException:
        output.discard()
        raise
    _write_qwc_or_keep_password(output, created.qwc, created.password, created.connection.id)
    err.print(
        f"Connection {created.connection.id} created; .qwc written to {out_file}. "
        "Give the user the file and the password below (shown only once)."
    )
    print(created.password)


@connection_app.command("list")
def connection_list(
    company_id: Annotated[str | None, typer.Argument(help="Only this company's.")] = None,
    as_json: JsonOption = False,
) -> None:
    """List connections (all, or one company's) with their company's name, status and health
    (a failing or late connection says so, and who must act)."""
    from qbdsync.connection_health import connection_health, health_json
    from qbdsync.store import companies as company_store

    settings = _settings()
    engine = _engine(settings)
    now = _now()
    with engine.connect() as conn:
        if company_id is not None:
            company_store.get_company(conn, company_id)  # an unknown id is an error
        rows = company_store.list_connections(conn, company_id)
        companies = {c.id: c for c in company_store.list_companies(conn)}
        healths = {r.id: connection_health(conn, settings, r, now) for r in rows}
    if as_json:
        show.print_json(
            [
                show.connection_json(
                    r, companies.get(r.company_id), now, health_json(healths[r.id])
                )
                for r in rows
            ]
        )
        return
    out.print(_connections_table(rows, companies, healths, now))


@connection_app.command("health")
def connection_health_command(
    connection_id: Annotated[
        str | None, typer.Argument(help="This connection only (default: every connection).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """The health of connections: healthy, late (the Web Connector is not calling), failing,
    paused, deauthorized, unlinked or notConnected, with what the QuickBooks user is told, the
    operator's detail, since when and who must act.

    Exit 0 when every connection shown is healthy; 3 when any is in trouble (late, failing,
    notConnected); 4 when none is in trouble but some do not sync on purpose (paused,
    deauthorized, unlinked); 1 for an error (an unknown id).
    """
    from qbdsync.connection_health import connection_health, health_json
    from qbdsync.store import companies as company_store

    settings = _settings()
    engine = _engine(settings)
    now = _now()
    with engine.connect() as conn:
        if connection_id is not None:
            rows = [company_store.get_connection(conn, connection_id)]
        else:
            rows = company_store.list_connections(conn)
        companies = {c.id: c for c in company_store.list_companies(conn)}
        healths = [(r, connection_health(conn, settings, r, now)) for r in rows]
    if as_json:
        show.print_json(
            [
                {
                    "connectionId": r.id,
                    "companyId": r.company_id,
                    "companyName": c.name if (c := companies.get(r.company_id)) else None,
                    "status": r.status,
                    **health_json(h),
                }
                for r, h in healths
            ]
        )
    else:
        for r, h in healths:
            company = companies.get(r.company_id)
            out.print(show.details(_health_rows(r, company, h)))
            out.print("")
        if not healths:
            out.print("No connections.")
    raise typer.Exit(_health_exit_code([h for _, h in healths]))


_TROUBLE = frozenset({"late", "failing", "notConnected"})
HEALTH_EXIT_TROUBLE = 3
HEALTH_EXIT_NOT_SYNCING = 4


def _health_exit_code(healths: list[Health]) -> int:
    if any(h.state.value in _TROUBLE for h in healths):
        return HEALTH_EXIT_TROUBLE
    if any(not h.is_healthy for h in healths):
        return HEALTH_EXIT_NOT_SYNCING
    return 0


def _health_rows(
    row: ConnectionRow, company: CompanyRow | None, health: Health
) -> list[tuple[str, str]]:
    rows = [
        ("connection", row.id),
        ("company", company.name if company is not None else row.company_id),
        ("status", row.status),
        ("health", health.state.value + (f" — {health.title}" if health.title else "")),
        ("since", show.when(health.since, "unknown")),
        ("who acts", _WHO[health.who_acts]),
        ("message", health.user_message),
    ]
    rows += [(f"fix {n}", step) for n, step in enumerate(health.fix_steps, 1)]
    rows += [
        ("operator", health.operator_detail),
        ("last call", show.when(health.last_request_at, "never")),
        ("last success", show.when(health.last_successful_request_at, "never")),
    ]
    if health.late_at is not None and health.state.value not in ("late",):
        rows.append(("late after", show.when(health.late_at)))
    return rows


@connection_app.command("show")
def connection_show(connection_id: str, as_json: JsonOption = False) -> None:
    """One connection: status, health, QuickBooks details, schedule, link expiry, last error."""
    from qbdsync.connection_health import connection_health, health_json
    from qbdsync.store import companies as company_store

    settings = _settings()
    engine = _engine(settings)
    now = _now()
    with engine.connect() as conn:
        row = company_store.get_connection(conn, connection_id)
        company = company_store.get_company(conn, row.company_id)
        health = connection_health(conn, settings, row, now)
    view = show.connection_json(row, company, now, health_json(health))
    if as_json:
        show.print_json(view)
        return
    info = view["connectionInfo"]
    out.print(
        show.details(
            [
                ("id", row.id),
                ("company", f"{company.name} ({company.id})"),
                ("status", show.status_text(row, now)),
                ("health", f"{health.state.value}: {health.title}"),
                ("created", show.when(row.created_at)),
                ("linked", show.when(row.linked_at, "not yet")),
                ("last sync", show.when(row.last_sync_at, "never")),
                ("next sync", show.when(row.next_sync_at, "at the next poll")),
                ("QBWC user name", row.username),
                ("FileID", row.file_id),
                (
                    "QuickBooks",
                    " ".join(x for x in (info["quickBooksProduct"], info["country"]) if x)
                    or "not seen yet",
                ),
                ("qbXML version", row.qbxml_version or ""),
                ("company file", row.company_file or ""),
                ("link expires", show.when(row.link_expires_at, "no link")),
                ("last error", row.last_error or ""),
            ]
        )
    )


@connection_app.command("link")
def connection_link(
    connection_id: str,
    new: Annotated[
        bool, typer.Option("--new", help="Make a new link even if the current one is valid.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Print the connection's link URL for the SMB user (a new one when it has none valid).

    The link is a secret: whoever opens it gets the .qwc file and can reveal a Web Connector
    password once (which replaces the current one). A new link makes the old one stop working.
    """
    from qbdsync.linking import new_link
    from qbdsync.store import companies as company_store
    from qbdsync.store.link_tokens import link_url

    settings = _settings()
    with _engine(settings).begin() as conn:
        row = company_store.lock_connection(conn, connection_id)
        _check_linkable(row)
        company = company_store.get_company(conn, row.company_id)
        expires = row.link_expires_at
        valid = expires is not None and expires > _now()
        url = link_url(conn, settings, connection_id) if valid and not new else None
        made = url is None
        if url is None:
            url = new_link(conn, settings, connection_id)
            row = company_store.get_connection(conn, connection_id)
    if as_json:
        show.print_json(
            {
                "connectionId": row.id,
                "companyId": company.id,
                "companyName": company.name,
                "linkUrl": url,
                "linkExpires": iso(row.link_expires_at),
            }
        )
        return
    err.print(
        f"Link for connection {row.id} of {company.name!r}, valid until "
        f"{show.when(row.link_expires_at)} UTC. Send it to the SMB user; it is a secret."
        + (
            " It is new: an older link no longer works, and the Web Connector password can be "
            "revealed from it once (which replaces the current one)."
            if made
            else ""
        )
    )
    print(url)


@connection_app.command("qwc")
def connection_qwc(connection_id: str, out_file: OutOption) -> None:
    """Write the .qwc file of an existing connection again (it holds no password)."""
    from qbdsync.linking import connection_qwc as make_qwc
    from qbdsync.store import companies as company_store

    settings = _settings()
    engine = _engine(settings)
    output = _OutputFile(out_file)
    try:
        with engine.begin() as conn:  # the deployment's OwnerID may be made on first use
            _check_linkable(company_store.lock_connection(conn, connection_id))
            qwc = make_qwc(conn, settings, connection_id)
    except BaseException:
        output.discard()
        raise
    output.commit(qwc)
    print(out_file)


@connection_app.command("pause")
def connection_pause(
    connection_id: str,
    until: Annotated[
        str | None, typer.Option(help="ISO time (UTC unless an offset is given).")
    ] = None,
    for_: Annotated[str | None, typer.Option("--for", help="A duration: 30m, 2h, 1d.")] = None,
) -> None:
    """Pause syncing: the Web Connector is told "Paused until <time>" and nothing runs."""
    from qbdsync.lifecycle import pause
    from qbdsync.store import companies as company_store
    from qbdsync.sync.schedule import parse_until

    if (until is None) == (for_ is None):
        raise typer.BadParameter("give exactly one of --until and --for")
    when = parse_until(until or for_ or "", _now())
    with _engine(_settings()).begin() as conn:
        _check_linkable(company_store.lock_connection(conn, connection_id))
        row = pause(conn, connection_id, when)
    out.print(f"Connection {row.id} paused until {when:%Y-%m-%d %H:%M} UTC.")


@connection_app.command("resume")
def connection_resume(connection_id: str) -> None:
    """End a pause now."""
    from qbdsync.lifecycle import resume

    with _engine(_settings()).begin() as conn:
        row = resume(conn, connection_id)
    out.print(f"Connection {row.id} resumed.")


@connection_app.command("relink")
def connection_relink(connection_id: str, out_file: OutOption) -> None:
    """Link the same company file again (same ids, data kept); prints a new password last."""
    from qbdsync.lifecycle import relink

    settings = _settings()
    engine = _engine(settings)
    output = _OutputFile(out_file)
    try:
        with engine.begin() as conn:
            created = relink(conn, settings, connection_id)
    except BaseException:
        output.discard()
        raise
    _write_qwc_or_keep_password(output, created.qwc, created.password, connection_id)
    err.print(f"Connection {connection_id} re-linked; .qwc written to {out_file}.")
    print(created.password)


@connection_app.command("unlink")
def connection_unlink(connection_id: str) -> None:
    """Stop syncing (status Unlinked; the data stays). `relink` links the file again."""
    from qbdsync.lifecycle import unlink_connection

    settings = _settings()
    with _engine(settings).begin() as conn:
        row = unlink_connection(conn, settings, connection_id)
    out.print(f"Connection {row.id} unlinked; its data stays until it is deleted.")


@connection_app.command("delete")
def connection_delete(connection_id: str, yes: YesOption = False) -> None:
    """Delete a connection and all the data synced through it."""
    from qbdsync.lifecycle import delete_connection
    from qbdsync.store import companies as company_store

    settings = _settings()
    engine = _engine(settings)
    with engine.connect() as conn:
        row = company_store.get_connection(conn, connection_id)
        company = company_store.get_company(conn, row.company_id)
    if not yes:
        typer.confirm(
            f"Delete connection {row.id} of {company.name!r} and all its data?",
            abort=True,
            err=True,
        )
    with engine.begin() as conn:
        delete_connection(conn, settings, connection_id)
    err.print(f"Connection {row.id} of {company.name!r} deleted.")


@connection_app.command("errors")
def connection_errors(
    connection_id: str,
    limit: Annotated[
        int, typer.Option("--limit", min=1, max=1000, help="How many, newest first.")
    ] = 50,
    as_json: JsonOption = False,
) -> None:
    """Recent sync errors of a connection, newest first: when, what happened, what it means
    and what qbdsync does next, and whether it is resolved (its data type, or a whole session,
    succeeded in a later session without it happening again)."""
    from qbdsync.connection_errors import connection_errors as explained_errors
    from qbdsync.connection_errors import error_json
    from qbdsync.store import companies as company_store

    engine = _engine(_settings())
    with engine.connect() as conn:
        row = company_store.get_connection(conn, connection_id)
        errors = explained_errors(conn, row, limit)
    if as_json:
        show.print_json([error_json(e) for e in errors])
        return
    table = show.table(
        show.time_column("when"), "data type", "what happened", "what it means", "resolved"
    )
    for e in errors:
        # The recorded message may already say it (an hresult's words are in it).
        said = e.explained.user_message in e.error.message
        meaning = [] if said else [e.explained.user_message]
        table.add_row(
            show.when(e.occurred_at),
            e.data_type or "(session)",
            e.error.summary,
            " ".join([*meaning, e.next_step]),
            f"yes, {show.when(e.resolved_at)}" if e.resolved_at is not None else "no",
        )
    out.print(table)
    if not errors:
        out.print(f"No sync errors recorded for connection {connection_id}.")


@connection_app.command("check")
def connection_check(
    connection_id: str,
    wait: Annotated[
        float,
        typer.Option(
            "--wait", min=0, max=3600, help="Seconds to wait for the result (0: do not wait)."
        ),
    ] = 30,
    timeout: Annotated[
        int | None,
        typer.Option(
            "--timeout",
            min=1,
            max=86_400,
            help="Seconds the check waits for the Web Connector and QuickBooks before it "
            "times out (default: the Web Connector's schedule and two minutes).",
        ),
    ] = None,
    last: Annotated[
        bool, typer.Option("--last", help="Show the last check instead of asking for one.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Ask for a health check: the connector's next poll sends QuickBooks a tiny request
    first. It fails when QuickBooks cannot be opened, the wrong company file is open or a
    dialog blocks it, saying why and what to do; exit 1 unless it passed (or, with --wait 0
    and --last, is still waiting)."""
    import time

    from qbdsync import health_checks
    from qbdsync.store import companies as company_store
    from qbdsync.store import health_checks as check_store

    settings = _settings()
    engine = _engine(settings)
    with engine.begin() as conn:
        connection = company_store.get_connection(conn, connection_id)
        if last:
            row = health_checks.find_check(conn, connection_id)
        else:
            row = health_checks.request_check(conn, settings, connection_id, _now(), timeout)
    # Read again every half second (a short read each; no transaction is held meanwhile)
    # until the check is over, its timeout passes or the wait is up.
    waiting = 0.0 if last else wait
    deadline = time.monotonic() + waiting
    while waiting and not health_checks.is_final(row, _now()):
        left = min(deadline - time.monotonic(), (row.expires_at - _now()).total_seconds())
        if left <= 0:
            break
        time.sleep(min(0.5, left))
        with engine.connect() as conn:
            row = check_store.get(conn, row.id) or row
    now = _now()
    view = health_checks.check_view(row, connection.company_id, now)
    if as_json:
        show.print_json(view)
    else:
        out.print(show.details(_check_rows(view)))
    status = view["status"]
    if status == "Success":
        return
    if status == "Pending":
        if not waiting:
            return
        _error(
            f"health check {row.id} was not answered within {wait:g} s; it waits for the Web "
            f"Connector until {show.when(row.expires_at)} UTC "
            f"(`qbdsync connection check {connection_id} --last` shows it)"
        )
    else:
        _error(f"health check {status}: {view['error']['userFacingMessage']}")
    raise typer.Exit(1)


def _check_rows(view: dict[str, Any]) -> list[tuple[str, str]]:
    """A health check's view (qbdsync.health_checks.check_view) as label and value rows."""
    rows = [
        ("health check", view["id"]),
        ("status", view["status"]),
        ("", view["statusDescription"]),
        ("requested", _iso_text(view["requestedUtc"])),
        ("times out", _iso_text(view["expiresUtc"])),
        ("sent", _iso_text(view["sentUtc"], "not yet")),
    ]
    if view["completedUtc"] is not None:
        rows.append(("completed", _iso_text(view["completedUtc"])))
    if view["durationInMs"] is not None:
        rows.append(("round trip", f"{view['durationInMs']:,} ms"))
    if view["quickBooks"] is not None:
        answer = view["quickBooks"]
        rows.append(("QuickBooks", f"{answer['productName']}, {answer['companyName']}"))
    error = view["error"]
    if error is not None:
        who = {"smbUser": "the QuickBooks user", "operator": "the operator", "nobody": "nobody"}
        rows += [
            ("problem", error["title"] or error["code"] or ""),
            ("what it means", error["userFacingMessage"]),
            *((f"step {n}", step) for n, step in enumerate(error["fixSteps"], 1)),
            ("who acts", who.get(error["whoActs"] or "", "unknown")),
            ("retrying helps", "yes" if error["canBeRetried"] else "no"),
            ("code", error["code"] or ""),
            ("detail", error["detail"] or ""),
        ]
    return rows


def _iso_text(value: str | None, empty: str = "") -> str:
    """An ISO 8601 time of a view, as the tables show times."""
    return show.when(datetime.fromisoformat(value), empty) if value else empty


# -- clients and API keys ---------------------------------------------------------------------


@client_app.command("create")
def client_create(name: str) -> None:
    """Create a client (tenant); prints its id as the last line."""
    from qbdsync.store import clients as client_store

    _name(name, "NAME")
    with _engine(_settings()).begin() as conn:
        print(client_store.create_client(conn, name, _now()))


@client_app.command("list")
def client_list(as_json: JsonOption = False) -> None:
    """List clients (the default client is where the CLI creates things unless told)."""
    from qbdsync.store import clients as client_store

    engine = _engine(_settings())
    with engine.begin() as conn:
        default = client_store.default_client(conn, _now())
        rows = client_store.list_clients(conn)
    if as_json:
        show.print_json([{**show.row_json(r), "isDefault": r.id == default} for r in rows])
        return
    table = show.table(show.id_column("id"), "name", show.time_column("created"))
    for r in rows:
        table.add_row(
            r.id, r.name + (" (default)" if r.id == default else ""), show.when(r.created_at)
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

    _line(name, "--name")
    _name(new_client, "--new-client")
    if client is not None and new_client is not None:
        raise typer.BadParameter(
            "give --client (an existing client) or --new-client (a new one), not both"
        )
    engine = _engine(_settings())
    now = _now()
    with engine.begin() as conn:
        if new_client is not None:
            client_id = client_store.create_client(conn, new_client, now)
        else:
            client_id = client or client_store.default_client(conn, now)
        key, row = client_store.create_api_key(conn, client_id, name, now)
        client_name = client_store.get_client(conn, client_id)
    err.print(
        f"API key {row.id} for client {client_name!r} ({client_id}). Send it as "
        "'Authorization: Basic <base64 of the key>'."
    )
    print(key)


@apikey_app.command("list")
def apikey_list(
    client: Annotated[str | None, typer.Option(help="Only this client's keys.")] = None,
    as_json: JsonOption = False,
) -> None:
    """List live API keys (their first characters only; a key is shown once)."""
    from qbdsync.store import clients as client_store

    engine = _engine(_settings())
    with engine.connect() as conn:
        if client is not None:
            client_store.get_client(conn, client)
        rows = client_store.list_api_keys(conn, client)
    names = _client_names(engine)
    if as_json:
        show.print_json([show.api_key_json(r, names) for r in rows])
        return
    table = show.table(show.id_column("id"), "name", "key", "client", show.time_column("created"))
    for r in rows:
        table.add_row(
            r.id, r.name, f"{r.key_hint}…", names.get(r.client_id, ""), show.when(r.created_at)
        )
    out.print(table)


@apikey_app.command("revoke")
def apikey_revoke(key_id: str) -> None:
    """Revoke an API key: requests with it are refused from now on."""
    from qbdsync.store import clients as client_store

    with _engine(_settings()).begin() as conn:
        client_store.revoke_api_key(conn, None, key_id, _now())
    out.print(f"API key {key_id} revoked.")


# -- syncs ------------------------------------------------------------------------------------


@sync_app.command("queue")
def sync_queue(
    company_id: str,
    data_type: Annotated[
        str | None, typer.Option("--type", help="One data type, e.g. invoices (default: all).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Queue a sync: the next Web Connector poll of each connection of the company runs it."""
    from qbdsync.lifecycle import queue_sync
    from qbdsync.views import internal_data_type, pull_view

    wanted = internal_data_type(data_type) if data_type is not None else None
    with _engine(_settings()).begin() as conn:
        queued = queue_sync(conn, company_id, data_type=wanted)
    if as_json:
        show.print_json([pull_view(p, None) for p in queued])
        return
    table = show.table(show.id_column("pull operation"), "data type", "status", "description")
    for pull in queued:
        table.add_row(pull.id, pull.data_type, pull.status, pull.status_description or "")
    out.print(table)
    out.print(f"Queued {len(queued)} pull operation(s) for company {company_id}.")


@sync_app.command("status")
def sync_status(
    company_id: str,
    data_type: Annotated[
        str | None, typer.Option("--type", help="Only this data type, e.g. invoices.")
    ] = None,
    limit: Annotated[
        int, typer.Option("--limit", min=1, max=10_000, help="How many, newest first.")
    ] = 100,
    as_json: JsonOption = False,
) -> None:
    """The pull operations of a company, newest first (paused ones show Initial)."""
    from qbdsync.store import companies as company_store
    from qbdsync.store import pulls as pull_store
    from qbdsync.sync.datatypes import data_types
    from qbdsync.views import internal_data_type, pull_view

    wanted = internal_data_type(data_type) if data_type is not None else None
    if wanted is not None and wanted not in data_types():
        raise typer.BadParameter(
            f"unknown data type {show.printable(repr(data_type))}", param_hint="--type"
        )
    engine = _engine(_settings())
    with engine.connect() as conn:
        company_store.get_company(conn, company_id)
        rows = pull_store.list_for_company(conn, company_id, limit=limit, data_type=wanted)
        connections = {c.id: c for c in company_store.list_connections(conn, company_id)}
    views = [(row, pull_view(row, connections.get(row.connection_id))) for row in rows]
    if as_json:
        show.print_json([view for _, view in views])
        return
    table = show.table(
        "data type",
        "status",
        "description",
        "records",
        show.time_column("requested"),
        show.time_column("completed"),
    )
    for row, view in views:
        table.add_row(
            row.data_type,
            view["status"],
            view["statusDescription"] or "",
            str(row.records),
            show.when(row.requested),
            show.when(row.completed),
        )
    out.print(table)


# -- push operations --------------------------------------------------------------------------


@push_app.command("list")
def push_list(company_id: str, as_json: JsonOption = False) -> None:
    """The push operations of a company, newest first (those past their timeout show
    TimedOut)."""
    from qbdsync import outbox
    from qbdsync.store import companies as company_store
    from qbdsync.store import pushes as push_store

    engine = _engine(_settings())
    with engine.begin() as conn:
        company_store.get_company(conn, company_id)
        outbox.expire_due(conn, _now(), company_id=company_id)
        rows = push_store.list_for_company(conn, company_id, limit=1000)
    if as_json:
        show.print_json([show.push_json(row) for row in rows])
        return
    # Few columns, so 80 are enough: `push show KEY` has the rest (action, error, data).
    table = show.table(show.id_column("key"), "data type", "status", show.time_column("requested"))
    for row in rows:
        table.add_row(row.push_key, row.data_type, row.status, show.when(row.requested_at))
    out.print(table)


@push_app.command("show")
def push_show(push_key: str, as_json: JsonOption = False) -> None:
    """One push operation: its status, what it waits for, how it was sent, and its data."""
    from qbdsync import outbox
    from qbdsync.errors import NotFound
    from qbdsync.store import pushes as push_store

    engine = _engine(_settings())
    with engine.begin() as conn:
        row = push_store.get_push(conn, push_key)
        if row is None:
            raise NotFound(f"no push operation with key {push_key}")
        outbox.expire_due(conn, _now(), connection_id=row.connection_id)
        row = push_store.get_push(conn, push_key) or row
    view = show.push_json(row)
    if as_json:
        show.print_json(view)
        return
    errors = view["validation"]["errors"]
    out.print(
        show.details(
            [
                ("key", row.push_key),
                ("company", row.company_id),
                ("connection", row.connection_id),
                ("data type", row.data_type),
                ("action", row.action),
                ("status", f"{row.status} ({row.status_code})"),
                ("record", row.result_record_id or row.record_id or row.provisional_id or ""),
                ("requested", show.when(row.requested_at)),
                ("completed", show.when(row.completed_at)),
                ("times out", show.when(row.expires_at, "never")),
                ("waits for", ", ".join(row.depends_on)),
                ("sent", show.when(row.sent_at, "not yet")),
                ("error", row.error_message or ""),
                *((f"  {e.get('itemId')}", str(e.get("message"))) for e in errors),
                ("data", json.dumps(view["data"], ensure_ascii=False)),
            ]
        )
    )


@sync_app.command("settings")
def sync_settings_cmd(
    company_id: Annotated[
        str | None, typer.Argument(help="A company (default: the default client's profile).")
    ] = None,
    data_type: Annotated[str | None, typer.Option("--type", help="Change one data type.")] = None,
    fetch_on_first_link: Annotated[
        bool | None, typer.Option("--fetch-on-first-link/--no-fetch-on-first-link")
    ] = None,
    # The API's bounds (qbdsync.store.sync_settings): out of them is a usage error.
    schedule: Annotated[
        int | None,
        typer.Option(help="Hours between syncs (0 = never).", min=0, max=SCHEDULE_HOURS_MAX),
    ] = None,
    order: Annotated[
        int | None, typer.Option(help="Sync order (lower first).", min=0, max=SYNC_ORDER_MAX)
    ] = None,
    months: Annotated[
        int | None,
        typer.Option(help="History limit in months.", min=0, max=MONTHS_TO_SYNC_MAX),
    ] = None,
    sync_from: Annotated[
        str | None, typer.Option(help="History limit: first date, YYYY-MM-DD.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Show sync settings, or change one data type's with --type and options."""
    from qbdsync.store import clients as client_store
    from qbdsync.store import companies as company_store
    from qbdsync.store import sync_settings
    from qbdsync.views import internal_data_type, sync_setting_view

    changes = (fetch_on_first_link, schedule, order, months, sync_from)
    if data_type is None and any(change is not None for change in changes):
        # Changes are per data type (the help says so): none is applied to all at once.
        raise typer.BadParameter(
            "give the data type to change, e.g. --type invoices", param_hint="--type"
        )
    if sync_from is not None:
        sync_from = _iso_date(sync_from)
    engine = _engine(_settings())
    with engine.begin() as conn:
        if company_id:
            company_store.get_company(conn, company_id)
            key = company_id
            current = sync_settings.effective(conn, company_id)
        else:
            client_id = client_store.default_client(conn, _now())
            key = sync_settings.profile_key(client_id)
            current = sync_settings.effective(conn, None, client_id=client_id)
        if data_type is not None:
            data_type = internal_data_type(data_type)
            if data_type not in current:
                raise typer.BadParameter(
                    f"unknown data type {data_type!r}; known: {', '.join(sorted(current))}"
                )
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
    ordered = sorted(current.values(), key=lambda s: s.sync_order)
    if as_json:
        show.print_json([sync_setting_view(s) for s in ordered])
        return
    table = show.table("data type", "fetch on first link", "schedule (h)", "order", "history")
    for setting in ordered:
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


def _iso_date(text: str) -> str:
    """--sync-from as the API stores syncFromUtc: a date (or time) in ISO 8601."""
    try:
        datetime.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(
            f"{text!r} is not a date; give YYYY-MM-DD", param_hint="--sync-from"
        ) from None
    return text


# -- running ----------------------------------------------------------------------------------


def _check_can_listen(host: str, port: int) -> None:
    """Bind host:port once now, as uvicorn will: a port in use or an address this machine
    does not have is one line (exit 1) before the "serving on" banner, not a failure after."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn does
            probe.bind(address)
    except OSError as exc:
        raise ConfigurationError(
            f"cannot listen on {host}:{port}: {exc.strerror or exc}"
            + (" (another server is using the port)" if exc.errno == errno.EADDRINUSE else "")
        ) from None


def _metrics_directory(settings: Settings, workers: int) -> tuple[Path | None, bool]:
    """Where the workers keep their metrics, emptied and handed to them through their settings
    (None: one process, in memory); and whether it was made here (removed at the end)."""
    from qbdsync.metrics import empty_directory

    if settings.metrics_dir:
        path, made = Path(settings.metrics_dir), False
    elif workers > 1:
        path, made = Path(tempfile.mkdtemp(prefix="qbdsync-metrics-")), True
    else:
        return None, False
    try:
        empty_directory(path)
    except OSError as exc:
        raise ConfigurationError(
            f"QBDSYNC_METRICS_DIR: cannot use {str(path)!r}: {exc.strerror or exc}"
        ) from None
    os.environ[variable_name("metrics_dir")] = str(path)
    return path, made


# How long a server worker may take to answer uvicorn's supervisor (see `serve`).
WORKER_HEALTHCHECK_SECONDS = 60


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.", min=1, max=TCP_PORT_MAX)] = 8000,
    workers: Annotated[
        int | None, typer.Option(help="Worker processes (default: cores).", min=1, max=1024)
    ] = None,
    migrate: Annotated[
        bool | None,
        typer.Option(
            "--migrate/--no-migrate",
            help="Migrate the database first (under its lock) or only check its schema. "
            "Default: migrate SQLite; check PostgreSQL (run `qbdsync migrate` first).",
        ),
    ] = None,
) -> None:
    """Serve the Web Connector endpoint and the API (uvicorn, uvloop + httptools)."""
    import uvicorn

    from qbdsync.api.app import SERVER_LOG_LEVEL

    settings = _settings()
    # Once, before the workers start: a schema this qbdsync cannot serve is one line, exit 1.
    engine = open_database(settings.database_url, migrate=migrate)
    settings.checked_public_url()
    _check_can_listen(host, port)
    count = workers or os.cpu_count() or 1
    metrics_dir, made_metrics_dir = _metrics_directory(settings, count)
    # The checks above fail in one line; from here on the server logs at its own level.
    configure_logging(settings.log_format, settings.log_level or SERVER_LOG_LEVEL)
    banner = (
        f"qbdsync serving on http://{host}:{port} with {count} worker(s); "
        f"Web Connector URL {mask_url(settings.qbwc_url)}; "
        f"database {mask_database_url(settings.database_url)}"
    )
    if settings.log_format == "json":
        log.info("%s", banner)  # every line a log collector reads is then JSON
    else:
        err.print(banner)
    # The background jobs run here, once per node beside its workers (not in each of them).
    jobs = _start_jobs(engine, settings) if settings.run_jobs else None
    try:
        uvicorn.run(
            "qbdsync.api.app:app_from_env",
            factory=True,
            host=host,
            port=port,
            workers=count,
            loop="uvloop",
            http="httptools",
            # Logging is qbdsync's (qbdsync.logs, in each worker): uvicorn configures none of
            # its own and its access log stays off (QBDSYNC_ACCESS_LOG has one with timings).
            log_config=None,
            log_level=None,
            access_log=False,
            backlog=4096,
            # The supervisor restarts a worker that does not answer its ping in time; 5 s (the
            # default) is less than a worker can take to import on a busy machine, where every
            # worker was then killed and restarted for ever.
            timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
        )
    except SystemExit as stopped:
        # uvicorn exits 3 when it cannot start (its reason is logged above); qbdsync's exit
        # codes are 0, 1 and 2.
        if stopped.code not in (0, None):
            _error("the server could not start or stopped on an error; see the lines above")
            raise typer.Exit(1) from None
        raise
    finally:
        if made_metrics_dir and metrics_dir is not None:
            shutil.rmtree(metrics_dir, ignore_errors=True)
        if jobs is not None:
            jobs.stop(timeout=JOBS_STOP_SECONDS)
        engine.dispose()


def _start_jobs(engine: Engine, settings: Settings) -> BackgroundJobs:
    from qbdsync.jobs.runner import start_background_jobs

    return start_background_jobs(engine, settings)


@app.command()
def worker(
    migrate: Annotated[
        bool | None,
        typer.Option(
            "--migrate/--no-migrate",
            help="Migrate the database first (under its lock) or only check its schema. "
            "Default: migrate SQLite; check PostgreSQL (run `qbdsync migrate` first).",
        ),
    ] = None,
) -> None:
    """Run the background jobs only (webhook delivery, push time-outs, retention) until stopped.

    `qbdsync serve` runs them too unless QBDSYNC_RUN_JOBS is false; on PostgreSQL any number of
    nodes and workers may run them: each job tick runs once across all of them."""
    import signal
    import threading

    from qbdsync.api.app import SERVER_LOG_LEVEL

    settings = _settings()
    engine = open_database(settings.database_url, migrate=migrate)
    configure_logging(settings.log_format, settings.log_level or SERVER_LOG_LEVEL)
    stopping = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stopping.set())
    log.info(
        "qbdsync running background jobs on database %s", mask_database_url(settings.database_url)
    )
    jobs = _start_jobs(engine, settings)
    try:
        while not stopping.wait(1.0):
            if not jobs.running:
                _error("the background job worker stopped on an error; see the lines above")
                raise typer.Exit(1)
    finally:
        jobs.stop(timeout=JOBS_STOP_SECONDS)
        engine.dispose()


@app.command()
def simulate(
    qwc: Annotated[
        list[Path] | None,
        typer.Option(
            help="The .qwc file of a connection (repeat for several company files).",
            exists=True,
            dir_okay=False,
            readable=True,
        ),
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
        typer.Option(
            help="Simulated company file, created when missing (one per --qwc; default: one "
            "per connection in the current directory)."
        ),
    ] = None,
    size: Annotated[str, typer.Option(help="small (~1k), medium (~20k), large (~200k)")] = "small",
    seed: Annotated[int, typer.Option(help="Generator seed.", min=0, max=2**63 - 1)] = 1,
    country: Annotated[str, typer.Option(help="US, CA or UK edition.")] = "US",
    churn: Annotated[
        int, typer.Option(help="Create/modify/delete N records first.", min=0, max=1_000_000)
    ] = 0,
    fail: Annotated[
        list[str] | None,
        typer.Option(
            help="Make QuickBooks fail: CODE:TYPE[:TIMES], e.g. 3175:invoices:1; TYPE open "
            "fails opening the company file, e.g. 0x80040408:open (QuickBooks not running)."
        ),
    ] = None,
    log_file: Annotated[Path | None, typer.Option("--log", help="QWCLog-style log file.")] = None,
    no_hcp: Annotated[
        bool,
        typer.Option(
            "--no-hcp",
            help="Play a Web Connector client that sends no company information with its "
            "first request (qbdsync then asks QuickBooks for it).",
        ),
    ] = False,
    drop_write: Annotated[
        str | None,
        typer.Option(
            "--drop-write",
            metavar="N[:STEP]",
            help="Lose the response of the session's N-th write at STEP: unstored (QuickBooks "
            "applied it, stored no response), stored (default: stored, then lost), receive "
            "(reply to receiveResponseXML lost), close (reply to closeConnection lost), "
            "killed (the Web Connector dies before posting it).",
        ),
    ] = None,
) -> None:
    """Run one Web Connector "Update Selected" session against a simulated QuickBooks.

    Several --qwc (with as many --password and --company-file) run one after another, as the
    Web Connector does for several company files on one PC. Each session prints one JSON line
    (requests, records per data type, seconds, result, error); the last line printed is the
    last session's. A session that fails (wrong password, busy connection, refused company
    file, unreachable AppURL, …) has its reason in "error" and on stderr, and the command
    exits 1.
    """
    from qbdsync.simulator.message_sets import parse_drop_write
    from qbdsync.simulator.quickbooks import parse_failures
    from qbdsync.simulator.runner import default_company_file
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
        files = [default_company_file(path, size=size, seed=seed, country=country) for path in qwcs]
    for path in files:
        if not path.parent.is_dir():  # the simulator creates the file, not its directory
            raise ConfigurationError(f"cannot create --company-file {path}: no such directory")
    try:
        failures = parse_failures(fail or [])
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--fail") from None
    try:
        drop = parse_drop_write(drop_write) if drop_write is not None else None
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--drop-write") from None
    try:
        log = log_file.open("a", encoding="utf-8") if log_file else None
    except OSError as exc:
        raise ConfigurationError(f"cannot write --log {log_file}: {exc.strerror or exc}") from None
    failed = 0
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
                send_hcp=not no_hcp,
                drop_write=drop,
            )
            print(json.dumps(result.as_json()), flush=True)
            if result.error is not None:
                failed += 1
                _error(f"{qwc_path.name}: the session failed: {result.error}")
    finally:
        if log is not None:
            log.close()
    if failed:
        raise typer.Exit(1)


@app.command()
def demo(
    size: Annotated[str, typer.Option(help="small, medium or large simulated company.")] = "small",
    exit_after: Annotated[bool, typer.Option("--exit", help="Exit after the sync.")] = False,
    port: Annotated[
        int, typer.Option(help="Port to serve on (0 = any free port).", min=0, max=TCP_PORT_MAX)
    ] = 8000,
) -> None:
    """Start the server on SQLite, link a simulated company and sync it over real HTTP."""
    from qbdsync.demo import run_demo

    _settings()  # a setting that does not parse is one line, not a traceback
    run_demo(
        size=size,
        exit_after=exit_after,
        port=port,
        console=out,
        workdir=Path(tempfile.gettempdir()),
        program=_program(),
    )


def _program() -> str:
    """How the user ran qbdsync, for the commands it suggests: `qbdsync` when that is on the
    PATH, else the path they typed (`make demo` runs `.venv/bin/qbdsync`)."""
    typed = sys.argv[0]
    on_path = shutil.which("qbdsync")
    if on_path and Path(on_path).resolve() == Path(typed).resolve():
        return "qbdsync"
    return typed if Path(typed).name == "qbdsync" else "qbdsync"


def _error(message: str) -> None:
    # Messages may quote a tenant's or QuickBooks's text: shown escaped, as tables show it.
    err.print(Text.assemble(("error: ", "bold red"), show.printable(message)))


def main() -> None:
    _start_up()
    app()


if __name__ == "__main__":
    main()
