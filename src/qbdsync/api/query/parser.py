"""Codat's `query` and `orderBy` text → syntax tree, with errors that point at a position.

Grammar (whitespace around tokens is ignored; `&&` binds tighter than `||`):

    query      := or
    or         := and ("||" and)*
    and        := primary ("&&" primary)*
    primary    := "{" or "}" | comparison
    comparison := path op value
    path       := name ("." name)*          name := [A-Za-z_][A-Za-z0-9_]*
    op         := "!=" | ">=" | "<=" | "=" | "~" | ">" | "<"
    value      := '"' (any char, \\" and \\\\ escaped)* '"'
                | text up to the next "&&", "||", "}" or the end, trimmed, not starting
                  with an operator (`a>>0` is an error; `a=">0"` compares with ">0")

Positions in messages are 0-based character offsets into the text.
"""

from __future__ import annotations

import re
from decimal import Decimal

from qbdsync.api.query.literals import MAX_EXPONENT, MIN_EXPONENT, in_range, reads_as_number
from qbdsync.api.query.nodes import And, Comparison, Node, Op, Or, OrderKey
from qbdsync.errors import InvalidQuery

MAX_LENGTH = 2048
# Deeper groups mean nothing to a person and would exhaust Python's and the databases' stacks.
MAX_DEPTH = 32

_WHITESPACE = " \t\r\n"
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# A path runs until something that can only follow it; everything in between is judged by _NAME.
_PATH_END = set(_WHITESPACE) | set("=!~<>&|{}")
# Longest first, so `>=` is not read as `>` followed by a value "=…".
_OPERATORS = sorted((op for op in Op), key=lambda op: -len(op.value))


class QuerySyntaxError(InvalidQuery):
    """A `query` or `orderBy` that cannot be read; `position` is where reading stopped."""

    def __init__(self, message: str, position: int | None = None, *, parameter: str) -> None:
        super().__init__(message)
        self.position = position
        self.parameter = parameter  # "query" or "orderBy"


def parse_path(text: str, *, what: str, position: int) -> tuple[str, ...]:
    """Split and validate a dot path; `what` and `position` only shape the error message."""
    names = text.split(".")
    if not text or not all(_NAME.fullmatch(name) for name in names):
        raise QuerySyntaxError(
            f"{what}: invalid property name {text!r} at position {position}: "
            "use letters, digits and _ in names separated by dots",
            position,
            parameter=what,
        )
    return tuple(names)


def _check_text(text: str, what: str) -> None:
    if len(text) > MAX_LENGTH:
        raise QuerySyntaxError(
            f"{what}: is longer than {MAX_LENGTH} characters", None, parameter=what
        )
    nul = text.find("\x00")
    if nul >= 0:
        # PostgreSQL cannot bind it, and no stored JSON string contains it.
        raise QuerySyntaxError(f"{what}: NUL character at position {nul}", nul, parameter=what)


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    # -- helpers -----------------------------------------------------------------------------

    def fail(self, message: str, position: int | None = None) -> QuerySyntaxError:
        at = self.pos if position is None else position
        return QuerySyntaxError(f"query: {message} at position {at}", at, parameter="query")

    def skip_whitespace(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos] in _WHITESPACE:
            self.pos += 1

    def at_end(self) -> bool:
        return self.pos >= len(self.text)

    def looking_at(self, token: str) -> bool:
        return self.text.startswith(token, self.pos)

    def describe_here(self) -> str:
        return "the end" if self.at_end() else repr(self.text[self.pos])

    # -- grammar -----------------------------------------------------------------------------

    def parse(self) -> Node:
        node = self.parse_or(depth=0)
        self.skip_whitespace()
        if not self.at_end():
            if self.looking_at("}"):
                raise self.fail("unexpected '}' with no group to close")
            raise self.fail(f"expected '&&', '||' or the end, found {self.describe_here()}")
        return node

    def parse_or(self, depth: int) -> Node:
        terms = [self.parse_and(depth)]
        while True:
            self.skip_whitespace()
            if not self.looking_at("||"):
                break
            self.pos += 2
            terms.append(self.parse_and(depth))
        return _flatten(Or, terms)

    def parse_and(self, depth: int) -> Node:
        terms = [self.parse_primary(depth)]
        while True:
            self.skip_whitespace()
            if not self.looking_at("&&"):
                break
            self.pos += 2
            terms.append(self.parse_primary(depth))
        return _flatten(And, terms)

    def parse_primary(self, depth: int) -> Node:
        self.skip_whitespace()
        if not self.looking_at("{"):
            return self.parse_comparison()
        opened = self.pos
        if depth >= MAX_DEPTH:
            raise self.fail(f"groups nested deeper than {MAX_DEPTH}")
        self.pos += 1
        node = self.parse_or(depth + 1)
        self.skip_whitespace()
        if not self.looking_at("}"):
            raise self.fail(
                f"expected '}}' to close the group opened at position {opened}, "
                f"found {self.describe_here()}"
            )
        self.pos += 1
        self.after_closed_token()
        return node

    def parse_comparison(self) -> Comparison:
        start = self.pos
        while not self.at_end() and self.text[self.pos] not in _PATH_END:
            self.pos += 1
        if self.pos == start:
            raise self.fail(f"expected a property name, found {self.describe_here()}")
        raw_path = self.text[start : self.pos]
        path = parse_path(raw_path, what="query", position=start)
        self.skip_whitespace()
        op = next((op for op in _OPERATORS if self.looking_at(op.value)), None)
        if op is None:
            raise self.fail(f"expected an operator after {raw_path!r}")
        self.pos += len(op.value)
        self.skip_whitespace()
        second = next((other for other in _OPERATORS if self.looking_at(other.value)), None)
        if second is not None:
            # `amountDue>>0`, `a==1`, `a=>1`: a typo, not a comparison with the text ">0".
            raise QuerySyntaxError(
                f"query: a second operator {second.value!r} after '{raw_path}{op.value}' at "
                f"position {self.pos}; put a value that starts with an operator in double quotes",
                self.pos,
                parameter="query",
            )
        value_start = self.pos
        if self.looking_at('"'):
            value = self.parse_quoted()
            self.after_closed_token()
        else:
            value = self.parse_unquoted()
            if not value:
                raise self.fail(f"expected a value after '{raw_path}{op.value}'")
        if reads_as_number(value) and not in_range(Decimal(value)):
            # No amount or id, nor any double a record holds, is this large or small, and
            # PostgreSQL's numeric could not hold every such literal: a typo, told not guessed.
            shown = value if len(value) <= 40 else value[:37] + "..."
            raise self.fail(
                f"the number {shown!r} is out of range: use 0 or a magnitude from "
                f"1e{MIN_EXPONENT} to below 1e{MAX_EXPONENT + 1}",
                value_start,
            )
        return Comparison(path, op, value, position=start)

    def parse_quoted(self) -> str:
        opened = self.pos
        self.pos += 1
        chars: list[str] = []
        while not self.at_end():
            char = self.text[self.pos]
            if char == '"':
                self.pos += 1
                return "".join(chars)
            if char == "\\" and self.pos + 1 < len(self.text) and self.text[self.pos + 1] in '"\\':
                chars.append(self.text[self.pos + 1])
                self.pos += 2
                continue
            # Any other backslash is an ordinary character, so Windows paths need no doubling.
            chars.append(char)
            self.pos += 1
        raise self.fail("unterminated quoted value starting", opened)

    def parse_unquoted(self) -> str:
        start = self.pos
        end = len(self.text)
        for token in ("&&", "||", "}"):
            found = self.text.find(token, start)
            if 0 <= found < end:
                end = found
        self.pos = end
        return self.text[start:end].strip(_WHITESPACE)

    def after_closed_token(self) -> None:
        """After a quoted value or a group only a combinator, a '}' or the end may follow."""
        self.skip_whitespace()
        if self.at_end() or any(self.looking_at(t) for t in ("&&", "||", "}")):
            return
        raise self.fail(f"expected '&&', '||', '}}' or the end, found {self.describe_here()}")


def _flatten(kind: type[And] | type[Or], terms: list[Node]) -> Node:
    if len(terms) == 1:
        return terms[0]
    flat: list[Node] = []
    for term in terms:
        flat.extend(term.terms if isinstance(term, kind) else (term,))
    return kind(tuple(flat))


def parse_query(text: str | None) -> Node | None:
    """The tree of a `query` parameter; None when it is absent or blank (everything matches)."""
    if text is None:
        return None
    _check_text(text, "query")
    if not text.strip(_WHITESPACE):
        return None
    return _Parser(text).parse()


def parse_order(text: str | None) -> list[OrderKey]:
    """The keys of an `orderBy` parameter: comma-separated paths, `-` in front for descending."""
    if text is None:
        return []
    _check_text(text, "orderBy")
    if not text.strip(_WHITESPACE):
        return []
    keys: list[OrderKey] = []
    offset = 0
    for part in text.split(","):
        key = part.strip(_WHITESPACE)
        position = offset + len(part) - len(part.lstrip(_WHITESPACE))
        offset += len(part) + 1
        descending = key.startswith("-")
        if descending:
            rest = key[1:]
            key = rest.lstrip(_WHITESPACE)
            position += 1 + len(rest) - len(key)
        if not key:
            raise QuerySyntaxError(
                f"orderBy: expected a property name at position {position}",
                position,
                parameter="orderBy",
            )
        path = parse_path(key, what="orderBy", position=position)
        keys.append(OrderKey(path, descending=descending, position=position))
    return keys
