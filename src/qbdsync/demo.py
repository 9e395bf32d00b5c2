"""`qbdsync demo`: the whole product in one command, on the embedded SQLite default.

Starts the server, creates a company and a connection, runs the Web Connector simulator against
it over real HTTP with a progress bar, shows what was synced and where to look next.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from qbdsync.api.app import create_app
from qbdsync.api.server import free_port, serve_in_thread
from qbdsync.linking import create_company, create_connection
from qbdsync.settings import Settings
from qbdsync.simulator.runner import simulate
from qbdsync.store import records as record_store
from qbdsync.store.db import make_engine
from qbdsync.store.migrate import upgrade


def run_demo(*, size: str, exit_after: bool, port: int, console: Console, workdir: Path) -> None:
    port = port or free_port()
    base = Settings()
    settings = base.model_copy(update={"public_url": f"http://127.0.0.1:{port}"})
    engine = make_engine(settings.database_url)
    upgrade(engine)
    app = create_app(settings, engine)
    with serve_in_thread(app, port=port) as url:
        console.print(f"[bold]qbdsync[/bold] serving at {url} (database {settings.database_url})")
        company_id = create_company(engine, f"Demo company ({size})")
        created = create_connection(engine, settings, company_id)
        demo_dir = Path(tempfile.mkdtemp(prefix="qbdsync-demo-", dir=workdir))
        qwc_path = demo_dir / "demo.qwc"
        qwc_path.write_text(created.qwc, encoding="utf-8")
        console.print(f"Company {company_id}, connection {created.connection.id}", soft_wrap=True)
        console.print(f".qwc file: {qwc_path}")
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
                password=created.password,
                company_file=demo_dir / f"company-{size}.qbsim",
                size=size,
                seed=1,
                on_progress=lambda pct: progress.update(task, completed=max(0, min(pct, 100))),
            )
            progress.update(task, completed=100)
        with engine.connect() as conn:
            stored = record_store.count_by_type(conn, created.connection.id)
        table = Table("data type", "records transferred", "records stored")
        for data_type in sorted(set(result.records) | set(stored)):
            table.add_row(
                data_type, f"{result.records.get(data_type, 0):,}", f"{stored.get(data_type, 0):,}"
            )
        console.print(table)
        console.print(
            f"{result.requests} qbXML round trips in {result.seconds:.1f} s. "
            f"Web Connector said: [italic]{result.result}[/italic]",
            soft_wrap=True,
        )
        console.print("\nWhere to look next:")
        console.print(f"  WSDL the Web Connector reads   {url}/qbwc?wsdl")
        console.print(f"  API documentation              {url}/docs")
        console.print(
            f"  Connections                    qbdsync connection list {company_id}", soft_wrap=True
        )
        console.print(
            f"  Queue an incremental sync      qbdsync sync queue {company_id}", soft_wrap=True
        )
        console.print(
            f"  …and run it with 50 changes    QBDSYNC_DATABASE_URL={settings.database_url} "
            f"qbdsync simulate --qwc {qwc_path} --password {created.password} "
            f"--company-file {demo_dir}/company-{size}.qbsim --churn 50",
            soft_wrap=True,
        )
        if exit_after:
            return
        console.print("\nServing until Ctrl-C …")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            console.print("Stopped.")
