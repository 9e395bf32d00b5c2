"""docs/troubleshooting.md is the catalogue, written out: every entry and code once."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from qbdsync.cli import app
from qbdsync.diagnosis.catalogue import ENTRIES
from qbdsync.diagnosis.troubleshooting import REGENERATE, render

PAGE = Path(__file__).resolve().parents[3] / "docs" / "troubleshooting.md"


def test_the_committed_page_is_the_one_the_catalogue_makes() -> None:
    committed = PAGE.read_text(encoding="utf-8") if PAGE.exists() else ""
    assert committed == render(), (
        f"docs/troubleshooting.md differs from the catalogue: run `.venv/bin/{REGENERATE}` "
        "and commit the page"
    )


def test_every_entry_and_code_is_on_the_page_once() -> None:
    page = render()
    for e in ENTRIES:
        assert page.count(f'<a id="{e.key}"></a>') == 1, e.key
        assert all(f"`{code}`" in page for code in e.codes), e.key
        assert e.user_message in page and all(step in page for step in e.fix_steps)


def test_the_hidden_command_writes_the_page(tmp_path: Path) -> None:
    out = tmp_path / "troubleshooting.md"
    ran = CliRunner().invoke(app, ["troubleshooting-reference", "--out", str(out)])
    assert ran.exit_code == 0, ran.output
    assert out.read_text(encoding="utf-8") == render()
