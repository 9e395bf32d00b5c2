"""A query's syntax tree → one SQLAlchemy boolean over a JSON column, run in the database.

Each comparison becomes "the property has the type this value can meet, and compares so", OR-ed
over the types the value can meet (see literals.py), so a null, missing, array or object property,
or one of another type, never matches — not even `!=`.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

from sqlalchemy import and_, or_, true
from sqlalchemy.sql.elements import ColumnElement, Grouping

from qbdsync.api.query.dialects import JsonAccess, json_access
from qbdsync.api.query.fields import Shape, check_query
from qbdsync.api.query.literals import BOOLEAN_LITERALS, as_number
from qbdsync.api.query.nodes import And, Comparison, Node, Op, Or
from qbdsync.api.query.parser import parse_query

_CHUNK = 16

_COMPARE: dict[Op, Callable[[Any, Any], Any]] = {
    Op.EQ: operator.eq,
    Op.NE: operator.ne,
    Op.GT: operator.gt,
    Op.LT: operator.lt,
    Op.GE: operator.ge,
    Op.LE: operator.le,
}


def compile_query(
    text: str | None,
    column: ColumnElement[Any],
    dialect: str,
    *,
    fields: Shape | None = None,
    what: str = "items",
) -> ColumnElement[bool]:
    """The WHERE clause for a Codat `query` over `column` (None or blank matches everything).

    Raises QuerySyntaxError (an InvalidQuery) for text that cannot be read, and UnknownField
    for a path that is not in `fields` (the shape of the `what` listed), when given.
    """
    access = json_access(dialect)
    node = parse_query(text)
    if fields is not None:
        check_query(node, fields, what)
    if node is None:
        return true()
    return compile_node(node, column, access)


def compile_node(node: Node, column: ColumnElement[Any], access: JsonAccess) -> ColumnElement[bool]:
    if isinstance(node, And | Or):
        combine = and_ if isinstance(node, And) else or_
        return _balanced(combine, [compile_node(term, column, access) for term in node.terms])
    return _compile_comparison(node, column, access)


class _Parenthesised(Grouping[bool]):
    """Parentheses SQLAlchemy keeps: a plain Grouping passes its `operator` through, and
    and_()/or_() then flatten the group back into the chain."""

    inherit_cache = True
    operator = None


def _balanced(
    combine: Callable[..., ColumnElement[bool]], clauses: list[ColumnElement[bool]]
) -> ColumnElement[bool]:
    """`a OP b OP …` as parenthesised chunks of chunks.

    SQLite parses a flat chain into a tree as deep as it is long and refuses trees deeper than
    1000; a 2048-character query of `||`s gets there. Parentheses keep the depth logarithmic.
    """
    while len(clauses) > _CHUNK:
        clauses = [
            _Parenthesised(combine(*clauses[start : start + _CHUNK]))
            for start in range(0, len(clauses), _CHUNK)
        ]
    return combine(*clauses)


def _compile_comparison(
    node: Comparison, column: ColumnElement[Any], access: JsonAccess
) -> ColumnElement[bool]:
    path, op, value = node.path, node.op, node.value
    if op is Op.CONTAINS:
        return access.contains(column, path, value)

    compare = _COMPARE[op]
    alternatives = [access.compare_text(column, path, compare, value)]
    number = as_number(value)
    if number is not None:
        alternatives.append(access.compare_number(column, path, op, number))
    boolean = BOOLEAN_LITERALS.get(value)
    if boolean is not None and op in (Op.EQ, Op.NE):
        # Booleans only have = and !=; `!=true` means "is the boolean false".
        alternatives.append(access.is_boolean(column, path, boolean == (op is Op.EQ)))
    return or_(*alternatives)
