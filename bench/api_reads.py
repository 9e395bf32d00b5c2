"""API list-read benchmark: one 100-record page, with `query` and `orderBy`, over 100,000 records.

Run:
    .venv/bin/python bench/api_reads.py [--records 100000] [--samples 40] [--duration 20]
                                        [--sync-invoices 20000] [--database sqlite|postgres|both]

Needs `wrk` on PATH for the concurrent part (Debian: `apt-get install wrk`).

The script creates a fresh database (a SQLite file, or a throw-away PostgreSQL from tests/pg.py),
one company with one connection (through the real CLI, as an operator would) and an API key, then
seeds --records invoices and --records customers of that connection: realistic QuickBooks
records (bench/ingest.py's InvoiceFactory, customers made alike) mapped by the real mappers and
written through the store's own upsert, in batches whose modifiedDate steps back a minute each.
It starts `qbdsync serve` as it ships (one worker per core), checks a few answers (totals, the
order of a sorted page), then measures:

1. single client: --samples sequential requests per case (after a warm-up) and their p50/p99:
   the default order, orderBy=-customerName, orderBy=issueDate, orderBy=-modifiedDate,
   query=status=..., a range query with an orderBy, and a deep page (page 500 of pageSize 100);
2. 200 concurrent readers (wrk -c200, --timeout 10s, the cases above in rotation) for
   --duration seconds while one Web Connector session writes --sync-invoices new invoices over
   HTTP (bench/ingest.py's session): throughput, mean/p99 latency, time-outs, and how long the
   sync took under that load.

Target (issue 17): p99 ≤ 50 ms single-client and no 10 s time-outs under 200 readers. The last
line is a one-line JSON summary. Absolute figures drift by tens of per cent between runs.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
from _common import Server, cli, database, free_port, serve, server_env
from idle_polls import parse_wrk
from ingest import InvoiceFactory, Session, build_pages, read_qwc
from sqlalchemy import select

from qbdsync.mapping.common import MappingContext
from qbdsync.mapping.contacts import map_customer
from qbdsync.mapping.sales import map_invoice
from qbdsync.store import records as record_store
from qbdsync.store.db import make_engine
from qbdsync.store.tables import connections
from qbdsync.sync.output import RecordRow

TARGET_P99_MS = 50.0
READERS = 200
TIMEOUT_S = 10
BATCH = 1000
# Seeded invoices are numbered from here, so the sync's invoices (numbered from 0) are new ones.
SEED_OFFSET = 1_000_000

# -- seeding ----------------------------------------------------------------------------------

_FIRST = ("Ada", "Ben", "Cleo", "Dev", "Eli", "Fay", "Gus", "Hana", "Ivo", "Jun", "Kai", "Lena")
_LAST = ("Archer", "Brook", "Castillo", "Dahl", "Evans", "Fischer", "Garcia", "Hughes", "Ito")
_KINDS = ("Plumbing", "Bakery", "Studio", "Garage", "Clinic", "Florist", "Books", "Foods")


def customer_raw(n: int) -> dict[str, Any]:
    """A CustomerRet as QuickBooks sends it; names vary in every position so sorts do work."""
    first, last = _FIRST[n % len(_FIRST)], _LAST[(n // 12) % len(_LAST)]
    name = f"{last} {_KINDS[(n * 7) % len(_KINDS)]} {n * 7919 % 100_003:05d}"
    created = 1_690_000_000 + n * 61
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S-08:00", time.gmtime(created))
    return {
        "ListID": f"{0x90000000 + n:X}-{created}",
        "TimeCreated": stamp,
        "TimeModified": stamp,
        "EditSequence": str(created),
        "Name": name,
        "FullName": name,
        "IsActive": "false" if n % 11 == 0 else "true",
        "CompanyName": name,
        "FirstName": first,
        "LastName": last,
        "BillAddress": {
            "Addr1": name,
            "Addr2": f"{10 + n % 900} Market Street",
            "City": "Portland",
            "State": "OR",
            "PostalCode": f"972{n % 100:02d}",
        },
        "Phone": f"503-555-{n % 10_000:04d}",
        "Email": f"{first.lower()}.{last.lower()}{n}@example.com",
        "Balance": f"{(n * 37) % 90_000}.{n % 100:02d}",
    }


def seed(url: str, connection_id: str, count: int) -> None:
    """`count` invoices and `count` customers, mapped, through record_store.upsert_records."""
    engine = make_engine(url)
    factory = InvoiceFactory(seed=11)
    invoice_ctx = MappingContext(home_currency="US Dollar", ret_name="InvoiceRet")
    customer_ctx = MappingContext(home_currency="US Dollar", ret_name="CustomerRet")
    start = datetime.now(UTC) - timedelta(minutes=2 * count // BATCH + 10)
    for step, batch_start in enumerate(range(0, count, BATCH), start=1):
        numbers = range(batch_start, min(batch_start + BATCH, count))
        rows = []
        for n in numbers:
            raw = factory.invoice(SEED_OFFSET + n)
            rows.append(_row("invoices", raw["TxnID"], raw, map_invoice(raw, invoice_ctx)))
        for n in numbers:
            raw = customer_raw(n)
            rows.append(_row("customers", raw["ListID"], raw, map_customer(raw, customer_ctx)))
        with engine.begin() as conn:
            record_store.upsert_records(conn, connection_id, rows, start + timedelta(minutes=step))
    engine.dispose()


def _row(data_type: str, record_id: str, raw: dict[str, Any], data: Any) -> RecordRow:
    return RecordRow(
        data_type=data_type,
        record_id=record_id,
        edit_sequence=raw["EditSequence"],
        source_modified=raw["TimeModified"],
        raw=raw,
        data=data,
    )


def connection_id_of(url: str) -> str:
    engine = make_engine(url)
    with engine.connect() as conn:
        found = conn.execute(select(connections.c.id)).scalar_one()
    engine.dispose()
    return str(found)


# -- the cases --------------------------------------------------------------------------------

Case = tuple[str, str, dict[str, str]]


def cases(company_id: str) -> list[Case]:
    data = f"/companies/{company_id}/data"
    invoices, customers = f"{data}/invoices", f"{data}/customers"

    def page(**params: str) -> dict[str, str]:
        return {"page": "1", "pageSize": "100"} | params

    return [
        ("invoices, default order", invoices, page()),
        ("customers, orderBy=-customerName", customers, page(orderBy="-customerName")),
        ("invoices, orderBy=issueDate", invoices, page(orderBy="issueDate")),
        ("invoices, orderBy=-modifiedDate", invoices, page(orderBy="-modifiedDate")),
        ("invoices, query=status=PartiallyPaid", invoices, page(query="status=PartiallyPaid")),
        (
            "invoices, range query + orderBy=-amountDue",
            invoices,
            page(query="amountDue>1000&&amountDue<=2000", orderBy="-amountDue"),
        ),
        ("invoices, page 500 (default order)", invoices, page(page="500")),
        (
            "customers, page 500, orderBy=-customerName",
            customers,
            page(page="500", orderBy="-customerName"),
        ),
    ]


def check_answers(client: httpx.Client, company_id: str, count: int) -> None:
    """Totals and the order of sorted pages, before any clock runs."""
    data = f"/companies/{company_id}/data"
    for data_type in ("invoices", "customers"):
        body = client.get(f"{data}/{data_type}", params={"pageSize": "100"}).json()
        if body["totalResults"] != count or len(body["results"]) != 100:
            raise SystemExit(f"{data_type}: {body['totalResults']} total, expected {count}")
        ids = [r["id"] for r in body["results"]]
        if ids != sorted(ids):
            raise SystemExit(f"{data_type}: the default page is not in id order")
    names = [
        r["customerName"]
        for r in client.get(
            f"{data}/customers", params={"pageSize": "100", "orderBy": "-customerName"}
        ).json()["results"]
    ]
    if names != sorted(names, reverse=True):
        raise SystemExit("orderBy=-customerName did not sort the page")
    body = client.get(
        f"{data}/invoices", params={"query": "status=PartiallyPaid", "orderBy": "-modifiedDate"}
    ).json()
    stamps = [r["modifiedDate"] for r in body["results"]]
    if not body["results"] or any(r["status"] != "PartiallyPaid" for r in body["results"]):
        raise SystemExit("query=status=PartiallyPaid answered other records")
    if stamps != sorted(stamps, reverse=True):
        raise SystemExit("orderBy=-modifiedDate did not sort the page")
    print(f"  checked: totals {count:,}; id, -customerName, -modifiedDate orders; a status filter")


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def single_client(
    client: httpx.Client, all_cases: list[Case], samples: int
) -> list[dict[str, Any]]:
    results = []
    for label, path, params in all_cases:
        for _ in range(3):
            client.get(path, params=params).raise_for_status()
        times = []
        for _ in range(samples):
            started = time.perf_counter()
            reply = client.get(path, params=params)
            times.append((time.perf_counter() - started) * 1000)
            reply.raise_for_status()
        figures = {
            "case": label,
            "p50_ms": statistics.median(times),
            "p99_ms": _percentile(times, 0.99),
            "max_ms": max(times),
        }
        results.append(figures)
        print(f"  {label:<46} p50 {figures['p50_ms']:8.1f} ms  p99 {figures['p99_ms']:8.1f} ms")
    return results


# -- 200 readers while a sync runs -------------------------------------------------------------


def lua_script(all_cases: list[Case], authorization: str) -> str:
    paths = ",\n".join(f'  "{path}?{urlencode(params)}"' for _, path, params in all_cases)
    return f"""-- generated by bench/api_reads.py
local paths = {{
{paths}
}}
local n = #paths
local headers = {{["Authorization"] = "{authorization}"}}
local threads = 0
function setup(thread)
  thread:set("first", threads * 3)
  threads = threads + 1
end
local i = 0
function init(args)
  i = tonumber(first) or 0
end
function request()
  i = i % n + 1
  return wrk.format("GET", paths[i], headers)
end
"""


def concurrent(
    server: Server,
    script: Path,
    duration: int,
    sync: Session,
    qwc: dict[str, str],
    password: str,
) -> dict[str, float]:
    outcome: dict[str, Any] = {}

    def run_sync() -> None:
        started = time.perf_counter()
        try:
            outcome["close"] = sync.run(
                password=password,
                username=qwc["UserName"],
                owner_id=qwc["OwnerID"],
                file_id=qwc["FileID"],
            )
        except BaseException as exc:  # reported below, in the main thread
            outcome["error"] = exc
        outcome["seconds"] = time.perf_counter() - started

    syncing = threading.Thread(target=run_sync, daemon=True)
    syncing.start()
    args = [
        "wrk",
        "-t2",
        f"-c{READERS}",
        f"-d{duration}s",
        f"--timeout={TIMEOUT_S}s",
        "--latency",
        "-s",
        str(script),
        server.url,
    ]
    done = subprocess.run(args, capture_output=True, text=True, check=False, timeout=duration + 120)
    syncing.join()
    sync.http.close()
    # A sync that fails under the readers' load is a result (the figure to fix), not a crash.
    sync_error = str(outcome.get("error") or "")
    if done.returncode != 0:
        raise SystemExit(f"wrk failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    figures = parse_wrk(done.stdout)
    timeouts = 0.0
    for line in done.stdout.splitlines():
        if "timeout" in line and "Socket errors" in line:
            timeouts = float(line.rsplit("timeout", 1)[1].strip())
    mean = [line for line in done.stdout.splitlines() if line.strip().startswith("Latency")]
    figures["mean_ms"] = _wrk_millis(mean[0].split()[1]) if mean else float("nan")
    figures["timeouts"] = timeouts
    figures["sync_seconds"] = float(outcome["seconds"])
    figures["sync_failed"] = 1.0 if sync_error else 0.0
    if sync_error:
        print(f"  THE SYNC FAILED under the readers' load: {sync_error[:300]}")
    return figures


def _wrk_millis(text: str) -> float:
    for unit, factor in (("us", 0.001), ("ms", 1.0), ("s", 1000.0), ("m", 60_000.0)):
        if text.endswith(unit) and text[: -len(unit)].replace(".", "").isdigit():
            return float(text[: -len(unit)]) * factor
    return float("nan")


# -- one database ------------------------------------------------------------------------------


def bench_database(kind: str, args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    print(f"[{kind}] {args.records:,} invoices and {args.records:,} customers of one company ...")
    with database(kind, workdir) as url:
        port = free_port()
        env = server_env(url, port, QBDSYNC_MAX_RETURNED="100")
        cli(env, "migrate")
        company_id = cli(env, "company", "create", "Reads Bench Company")
        qwc_path = workdir / "bench.qwc"
        password = cli(env, "connection", "create", company_id, "--out", str(qwc_path))
        key = cli(env, "apikey", "create", "--name", "reads bench")
        started = time.perf_counter()
        seed(url, connection_id_of(url), args.records)
        print(f"  seeded {2 * args.records:,} records in {time.perf_counter() - started:.1f} s")
        authorization = "Basic " + base64.b64encode(key.encode()).decode()
        all_cases = cases(company_id)
        sync_pages = build_pages(args.sync_invoices, 100)
        with serve(env, port, ready_timeout=300) as server:
            with httpx.Client(
                base_url=server.url, headers={"Authorization": authorization}, timeout=120
            ) as client:
                check_answers(client, company_id, args.records)
                single = single_client(client, all_cases, args.samples)
            script = workdir / "reads.lua"
            script.write_text(lua_script(all_cases, authorization), encoding="utf-8")
            sync = Session(server.url, sync_pages, args.sync_invoices, 100)
            load = concurrent(server, script, args.duration, sync, read_qwc(qwc_path), password)
            print(
                f"  {READERS} readers for {args.duration} s while a sync wrote "
                f"{args.sync_invoices:,} invoices ({load['sync_seconds']:.1f} s): "
                f"{load['calls_per_s']:,.1f} requests/s, mean {load['mean_ms']:.0f} ms, "
                f"p99 {load.get('p99_ms', float('nan')):.0f} ms, {load['timeouts']:.0f} time-outs "
                f"(≥ {TIMEOUT_S} s), {load['non_2xx']:.0f} non-2xx"
            )
            if server.process.poll() is not None:
                raise SystemExit(f"the server died:\n{server.log.read_text()}")
    return {"single_client": single, "concurrent": load}


def _rounded(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 2)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--records", type=int, default=100_000, help="invoices, and customers")
    parser.add_argument("--samples", type=int, default=40, help="requests per single-client case")
    parser.add_argument("--duration", type=int, default=20, help="seconds of 200 readers")
    parser.add_argument("--sync-invoices", type=int, default=20_000)
    parser.add_argument("--database", choices=("sqlite", "postgres", "both"), default="sqlite")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        print("wrk is not installed: apt-get install wrk", file=sys.stderr)
        return 2
    kinds = ("sqlite", "postgres") if args.database == "both" else (args.database,)
    summary: dict[str, Any] = {
        "bench": "api_reads",
        "records": args.records,
        "cores": os.cpu_count(),
        "target_p99_ms": TARGET_P99_MS,
    }
    for kind in kinds:
        with tempfile.TemporaryDirectory(prefix="qbdsync-bench-") as tmp:
            summary[kind] = bench_database(kind, args, Path(tmp))
    print(f"target: p99 ≤ {TARGET_P99_MS:g} ms single-client; no time-outs under {READERS}")
    for kind in kinds:
        worst = max(summary[kind]["single_client"], key=lambda r: r["p99_ms"])
        timeouts = summary[kind]["concurrent"]["timeouts"]
        failed = summary[kind]["concurrent"]["sync_failed"]
        met = worst["p99_ms"] <= TARGET_P99_MS and timeouts == 0 and not failed
        print(
            f"  {kind}: worst p99 {worst['p99_ms']:.1f} ms ({worst['case']}), "
            f"{timeouts:.0f} time-outs, sync {'FAILED' if failed else 'completed'} "
            f"({'met' if met else 'NOT met'})"
        )
    print(json.dumps(_rounded(summary)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
