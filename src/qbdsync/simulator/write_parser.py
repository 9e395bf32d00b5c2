"""Reading the body of a qbXML write request (Add, Mod, Del) the way QuickBooks does: strictly.

Every aggregate's children are checked against ``qbxml.write_schema`` (the table the write
builder uses): an unknown element, one out of order, a repeated one that may not repeat, two
members of one choice, or an element (or request) newer than the message set's qbXML version
make QuickBooks reject the whole message set (the caller raises hresult 0x80040400): it
validates the document against that version's schema. The body comes back as a tree of
(name, text | children) nodes in document order.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from qbdsync.qbxml.write_schema import (
    Version,
    is_aggregate,
    request_body_name,
    sequence_violation,
    since_version,
)

Node = tuple[str, "str | list[Node]"]


class BodyRejected(Exception):
    """The request breaks the write schema (QuickBooks refuses the whole message set)."""


def is_write_request(name: str) -> bool:
    return request_body_name(name) is not None


def version_numbers(text: str) -> Version:
    """``"13.0"`` / ``"CA3.0"`` → (13, 0) / (3, 0)."""
    major, _, minor = text.removeprefix("CA").removeprefix("UK").partition(".")
    return int(major), int(minor or 0)


def parse_write_body(element: etree._Element, version: Version | None = None) -> list[Node]:
    """The checked children of a write request: ``[("InvoiceAdd", [...])]`` or the Del fields;
    with ``version``, nothing newer than that qbXML version is accepted."""
    name = str(element.tag)
    body_name = request_body_name(name)
    if body_name is None:
        raise BodyRejected(f"Unknown request <{name}>.")
    _check_since(version, body_name, None)
    children = _elements(element)
    if name in ("ListDelRq", "TxnDelRq"):
        return _aggregate(name, children, version)
    tags = [str(child.tag) for child in children]
    body_tags = [tag for tag in tags if tag != "IncludeRetElement"]
    if body_tags != [body_name] or tags.index(body_name) != 0:
        raise BodyRejected(f"<{name}> must hold one <{body_name}> (then IncludeRetElement).")
    return [(body_name, _aggregate(body_name, _elements(children[0]), version))]


def _check_since(version: Version | None, parent: str, child: str | None) -> None:
    since = None if version is None else since_version(parent, child)
    if version is not None and since is not None and version < since:
        where = f"<{parent}>" if child is None else f"<{child}> in <{parent}>"
        raise BodyRejected(
            f"{where} is not in qbXML {version[0]}.{version[1]} (it came in {since[0]}.{since[1]})."
        )


def _elements(element: etree._Element) -> list[etree._Element]:
    return [child for child in element if isinstance(child.tag, str)]


def _aggregate(name: str, children: list[etree._Element], version: Version | None) -> list[Node]:
    violation = sequence_violation(name, [str(child.tag) for child in children])
    if violation is not None:
        raise BodyRejected(violation)
    if not children:
        raise BodyRejected(f"<{name}> must not be empty.")
    nodes: list[Node] = []
    for child in children:
        tag = str(child.tag)
        _check_since(version, name, tag)
        if is_aggregate(tag):
            nodes.append((tag, _aggregate(tag, _elements(child), version)))
        else:
            if len(child):
                raise BodyRejected(f"<{tag}> must hold text, not elements.")
            nodes.append((tag, child.text or ""))
    return nodes


def to_record(nodes: list[Node], repeated: frozenset[str]) -> dict[str, Any]:
    """A node list as a record dict; names in ``repeated`` always become lists."""
    record: dict[str, Any] = {}
    for name, value in nodes:
        converted: Any = value if isinstance(value, str) else to_record(value, repeated)
        if name in repeated:
            record.setdefault(name, []).append(converted)
        else:
            record[name] = converted
    return record
