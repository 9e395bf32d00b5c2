"""Error-flood benchmark: how much memory, and how many error rows, a response built to flood
the error log costs the sync engine.

Run:
    .venv/bin/python bench/error_flood.py [--statuses 500000] [--currencies 100000]

One response per case is streamed through the real parser into a SyncEngine, in chunks as the
Web Connector's body would arrive, and never held whole:

(a) --statuses Warn statuses under the request in flight, each with its own statusMessage;
(b) --currencies CustomerRet records, each with its own unmatched CurrencyRef name;
(c) --statuses statuses with distinct status codes (one cause each: the per-response cap).

For each it prints the error rows the response produced and the peak memory the engine's
handling allocated (tracemalloc, so the figure is Python allocations only, not RSS), and a
one-line JSON summary last. The target: rows stay at most the cap plus one per recovery kind,
and peak memory does not grow with the number of distinct messages.
"""

from __future__ import annotations

import argparse
import json
import time
import tracemalloc
from collections.abc import Iterator

from qbdsync.qbxml.parser import ResponseParser
from qbdsync.sync.engine import SyncEngine

NOW = 1_735_689_600.0
CHUNK = 2_000


def _engine() -> tuple[SyncEngine, str]:
    engine = SyncEngine.plan(
        datasets=["customers"],
        watermarks={},
        version="16.0",
        home_currency="USD",
        max_returned=1000,
        overlap_seconds=3600,
        deadline=None,
    )
    engine.next_request(NOW)
    (request_id,) = engine.state.in_flight
    return engine, request_id


def _warns(rid: str, n: int, distinct_codes: bool) -> Iterator[str]:
    for i in range(n):
        code = 500 + i if distinct_codes else 530
        yield (
            f'<CustomerQueryRs requestID="{rid}" statusCode="{code}" statusSeverity="Warn" '
            f'statusMessage="warning number {i}"/>'
        )


def _currencies(rid: str, n: int) -> Iterator[str]:
    yield f'<CustomerQueryRs requestID="{rid}" statusCode="0" statusSeverity="Info">'
    for i in range(n):
        yield (
            f"<CustomerRet><ListID>F{i:07X}-1</ListID><Name>Flood {i}</Name>"
            f"<CurrencyRef><FullName>Zorkmid {i}</FullName></CurrencyRef></CustomerRet>"
        )
    yield "</CustomerQueryRs>"


def _run(parts: Iterator[str]) -> dict[str, float]:
    engine, _ = _engine()
    parser = ResponseParser()
    started = time.perf_counter()
    tracemalloc.start()
    chunk: list[str] = ["<?xml version='1.0'?><QBXML><QBXMLMsgsRs>"]
    for part in _with_end(parts):
        chunk.append(part)
        if len(chunk) >= CHUNK:
            for event in parser.feed("".join(chunk)):
                engine.receive(event)  # the rows are stored and dropped by the real driver
            chunk = []
    for event in [*parser.feed("".join(chunk)), *parser.close()]:
        engine.receive(event)
    engine.end_response()
    rows = engine.take_errors()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "rows": len(rows),
        "peak_mb": round(peak / 1e6, 1),
        "seconds": round(time.perf_counter() - started, 1),
    }


def _with_end(parts: Iterator[str]) -> Iterator[str]:
    yield from parts
    yield "</QBXMLMsgsRs></QBXML>"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--statuses", type=int, default=500_000)
    parser.add_argument("--currencies", type=int, default=100_000)
    args = parser.parse_args()
    rid = _engine()[1]
    results = {
        "distinct_messages": _run(_warns(rid, args.statuses, distinct_codes=False)),
        "distinct_currencies": _run(_currencies(rid, args.currencies)),
        "distinct_codes": _run(_warns(rid, args.statuses, distinct_codes=True)),
    }
    for name, figures in results.items():
        print(
            f"{name:20} {figures['rows']:>4} rows  peak {figures['peak_mb']:>6} MB  "
            f"{figures['seconds']} s"
        )
    print(json.dumps(results))


if __name__ == "__main__":
    main()
