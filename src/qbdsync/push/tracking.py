"""Tracking categories on pushed lines: QuickBooks classes (ClassRef).

Codat tags a line with tracking categories in three shapes, depending on the data type:

* ``tracking.categoryRefs[{id}]`` — invoices, credit notes, bills and bill credit notes;
* ``tracking.recordRefs[{id, dataType: "trackingCategories"}]`` — direct costs;
* ``trackingCategoryRefs[{id}]`` — the older shape, still sent for all of them and the only one
  direct incomes, purchase orders and transfers (on the transfer itself) have.

Every shape is read; each id must be a synced tracking category of type Class (QuickBooks'
other tracking list, inventory sites, is not a line's class), and a QuickBooks line has one
class, so a line may name only one. A document whose every line names the same class also gets
it as its own ClassRef where the transaction has one (invoice, credit memo, sales receipt,
purchase order), as QuickBooks' header class defaults its lines.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final, Literal

from qbdsync.push.fields import Issues, Resolver, Spec, array, obj, ref_id, text
from qbdsync.push.kinds import Lookup, Reference
from qbdsync.qbxml.writes import Field

Shape = Literal["categories", "records", "refs"]
_DATA_TYPE: Final = "trackingCategories"
_CLASS: Final = "Class"


def _ref_list(name: str, display: str, *, record_refs: bool = False) -> Spec:
    children = [text("id", "Identifier", "The id of a synced tracking category (a class)")]
    if record_refs:
        children.append(
            text(
                "dataType",
                "Data type",
                "What the id names",
                choices=lambda _: ((_DATA_TYPE, "A tracking category"),),
                strict=True,
            )
        )
    return array(name, display, "One class: QuickBooks tracks a line by one class", *children)


def tracking_specs(shape: Shape) -> tuple[Spec, ...]:
    """The tracking fields of a line (or of a transfer) in this data type's shape."""
    old = _ref_list("trackingCategoryRefs", "Tracking categories")
    if shape == "refs":
        return (old,)
    inner = (
        _ref_list("categoryRefs", "Categories")
        if shape == "categories"
        else _ref_list("recordRefs", "Records", record_refs=True)
    )
    return (obj("tracking", "Tracking", "The class the line is tracked against", inner), old)


def _named(holder: Mapping[str, Any], path: str) -> list[tuple[str, Mapping[str, Any]]]:
    """(item path, ref object) of every tracking ref a line or record holds, in every shape."""
    found: list[tuple[str, Mapping[str, Any]]] = []
    tracking = holder.get("tracking")
    lists: list[tuple[str, Any]] = [
        (f"{path}trackingCategoryRefs", holder.get("trackingCategoryRefs"))
    ]
    if isinstance(tracking, Mapping):
        lists.append((f"{path}tracking.categoryRefs", tracking.get("categoryRefs")))
        lists.append((f"{path}tracking.recordRefs", tracking.get("recordRefs")))
    for where, refs in lists:
        if isinstance(refs, list):
            found.extend(
                (f"{where}[{index}]", ref)
                for index, ref in enumerate(refs)
                if isinstance(ref, Mapping)
            )
    return found


def _holders(payload: Mapping[str, Any], lines: str | None) -> list[tuple[str, Mapping[str, Any]]]:
    if lines is None:
        return [("", payload)]
    value = payload.get(lines)
    if not isinstance(value, list):
        return []
    return [(f"{lines}[{i}].", line) for i, line in enumerate(value) if isinstance(line, Mapping)]


def tracking_references(payload: Mapping[str, Any], lines: str | None) -> list[Reference]:
    """The classes named in ``payload``'s lines (``lines`` names them; None: the record)."""
    return [
        Reference(f"{path}.id", _DATA_TYPE, record_id)
        for prefix, holder in _holders(payload, lines)
        for path, ref in _named(holder, prefix)
        if ref.get("dataType", _DATA_TYPE) == _DATA_TYPE and (record_id := ref_id(ref))
    ]


def check_tracking(
    issues: Issues, payload: Mapping[str, Any], lines: str | None, lookup: Lookup
) -> None:
    """Each ref names a class (existence is a reference check); one class per line."""
    for prefix, holder in _holders(payload, lines):
        named: set[str] = set()
        for path, ref in _named(holder, prefix):
            record_id = ref_id(ref)
            if ref.get("dataType", _DATA_TYPE) != _DATA_TYPE:
                issues.add(
                    f"{path}.dataType",
                    "QuickBooks tracks a line by class: only trackingCategories can be named.",
                    "NotSupported",
                )
                continue
            if record_id is None:
                continue
            named.add(record_id)
            found = lookup.find(_DATA_TYPE, record_id)
            kind = None if found is None else found.data.get("categoryType")
            if found is not None and kind != _CLASS:
                issues.add(
                    f"{path}.id",
                    f"{record_id!r} is a {kind or 'tracking category'} (an inventory site), not a"
                    " class: QuickBooks tracks lines by class.",
                    "AllowedValues",
                )
        if len(named) > 1:
            where = prefix.removesuffix(".") or "trackingCategoryRefs"
            issues.add(
                where,
                f"QuickBooks tracks a line by one class; this names {len(named)}.",
                "OneClass",
            )


def class_of(holder: Mapping[str, Any]) -> str | None:
    """The one class a (validated) line or record names, or None."""
    for _path, ref in _named(holder, ""):
        record_id = ref_id(ref)
        if record_id is not None and ref.get("dataType", _DATA_TYPE) == _DATA_TYPE:
            return record_id
    return None


def class_ref(resolver: Resolver, holder: Mapping[str, Any]) -> tuple[Field, ...] | None:
    """ClassRef for a line or record, or None when it names no class."""
    record_id = class_of(holder)
    return None if record_id is None else resolver.ref(_DATA_TYPE, {"id": record_id})


def shared_class_ref(
    resolver: Resolver, lines: Sequence[Mapping[str, Any]]
) -> tuple[Field, ...] | None:
    """The header ClassRef: the class every line names, when they all name the same one."""
    classes = {class_of(line) for line in lines}
    if len(classes) != 1 or None in classes:
        return None
    (record_id,) = classes
    assert record_id is not None
    return resolver.ref(_DATA_TYPE, {"id": record_id})
