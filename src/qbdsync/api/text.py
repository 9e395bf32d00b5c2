"""Text the API accepts: no control characters where they make no sense, on both databases.

PostgreSQL refuses NUL in text (SQLite stores it), and a tenant's ESC, CR or NUL in a name
would reach the operator's terminal. So every text field of a request body is one of the
types below, and every path and query parameter passes `refuse_control_characters`: a 400 in
Codat's shape naming the field, the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import AfterValidator

# C0 controls and DEL. Names, tags, ids, URLs and query values are one line: none belongs.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# Free text (descriptions) may be laid out in lines and tabs; nothing else.
_CONTROL_BUT_LAYOUT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

SINGLE_LINE_MESSAGE = "must not contain control characters (U+0000 to U+001F, U+007F)"
FREE_TEXT_MESSAGE = (
    "must not contain control characters other than tab and line breaks (U+0000 to U+001F, U+007F)"
)


def _single_line(value: str) -> str:
    if _CONTROL.search(value):
        raise ValueError(SINGLE_LINE_MESSAGE)
    return value


def _free_text(value: str) -> str:
    if _CONTROL_BUT_LAYOUT.search(value):
        raise ValueError(FREE_TEXT_MESSAGE)
    return value


# A name, tag, id, URL or other one-line value of a request body.
Line = Annotated[str, AfterValidator(_single_line)]
# A description or note: tabs and line breaks allowed.
FreeText = Annotated[str, AfterValidator(_free_text)]
# Tags (company tags, a webhook's company tag filter): one-line keys and values.
Tags = dict[Line, Line]


def refuse_control_characters(request: Request) -> None:
    """A dependency of every API route: path and query parameters (names and values) with a
    control character are a 400, before any of them reaches the database."""
    problems = [
        {"loc": ("path", name), "msg": SINGLE_LINE_MESSAGE, "type": "control_characters"}
        for name, value in request.path_params.items()
        if _CONTROL.search(str(value))
    ] + [
        {"loc": ("query", name), "msg": SINGLE_LINE_MESSAGE, "type": "control_characters"}
        for name, value in request.query_params.multi_items()
        if _CONTROL.search(name) or _CONTROL.search(value)
    ]
    if problems:
        raise RequestValidationError(problems)
