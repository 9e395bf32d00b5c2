"""Build qbXML query requests as text, children in the order QuickBooks enforces.

QuickBooks rejects a whole message set (hresult 0x80040400) when one request has children out
of ``xsd:sequence`` order, so the builder sorts the given filters by the table in schema.py
instead of trusting the caller, and refuses requests the table says are wrong (RequestBug):
that failure belongs in our tests, not in a customer's Web Connector log.

The output is plain string building: requests are small and built once per round trip.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal

from qbdsync.errors import RequestBug
from qbdsync.qbxml.schema import (
    NESTED_FILTER_ORDER,
    QUERY_REQUEST_ORDER,
    REPEATABLE_REQUEST_ELEMENTS,
    Slot,
)

FilterValue = str | tuple[tuple[str, str], ...]
"""A leaf's text, or the (name, text) children of a nested filter such as
ModifiedDateRangeFilter."""

OnError = Literal["stopOnError", "continueOnError"]

_VERSION_TEXT: Final = re.compile(r"(?:CA|UK)?[0-9]+\.[0-9]+")
# Characters XML 1.0 cannot carry at all, even as character references.
_NOT_XML_CHAR: Final = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# After IDs are chosen, only these may still follow (the ID alternative excludes every filter).
_ALLOWED_WITH_IDS: Final = frozenset(
    {"IncludeLineItems", "IncludeLinkedTxns", "IncludeRetElement", "OwnerID"}
)
_ID_NAMES: Final = frozenset({"ListID", "TxnID", "FullName", "RefNumber"})


@dataclass(frozen=True, slots=True)
class QueryRequest:
    """One ``…QueryRq``; filters are (name, value) pairs in any order, repeated names allowed."""

    rq_name: str  # e.g. "InvoiceQueryRq"
    request_id: str
    filters: tuple[tuple[str, FilterValue], ...] = ()
    iterator: Literal["Start", "Continue"] | None = None
    iterator_id: str | None = None


def escape_text(text: str) -> str:
    """Escape element text (&, <, >); every non-ASCII character as a numeric reference.

    QuickBooks wants non-ASCII characters as ``&#233;`` rather than raw UTF-8 bytes.
    """
    if _NOT_XML_CHAR.search(text):
        raise RequestBug(f"text contains a character XML cannot carry: {text!r}")
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    # A raw CR would reach QuickBooks as LF (XML end-of-line handling); a reference keeps it.
    text = text.replace("\r", "&#13;")
    if text.isascii():
        return text
    return "".join(ch if ch < "\x80" else f"&#{ord(ch)};" for ch in text)


def _escape_attribute(text: str) -> str:
    # Attribute values also lose tabs and newlines to spaces unless written as references.
    escaped = escape_text(text).replace('"', "&quot;")
    return escaped.replace("\t", "&#9;").replace("\n", "&#10;")


def _slot_positions(order: tuple[Slot, ...]) -> dict[str, tuple[int, Slot]]:
    positions: dict[str, tuple[int, Slot]] = {}
    for index, slot in enumerate(order):
        for name in (slot,) if isinstance(slot, str) else slot:
            positions[name] = (index, slot)
    return positions


def _id_choice(order: tuple[Slot, ...]) -> tuple[str, ...] | None:
    """The leading ListID/FullName or TxnID/RefNumber alternative of a query, if it has one."""
    if order and isinstance(order[0], tuple) and _ID_NAMES.intersection(order[0]):
        return order[0]
    return None


_REQUEST_POSITIONS: Final = {
    rq: _slot_positions(order) for rq, order in QUERY_REQUEST_ORDER.items()
}
_REQUEST_ID_CHOICE: Final = {rq: _id_choice(order) for rq, order in QUERY_REQUEST_ORDER.items()}
_NESTED_POSITIONS: Final = {
    name: _slot_positions(order) for name, order in NESTED_FILTER_ORDER.items()
}


def _ordered(
    owner: str,
    positions: dict[str, tuple[int, Slot]],
    pairs: Sequence[tuple[str, object]],
    id_choice: tuple[str, ...] | None = None,
) -> list[int]:
    """Indexes of ``pairs`` in schema order; raises RequestBug for anything the schema forbids."""
    chosen_in_slot: dict[int, str] = {}
    seen: set[str] = set()
    keyed: list[tuple[int, int]] = []
    for given_index, (name, _value) in enumerate(pairs):
        found = positions.get(name)
        if found is None:
            raise RequestBug(f"{owner} has no child element {name!r}")
        slot_index, _slot = found
        if name in seen and name not in REPEATABLE_REQUEST_ELEMENTS:
            raise RequestBug(f"{owner}: {name} may appear only once")
        other = chosen_in_slot.setdefault(slot_index, name)
        if other != name:
            raise RequestBug(f"{owner}: {other} and {name} are alternatives; give only one")
        seen.add(name)
        keyed.append((slot_index, given_index))
    if id_choice is not None and seen.intersection(id_choice):
        extra = seen - set(id_choice) - _ALLOWED_WITH_IDS
        if extra:
            raise RequestBug(f"{owner}: asking by id excludes the filters {sorted(extra)}")
    keyed.sort()  # stable on the given order within one slot (repeated elements keep theirs)
    return [given_index for _slot, given_index in keyed]


def _render_filter(name: str, value: FilterValue, out: list[str]) -> None:
    nested = _NESTED_POSITIONS.get(name)
    if isinstance(value, str):
        if nested is not None:
            raise RequestBug(f"{name} is a nested filter; give its children, not text")
        out.append(f"<{name}>{escape_text(value)}</{name}>")
        return
    if nested is None:
        raise RequestBug(f"{name} takes text, not child elements")
    if not value:
        raise RequestBug(f"{name} needs at least one child element")
    out.append(f"<{name}>")
    for index in _ordered(name, nested, value):
        child, text = value[index]
        out.append(f"<{child}>{escape_text(text)}</{child}>")
    out.append(f"</{name}>")


def _render_request(request: QueryRequest, out: list[str]) -> None:
    positions = _REQUEST_POSITIONS.get(request.rq_name)
    if positions is None:
        raise RequestBug(f"no element order known for {request.rq_name!r}")
    attributes = f' requestID="{_escape_attribute(request.request_id)}"'
    if request.iterator is not None:
        if request.iterator not in ("Start", "Continue"):
            raise RequestBug(f"iterator must be Start or Continue, not {request.iterator!r}")
        attributes += f' iterator="{request.iterator}"'
        if request.iterator == "Continue":
            if not request.iterator_id:
                raise RequestBug(f"{request.rq_name}: iterator Continue needs an iteratorID")
            attributes += f' iteratorID="{_escape_attribute(request.iterator_id)}"'
        elif request.iterator_id is not None:
            raise RequestBug(f"{request.rq_name}: iterator Start takes no iteratorID")
    elif request.iterator_id is not None:
        raise RequestBug(f"{request.rq_name}: an iteratorID needs iterator=Continue")
    out.append(f"<{request.rq_name}{attributes}>")
    filters = request.filters
    id_choice = _REQUEST_ID_CHOICE[request.rq_name]
    for index in _ordered(request.rq_name, positions, filters, id_choice):
        name, value = filters[index]
        _render_filter(name, value, out)
    out.append(f"</{request.rq_name}>")


def build_message_set(
    version: str,
    requests: Sequence[QueryRequest],
    *,
    on_error: OnError = "continueOnError",
) -> str:
    """The full qbXML document for ``requests``, under ``<?qbxml version="{version}"?>``."""
    if _VERSION_TEXT.fullmatch(version) is None:
        raise RequestBug(f"not a qbXML version: {version!r}")
    if on_error not in ("stopOnError", "continueOnError"):
        raise RequestBug(f"onError must be stopOnError or continueOnError, not {on_error!r}")
    out = [
        '<?xml version="1.0" encoding="utf-8"?>\n',
        f'<?qbxml version="{version}"?>\n',
        f'<QBXML><QBXMLMsgsRq onError="{on_error}">',
    ]
    for request in requests:
        _render_request(request, out)
    out.append("</QBXMLMsgsRq></QBXML>")
    return "".join(out)


def build_request(version: str, request: QueryRequest) -> str:
    """A message set holding just ``request``."""
    return build_message_set(version, (request,))
