"""Idle-poll benchmark: how many Web Connectors one `qbdsync serve` can answer when idle.

Run:
    .venv/bin/python bench/idle_polls.py [--connections 10000] [--duration 10]
                                         [--database sqlite|postgres|both]

Needs `wrk` on PATH (Debian: `apt-get install wrk`); the script installs nothing.

Each scheduled poll of a Web Connector with nothing to do is three SOAP calls: serverVersion,
clientVersion and authenticate (which answers "none"). The script creates a fresh database
(a SQLite file, or a throw-away PostgreSQL from tests/pg.py), one company and --connections
connections whose next sync is years away, starts `qbdsync serve` exactly as it ships (one
worker per core, uvloop + httptools), checks a few answers by hand ("none" for the right
password, "nvu" for a wrong one), then drives it with wrk and a Lua script that rotates through
every connection's credentials, three calls per poll. It runs wrk at -c64 and -c32 and reports
for each: calls/s, idle polls/s (calls/s / 3), p50 and p99 latency, peak server RSS (uvicorn
parent + workers) and the number of connectors that rate serves at a 1-minute schedule. A p50
near 40 ms would be Nagle's algorithm meeting delayed ACKs (see performance.md). The last line
is a one-line JSON summary. Absolute figures drift by tens of per cent between runs.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from _common import (
    INTUIT_NS,
    SOAP11_NS,
    Server,
    database,
    free_port,
    serve,
    server_env,
    soap_body,
    soap_headers,
)
from lxml import etree
from sqlalchemy import insert

from qbdsync.guids import braced_guid
from qbdsync.linking import create_company
from qbdsync.qbwc.credentials import digest_password, generate_password, generate_username
from qbdsync.store import companies as company_store
from qbdsync.store.db import make_engine
from qbdsync.store.migrate import upgrade
from qbdsync.store.tables import connections

TARGET_POLLS = 2_000
CLIENT_VERSION = "2.3.0.215"
CONCURRENCIES = (64, 32)
WRK_THREADS = 2

# -- the database ------------------------------------------------------------------------------


def populate(url: str, count: int) -> list[tuple[str, str]]:
    """Migrate, make one company and `count` idle connections; -> [(user name, password)]."""
    engine = make_engine(url)
    upgrade(engine)
    with engine.begin() as conn:
        company_id = create_company(conn, "Idle Poll Bench")
    now = datetime.now(UTC)
    far = now + timedelta(days=3650)
    credentials = [(generate_username(), generate_password()) for _ in range(count)]
    rows = [
        {
            "id": str(uuid.uuid4()),
            "company_id": company_id,
            "username": username,
            "password_digest": digest_password(password),
            "file_id": braced_guid(),
            "status": "Linked",
            "created_at": now,
            "linked_at": now,
            "next_sync_at": far,
        }
        for username, password in credentials
    ]
    with engine.begin() as conn:
        for start in range(0, len(rows), 5000):
            conn.execute(insert(connections), rows[start : start + 5000])
        # Made once here so server workers starting together never race to create them.
        company_store.owner_id(conn)
        company_store.ticket_secret(conn)
    engine.dispose()
    return credentials


# -- correctness before load -------------------------------------------------------------------


def _result(operation: str, reply: httpx.Response) -> etree._Element:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    root = etree.fromstring(reply.content, parser)
    path = (
        f"{{{SOAP11_NS}}}Body/{{{INTUIT_NS}}}{operation}Response/{{{INTUIT_NS}}}{operation}Result"
    )
    found = root.find(path)
    if reply.status_code != 200 or found is None:
        raise SystemExit(f"{operation}: HTTP {reply.status_code}: {reply.text[:500]}")
    return found


def check_answers(url: str, credentials: list[tuple[str, str]]) -> None:
    """A few idle polls by hand: right password → "none", wrong one or unknown user → "nvu"."""

    def call(client: httpx.Client, operation: str, params: list[tuple[str, str]]) -> Any:
        reply = client.post(
            "/qbwc", content=soap_body(operation, params), headers=soap_headers(operation)
        )
        return _result(operation, reply)

    samples = [credentials[0], credentials[len(credentials) // 2], credentials[-1]]
    with httpx.Client(base_url=url, timeout=30) as client:
        version = call(client, "serverVersion", []).text or ""
        if not version:
            raise SystemExit("serverVersion answered nothing")
        if (call(client, "clientVersion", [("strVersion", CLIENT_VERSION)]).text or "") != "":
            raise SystemExit("clientVersion refused a current Web Connector")
        for username, password in samples:
            good = [
                s.text or ""
                for s in call(
                    client, "authenticate", [("strUserName", username), ("strPassword", password)]
                )
            ]
            if len(good) != 2 or good[1] != "none" or not good[0]:
                raise SystemExit(f"authenticate with the right password answered {good}")
            bad = [
                s.text or ""
                for s in call(
                    client,
                    "authenticate",
                    [("strUserName", username), ("strPassword", password + "x")],
                )
            ]
            if len(bad) != 2 or bad[1] != "nvu":
                raise SystemExit(f"authenticate with a wrong password answered {bad}")
        unknown = [
            s.text or ""
            for s in call(
                client, "authenticate", [("strUserName", "qbd-nobody"), ("strPassword", "x")]
            )
        ]
        if len(unknown) != 2 or unknown[1] != "nvu":
            raise SystemExit(f"authenticate of an unknown user answered {unknown}")
    print(
        f"  checked: serverVersion {version!r}; authenticate none/nvu/nvu on {len(samples)} users"
    )


# -- wrk ---------------------------------------------------------------------------------------


def _lua_long(text: str) -> str:
    if "]==]" in text:
        raise ValueError("text would end the Lua long string")
    return f"[==[{text}]==]"


def lua_script(credentials: list[tuple[str, str]]) -> str:
    """wrk script: each connection's requests cycle serverVersion, clientVersion, authenticate;
    each authenticate takes the next user (threads start at different users)."""
    version_body = soap_body("serverVersion", []).decode()
    client_body = soap_body("clientVersion", [("strVersion", CLIENT_VERSION)]).decode()
    marker_user, marker_password = "@@USER@@", "@@PASSWORD@@"
    auth = soap_body(
        "authenticate", [("strUserName", marker_user), ("strPassword", marker_password)]
    ).decode()
    auth_head, rest = auth.split(marker_user)
    auth_mid, auth_tail = rest.split(marker_password)
    users = ",\n".join(f'{{"{u}","{p}"}}' for u, p in credentials)

    def headers(operation: str) -> str:
        h = soap_headers(operation)
        return "{" + ", ".join(f'["{k}"] = {_lua_long(v)}' for k, v in h.items()) + "}"

    return f"""-- generated by bench/idle_polls.py
local users = {{
{users}
}}
local n = #users
local path = "/qbwc"
local sv = wrk.format("POST", path, {headers("serverVersion")}, {_lua_long(version_body)})
local cv = wrk.format("POST", path, {headers("clientVersion")}, {_lua_long(client_body)})
local auth_headers = {headers("authenticate")}
local auth_head = {_lua_long(auth_head)}
local auth_mid = {_lua_long(auth_mid)}
local auth_tail = {_lua_long(auth_tail)}

local threads = 0
function setup(thread)
  thread:set("first_user", threads * 7919)
  threads = threads + 1
end

local step = 0
local user = 0
function init(args)
  user = tonumber(first_user) or 0
end

function request()
  step = step + 1
  if step == 1 then return sv end
  if step == 2 then return cv end
  step = 0
  user = user % n + 1
  local u = users[user]
  return wrk.format("POST", path, auth_headers, auth_head .. u[1] .. auth_mid .. u[2] .. auth_tail)
end
"""


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _millis(text: str) -> float:
    found = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if found is None:
        raise ValueError(f"not a wrk duration: {text!r}")
    return float(found.group(1)) * _UNITS[found.group(2)]


def parse_wrk(output: str) -> dict[str, float]:
    figures: dict[str, float] = {}
    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if rate is None:
        raise SystemExit(f"could not read wrk's output:\n{output}")
    figures["calls_per_s"] = float(rate.group(1))
    for pct in ("50", "75", "90", "99"):
        found = re.search(rf"^\s+{pct}(?:\.000)?%\s+(\S+)", output, re.MULTILINE)
        if found is not None:
            figures[f"p{pct}_ms"] = _millis(found.group(1))
    total = re.search(r"(\d+) requests in", output)
    figures["requests"] = float(total.group(1)) if total else 0.0
    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    figures["non_2xx"] = float(errors.group(1)) if errors else 0.0
    socket_errors = re.search(r"Socket errors:(.*)", output)
    figures["socket_errors"] = (
        float(sum(int(x) for x in re.findall(r"\d+", socket_errors.group(1))))
        if socket_errors
        else 0.0
    )
    return figures


def run_wrk(server: Server, script: Path, connections: int, duration: int) -> dict[str, float]:
    """Run wrk against the server; sample the server's RSS while it runs (peak kept)."""
    args = [
        "wrk",
        f"-t{WRK_THREADS}",
        f"-c{connections}",
        f"-d{duration}s",
        "--latency",
        "-s",
        str(script),
        server.url + "/qbwc",
    ]
    peak = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.wait(0.25):
            peak = max(peak, server.rss_bytes())

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        done = subprocess.run(
            args, capture_output=True, text=True, check=False, timeout=duration + 120
        )
    finally:
        stop.set()
        sampler.join()
    at_end = server.rss_bytes()
    if done.returncode != 0:
        raise SystemExit(f"wrk failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    figures = parse_wrk(done.stdout)
    figures["rss_mb"] = max(peak, at_end) / 1e6
    figures["connections"] = connections
    return figures


def bench_database(kind: str, count: int, duration: int, workdir: Path) -> list[dict[str, float]]:
    print(f"[{kind}] {count:,} connections, all idle ...")
    with database(kind, workdir) as url:
        started = time.perf_counter()
        credentials = populate(url, count)
        print(f"  created {count:,} connections in {time.perf_counter() - started:.1f} s")
        script = workdir / f"idle-{kind}.lua"
        script.write_text(lua_script(credentials), encoding="utf-8")
        port = free_port()
        with serve(server_env(url, port), port) as server:
            started_line = re.search(r"with (\d+) worker", server.log.read_text())
            workers = started_line.group(1) if started_line else "?"
            print(f"  qbdsync serve: {workers} worker(s) on {os.cpu_count()} core(s)")
            check_answers(server.url, credentials)
            results = []
            for concurrency in CONCURRENCIES:
                figures = run_wrk(server, script, concurrency, duration)
                figures["idle_polls_per_s"] = figures["calls_per_s"] / 3
                results.append(figures)
                report(kind, figures)
            if server.process.poll() is not None:
                raise SystemExit(f"the server died:\n{server.log.read_text()}")
        return results


def report(kind: str, f: dict[str, float]) -> None:
    polls = f["idle_polls_per_s"]
    print(
        f"  wrk -t{WRK_THREADS} -c{int(f['connections'])}: {f['calls_per_s']:8,.0f} calls/s  "
        f"{polls:7,.0f} idle polls/s  p50 {f.get('p50_ms', float('nan')):6.2f} ms  "
        f"p99 {f.get('p99_ms', float('nan')):6.2f} ms  RSS {f['rss_mb']:6.0f} MB  "
        f"= {polls * 60:,.0f} connectors at a 1-minute schedule"
    )
    if f["non_2xx"] or f["socket_errors"]:
        print(
            f"  WARNING: {f['non_2xx']:.0f} non-2xx responses, "
            f"{f['socket_errors']:.0f} socket errors"
        )
    if f.get("p50_ms", 0.0) >= 35.0:
        print(
            "  NOTE: p50 at or above 35 ms. A fixed ~40 ms that stays at lower -c is Nagle's "
            "algorithm meeting delayed ACKs (performance.md); one that halves with -c is queueing."
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--connections", type=int, default=10_000)
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--database", choices=("sqlite", "postgres", "both"), default="sqlite")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        print("wrk is not installed: apt-get install wrk", file=sys.stderr)
        return 2
    kinds = ("sqlite", "postgres") if args.database == "both" else (args.database,)
    summary: dict[str, Any] = {
        "bench": "idle_polls",
        "connections": args.connections,
        "duration_s": args.duration,
        "cores": os.cpu_count(),
        "target_idle_polls_per_s": TARGET_POLLS,
    }
    for kind in kinds:
        with tempfile.TemporaryDirectory(prefix="qbdsync-bench-") as tmp:
            results = bench_database(kind, args.connections, args.duration, Path(tmp))
        best = max(results, key=lambda r: r["calls_per_s"])
        summary[kind] = {
            "best": {k: round(v, 2) for k, v in best.items()},
            "runs": [{k: round(v, 2) for k, v in r.items()} for r in results],
        }
    print(f"target: at least {TARGET_POLLS:,} idle polls/s on a 2-core machine")
    for kind in kinds:
        polls = summary[kind]["best"]["idle_polls_per_s"]
        verdict = "met" if polls >= TARGET_POLLS else "NOT met"
        print(f"  {kind}: best {polls:,.0f} idle polls/s ({verdict})")
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
