"""Validate JSON against a component of the served OpenAPI document, strictly.

The served schemas leave additionalProperties open (a client must tolerate fields added later);
for drift checks every object schema is closed here instead, so a field a mapper emits that the
document does not name fails, as does a named field the record lacks or a wrong type.
"""

from __future__ import annotations

import copy
from typing import Any

import jsonschema_rs


def _closed(node: Any) -> Any:
    if isinstance(node, dict):
        closed = {key: _closed(value) for key, value in node.items()}
        if closed.get("type") == "object" and "properties" in closed:
            # Even a schema that declares itself open: a record must be described by name.
            closed["additionalProperties"] = False
        return closed
    if isinstance(node, list):
        return [_closed(item) for item in node]
    return node


class StrictComponents:
    """Validators for `#/components/schemas/{name}` of one OpenAPI document."""

    def __init__(self, document: dict[str, Any]) -> None:
        self._components = _closed(copy.deepcopy(document["components"]))
        self._validators: dict[str, Any] = {}

    def validator(self, name: str) -> Any:
        if name not in self._validators:
            root = {"$ref": f"#/components/schemas/{name}", "components": self._components}
            self._validators[name] = jsonschema_rs.Draft202012Validator(root)
        return self._validators[name]

    def errors(self, name: str, instance: Any) -> list[str]:
        """Every way `instance` fails the schema, as readable lines (empty when it conforms)."""
        return [
            f"{'/'.join(str(p) for p in error.instance_path)}: {error.message}"
            for error in self.validator(name).iter_errors(instance)
        ]
