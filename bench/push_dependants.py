"""Failed-prerequisite benchmark: how long settling one failed push takes when many pushes wait
for it, with the outbox as it is and as it was before the walk read the pushes once.

Run:
    .venv/bin/python bench/push_dependants.py [--chain 400] [--fan 4000] [--database sqlite]
        [--before 7be8495]

Each case is a fresh database (SQLite file, or a throw-away PostgreSQL) with one linked
connection, a webhook consumer for every event (so each failed push queues its
`.write.unsuccessful`, as in production), a root push and its dependants: `chain`, each
waiting for the one before it, and `fan`, all waiting for the root. Failing the root
(`outbox.settle_push`) fails all of them in one transaction; that transaction is timed.

"before" is `src/qbdsync/outbox.py` at the git revision `--before` (the last one with the
per-cause re-read: every failed push read all pending pushes again, and each message held
its prerequisite's whole message), loaded from git beside the current one and run on an
identical database in the same run; `--before ''` skips it. Prints one line per case and
implementation, then a one-line JSON summary with the ratios.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any

from _common import REPO, database
from sqlalchemy import Engine

from qbdsync import linking, outbox
from qbdsync.push.kinds import PushAction
from qbdsync.settings import Settings
from qbdsync.store import companies as company_store
from qbdsync.store import pushes as push_store
from qbdsync.store import webhooks as webhook_store
from qbdsync.store.db import make_engine
from qbdsync.store.migrate import upgrade

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)


def _outbox_at(revision: str) -> ModuleType:
    """qbdsync.outbox as it was at `revision`, as a module of its own beside the current."""
    source = subprocess.run(
        ["git", "-C", str(REPO), "show", f"{revision}:src/qbdsync/outbox.py"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    name = f"outbox_at_{revision}"
    spec = importlib.util.spec_from_loader(name, loader=None)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    exec(compile(source, f"{revision}:outbox.py", "exec"), module.__dict__)
    return module


def _world(url: str, chain: int, fan: int) -> tuple[Engine, str, str]:
    """A fresh database with the pushes in place: the engine, the connection, the root push."""
    engine = make_engine(url)
    upgrade(engine)
    settings = Settings(database_url=url, public_url="http://127.0.0.1:8000")  # type: ignore[arg-type]
    with engine.begin() as conn:
        company_id = linking.create_company(conn, "Bench Ltd", now=NOW)
        connection = linking.create_connection(conn, settings, company_id, now=NOW).connection
        client_id = company_store.get_company(conn, company_id).client_id
        assert client_id is not None
        webhook_store.create_webhook(
            conn,
            client_id=client_id,
            url="https://hooks.example.com/bench",
            event_types=["*"],
            secret="whsec_YmVuY2g=",
            now=NOW,
        )

        def add(depends_on: list[str]) -> str:
            return push_store.insert_push(
                conn,
                company_id=company_id,
                connection_id=connection.id,
                data_type="invoices",
                action=PushAction.CREATE,
                payload={},
                now=NOW,
                depends_on=depends_on,
            ).push_key

        root = link = add([])
        for _ in range(chain):
            link = add([link])
        for _ in range(fan):
            add([root])
    return engine, connection.id, root


def _run(kind: str, implementation: Any, chain: int, fan: int) -> float:
    """Seconds to fail the root push, and with it every dependant, in one transaction."""
    with (
        tempfile.TemporaryDirectory(prefix="qbdsync-bench-") as workdir,
        database(kind, Path(workdir)) as url,
    ):
        engine, connection_id, root = _world(url, chain, fan)
        try:
            outcome = implementation.PushOutcome.failure("QuickBooks refused the name")
            started = time.perf_counter()
            with engine.begin() as conn:
                implementation.settle_push(conn, root, outcome, now=NOW)
            seconds = time.perf_counter() - started
            with engine.connect() as conn:
                left = push_store.pending_for_connection(conn, connection_id)
        finally:
            engine.dispose()
    assert not left, f"{len(left)} dependants were left pending"
    return round(seconds, 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chain", type=int, default=400)
    parser.add_argument("--fan", type=int, default=4000)
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--before", default="7be8495")
    args = parser.parse_args()
    implementations: dict[str, Any] = {"after": outbox}
    if args.before:
        implementations = {"before": _outbox_at(args.before), **implementations}
    cases = {"chain": (args.chain, 0), "fan_out": (0, args.fan)}
    results: dict[str, dict[str, Any]] = {}
    for case, (chain, fan) in cases.items():
        figures = {
            name: _run(args.database, module, chain, fan)
            for name, module in implementations.items()
        }
        if "before" in figures:
            figures["ratio"] = round(figures["before"] / max(figures["after"], 1e-6), 1)
        results[case] = {"dependants": chain + fan, **figures}
        line = "  ".join(f"{k} {v}" for k, v in figures.items())
        print(f"{case:8} {chain + fan:>6} dependants on {args.database}: {line}")
    print(json.dumps({"database": args.database, **results}))


if __name__ == "__main__":
    main()
