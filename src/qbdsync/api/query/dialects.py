"""Reading one property of a JSON column in SQL, for each supported database.

Every expression here is built from bound parameters: a path reaches SQL only as a parameter
(after parser.parse_path has checked it), so property names cannot inject SQL. Type tests are
wrapped in coalesce() so a missing property gives false, not NULL, and the compiled filter stays
two-valued even if a caller negates it.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from decimal import Decimal
from typing import Any, Protocol

from sqlalchemy import (
    Float,
    Integer,
    Numeric,
    String,
    Text,
    and_,
    bindparam,
    case,
    cast,
    false,
    func,
    literal,
    null,
    or_,
    true,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.sql.elements import ColumnElement

from qbdsync.api.query.literals import Bracket, double_bracket, integer_bracket
from qbdsync.api.query.nodes import Op
from qbdsync.errors import Fatal

Path = tuple[str, ...]
Compare = Callable[[Any, Any], Any]

_COMPARE: dict[Op, Compare] = {
    Op.EQ: operator.eq,
    Op.NE: operator.ne,
    Op.GT: operator.gt,
    Op.LT: operator.lt,
    Op.GE: operator.ge,
    Op.LE: operator.le,
}


class JsonAccess(Protocol):
    """What the query and order compilers need to know about one property of a JSON column."""

    def is_number(self, column: ColumnElement[Any], path: Path) -> ColumnElement[bool]: ...

    def is_string(self, column: ColumnElement[Any], path: Path) -> ColumnElement[bool]: ...

    def is_boolean(
        self, column: ColumnElement[Any], path: Path, value: bool
    ) -> ColumnElement[bool]: ...

    def number(self, column: ColumnElement[Any], path: Path) -> ColumnElement[Any]:
        """The property as a number where it is a JSON number, else NULL (never a failed cast)."""

    def text(self, column: ColumnElement[Any], path: Path) -> ColumnElement[str]:
        """The property as text, compared and sorted by code point, where it is a JSON string."""

    def compare_text(
        self, column: ColumnElement[Any], path: Path, compare: Compare, value: str
    ) -> ColumnElement[bool]:
        """Whether the property is a JSON string and `compare(property, value)` holds."""

    def contains(self, column: ColumnElement[Any], path: Path, needle: str) -> ColumnElement[bool]:
        """Whether the string property contains `needle`, A-Z folded to a-z on both sides."""

    def compare_number(
        self, column: ColumnElement[Any], path: Path, op: Op, number: Decimal
    ) -> ColumnElement[bool]:
        """Whether the property is a JSON number and `property op number` holds exactly."""


class SQLiteJson:
    """SQLite's JSON1 functions over the JSON text; json_type tells the stored type."""

    @staticmethod
    def _path(path: Path) -> ColumnElement[str]:
        return literal("$." + ".".join(path), String)

    def _type(self, column: ColumnElement[Any], path: Path) -> ColumnElement[str]:
        return func.coalesce(func.json_type(column, self._path(path)), "")

    def is_number(self, column: ColumnElement[Any], path: Path) -> ColumnElement[bool]:
        return self._type(column, path).in_(("integer", "real"))

    def is_string(self, column: ColumnElement[Any], path: Path) -> ColumnElement[bool]:
        return self._type(column, path) == "text"

    def is_boolean(
        self, column: ColumnElement[Any], path: Path, value: bool
    ) -> ColumnElement[bool]:
        return self._type(column, path) == ("true" if value else "false")

    def number(self, column: ColumnElement[Any], path: Path) -> ColumnElement[Any]:
        value = func.json_extract(column, self._path(path), type_=Numeric)
        return case((self.is_number(column, path), value), else_=null())

    def text(self, column: ColumnElement[Any], path: Path) -> ColumnElement[str]:
        # SQLite's default BINARY collation compares UTF-8 bytes: code-point order.
        value = func.json_extract(column, self._path(path), type_=Text)
        return case((self.is_string(column, path), value), else_=null())

    def compare_text(
        self, column: ColumnElement[Any], path: Path, compare: Compare, value: str
    ) -> ColumnElement[bool]:
        # No CASE needed: json_extract never fails, and the type test decides the AND anyway.
        text = func.json_extract(column, self._path(path), type_=Text)
        return and_(self.is_string(column, path), compare(text, literal(value, Text)))

    def contains(self, column: ColumnElement[Any], path: Path, needle: str) -> ColumnElement[bool]:
        # SQLite's lower() folds ASCII only (without the ICU extension), which is the rule.
        haystack = func.lower(func.json_extract(column, self._path(path), type_=Text))
        found: ColumnElement[bool] = func.instr(haystack, func.lower(literal(needle, Text))) > 0
        return self.is_string(column, path) & found

    def compare_number(
        self, column: ColumnElement[Any], path: Path, op: Op, number: Decimal
    ) -> ColumnElement[bool]:
        # SQLite holds JSON numbers as 64-bit integers or doubles and compares those exactly.
        # The literal is never rounded to one of them: it is placed among the integers and
        # among the doubles (literals.py), so every comparison is exact for what is stored.
        value = func.json_extract(column, self._path(path), type_=Numeric)
        kind = self._type(column, path)
        integer = _bracketed(value, op, integer_bracket(number), Integer)
        double = _bracketed(value, op, double_bracket(number), Float)
        return or_((kind == "integer") & integer, (kind == "real") & double)


def _bracketed(
    value: ColumnElement[Any],
    op: Op,
    bracket: Bracket[Any],
    type_: type[Integer] | type[Float[float]],
) -> ColumnElement[bool]:
    """`value op number`, for a number that `bracket` places among the values of `type_`."""
    if bracket.exact is not None:
        return _COMPARE[op](value, literal(bracket.exact, type_))  # type: ignore[no-any-return]
    if op in (Op.LT, Op.LE):
        return value <= literal(bracket.below, type_) if bracket.below is not None else false()
    if op in (Op.GT, Op.GE):
        return value >= literal(bracket.above, type_) if bracket.above is not None else false()
    return true() if op is Op.NE else false()


class PostgresJson:
    """PostgreSQL's jsonb operators; `#>` takes the path as one bound text[] parameter."""

    @staticmethod
    def _path(path: Path) -> ColumnElement[Any]:
        return bindparam(None, list(path), type_=ARRAY(Text))

    def _node(self, column: ColumnElement[Any], path: Path) -> ColumnElement[Any]:
        return column.op("#>", return_type=JSONB)(self._path(path))

    def _raw_text(self, column: ColumnElement[Any], path: Path) -> ColumnElement[str]:
        return column.op("#>>", return_type=Text)(self._path(path))

    def _type(self, column: ColumnElement[Any], path: Path) -> ColumnElement[str]:
        return func.coalesce(func.jsonb_typeof(self._node(column, path)), "")

    def is_number(self, column: ColumnElement[Any], path: Path) -> ColumnElement[bool]:
        return self._type(column, path) == "number"

    def is_string(self, column: ColumnElement[Any], path: Path) -> ColumnElement[bool]:
        return self._type(column, path) == "string"

    def is_boolean(
        self, column: ColumnElement[Any], path: Path, value: bool
    ) -> ColumnElement[bool]:
        return (self._type(column, path) == "boolean") & (
            self._raw_text(column, path) == ("true" if value else "false")
        )

    def number(self, column: ColumnElement[Any], path: Path) -> ColumnElement[Any]:
        # CASE, so the cast only ever runs on JSON numbers: exact numeric, no cast errors.
        return case(
            (self.is_number(column, path), cast(self._raw_text(column, path), Numeric)),
            else_=null(),
        )

    def text(self, column: ColumnElement[Any], path: Path) -> ColumnElement[str]:
        # "C" compares bytes (code points in UTF-8), like Python and SQLite, whatever the locale.
        value = self._raw_text(column, path).collate("C")
        return case((self.is_string(column, path), value), else_=null())

    def compare_text(
        self, column: ColumnElement[Any], path: Path, compare: Compare, value: str
    ) -> ColumnElement[bool]:
        # No CASE needed: `#>>` never fails, and the type test decides the AND anyway.
        text = self._raw_text(column, path).collate("C")
        return and_(self.is_string(column, path), compare(text, literal(value, Text)))

    def contains(self, column: ColumnElement[Any], path: Path, needle: str) -> ColumnElement[bool]:
        # lower() under "C" folds ASCII only, the same rule as SQLite's lower().
        haystack = func.lower(self._raw_text(column, path).collate("C"))
        wanted = func.lower(literal(needle, Text).collate("C"))
        return self.is_string(column, path) & (func.strpos(haystack, wanted) > 0)

    def compare_number(
        self, column: ColumnElement[Any], path: Path, op: Op, number: Decimal
    ) -> ColumnElement[bool]:
        # jsonb keeps numbers as exact numerics: the comparison is exact decimal arithmetic.
        exact = _COMPARE[op](self.number(column, path), literal(number, Numeric))
        return and_(self.is_number(column, path), exact)


def json_access(dialect: str) -> JsonAccess:
    """The JSON access for a SQLAlchemy dialect name (`engine.dialect.name`)."""
    if dialect == "sqlite":
        return SQLiteJson()
    if dialect == "postgresql":
        return PostgresJson()
    raise Fatal(f"query: unsupported database dialect {dialect!r}")
