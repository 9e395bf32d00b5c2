"""Codat's official Python SDKs (codat-platform, codat-lending, codat-accounting) drive qbdsync
unchanged.

The SDKs run in their own virtualenv (.venv-sdk, built by `make` from tests/sdk/requirements.txt)
because their pins may clash with ours; tests/sdk/drive_sdks.py is run there as a subprocess with
the server's URL and an API key. The SDKs validate every response against Codat's models, so any
field we name or type differently from Codat fails here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from qbdsync.store import clients
from tests.api.helpers import link_and_sync, new_tenant
from tests.conftest import LiveServer, start_server

ROOT = Path(__file__).resolve().parents[2]
SDK_PYTHON = ROOT / ".venv-sdk" / "bin" / "python"
DRIVER = Path(__file__).with_name("drive_sdks.py")
# codat-accounting pins an httpx codat-platform cannot share: a venv of its own.
ACCOUNTING_PYTHON = ROOT / ".venv-sdk-accounting" / "bin" / "python"
ACCOUNTING_DRIVER = Path(__file__).with_name("accounting") / "drive_accounting.py"

# `make test` builds .venv-sdk first; outside CI a bare `pytest` without it skips, in CI it fails.
pytestmark = pytest.mark.skipif(
    not SDK_PYTHON.exists() and not os.environ.get("CI"),
    reason="no .venv-sdk: run `make .venv-sdk/.installed` (make test builds it)",
)


@pytest.fixture
def server(database_url: str) -> Iterator[LiveServer]:
    yield from start_server(database_url)


def _api_key(server: LiveServer) -> str:
    now = datetime.now(UTC)
    with server.engine.begin() as conn:
        client_id = clients.default_client(conn, now)
        key, _ = clients.create_api_key(conn, client_id, "codat sdk test", now)
    return key


def test_codat_sdks_drive_the_api_unchanged(server: LiveServer, tmp_path: Path) -> None:
    # The SMB user's side of linking, in our venv: follow the link URL the SDK got back and run
    # one Web Connector session against a simulated company file. The driver appends the URL.
    link_command = [
        sys.executable,
        "-m",
        "qbdsync.cli",
        "simulate",
        "--company-file",
        str(tmp_path / "sdk-company.qbsim"),
        "--link-url",
    ]
    completed = subprocess.run(
        [
            str(SDK_PYTHON),
            str(DRIVER),
            "--server-url",
            server.url,
            "--api-key",
            _api_key(server),
            "--link-command",
            json.dumps(link_command),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
        check=False,
    )
    assert completed.stdout.strip(), completed.stderr[-8000:]
    summary = json.loads(completed.stdout.strip().splitlines()[-1])
    assert summary["failures"] == [], completed.stderr[-8000:]
    assert completed.returncode == 0, completed.stderr[-8000:]
    assert summary["invoices"] > 3
    assert summary["customers"] > 3
    assert summary["asset_accounts"] >= 1
    assert summary["company_name"]
    # codat-lending's loan writeback: every create accepted and read back (writeback_lending.py).
    assert summary["loan_writeback_pushes"] == 6, summary


@pytest.mark.skipif(
    not ACCOUNTING_PYTHON.exists() and not os.environ.get("CI"),
    reason="no .venv-sdk-accounting: run `make .venv-sdk-accounting/.installed`",
)
def test_codat_accounting_creates_and_reads_push_operations(
    server: LiveServer, tmp_path: Path
) -> None:
    tenant = new_tenant(server, "codat-accounting")
    synced = link_and_sync(tenant, tmp_path / "accounting", "Accounting SDK Co")
    completed = subprocess.run(
        [
            str(ACCOUNTING_PYTHON),
            str(ACCOUNTING_DRIVER),
            "--server-url",
            server.url,
            "--api-key",
            tenant.key,
            "--company-id",
            synced.company_id,
            "--connection-id",
            synced.connection_id,
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
        check=False,
    )
    assert completed.stdout.strip(), completed.stderr[-8000:]
    summary = json.loads(completed.stdout.strip().splitlines()[-1])
    assert summary["failures"] == [], completed.stderr[-8000:]
    assert summary["accounting_pushes"] == 4, summary
    assert completed.returncode == 0, completed.stderr[-8000:]
