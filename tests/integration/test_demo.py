"""`qbdsync demo --exit`: what a newcomer sees is true, and the curl line it prints works."""

from __future__ import annotations

import re
import shlex
import socket
import subprocess
from pathlib import Path

from qbdsync.api.app import create_app
from qbdsync.api.server import free_port, serve_in_thread
from qbdsync.settings import Settings
from qbdsync.store.db import make_engine
from tests.integration.cli_helpers import run_cli


def _table(stdout: str) -> dict[str, tuple[int, int]]:
    """data type → (records transferred, records stored), from the demo's table."""
    rows = re.findall(r"│ (\w+)\s+│ ([\d,]+)\s+│ ([\d,]+)\s+│", stdout)
    return {t: (int(a.replace(",", "")), int(b.replace(",", ""))) for t, a, b in rows}


def test_demo_exit_prints_a_working_curl_line_and_explains_its_table(tmp_path: Path) -> None:
    port = free_port()
    database_url = f"sqlite:///{tmp_path / 'demo.db'}"
    ran = run_cli("demo", "--exit", "--port", str(port), database_url=database_url, cwd=tmp_path)
    assert ran.returncode == 0, ran.stderr
    out = ran.stdout
    base = f"http://127.0.0.1:{port}"
    assert f"qbdsync serving at {base}" in out

    table = _table(out)
    assert table["invoices"][0] == table["invoices"][1] > 0
    # Derived types transfer nothing of their own, and the note says so.
    for derived in ("accountTransactions", "bankAccounts", "bankTransactions"):
        assert table[derived][0] == 0 < table[derived][1]
        assert derived in out.split("are derived")[0].splitlines()[-1]
    # taxRates: more transferred than stored, and the note's numbers add up to the table's.
    transferred, stored = table["taxRates"]
    note = re.search(
        r"taxRates: (\d+) of the (\d+) transferred came a second time inside the "
        r"answer to ItemQueryRq .*?so (\d+) are stored\.",
        out,
    )
    assert note is not None, out
    again, total, kept = (int(n) for n in note.groups())
    assert (total, kept) == (transferred, stored) and transferred - again == stored

    key = re.search(r"API key \(shown once; stored as a digest\): (\S+)", out)
    assert key is not None
    stopped = out.split("The demo server has stopped")
    assert len(stopped) == 2
    # Once stopped, no line offers the stopped server as if it were up: the only URL left is
    # the curl line, introduced by how to serve the database again.
    assert f"serve --port {port}" in stopped[1]
    (curl,) = [line.strip() for line in stopped[1].splitlines() if line.strip().startswith("curl")]
    assert all(base not in line for line in stopped[1].splitlines() if "curl" not in line)
    assert "/docs" not in stopped[1] and "wsdl" not in stopped[1]

    # Serve the same database on the same port, as the demo says, and run its curl line as is.
    settings = Settings(database_url=database_url, public_url=base)  # type: ignore[call-arg]
    engine = make_engine(database_url)
    try:
        with serve_in_thread(create_app(settings, engine), port=port):
            fetched = subprocess.run(
                [*shlex.split(curl), "--silent", "--fail"],
                capture_output=True,
                text=True,
                timeout=60,
                check=False,
            )
    finally:
        engine.dispose()
    assert fetched.returncode == 0, fetched.stderr
    assert '"invoiceNumber"' in fetched.stdout


def test_demo_on_a_port_in_use_says_so_in_one_line(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        ran = run_cli(
            "demo",
            "--exit",
            "--port",
            str(port),
            database_url=f"sqlite:///{tmp_path / 'demo.db'}",
            cwd=tmp_path,
        )
    assert ran.returncode == 1
    (line,) = ran.stderr.splitlines()
    assert f"127.0.0.1:{port}" in line and "--port" in line
