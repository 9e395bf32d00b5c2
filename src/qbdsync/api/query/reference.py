"""The query language evaluated in plain Python over a dict: the oracle the SQL is tested against.

It states the rules of docs/query.md directly; the databases must agree with it row for row.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from qbdsync.api.query.literals import BOOLEAN_LITERALS, as_number, ascii_lower
from qbdsync.api.query.nodes import And, Comparison, Node, Op, Or, OrderKey
from qbdsync.api.query.order import order_keys
from qbdsync.api.query.parser import parse_query

_MISSING = object()

_COMPARE: dict[Op, Callable[[Any, Any], bool]] = {
    Op.EQ: operator.eq,
    Op.NE: operator.ne,
    Op.GT: operator.gt,
    Op.LT: operator.lt,
    Op.GE: operator.ge,
    Op.LE: operator.le,
}


def resolve(record: Any, path: Sequence[str]) -> Any:
    """The value at `path`, or _MISSING when any step is not an object holding the name."""
    value = record
    for name in path:
        if not isinstance(value, Mapping) or name not in value:
            return _MISSING
        value = value[name]
    return value


def _json_number(value: int | float) -> Decimal:
    # repr() is the shortest text that round-trips, which is what the JSON column holds.
    return Decimal(value) if isinstance(value, int) else Decimal(repr(value))


def comparison_matches(node: Comparison, record: Any) -> bool:
    found = resolve(record, node.path)
    op, value = node.op, node.value
    if isinstance(found, bool):
        literal = BOOLEAN_LITERALS.get(value)
        if literal is None or op not in (Op.EQ, Op.NE):
            return False
        return _COMPARE[op](found, literal)
    if isinstance(found, int | float):
        number = as_number(value)
        if number is None or op is Op.CONTAINS:
            return False
        return _COMPARE[op](_json_number(found), number)
    if isinstance(found, str):
        if op is Op.CONTAINS:
            return ascii_lower(value) in ascii_lower(found)
        return _COMPARE[op](found, value)
    return False  # null, missing, array, object


def node_matches(node: Node, record: Any) -> bool:
    if isinstance(node, And):
        return all(node_matches(term, record) for term in node.terms)
    if isinstance(node, Or):
        return any(node_matches(term, record) for term in node.terms)
    return comparison_matches(node, record)


def matches(text: str | None, record: Any) -> bool:
    """Whether `record` satisfies the query `text` (None or blank matches everything)."""
    node = parse_query(text)
    return True if node is None else node_matches(node, record)


def _rank(value: Any, descending: bool) -> tuple[int, Any]:
    """(type rank, comparable value): numbers, strings, false, true; then the rest, always last."""
    if isinstance(value, bool):
        return (3 if value else 2), None
    if isinstance(value, int | float):
        return 0, _json_number(value)
    if isinstance(value, str):
        return 1, value
    return (-1 if descending else 4), None


def _compare_records(keys: Sequence[OrderKey], left: Any, right: Any) -> int:
    for key in keys:
        a = _rank(resolve(left, key.path), key.descending)
        b = _rank(resolve(right, key.path), key.descending)
        if a == b:
            continue
        before = a[0] < b[0] or (a[0] == b[0] and a[1] < b[1])
        result = -1 if before else 1
        return -result if key.descending else result
    return 0


def order(records: Sequence[Any], text: str | None, *, default: str = "id") -> list[Any]:
    """`records` in the order compile_order gives them for the same `orderBy` text."""
    keys = order_keys(text, default=default)
    return sorted(records, key=functools.cmp_to_key(functools.partial(_compare_records, keys)))
