"""Shared bits for the mapper tests: contexts and small record builders in the parser's shape."""

from __future__ import annotations

from typing import Any

from qbdsync.mapping.common import MappingContext


def ctx(ret_name: str = "", **kw: Any) -> MappingContext:
    return MappingContext(home_currency="USD", country="US", ret_name=ret_name, **kw)


def ref(list_id: str, full_name: str) -> dict[str, str]:
    return {"ListID": list_id, "FullName": full_name}


STAMPS = {
    "TimeCreated": "2024-03-01T09:00:00-08:00",
    "TimeModified": "2024-03-02T10:30:00-08:00",
    "EditSequence": "1709400600",
}
