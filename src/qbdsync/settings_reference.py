"""docs/configuration.md, made from `Settings`: every QBDSYNC_* variable, its type, default,
bounds and meaning (the field's description).

`qbdsync settings-reference --out docs/configuration.md` writes it; a test fails when the
committed page differs, so a new or changed setting is documented in the same commit.
"""

from __future__ import annotations

import types
from typing import Any, Literal, Union, get_args, get_origin

from annotated_types import Ge, Gt, Le, Lt
from pydantic.fields import FieldInfo

from qbdsync.settings import SECTIONS, Settings, variable_name

REGENERATE = "qbdsync settings-reference --out docs/configuration.md"

_HEADER = f"""# Configuration reference

<!-- Made from qbdsync.settings.Settings by
`{REGENERATE}`:
edit the field descriptions there, not this page (a test fails when the two differ). -->

qbdsync reads its settings from environment variables when a command starts: `qbdsync serve`
and its workers, and every other command (they use the same database and public URL). Names
are case-insensitive. A `QBDSYNC_*` variable that is no setting is named in a warning at
start-up, with the setting it is closest to (a misspelt `QBDSYNC_DATABSE_URL` would otherwise
leave the database at its default); `QBDSYNC_TEST_*` variables belong to the test suite. A value
that does not parse stops the command with one line naming the variable, never its value. Every
node of one deployment needs the same values.
"""


def _type_name(annotation: Any) -> str:
    origin = get_origin(annotation)
    if origin is Literal:
        return "one of " + ", ".join(f"`{value}`" for value in get_args(annotation))
    if origin in (Union, types.UnionType):
        present = [arg for arg in get_args(annotation) if arg is not type(None)]
        assert len(present) == 1, annotation
        return f"{_type_name(present[0])}, or unset"
    names = {str: "text", int: "integer", float: "number", bool: "`true` or `false`"}
    return names[annotation]


def _value(value: Any) -> str:
    if value is None:
        return "unset"
    if value == "":
        return "empty"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"`{value}`"


def _bounds(field: FieldInfo) -> str | None:
    parts = []
    for item in field.metadata:
        if isinstance(item, Ge):
            parts.append(f"at least {_value(item.ge)}")
        elif isinstance(item, Gt):
            parts.append(f"more than {_value(item.gt)}")
        elif isinstance(item, Le):
            parts.append(f"at most {_value(item.le)}")
        elif isinstance(item, Lt):
            parts.append(f"less than {_value(item.lt)}")
    return ", ".join(parts) or None


def _entry(name: str, field: FieldInfo) -> str:
    assert field.description, f"Settings.{name} has no description"
    lines = [
        f"### `{variable_name(name)}`",
        "",
        field.description,
        "",
        f"- Type: {_type_name(field.annotation)}",
        f"- Default: {_value(field.default)}",
    ]
    bounds = _bounds(field)
    if bounds:
        lines.append(f"- Allowed: {bounds}")
    return "\n".join(lines) + "\n"


def render() -> str:
    """The whole page, Markdown."""
    fields = Settings.model_fields
    assert next(iter(fields)) in SECTIONS, "the first setting must start a section"
    assert set(SECTIONS) <= set(fields), "SECTIONS names a field Settings does not have"
    summary = ["| Variable | Type | Default |", "|---|---|---|"]
    summary += [
        f"| `{variable_name(name)}` | {_type_name(field.annotation)} | {_value(field.default)} |"
        for name, field in fields.items()
    ]
    parts = [_HEADER, "\n".join(summary) + "\n"]
    for name, field in fields.items():
        if name in SECTIONS:
            parts.append(f"## {SECTIONS[name]}\n")
        parts.append(_entry(name, field))
    return "\n".join(parts)
