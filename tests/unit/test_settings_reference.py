"""docs/configuration.md is Settings, written out; QBDSYNC_* variables that are no setting are
named at start-up with the setting they are closest to."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from qbdsync.cli import app
from qbdsync.settings import SECTIONS, Settings, unknown_variables, variable_name
from qbdsync.settings_reference import REGENERATE, render
from tests.integration.cli_helpers import run_cli

PAGE = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"


def test_the_committed_reference_is_the_one_settings_make() -> None:
    committed = PAGE.read_text(encoding="utf-8") if PAGE.exists() else ""
    assert committed == render(), (
        f"docs/configuration.md differs from qbdsync.settings.Settings: run "
        f"`.venv/bin/{REGENERATE}` and commit the page"
    )


def test_every_setting_has_a_description_and_an_entry() -> None:
    page = render()
    for name, field in Settings.model_fields.items():
        assert field.description and len(field.description) > 20, name
        assert f"### `{variable_name(name)}`" in page, name
    assert set(SECTIONS) <= set(Settings.model_fields)


def test_the_hidden_command_writes_the_page(tmp_path: Path) -> None:
    out = tmp_path / "configuration.md"
    ran = CliRunner().invoke(app, ["settings-reference", "--out", str(out)])
    assert ran.exit_code == 0, ran.output
    assert out.read_text(encoding="utf-8") == render()
    assert "settings-reference" not in CliRunner().invoke(app, ["--help"]).stdout


def test_the_reference_shows_types_defaults_and_bounds() -> None:
    page = render()
    assert "| `QBDSYNC_DATABASE_URL` | text | `sqlite:///./qbdsync.db` |" in page
    assert "| `QBDSYNC_LOG_FORMAT` | one of `text`, `json` | `text` |" in page
    assert "| `QBDSYNC_ACCESS_LOG` | `true` or `false` | `false` |" in page
    max_returned = page.split("### `QBDSYNC_MAX_RETURNED`")[1].split("###")[0]
    assert "- Allowed: at least `1`, at most `10000`" in max_returned


@pytest.mark.parametrize(
    ("name", "suggested"),
    [
        ("QBDSYNC_DATABSE_URL", "QBDSYNC_DATABASE_URL"),
        ("QBDSYNC_PUBLIC_ULR", "QBDSYNC_PUBLIC_URL"),
        ("QBDSYNC_SECRET", "QBDSYNC_SECRET_KEY"),
        ("qbdsync_log_formt", "QBDSYNC_LOG_FORMAT"),
        ("QBDSYNC_WEBHOOK_TIMEOUT", "QBDSYNC_WEBHOOK_TIMEOUT_SECONDS"),
    ],
)
def test_a_misspelt_setting_is_named_with_the_one_meant(name: str, suggested: str) -> None:
    (warning,) = unknown_variables({name: "postgresql://u:S3cretPW@db/x"})
    assert warning.startswith(f"{name} is not a qbdsync setting and is ignored")
    assert warning.endswith(f"did you mean {suggested}?")
    assert "S3cretPW" not in warning


def test_settings_and_test_variables_draw_no_warning() -> None:
    environ = {variable_name(name): "x" for name in Settings.model_fields}
    environ |= {
        "qbdsync_database_url": "sqlite://",  # read case-insensitively, as Settings does
        "QBDSYNC_TEST_POSTGRES_URL": "postgresql://t@127.0.0.1/t",
        "PATH": os.environ.get("PATH", ""),
        "DATABASE_URL": "postgresql://other-app/db",
    }
    assert unknown_variables(environ) == []
    (far,) = unknown_variables({"QBDSYNC_ZZZ": "1"})
    assert "did you mean" not in far and "docs/configuration.md" in far


def test_a_command_warns_at_start_up_and_still_runs(tmp_path: Path) -> None:
    """A misspelt database URL used to leave the database at ./qbdsync.db without a word."""
    ran = run_cli(
        "company",
        "list",
        database_url=f"sqlite:///{tmp_path / 'q.db'}",
        cwd=tmp_path,
        env={"QBDSYNC_DATABSE_URL": "postgresql://u:S3cretPW@db/x"},
    )
    assert ran.returncode == 0, ran.stderr
    (line,) = ran.stderr.splitlines()
    assert " WARNING " in line and "QBDSYNC_DATABSE_URL is not a qbdsync setting" in line
    assert line.endswith("did you mean QBDSYNC_DATABASE_URL?")
    assert "S3cretPW" not in ran.stderr + ran.stdout
