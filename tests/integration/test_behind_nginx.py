"""Two nodes behind the documented nginx configuration (deploy/nginx/qbdsync.conf, run as
written but for its marked lines) on one PostgreSQL: the SMB user links over https, and a whole
medium Web Connector session whose calls nginx shares round-robin between the nodes stores
exactly what a session against one node stores."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import httpx
import pytest
from sqlalchemy import select

from qbdsync.api.server import free_port
from qbdsync.simulator.link import follow_link
from qbdsync.simulator.runner import simulate
from qbdsync.store import clients
from qbdsync.store.db import make_engine
from qbdsync.store.tables import records
from tests.api.helpers import basic
from tests.conftest import _drop_pg_database, _fresh_pg_database

ROOT = Path(__file__).resolve().parents[2]
NGINX_CONF = ROOT / "deploy" / "nginx" / "qbdsync.conf"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
# One secret for every node: a link made on one node is opened on the other.
SECRET_KEY = "nginx-test-shared-secret-0123456789abcdef"
SIZE = "medium"

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


@pytest.fixture
def pg_database_url(postgres_server: str) -> Iterator[str]:
    url, name = _fresh_pg_database(postgres_server)
    try:
        yield url
    finally:
        _drop_pg_database(postgres_server, name)


def _self_signed(directory: Path) -> tuple[Path, Path]:
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
            "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


def _configured(node_ports: list[int], https_port: int, http_port: int, files: Path) -> str:
    """The documented file with its CHANGE lines pointed at this test's nodes, ports and
    files; every other line as written (each substitution must find its line)."""
    text = NGINX_CONF.read_text(encoding="utf-8")
    nodes = "".join(f"    server 127.0.0.1:{port};\n" for port in node_ports)
    replacements = [
        (r"(    server 127\.0\.0\.1:800\d;  # CHANGE: your nodes\n)+", nodes),
        (r"listen 443 ssl;", f"listen 127.0.0.1:{https_port} ssl;"),
        (r"listen 80;", f"listen 127.0.0.1:{http_port};"),
        (r"/etc/ssl/certs/qbdsync\.pem", str(files / "cert.pem")),
        (r"/etc/ssl/private/qbdsync\.key", str(files / "key.pem")),
        (r"/var/log/nginx/qbdsync\.access\.log", str(files / "access.log")),
    ]
    for pattern, replacement in replacements:
        text, count = re.subn(pattern, replacement.replace("\\", r"\\"), text)
        assert count >= 1, f"{pattern!r} is no longer in {NGINX_CONF}: update this test"
    return text


@contextmanager
def _nginx(site: str, prefix: Path) -> Iterator[None]:
    (prefix / "logs").mkdir(parents=True, exist_ok=True)
    (prefix / "qbdsync.conf").write_text(site, encoding="utf-8")
    # The workers of an nginx started as root run as `nobody`, who cannot enter pytest's
    # private temporary directories.
    user = "user root;\n" if os.geteuid() == 0 else ""
    (prefix / "nginx.conf").write_text(
        f"{user}worker_processes 1;\npid {prefix}/nginx.pid;\n"
        f"error_log {prefix}/logs/error.log warn;\nevents {{}}\n"
        f"http {{\n  include {prefix}/qbdsync.conf;\n}}\n",
        encoding="utf-8",
    )
    command = [NGINX, "-p", str(prefix), "-c", str(prefix / "nginx.conf")]
    checked = subprocess.run([*command, "-t"], check=False, capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    process = subprocess.Popen([*command, "-g", "daemon off;"])
    try:
        yield
    finally:
        process.terminate()
        process.wait(timeout=30)


@contextmanager
def _node(database_url: str, port: int, public_url: str, log: IO[str]) -> Iterator[str]:
    env = {
        **os.environ,
        "QBDSYNC_DATABASE_URL": database_url,
        "QBDSYNC_PUBLIC_URL": public_url,
        "QBDSYNC_SECRET_KEY": SECRET_KEY,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "qbdsync.cli", "serve", "--port", str(port), "--workers", "1"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait(lambda: httpx.get(f"{url}/readyz", timeout=2).status_code == 200, process, log)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=60)


def _wait(
    ready: Any, process: subprocess.Popen[Any] | None = None, log: IO[str] | None = None
) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            assert log is not None
            log.seek(0)
            raise AssertionError(f"the node exited: {log.read()}")
        try:
            if ready():
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError("not ready in 120 s")


def _stored(database_url: str, connection_id: str) -> list[tuple[Any, ...]]:
    """Everything stored of one connection's records, as it came from QuickBooks and as it
    was mapped (our own time stamp of the change aside)."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                select(
                    records.c.data_type,
                    records.c.record_id,
                    records.c.edit_sequence,
                    records.c.source_modified,
                    records.c.is_deleted,
                    records.c.raw,
                    records.c.data,
                    records.c.mapping_error,
                )
                .where(records.c.connection_id == connection_id)
                .order_by(records.c.data_type, records.c.record_id)
            ).all()
    finally:
        engine.dispose()
    stored = []
    for row in rows:
        raw = dict(row.raw)
        if row.data_type == "company":
            # The Web Connector stamps each company file with its connection's own FileID.
            raw["DataExtRet"] = [e for e in raw["DataExtRet"] if e["DataExtName"] != "FileID"]
        data = dict(row.data or {})
        data.pop("modifiedDate", None)  # when we stored it
        stored.append((*row[:5], raw, data, row.mapping_error))
    return stored


def test_a_session_shared_round_robin_by_nginx_stores_what_one_node_stores(
    pg_database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    migrated = subprocess.run(
        [sys.executable, "-m", "qbdsync.cli", "migrate"],
        env={**os.environ, "QBDSYNC_DATABASE_URL": pg_database_url},
        check=False,
        capture_output=True,
        text=True,
    )
    assert migrated.returncode == 0, migrated.stderr
    files = tmp_path / "nginx-files"
    files.mkdir()
    cert, _ = _self_signed(files)
    # The simulated Web Connector and the SMB user's browser trust this test's certificate
    # only (httpx reads SSL_CERT_FILE), as Windows trusts a public CA's.
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    node_ports = [free_port(), free_port()]
    https_port, http_port = free_port(), free_port()
    public_url = f"https://127.0.0.1:{https_port}"
    with ExitStack() as stack:
        logs = [stack.enter_context(tempfile.TemporaryFile("w+")) for _ in node_ports]
        nodes = [
            stack.enter_context(_node(pg_database_url, port, public_url, log))
            for port, log in zip(node_ports, logs, strict=True)
        ]
        stack.enter_context(
            _nginx(_configured(node_ports, https_port, http_port, files), tmp_path / "nginx")
        )
        _wait(lambda: httpx.get(f"{public_url}/readyz", timeout=2).status_code == 200)

        # Plain http is sent to https (for people: the Web Connector is given https).
        redirect = httpx.get(f"http://127.0.0.1:{http_port}/readyz")
        assert redirect.status_code == 301
        assert redirect.headers["location"].startswith("https://")

        engine = make_engine(pg_database_url)
        try:
            with engine.begin() as conn:
                client_id = clients.create_client(conn, "Operator", datetime.now(UTC))
                key, _ = clients.create_api_key(conn, client_id, "key", datetime.now(UTC))
        finally:
            engine.dispose()
        api = stack.enter_context(httpx.Client(base_url=public_url, headers=basic(key), timeout=60))

        def linked(name: str) -> tuple[str, Path, str]:
            company = api.post("/companies", json={"name": name})
            assert company.status_code in (200, 201), company.text
            connection = api.post(
                f"/companies/{company.json()['id']}/connections", json={"platformKey": "pqsw"}
            )
            assert connection.status_code in (200, 201), connection.text
            link_url = connection.json()["linkUrl"]
            assert link_url.startswith(public_url), link_url
            workdir = tmp_path / name
            workdir.mkdir()
            qwc_path, password = follow_link(link_url, workdir)
            return connection.json()["id"], qwc_path, password

        # Through nginx: the .qwc's AppURL is the public https URL.
        shared_id, shared_qwc, shared_password = linked("Shared")
        assert f"<AppURL>{public_url}/qbwc</AppURL>" in shared_qwc.read_text(encoding="utf-8")
        shared = simulate(
            qwc_path=shared_qwc,
            password=shared_password,
            company_file=tmp_path / "shared.qbsim",
            size=SIZE,
        )
        assert shared.auth not in ("nvu", "none", "busy") and not shared.errors, shared

        # The same company file synced by one node alone.
        alone_id, alone_qwc, alone_password = linked("Alone")
        alone = simulate(
            qwc_path=alone_qwc,
            password=alone_password,
            company_file=tmp_path / "alone.qbsim",
            size=SIZE,
            url=f"{nodes[0]}/qbwc",
        )
        assert alone.auth not in ("nvu", "none", "busy") and not alone.errors, alone

    served: dict[str, int] = {}
    for line in (files / "access.log").read_text(encoding="utf-8").splitlines():
        if '"POST /qbwc' in line:
            upstream = line.rsplit("upstream=", 1)[1]
            served[upstream] = served.get(upstream, 0) + 1
    assert set(served) == {f"127.0.0.1:{port}" for port in node_ports}, served
    assert min(served.values()) >= 5, served

    shared_rows = _stored(pg_database_url, shared_id)
    assert len(shared_rows) > 10_000
    assert shared_rows == _stored(pg_database_url, alone_id)
