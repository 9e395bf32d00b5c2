"""Shared plumbing of the benchmarks: databases, a `qbdsync serve` subprocess, SOAP bodies.

The server always runs as a separate process (its own GIL), started through the real CLI, so a
benchmark measures the configuration that ships rather than an in-process shortcut.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import httpx
import psutil

REPO = Path(__file__).resolve().parent.parent
VENV_BIN = REPO / ".venv" / "bin"
QBDSYNC = str(VENV_BIN / "qbdsync")

SOAP11_NS = "http://schemas.xmlsoap.org/soap/envelope/"
INTUIT_NS = "http://developer.intuit.com/"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def database(kind: str, workdir: Path) -> Iterator[str]:
    """A SQLAlchemy URL to an empty database: a SQLite file, or a throw-away PostgreSQL."""
    if kind == "sqlite":
        yield f"sqlite:///{workdir / 'bench.db'}"
        return
    if kind != "postgres":
        raise SystemExit(f"unknown database {kind!r}: use sqlite or postgres")
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    from tests.pg import running_postgres

    with running_postgres() as url:
        yield url


def server_env(database_url: str, port: int, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "QBDSYNC_DATABASE_URL": database_url,
        "QBDSYNC_PUBLIC_URL": f"http://127.0.0.1:{port}",
    }
    env.update(extra)
    return env


def cli(env: dict[str, str], *args: str) -> str:
    """Run `qbdsync ARGS` and return the last line it printed (the value it created)."""
    done = subprocess.run(
        [QBDSYNC, *args], env=env, capture_output=True, text=True, check=False, timeout=120
    )
    if done.returncode != 0:
        raise SystemExit(f"qbdsync {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout.strip().splitlines()[-1]


class Server:
    """A running `qbdsync serve` subprocess."""

    def __init__(self, process: subprocess.Popen[bytes], url: str, log: Path) -> None:
        self.process = process
        self.url = url
        self.log = log

    def rss_bytes(self) -> int:
        """Resident memory of the uvicorn parent plus every worker process."""
        parent = psutil.Process(self.process.pid)
        total = 0
        for proc in [parent, *parent.children(recursive=True)]:
            with suppress(psutil.NoSuchProcess):
                total += proc.memory_info().rss
        return total


@contextmanager
def serve(
    env: dict[str, str], port: int, *, workers: int | None = None, ready_timeout: float = 60.0
) -> Iterator[Server]:
    """Start `qbdsync serve` (workers: None = the CLI default, one per core); wait until ready
    (a loaded machine may need a longer `ready_timeout`: every worker imports the app)."""
    args = [QBDSYNC, "serve", "--port", str(port)]
    if workers is not None:
        args += ["--workers", str(workers)]
    log = Path(tempfile.mkstemp(prefix="qbdsync-bench-server-", suffix=".log")[1])
    with log.open("wb") as out:
        process = subprocess.Popen(
            args, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    server = Server(process, f"http://127.0.0.1:{port}", log)
    try:
        _wait_ready(server, ready_timeout)
        yield server
    except BaseException:
        print(f"server log kept at {log}", file=sys.stderr)
        raise
    else:
        log.unlink(missing_ok=True)
    finally:
        _stop(process)


def _wait_ready(server: Server, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise SystemExit(f"the server exited early:\n{server.log.read_text()}")
        try:
            if httpx.get(server.url + "/healthz", timeout=1).status_code == 200:
                # With several workers, give the others a moment to finish importing too.
                time.sleep(0.5)
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"the server did not become ready:\n{server.log.read_text()}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    # Our own process group (start_new_session): the uvicorn parent and its workers only.
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def soap_body(operation: str, params: list[tuple[str, str]]) -> bytes:
    """A SOAP 1.1 request as QBWC sends it (document/literal, the Intuit namespace)."""
    inner = "".join(f"<{name}>{escape(value)}</{name}>" for name, value in params)
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        f'<soap:Envelope xmlns:soap="{SOAP11_NS}"><soap:Body>'
        f'<{operation} xmlns="{INTUIT_NS}">{inner}</{operation}>'
        "</soap:Body></soap:Envelope>"
    ).encode()


def soap_headers(operation: str) -> dict[str, str]:
    return {"Content-Type": "text/xml; charset=utf-8", "SOAPAction": f'"{INTUIT_NS}{operation}"'}


def escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
