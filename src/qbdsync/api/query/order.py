"""Codat's `orderBy` → ORDER BY expressions over a JSON column, run in the database.

Per key the rows sort by (type rank, number, text): numbers first (numerically), then strings
(by code point), then false, then true; null, missing, arrays and objects come last in either
direction. Within one rank only one of the number/text expressions is non-NULL, so where a
database puts NULLs never matters. The JSON `id` (or a caller's column) closes the list so that
paging is stable.

A caller may name table columns that hold a key's value as well (`columns`): a JSON string in
every row, equal to the column by construction (the store's record id is the JSON `id`, its
modified_date the JSON `modifiedDate`). Such a key sorts by its column alone, which gives the
same order (every row has rank "string", compared by code point) from an index instead of
reading every row's JSON.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import case, literal
from sqlalchemy.sql.elements import ColumnElement, UnaryExpression

from qbdsync.api.query.dialects import JsonAccess, json_access
from qbdsync.api.query.fields import Shape, check_order
from qbdsync.api.query.nodes import OrderKey
from qbdsync.api.query.parser import parse_order

TIE_BREAKER = OrderKey(("id",))


def order_keys(text: str | None, *, default: str = "id") -> list[OrderKey]:
    """The keys for an `orderBy` text (or `default` when it is blank), ending with `id`."""
    keys = parse_order(text) or parse_order(default)
    if not any(key.path == TIE_BREAKER.path for key in keys):
        keys.append(TIE_BREAKER)
    return keys


def _rank(access: JsonAccess, column: ColumnElement[Any], key: OrderKey) -> ColumnElement[int]:
    absent = -1 if key.descending else 4
    return case(
        (access.is_number(column, key.path), literal(0)),
        (access.is_string(column, key.path), literal(1)),
        (access.is_boolean(column, key.path, False), literal(2)),
        (access.is_boolean(column, key.path, True), literal(3)),
        else_=literal(absent),
    )


def _directed(expression: ColumnElement[Any], key: OrderKey) -> UnaryExpression[Any]:
    return expression.desc() if key.descending else expression.asc()


def compile_order(
    text: str | None,
    column: ColumnElement[Any],
    dialect: str,
    *,
    default: str = "id",
    tie_breaker: ColumnElement[Any] | None = None,
    columns: Mapping[tuple[str, ...], ColumnElement[Any]] | None = None,
    fields: Shape | None = None,
    what: str = "items",
) -> list[ColumnElement[Any]]:
    """ORDER BY elements for an `orderBy` text (`-` in front of a key = descending).

    `tie_breaker`, when given, replaces the JSON `id` as the final ascending key (use the
    table's own unique column where the JSON may lack an id). `columns` maps key paths to
    columns that hold them as strings in every row, compared by code point (see above); when
    it maps `id`, that column closes the list instead of `tie_breaker`. Raises
    QuerySyntaxError, and UnknownField for a key that is not in `fields` (the shape of the
    `what` listed), when given.
    """
    access = json_access(dialect)
    if fields is not None:
        check_order(parse_order(text), fields, what)
    keys = order_keys(text, default=default)
    stored = columns or {}
    if TIE_BREAKER.path in stored:
        tie_breaker = None
    elif tie_breaker is not None:
        keys = [key for key in keys if key != TIE_BREAKER]
    clauses: list[ColumnElement[Any]] = []
    for key in keys:
        if key.path in stored:
            clauses.append(_directed(stored[key.path], key))
            continue
        clauses.append(_directed(_rank(access, column, key), key))
        clauses.append(_directed(access.number(column, key.path), key))
        clauses.append(_directed(access.text(column, key.path), key))
    if tie_breaker is not None:
        clauses.append(tie_breaker.asc())
    return clauses
