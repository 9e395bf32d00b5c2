"""What counting costs an idle poll: the metrics hooks on the /qbwc path, timed alone.

Run:
    .venv/bin/python bench/metrics_overhead.py [--calls 100000] [--store memory|DIR]

An idle poll is three SOAP calls, each timed by the request timer (qbdsync.api.metrics.
RequestMetrics: a histogram observation), and one authenticate, counted by answer. The script
times a trivial ASGI app bare and behind the timer, and the poll counter, in memory (one
process) or in prometheus_client's multiprocess files in DIR (`/dev/shm` for tmpfs, as a
server's default temporary directory may or may not be). It prints microseconds per call and
per idle poll, and that share of an idle poll's budget at 2,000 polls/s on 2 cores (1 ms of
CPU each). The server-wide figure is bench/idle_polls.py's; this one is steadier on a busy
machine, where wrk's figures move by tens of per cent between runs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from qbdsync import metrics
from qbdsync.api.metrics import RequestMetrics

CALLS_PER_POLL = 3
BUDGET_US = 1000.0  # 2 cores / 2,000 idle polls per second
SCOPE = {"type": "http", "path": "/qbwc", "method": "POST"}


async def _answer(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"<ok/>"})


async def _receive() -> dict[str, Any]:
    return {"type": "http.request", "body": b""}


async def _send(message: Any) -> None:
    return None


async def _per_call(app: Any, calls: int) -> float:
    started = time.perf_counter()
    for _ in range(calls):
        await app(SCOPE, _receive, _send)
    return (time.perf_counter() - started) / calls


async def _measure(calls: int) -> dict[str, float]:
    timed = RequestMetrics(_answer, fixed_routes=frozenset({"/qbwc"}))
    await _per_call(_answer, 1000)
    await _per_call(timed, 1000)
    bare = min([await _per_call(_answer, calls) for _ in range(3)])
    with_timer = min([await _per_call(timed, calls) for _ in range(3)])
    started = time.perf_counter()
    for _ in range(calls):
        metrics.count_poll("none")
    poll = (time.perf_counter() - started) / calls
    timer_us = (with_timer - bare) * 1e6
    poll_us = CALLS_PER_POLL * timer_us + poll * 1e6
    return {
        "timer_us_per_call": round(timer_us, 2),
        "count_us_per_poll": round(poll * 1e6, 2),
        "us_per_idle_poll": round(poll_us, 2),
        "share_of_budget_pct": round(100 * poll_us / BUDGET_US, 2),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=100_000)
    parser.add_argument("--store", default="memory", help="memory, or a directory (/dev/shm)")
    args = parser.parse_args(argv)
    if args.store == "memory":
        metrics.configure(None)
        figures = asyncio.run(_measure(args.calls))
    else:
        with tempfile.TemporaryDirectory(dir=args.store, prefix="qbdsync-metrics-") as tmp:
            metrics.configure(Path(tmp))
            figures = asyncio.run(_measure(args.calls))
    print(
        f"{args.store}: request timer {figures['timer_us_per_call']:.2f} us/call, poll counter "
        f"{figures['count_us_per_poll']:.2f} us; {figures['us_per_idle_poll']:.1f} us per idle "
        f"poll = {figures['share_of_budget_pct']:.1f} % of its budget at 2,000 polls/s"
    )
    print(json.dumps({"bench": "metrics_overhead", "store": args.store, **figures}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
