"""A throw-away PostgreSQL server on loopback for the test suite.

The server runs from Debian's binaries (scripts/ensure-postgres.sh installs them) in a temporary
directory, on a free port, as the `postgres` system user when the tests run as root (PostgreSQL
refuses to run as root). `postgres_cluster` gives one a test can stop and start again.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


def _bin_dir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_postgres(cmd: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


@contextmanager
def running_postgres() -> Iterator[str]:
    """Start a server and yield a SQLAlchemy URL to an empty database; stop it afterwards."""
    with postgres_cluster() as cluster:
        yield cluster.url


@dataclass
class PostgresCluster:
    """A throw-away server that a test may stop and start again (the database "goes down")."""

    bin_dir: Path
    root: Path
    port: int
    env: dict[str, str]

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://qbdsync@127.0.0.1:{self.port}/qbdsync"

    def start(self) -> None:
        subprocess.run(
            _as_postgres(
                [
                    str(self.bin_dir / "pg_ctl"),
                    "-D",
                    str(self.data),
                    "-l",
                    str(self.root / "server.log"),
                    "-w",
                    "-t",
                    "60",
                    "-o",
                    f"-h 127.0.0.1 -p {self.port} -k {self.root} -c fsync=off "
                    "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200",
                    "start",
                ]
            ),
            check=True,
            capture_output=True,
            env=self.env,
        )
        _wait_ready(self.port)

    def stop(self) -> None:
        subprocess.run(
            _as_postgres(
                [
                    str(self.bin_dir / "pg_ctl"),
                    "-D",
                    str(self.data),
                    "-m",
                    "immediate",
                    "-w",
                    "stop",
                ]
            ),
            check=False,
            capture_output=True,
            env=self.env,
        )


@contextmanager
def postgres_cluster() -> Iterator[PostgresCluster]:
    """A running server with an empty database `qbdsync`; stopped and removed afterwards."""
    bin_dir = _bin_dir()
    if bin_dir is None:
        raise RuntimeError("PostgreSQL is not installed: run scripts/ensure-postgres.sh")
    root = Path(tempfile.mkdtemp(prefix="qbdsync-pg-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    cluster = PostgresCluster(bin_dir, root, _free_port(), {**os.environ, "LC_ALL": "C.UTF-8"})
    subprocess.run(
        _as_postgres(
            [
                str(bin_dir / "initdb"),
                "-D",
                str(cluster.data),
                "-U",
                "qbdsync",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--no-sync",
            ]
        ),
        check=True,
        capture_output=True,
        env=cluster.env,
    )
    try:
        cluster.start()
        subprocess.run(
            _as_postgres(
                [
                    str(bin_dir / "createdb"),
                    "-h",
                    "127.0.0.1",
                    "-p",
                    str(cluster.port),
                    "-U",
                    "qbdsync",
                    "qbdsync",
                ]
            ),
            check=True,
            capture_output=True,
            env=cluster.env,
        )
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(root, ignore_errors=True)


def _wait_ready(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"PostgreSQL did not start on port {port}")
