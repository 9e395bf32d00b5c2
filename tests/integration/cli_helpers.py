"""Running `qbdsync` as operators and scripts do: a real process, its stdout, stderr and code."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from qbdsync.cli import app
from tests.conftest import LiveServer


def run_cli(
    *args: str,
    database_url: str,
    public_url: str = "http://127.0.0.1:8000",
    cwd: Path | None = None,
    columns: int = 80,
    stdin: str | None = None,
    timeout: float = 300,
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "QBDSYNC_DATABASE_URL": database_url,
        "QBDSYNC_PUBLIC_URL": public_url,
        # What a script or a CI log sees: not a terminal, 80 columns.
        "COLUMNS": str(columns),
        **(env or {}),
    }
    return subprocess.run(
        [sys.executable, "-m", "qbdsync.cli", *args],
        env=env,
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def qbdsync(server: LiveServer, *args: str, **options: Any) -> subprocess.CompletedProcess[str]:
    return run_cli(
        *args,
        database_url=server.settings.database_url,
        public_url=server.settings.public_url,
        **options,
    )


def last_line(text: str) -> str:
    return text.strip().splitlines()[-1]


def ok(completed: subprocess.CompletedProcess[str] | Ran) -> Any:
    assert completed.returncode == 0, (completed.stdout, completed.stderr)
    return completed


def as_json(completed: subprocess.CompletedProcess[str] | Ran) -> Any:
    return json.loads(ok(completed).stdout)


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str


def invoke(server: LiveServer, *args: str, stdin: str | None = None) -> Ran:
    """The same commands in this process (no interpreter start-up per call): for the many
    small calls; `qbdsync` above runs the real process where its boundary matters."""
    env = {
        "QBDSYNC_DATABASE_URL": server.settings.database_url,
        "QBDSYNC_PUBLIC_URL": server.settings.public_url,
    }
    result = CliRunner().invoke(app, list(args), env=env, input=stdin, catch_exceptions=False)
    return Ran(result.exit_code, result.stdout, result.stderr)


def ok_json(server: LiveServer, *args: str) -> Any:
    ran = invoke(server, *args, "--json")
    assert ran.returncode == 0, (args, ran.stdout, ran.stderr)
    return json.loads(ran.stdout)
