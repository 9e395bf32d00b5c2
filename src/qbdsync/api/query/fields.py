"""The fields each list endpoint's items have, so a `query` or `orderBy` naming another is a 400.

A filter on a field that does not exist would match nothing and look like "no data": the caller
is told instead which field is unknown and which exist. A Shape is the tree of field names of
one kind of item, marking the fields that hold lists. A path that names a whole object
(`customerRef=1`) or goes through a list (`lineItems.description~a`) would never match either;
it is refused too, naming the object's fields or the list (see docs/query.md).

Every shape comes from a response model: records' from their data type's schema in
qbdsync.api.schemas (tests/unit/api/test_fields.py checks those against what the mappers
produce), platform views' (companies, connections, pull operations) from theirs.
"""

from __future__ import annotations

import types
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel

from qbdsync.api.query.nodes import And, Comparison, Node, Or, OrderKey
from qbdsync.api.schemas import RECORD_SCHEMAS
from qbdsync.errors import InvalidQuery


@dataclass(frozen=True)
class Shape:
    """Field names → the shape of what each holds (None: a value with no fields of its own)."""

    fields: Mapping[str, Shape | None] = field(default_factory=dict)
    # A free-form object (tags, supplementalData.content): any name below it is accepted.
    open: bool = False
    # The field holding this shape holds a list of such items (lineItems), not one.
    many: bool = False


OPEN = Shape(open=True)


def shape(leaves: str = "", /, **nested: Shape | None) -> Shape:
    """A Shape from space-separated leaf names and named sub-shapes."""
    fields: dict[str, Shape | None] = dict.fromkeys(leaves.split())
    fields.update(nested)
    return Shape(fields)


def many(items: Shape) -> Shape:
    """The shape of a field that holds a list of `items` (Shape() for a list of plain values)."""
    return replace(items, many=True)


def merge(*shapes: Shape) -> Shape:
    """One shape with every field of the given ones (items of a list that come in kinds)."""
    fields: dict[str, Shape | None] = {}
    for one in shapes:
        for name, inner in one.fields.items():
            known = fields.get(name)
            fields[name] = merge(known, inner) if known and inner else (known or inner)
    return Shape(fields, open=any(one.open for one in shapes), many=any(one.many for one in shapes))


class UnknownField(InvalidQuery):
    """A `query` or `orderBy` path that names no field of the items being listed."""

    def __init__(
        self, message: str, *, parameter: str, position: int, path: str, known: list[str]
    ) -> None:
        super().__init__(message)
        self.parameter = parameter  # "query" or "orderBy"
        self.position = position
        self.path = path
        self.known = known


class UnfilterableField(InvalidQuery):
    """A `query` or `orderBy` path that names a real field holding an object or a list.

    A comparison with a whole object or list would never match (and a sort key never order):
    the caller is told to name one of the object's fields, or that lists cannot be filtered.
    """

    def __init__(self, message: str, *, parameter: str, position: int, path: str) -> None:
        super().__init__(message)
        self.parameter = parameter  # "query" or "orderBy"
        self.position = position
        self.path = path


def check_path(
    item_shape: Shape, path: tuple[str, ...], *, what: str, parameter: str, position: int
) -> None:
    """Raise UnknownField unless `path` names a field of `item_shape` (`what` names the items),
    then UnfilterableField when it names, or passes through, an object or a list."""
    current: Shape | None = item_shape
    first_list: int | None = None  # how many names lead to the first list on the path
    free_form = False
    for depth, name in enumerate(path):
        if current is None or (not current.open and name not in current.fields):
            dotted, parent = ".".join(path), ".".join(path[:depth])
            known = sorted(current.fields) if current is not None else []
            if current is None:
                where = f"{parent!r} has no fields below it"
            elif depth:
                where = f"{parent!r} has: {', '.join(known)}"
            else:
                where = f"{what} have: {', '.join(known)}"
            raise UnknownField(
                f"{parameter}: unknown field {dotted!r} at position {position}; {where}",
                parameter=parameter,
                position=position,
                path=dotted,
                known=known,
            )
        if current.open:
            free_form = True  # any name below a free-form object: nothing more is known
            break
        current = current.fields[name]
        if current is not None and current.many and first_list is None:
            first_list = depth + 1
    if first_list is not None:
        # Codat's query language has no way to say "any item" or "every item", and either
        # reading would surprise someone: a list is refused rather than never matching.
        action = "filtered on" if parameter == "query" else "sorted by"
        raise _unfilterable(
            ".".join(path[:first_list]),
            f"is a list; the items of a list cannot be {action}",
            path,
            parameter,
            position,
        )
    if current is not None and not free_form:
        # A whole object never equals a value, nor sorts: name the fields that can.
        dotted = ".".join(path)
        verb = "compare" if parameter == "query" else "sort by"
        if current.open:
            hint = f"{verb} a field below it ({dotted}.<name>)"
        else:
            hint = f"{verb} one of its fields: {', '.join(sorted(current.fields))}"
        raise _unfilterable(dotted, f"is an object; {hint}", path, parameter, position)


def _unfilterable(
    field_path: str, why: str, path: tuple[str, ...], parameter: str, position: int
) -> UnfilterableField:
    return UnfilterableField(
        f"{parameter}: {field_path!r} at position {position} {why}",
        parameter=parameter,
        position=position,
        path=".".join(path),
    )


# -- platform views: from their response models -----------------------------------------------


def shape_of_model(model: type[BaseModel]) -> Shape:
    """The fields of a response model (by their JSON names), nested models included."""
    fields: dict[str, Shape | None] = {}
    for name, info in model.model_fields.items():
        fields[info.alias or name] = _shape_of_annotation(info.annotation)
    return Shape(fields, open=model.model_config.get("extra") == "allow")


def _shape_of_annotation(annotation: Any) -> Shape | None:
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        shapes = [_shape_of_annotation(a) for a in get_args(annotation) if a is not type(None)]
        found = [s for s in shapes if s is not None]
        return merge(*found) if found else None
    if origin in (list, tuple, set, frozenset):
        args = get_args(annotation)
        items = _shape_of_annotation(args[0]) if args else None
        return many(items or Shape())
    if origin in (dict, Mapping) or annotation in (dict, Any):
        return OPEN
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return shape_of_model(annotation)
    return None


# -- records: from the data types' response schemas ----------------------------------------------

# One declaration per data type: the schema /openapi.json shows (qbdsync.api.schemas) is also the
# list of fields a query or orderBy may name.
RECORD_SHAPES: Mapping[str, Shape] = {
    data_type: shape_of_model(schema) for data_type, schema in RECORD_SCHEMAS.items()
}


def _comparisons(node: Node) -> Iterator[Comparison]:
    if isinstance(node, And | Or):
        for term in node.terms:
            yield from _comparisons(term)
    else:
        yield node


def check_query(node: Node | None, item_shape: Shape, what: str) -> None:
    """Raise UnknownField for the first comparison (in text order) on an unknown field."""
    if node is None:
        return
    for comparison in sorted(_comparisons(node), key=lambda c: c.position):
        check_path(
            item_shape, comparison.path, what=what, parameter="query", position=comparison.position
        )


def check_order(keys: Iterable[OrderKey], item_shape: Shape, what: str) -> None:
    for key in keys:
        check_path(item_shape, key.path, what=what, parameter="orderBy", position=key.position)
