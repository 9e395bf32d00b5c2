"""`qbdsync serve`'s own log, from a real process with two workers: with QBDSYNC_LOG_FORMAT=json
every line on standard error is a JSON record with a time stamp and a level (uvicorn's lines
included), and QBDSYNC_ACCESS_LOG=true logs each request once, link tokens masked."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from qbdsync.api.server import free_port

TOKEN = "Tk" + "x" * 40


def test_json_server_log_with_access_lines(tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "QBDSYNC_DATABASE_URL": f"sqlite:///{tmp_path / 'q.db'}",
        "QBDSYNC_PUBLIC_URL": base,
        "QBDSYNC_LOG_FORMAT": "json",
        "QBDSYNC_ACCESS_LOG": "true",
    }
    command = [sys.executable, "-m", "qbdsync.cli", "serve", "--port", str(port), "--workers", "2"]
    with (
        tempfile.TemporaryFile("w+") as log,
        subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=log) as server,
    ):
        try:
            deadline = time.monotonic() + 120
            while True:
                assert server.poll() is None and time.monotonic() < deadline, "no server"
                try:
                    if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.2)
            assert httpx.get(f"{base}/healthz?probe=1", timeout=10).status_code == 200
            assert httpx.get(f"{base}/link/{TOKEN}", timeout=10).status_code == 404
        finally:
            server.terminate()
            server.wait(timeout=60)
        log.seek(0)
        lines = log.read().splitlines()

    records = [json.loads(line) for line in lines]  # every line is JSON
    assert all({"time", "level", "logger", "process", "message"} <= set(r) for r in records)
    assert records[0]["message"].startswith(f"qbdsync serving on {base} with 2 worker(s)")
    started = {r["process"] for r in records if r["message"] == "Application startup complete."}
    assert len(started) == 2  # uvicorn's lines, from each worker, through qbdsync's handler
    access = [r for r in records if r["logger"] == "qbdsync.access"]
    by_path = {r["path"]: r for r in access}
    assert by_path["/healthz?probe=1"]["status"] == 200
    assert by_path["/healthz?probe=1"]["method"] == "GET"
    assert by_path["/healthz?probe=1"]["client"] == "127.0.0.1"
    assert isinstance(by_path["/healthz?probe=1"]["duration_ms"], float)
    assert by_path["/link/***"]["status"] == 404
    assert TOKEN not in "\n".join(lines)
    assert not [r for r in records if r["logger"] == "uvicorn.access"]  # ours only, once
