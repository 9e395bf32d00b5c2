"""`qbdsync demo`: the whole product in one command, on the embedded SQLite default.

Starts the server (port 8000 unless told), creates a company, a connection and an API key, runs
the Web Connector simulator against it over real HTTP with a progress bar, shows what was synced
and explains the numbers, and prints a `curl` line that reads the synced invoices.
"""

from __future__ import annotations

import base64
import socket
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import Engine

from qbdsync.api.app import create_app
from qbdsync.api.server import free_port, serve_in_thread
from qbdsync.errors import ConfigurationError, Fatal
from qbdsync.linking import create_company, create_connection
from qbdsync.redact import mask_database_url
from qbdsync.settings import Settings
from qbdsync.simulator.runner import SimulationResult, simulate
from qbdsync.store import clients as client_store
from qbdsync.store import records as record_store
from qbdsync.store.migrate import open_database
from qbdsync.sync.datasets import DATASETS
from qbdsync.sync.datatypes import data_types

HOST = "127.0.0.1"


def run_demo(
    *,
    size: str,
    exit_after: bool,
    port: int,
    console: Console,
    workdir: Path,
    program: str = "qbdsync",
) -> None:
    """`program` is how the user runs qbdsync (e.g. `.venv/bin/qbdsync`), for the commands
    the demo suggests."""
    port = port or free_port()
    _check_port_free(port)
    base = Settings()
    settings = base.model_copy(update={"public_url": f"http://{HOST}:{port}"})
    engine = open_database(settings.database_url, migrate=True)  # a demo sets itself up
    database = mask_database_url(settings.database_url)
    try:
        app = create_app(settings, engine)
        with serve_in_thread(app, host=HOST, port=port) as url:
            console.print(f"qbdsync serving at {url} (database {database})")
            company_name = f"Demo company ({size})"
            with engine.begin() as conn:  # the company and its connection, or neither
                company_id = create_company(conn, company_name)
                created = create_connection(conn, settings, company_id)
            demo_dir = Path(tempfile.mkdtemp(prefix="qbdsync-demo-", dir=workdir))
            qwc_path = demo_dir / "demo.qwc"
            qwc_path.write_text(created.qwc, encoding="utf-8")
            company_file = demo_dir / f"company-{size}.qbsim"
            console.print(
                f"Company {company_name!r} {company_id}, connection {created.connection.id}",
                soft_wrap=True,
            )
            console.print(f".qwc file: {qwc_path}", soft_wrap=True)
            result = _sync(console, qwc_path, created.password, company_file, size)
            with engine.connect() as conn:
                stored = record_store.count_by_type(conn, created.connection.id)
            console.print(_table(result, stored))
            for note in _notes(result, stored):
                console.print(note, soft_wrap=True)
            console.print(
                f"\n{result.requests} qbXML round trips in {result.seconds:.1f} s. "
                f"Web Connector said: {result.result}",
                soft_wrap=True,
            )
            if result.error is not None:
                raise Fatal(f"the demo's sync failed: {result.error}")
            key = _api_key(engine)
            curl = _curl(url, key, company_id)
            console.print(f"\nAPI key (shown once; stored as a digest): {key}", soft_wrap=True)
            churn = (
                f"QBDSYNC_DATABASE_URL={database} {program} simulate --qwc {qwc_path} "
                f"--password {created.password} --company-file {company_file} --churn 50"
            )
            if not exit_after:
                console.print("\nWhere to look next:")
                console.print(f"  The synced invoices            {curl}", soft_wrap=True)
                console.print(f"  API documentation              {url}/docs")
                console.print(f"  WSDL the Web Connector reads   {url}/qbwc?wsdl")
                _commands(console, program, company_id, churn)
                console.print(f"\nServing at {url} until Ctrl-C …")
                try:
                    while True:
                        time.sleep(3600)
                except KeyboardInterrupt:
                    console.print("Stopped.")
                return
        # --exit: the server is stopped now, so nothing below points at it as if it were up.
        console.print(
            "\nThe demo server has stopped; the data stays in the database. To read it over "
            f"the API, serve it again with `{program} serve --port {port}` and run:",
            soft_wrap=True,
        )
        console.print(f"  {curl}", soft_wrap=True)
        _commands(console, program, company_id, churn)
    finally:
        engine.dispose()


def _check_port_free(port: int) -> None:
    # uvicorn binds with SO_REUSEADDR too, so this refuses exactly what it would refuse.
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((HOST, port))
        except OSError as exc:
            raise ConfigurationError(
                f"the demo serves on {HOST}:{port}, which is in use ({exc.strerror}); "
                "stop what uses it or pass --port N (--port 0 picks a free one)"
            ) from None


def _sync(
    console: Console, qwc_path: Path, password: str, company_file: Path, size: str
) -> SimulationResult:
    with Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        task = progress.add_task(f"Syncing a {size} simulated company", total=100)
        result = simulate(
            qwc_path=qwc_path,
            password=password,
            company_file=company_file,
            size=size,
            seed=1,
            on_progress=lambda pct: progress.update(task, completed=max(0, min(pct, 100))),
        )
        progress.update(task, completed=100)
    return result


def _table(result: SimulationResult, stored: dict[str, int]) -> Table:
    table = Table("data type", "records transferred", "records stored")
    for data_type in sorted(set(result.records) | set(stored)):
        table.add_row(
            data_type, f"{result.records.get(data_type, 0):,}", f"{stored.get(data_type, 0):,}"
        )
    return table


def _notes(result: SimulationResult, stored: dict[str, int]) -> list[str]:
    """Why a row's two numbers differ, worked out from this run (not a fixed text)."""
    notes: list[str] = []
    types = data_types()
    derived = sorted(t for t in stored if t in types and types[t].derived)
    if derived:
        sources = sorted(
            {DATASETS[d].data_type for t in derived for d in types[t].datasets} - set(derived)
        )
        notes.append(
            f"{_join(derived)} are derived: qbdsync builds them from records of other types "
            f"({_join(sources)}), so nothing is transferred for them."
        )
    for (data_type, query), count in sorted(result.repeated.items()):
        total = result.records.get(data_type, 0)
        notes.append(
            f"{data_type}: {count:,} of the {total:,} transferred came a second time inside the "
            f"answer to {query} (QuickBooks lists them there too); each is stored once, so "
            f"{stored.get(data_type, 0):,} are stored."
        )
    return notes


def _join(names: list[str]) -> str:
    return ", ".join(names[:-1]) + f" and {names[-1]}" if len(names) > 1 else "".join(names)


def _api_key(engine: Engine) -> str:
    now = datetime.now(UTC)
    with engine.begin() as conn:
        client_id = client_store.default_client(conn, now)
        key, _ = client_store.create_api_key(conn, client_id, "qbdsync demo", now)
    return key


def _curl(url: str, key: str, company_id: str) -> str:
    header = base64.b64encode(key.encode("utf-8")).decode("ascii")
    return (
        f'curl -H "Authorization: Basic {header}" '
        f'"{url}/companies/{company_id}/data/invoices?page=1&pageSize=5"'
    )


def _commands(console: Console, program: str, company_id: str, churn: str) -> None:
    console.print(
        f"  Connections                    {program} connection list {company_id}",
        soft_wrap=True,
    )
    console.print(
        f"  Queue an incremental sync      {program} sync queue {company_id}", soft_wrap=True
    )
    console.print(f"  …and run it with 50 changes    {churn}", soft_wrap=True)
