"""Text the API accepts: no control characters where they make no sense, on both databases.

PostgreSQL refuses NUL in text (SQLite stores it), and a tenant's ESC, CR or NUL in a name
would reach the operator's terminal (the rule: qbdsync.plain_text). So every text field of a
request body is one of the types below, and every path and query parameter passes
`refuse_control_characters`: a 400 in Codat's shape naming the field, the same on SQLite and
PostgreSQL.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import AfterValidator

from qbdsync.plain_text import (
    FREE_TEXT_RULE,
    LINE_RULE,
    NAME_RULE,
    is_blank,
    is_free_text,
    is_line,
)


def _single_line(value: str) -> str:
    if not is_line(value):
        raise ValueError(LINE_RULE)
    return value


def _name(value: str) -> str:
    if is_blank(value):
        raise ValueError(NAME_RULE)
    return _single_line(value)


def _free_text(value: str) -> str:
    if not is_free_text(value):
        raise ValueError(FREE_TEXT_RULE)
    return value


# A name, tag, id, URL or other one-line value of a request body.
Line = Annotated[str, AfterValidator(_single_line)]
# A name people tell things apart by: a Line with something besides spaces in it.
Name = Annotated[str, AfterValidator(_name)]
# A description or note: tabs and line breaks allowed.
FreeText = Annotated[str, AfterValidator(_free_text)]
# Tags (company tags, a webhook's company tag filter): one-line keys and values.
Tags = dict[Line, Line]


def refuse_control_characters(request: Request) -> None:
    """A dependency of every API route: path and query parameters (names and values) with a
    control character are a 400, before any of them reaches the database."""
    problems = [
        {"loc": ("path", name), "msg": LINE_RULE, "type": "control_characters"}
        for name, value in request.path_params.items()
        if not is_line(str(value))
    ] + [
        {"loc": ("query", name), "msg": LINE_RULE, "type": "control_characters"}
        for name, value in request.query_params.multi_items()
        if not (is_line(name) and is_line(value))
    ]
    if problems:
        raise RequestValidationError(problems)
