"""Hostile-memory benchmark: what oversized SOAP parameters and non-record qbXML cost in RSS.

Run:
    .venv/bin/python bench/hostile_memory.py [--requests 4] [--param-mb 200] [--junk-mb 40]

Two measurements, each in a process of its own so that one cannot inflate the other:

(a) SOAP parameters. A `qbdsync serve --workers 1` subprocess on a fresh SQLite file receives
    --requests concurrent `authenticate` calls whose `strUserName` is --param-mb MB long, over
    real HTTP. Every body is streamed from a generator (the client holds 64 KB at a time), so the
    figures are the server's alone. It prints each call's HTTP status and fault, the server's RSS
    before, its peak during the calls and its RSS a few seconds after, and checks that a normal
    authenticate still answers.
(b) qbXML outside records. A fresh Python process feeds `ResponseParser` --junk-mb MB of small
    `<a/>` elements that are not records around two real invoices, in 1 MB chunks, and reports
    its peak RSS growth (ru_maxrss), the time taken and whether both invoices came through.
    --placement puts the junk before `QBXMLMsgsRs`, between the two `...Rs`, after
    `QBXMLMsgsRs`, or a third in each place (spread, the default). A run that takes longer than
    --timeout seconds is stopped and reported as such.

The last line is a one-line JSON summary.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
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

MB = 1024 * 1024
BLOCK = 64 * 1024


# -- (a) SOAP parameters ------------------------------------------------------------------------


def _huge_username_body(size: int) -> Iterator[bytes]:
    yield (
        '<?xml version="1.0" encoding="utf-8"?>'
        f'<soap:Envelope xmlns:soap="{SOAP11_NS}"><soap:Body>'
        f'<authenticate xmlns="{INTUIT_NS}"><strUserName>'
    ).encode()
    block = b"u" * BLOCK
    for _ in range(size // BLOCK):
        yield block
    yield b"</strUserName><strPassword>x</strPassword></authenticate></soap:Body></soap:Envelope>"


def _fault_text(content: bytes) -> str:
    try:
        root = etree.fromstring(content)
    except etree.XMLSyntaxError:
        return content[:120].decode("utf-8", "replace")
    return root.findtext(f".//{{{SOAP11_NS}}}Fault/faultstring") or "(no fault)"


class _PeakSampler:
    def __init__(self, server: Server) -> None:
        self.server = server
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.server.rss_bytes())
            time.sleep(0.02)

    def __enter__(self) -> _PeakSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def soap_parameters(requests: int, param_mb: int) -> dict[str, Any]:
    with (
        tempfile.TemporaryDirectory(prefix="qbdsync-bench-") as tmp,
        database("sqlite", Path(tmp)) as url,
    ):
        port = free_port()
        env = server_env(url, port)
        with serve(env, port, workers=1) as server:
            qbwc = f"{server.url}/qbwc"
            normal = soap_body("authenticate", [("strUserName", "u"), ("strPassword", "p")])
            for _ in range(20):  # warm up: imports, the thread pool, the database
                httpx.post(qbwc, content=normal, headers=soap_headers("authenticate"))
            time.sleep(1)
            before = server.rss_bytes()
            results: list[tuple[int, str]] = []

            def call() -> None:
                with httpx.Client(timeout=600) as client:
                    reply = client.post(
                        qbwc,
                        content=_huge_username_body(param_mb * MB),
                        headers=soap_headers("authenticate"),
                    )
                results.append((reply.status_code, _fault_text(reply.content)))

            started = time.perf_counter()
            with _PeakSampler(server) as sampler:
                threads = [threading.Thread(target=call) for _ in range(requests)]
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join()
            seconds = time.perf_counter() - started
            time.sleep(3)
            after = server.rss_bytes()
            check = httpx.post(qbwc, content=normal, headers=soap_headers("authenticate"))
            survived = check.status_code == 200 and b"nvu" in check.content
    return {
        "requests": requests,
        "param_mb": param_mb,
        "seconds": round(seconds, 2),
        "statuses": sorted(r[0] for r in results),
        "faults": sorted({r[1] for r in results}),
        "rss_before_mb": round(before / MB, 1),
        "rss_peak_mb": round(sampler.peak / MB, 1),
        "rss_after_mb": round(after / MB, 1),
        "survived": survived,
    }


# -- (b) qbXML outside records --------------------------------------------------------------------

_INVOICE = (
    "<InvoiceRet><TxnID>{n}-1</TxnID><TimeModified>2024-01-0{n}T10:00:00-05:00</TimeModified>"
    "<RefNumber>{n}</RefNumber></InvoiceRet>"
)


PLACEMENTS = ("spread", "before", "between", "after")


def _junk_response_chunks(junk_bytes: int, placement: str) -> Iterator[str]:
    junk = "<a/>" * (MB // 4)
    megabytes = max(1, junk_bytes // MB)
    share = {p: 0 for p in PLACEMENTS[1:]}
    if placement == "spread":
        share = dict.fromkeys(share, max(1, megabytes // 3))
    else:
        share[placement] = megabytes
    yield '<?xml version="1.0" ?><QBXML>'
    yield from (junk for _ in range(share["before"]))
    yield "<QBXMLMsgsRs><InvoiceQueryRs requestID='1' statusCode='0'>"
    yield _INVOICE.format(n=1) + "</InvoiceQueryRs>"
    yield from (junk for _ in range(share["between"]))
    yield "<InvoiceQueryRs requestID='2' statusCode='0'>" + _INVOICE.format(n=2)
    yield "</InvoiceQueryRs></QBXMLMsgsRs>"
    yield from (junk for _ in range(share["after"]))
    yield "</QBXML>"


def parser_child(junk_mb: int, placement: str) -> None:
    """Runs in a fresh process: parse the junk response, print one JSON line."""
    import gc

    from qbdsync.qbxml.parser import Record, ResponseParser

    def rss_kb() -> int:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * resource.getpagesize() // 1024

    gc.collect()
    maxrss_before_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start_kb = sampled_kb = rss_kb()
    records: list[str] = []
    error = None
    started = time.perf_counter()
    parser = ResponseParser()
    try:
        for chunk in _junk_response_chunks(junk_mb * MB, placement):
            records += [e.data["TxnID"] for e in parser.feed(chunk) if isinstance(e, Record)]
            sampled_kb = max(sampled_kb, rss_kb())
        records += [e.data["TxnID"] for e in parser.close() if isinstance(e, Record)]
    except Exception as exc:  # reported, not raised: the figure is what matters
        error = f"{type(exc).__name__}: {exc}"
    seconds = time.perf_counter() - started
    # ru_maxrss also catches peaks inside one feed, but only once they pass the import peak.
    maxrss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    peak_kb = max(sampled_kb, maxrss_kb if maxrss_kb > maxrss_before_kb else 0)
    print(
        json.dumps(
            {
                "junk_mb": junk_mb,
                "placement": placement,
                "seconds": round(seconds, 2),
                "rss_start_mb": round(start_kb / 1024, 1),
                "peak_growth_mb": round((peak_kb - start_kb) / 1024, 1),
                "records": records,
                "error": error,
            }
        )
    )


def non_record_qbxml(junk_mb: int, placement: str, timeout: float) -> dict[str, Any]:
    args = [sys.executable, __file__, "--parser-child", "--junk-mb", str(junk_mb)]
    try:
        done = subprocess.run(
            [*args, "--placement", placement],
            capture_output=True,
            text=True,
            check=False,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        return {"junk_mb": junk_mb, "placement": placement, "timed_out_after_s": timeout}
    if done.returncode != 0:
        raise SystemExit(f"the parser process failed:\n{done.stdout}{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=4)
    parser.add_argument("--param-mb", type=int, default=200)
    parser.add_argument("--junk-mb", type=int, default=40)
    parser.add_argument("--placement", choices=PLACEMENTS, default="spread")
    parser.add_argument("--timeout", type=float, default=600, help="seconds for (b)")
    parser.add_argument("--skip-soap", action="store_true", help="run (b) only")
    parser.add_argument("--parser-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.parser_child:
        parser_child(args.junk_mb, args.placement)
        return

    soap: dict[str, Any] | None = None
    if not args.skip_soap:
        print(f"(a) {args.requests} concurrent authenticate calls, strUserName {args.param_mb} MB")
        soap = soap_parameters(args.requests, args.param_mb)
        print(f"  HTTP statuses {soap['statuses']} in {soap['seconds']} s; faults {soap['faults']}")
        print(
            f"  server RSS: {soap['rss_before_mb']} MB before, peak {soap['rss_peak_mb']} MB, "
            f"{soap['rss_after_mb']} MB 3 s after; normal call afterwards: "
            f"{'answered' if soap['survived'] else 'FAILED'}"
        )
    print(f"(b) {args.junk_mb} MB of <a/> outside records ({args.placement}) through the parser")
    qbxml = non_record_qbxml(args.junk_mb, args.placement, args.timeout)
    if "timed_out_after_s" in qbxml:
        print(f"  stopped after {args.timeout:.0f} s without finishing")
    else:
        print(
            f"  peak RSS growth {qbxml['peak_growth_mb']} MB in {qbxml['seconds']} s; "
            f"records {qbxml['records']}; error: {qbxml['error']}"
        )
    print(json.dumps({"bench": "hostile_memory", "soap": soap, "qbxml": qbxml}))


if __name__ == "__main__":
    main()
