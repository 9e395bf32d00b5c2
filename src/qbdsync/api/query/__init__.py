"""Codat's `query` filter and `orderBy` for the API, compiled to SQL over a JSON column.

See docs/query.md for the language and the decisions about types, case and nulls.
"""

from __future__ import annotations

from qbdsync.api.query.fields import (
    RECORD_SHAPES,
    Shape,
    UnfilterableField,
    UnknownField,
    shape_of_model,
)
from qbdsync.api.query.order import compile_order
from qbdsync.api.query.parser import QuerySyntaxError, parse_order, parse_query
from qbdsync.api.query.sql import compile_query

__all__ = [
    "RECORD_SHAPES",
    "QuerySyntaxError",
    "Shape",
    "UnfilterableField",
    "UnknownField",
    "compile_order",
    "compile_query",
    "parse_order",
    "parse_query",
    "shape_of_model",
]
