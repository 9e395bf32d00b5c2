"""The deployment files docs/production.md tells operators to copy stay valid: the systemd unit
passes systemd's own check, its command line is one `qbdsync serve` accepts, and the example
environment file sets only real settings, which parse."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from qbdsync.settings import Settings, unknown_variables

ROOT = Path(__file__).resolve().parents[2]
UNIT = ROOT / "deploy" / "systemd" / "qbdsync.service"
ENV_FILE = ROOT / "deploy" / "systemd" / "qbdsync.env"
INSTALLED_BINARY = "/opt/qbdsync/.venv/bin/qbdsync"
INSTALLED_ENV = "/etc/qbdsync/qbdsync.env"


def _environment() -> dict[str, str]:
    values = {}
    for line in ENV_FILE.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, value = line.partition("=")
            values[name] = value
    return values


def test_the_example_environment_sets_only_settings_that_parse() -> None:
    environment = _environment()
    assert "QBDSYNC_SECRET_KEY" in environment
    assert unknown_variables(environment) == []
    settings = Settings(
        **{name.removeprefix("QBDSYNC_").lower(): v for name, v in environment.items()}
    )
    assert settings.checked_public_url().startswith("https://")


def test_the_unit_runs_a_serve_command_qbdsync_accepts() -> None:
    text = UNIT.read_text(encoding="utf-8")
    (exec_start,) = [line for line in text.splitlines() if line.startswith("ExecStart=")]
    binary, *args = shlex.split(exec_start.removeprefix("ExecStart="))
    assert binary == INSTALLED_BINARY
    assert args[0] == "serve"
    # `--help` after the options: typer checks every option before it prints the help.
    checked = subprocess.run(
        [sys.executable, "-m", "qbdsync.cli", *args, "--help"],
        check=False,
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stderr


def test_systemd_accepts_the_unit(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed (Debian package systemd)")
    text = UNIT.read_text(encoding="utf-8")
    assert INSTALLED_BINARY in text and INSTALLED_ENV in text
    # systemd checks that the command exists: point it at this checkout's.
    local = tmp_path / "qbdsync.service"
    local.write_text(
        text.replace(INSTALLED_BINARY, str(Path(sys.executable).with_name("qbdsync"))).replace(
            INSTALLED_ENV, str(ENV_FILE)
        ),
        encoding="utf-8",
    )
    verified = subprocess.run(
        [analyze, "verify", str(local)], check=False, capture_output=True, text=True
    )
    assert verified.returncode == 0, verified.stderr
    assert verified.stderr == "", verified.stderr
