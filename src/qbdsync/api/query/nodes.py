"""The syntax tree of a Codat `query`, shared by the SQL compiler and the reference evaluator."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class Op(Enum):
    EQ = "="
    NE = "!="
    CONTAINS = "~"
    GT = ">"
    LT = "<"
    GE = ">="
    LE = "<="


@dataclass(frozen=True)
class Comparison:
    """`path op value`; `value` is the text exactly as given (quotes and escapes removed)."""

    path: tuple[str, ...]
    op: Op
    value: str
    # Where the path starts in the query text, for error messages; not part of the meaning.
    position: int = field(default=0, compare=False)


@dataclass(frozen=True)
class And:
    terms: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    terms: tuple[Node, ...]


Node = Comparison | And | Or


@dataclass(frozen=True)
class OrderKey:
    """One `orderBy` key: a property path and its direction."""

    path: tuple[str, ...]
    descending: bool = False
    # Where the path starts in the orderBy text, for error messages; not part of the meaning.
    position: int = field(default=0, compare=False)
