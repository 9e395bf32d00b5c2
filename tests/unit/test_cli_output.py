"""Values in the CLI's tables print as text: control characters escaped, markup literal."""

from __future__ import annotations

import io

from rich.console import Console

from qbdsync.cli_output import details, printable, table


def test_control_characters_are_escaped_visibly() -> None:
    assert printable("a\nb\rc\td\x00e\x1b[31mf\x7f\x9b\u202eg") == (
        "a\\nb\\rc\\td\\x00e\\x1b[31mf\\x7f\\x9b\\u202eg"
    )
    assert printable("Café 東京 C:\\Books") == "Café 東京 C:\\Books"


def test_markup_in_values_is_printed_as_it_is_even_on_a_markup_console() -> None:
    stream = io.StringIO()
    console = Console(file=stream, markup=True, highlight=True, width=200, color_system=None)
    grid = table("name")
    grid.add_row("[red]x[/red] [bold]y")
    console.print(grid)
    console.print(details([("name", "[link=http://evil]z[/link]\x1b")]))
    output = stream.getvalue()
    assert "[red]x[/red] [bold]y" in output
    assert "[link=http://evil]z[/link]\\x1b" in output
    assert "\x1b" not in output
