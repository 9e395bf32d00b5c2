"""`qbdsync serve --workers 2`: whichever worker answers `/metrics` reports what both counted
(prometheus_client's multiprocess mode, in the directory the server owns and empties at start),
and what a killed worker counted stays counted after uvicorn restarts it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import IO

import httpx
from prometheus_client.parser import text_string_to_metric_families

from qbdsync.api.server import free_port

INTUIT_NS = "http://developer.intuit.com/"
AUTHENTICATE = (
    '<?xml version="1.0" encoding="utf-8"?>'
    '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
    f'<authenticate xmlns="{INTUIT_NS}"><strUserName>qbd-nobody</strUserName>'
    "<strPassword>wrong</strPassword></authenticate></soap:Body></soap:Envelope>"
).encode()
HEADERS = {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": f'"{INTUIT_NS}authenticate"'}


def _refused_polls(base: str) -> float:
    reply = httpx.get(f"{base}/metrics", timeout=30)
    assert reply.status_code == 200, reply.text
    for family in text_string_to_metric_families(reply.text):
        for sample in family.samples:
            if sample.name == "qbdsync_polls_total" and sample.labels == {"answer": "auth_failed"}:
                return sample.value
    return 0.0


def _poll(base: str) -> None:
    # A connection of its own each time, so the kernel hands them to either worker.
    reply = httpx.post(f"{base}/qbwc", content=AUTHENTICATE, headers=HEADERS, timeout=30)
    assert reply.status_code == 200 and b"nvu" in reply.content, reply.text


def _workers_answering(log: IO[str]) -> dict[int, int]:
    """Worker pid → /qbwc requests it answered, from the access log so far."""
    log.seek(0)
    answered: dict[int, int] = {}
    for line in log.read().splitlines():
        record = json.loads(line)
        if record["logger"] == "qbdsync.access" and record.get("path") == "/qbwc":
            answered[record["process"]] = answered.get(record["process"], 0) + 1
    return answered


def _wait_ready(base: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while True:
        assert server.poll() is None and time.monotonic() < deadline, "no server"
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)


def test_two_workers_report_one_sum_that_survives_a_killed_worker(tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    # What an earlier server left (unreadable now): emptied at start, so never added up.
    (metrics_dir / "counter_1.db").write_bytes(b"left over by an earlier server")
    env = {
        **os.environ,
        "QBDSYNC_DATABASE_URL": f"sqlite:///{tmp_path / 'q.db'}",
        "QBDSYNC_PUBLIC_URL": base,
        "QBDSYNC_LOG_FORMAT": "json",
        "QBDSYNC_ACCESS_LOG": "true",
        "QBDSYNC_METRICS_DIR": str(metrics_dir),
    }
    command = [sys.executable, "-m", "qbdsync.cli", "serve", "--port", str(port), "--workers", "2"]
    with (
        tempfile.TemporaryFile("w+") as log,
        subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=log) as server,
    ):
        try:
            _wait_ready(base, server)
            assert _refused_polls(base) == 0
            sent = 0
            with ThreadPoolExecutor(max_workers=8) as pool:
                while len(_workers_answering(log)) < 2 or sent < 40:
                    assert sent < 2000, f"one worker answered everything: {_workers_answering(log)}"
                    list(pool.map(lambda _: _poll(base), range(20)))
                    sent += 20
            answered = _workers_answering(log)
            assert sum(answered.values()) == sent
            # Each scrape lands on either worker; each reports both workers' polls.
            assert {_refused_polls(base) for _ in range(10)} == {sent}

            victim = min(answered, key=lambda pid: answered[pid])
            os.kill(victim, signal.SIGKILL)
            deadline = time.monotonic() + 90
            # The survivor answers meanwhile; uvicorn starts a new worker, which answers too.
            while not set(_workers_answering(log)) - set(answered):
                assert time.monotonic() < deadline, "the killed worker was not replaced"
                _poll(base)
                sent += 1
                time.sleep(0.05)
            # The dead worker's polls are still in the sum; a counter never goes backwards.
            assert {_refused_polls(base) for _ in range(10)} == {sent}
        finally:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=60)
    assert not (metrics_dir / "counter_1.db").exists()
