"""Build qbXML write requests (Add, Mod, Del) and error-recovery message sets, as text.

Fields are given as (name, value) pairs: a value is text, or the (name, value) pairs of an
aggregate (an address, a ``…Ref``, a line). The builder puts every aggregate's children into the
order of ``write_schema.WRITE_ORDER`` (QuickBooks rejects the whole message set otherwise), keeps
the given order among repeated elements (lines), and raises RequestBug for anything the schema
does not allow there, for text XML cannot carry, and for ids QuickBooks would refuse. It never
shortens or rewrites a value: checking lengths and characters against QuickBooks' limits is the
validation step before a push is queued.

Every Add of a kind that has ``ExternalGUID`` must be given one: it is how a lost response is
told apart from a write that never happened (the record can be looked up by it).

An Add or Mod that names the company's country is also checked against the elements that
country's edition has (``write_schema.NOT_IN_EDITIONS``): a US request with a line tax code on
a bill, or any request with a line TaxAmount, is our bug and is refused before it is sent.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal

from qbdsync.errors import RequestBug
from qbdsync.qbxml.requests import escape_text
from qbdsync.qbxml.write_schema import (
    ADD_KINDS,
    EDIT_SEQUENCE_MAX,
    LIST_KINDS,
    MESSAGE_SET_ID_MAX,
    MOD_KINDS,
    TXN_DEL_KINDS,
    children_of,
    exclusion_violation,
    in_edition,
    is_aggregate,
    since_version,
)

Value = str | tuple["Field", ...]
Field = tuple[str, Value]
OnError = Literal["stopOnError", "continueOnError"]

_VERSION_TEXT: Final = re.compile(r"(?:CA|UK)?([0-9]+)\.([0-9]+)")
_GUID: Final = re.compile(r"\{[0-9A-Fa-f]{8}-(?:[0-9A-Fa-f]{4}-){3}[0-9A-Fa-f]{12}\}")
_ID_TEXT: Final = re.compile(r"[0-9A-Fa-f]+-[0-9]+")


@dataclass(frozen=True, slots=True)
class AddRequest:
    """``<{kind}AddRq>``: a new record; ``external_guid`` is required where the kind has one."""

    kind: str  # "Invoice", "Customer", "ItemService", ...
    request_id: str
    fields: tuple[Field, ...]
    external_guid: str | None = None
    # HostRet's Country ("US", "CA", "UK"): the edition whose elements the request may use.
    country: str | None = None


@dataclass(frozen=True, slots=True)
class ModRequest:
    """``<{kind}ModRq>``: a change to the record ``object_id`` at ``edit_sequence``."""

    kind: str
    request_id: str
    object_id: str  # ListID or TxnID
    edit_sequence: str
    fields: tuple[Field, ...] = ()
    country: str | None = None  # as on AddRequest


@dataclass(frozen=True, slots=True)
class DelRequest:
    """``<ListDelRq>`` / ``<TxnDelRq>`` for the record ``object_id`` of ``kind``."""

    kind: str
    request_id: str
    object_id: str


WriteRequest = AddRequest | ModRequest | DelRequest


def ref(list_id: str | None = None, full_name: str | None = None) -> tuple[Field, ...]:
    """A ``…Ref`` value: by ListID, by FullName, or both."""
    parts: list[Field] = []
    if list_id is not None:
        parts.append(("ListID", list_id))
    if full_name is not None:
        parts.append(("FullName", full_name))
    if not parts:
        raise RequestBug("a reference needs a ListID or a FullName")
    return tuple(parts)


def _version_tuple(version: str) -> tuple[int, int]:
    match = _VERSION_TEXT.fullmatch(version)
    if match is None:
        raise RequestBug(f"not a qbXML version: {version!r}")
    return int(match[1]), int(match[2])


def _attribute(text: str) -> str:
    return escape_text(text).replace('"', "&quot;").replace("\t", "&#9;").replace("\n", "&#10;")


class _Renderer:
    def __init__(self, version: tuple[int, int], out: list[str]) -> None:
        self.version = version
        self.out = out
        self.country: str | None = None  # the edition of the request being rendered

    def supports(self, parent: str, child: str | None = None) -> bool:
        since = since_version(parent, child)
        return since is None or self.version >= since

    def check_since(self, parent: str, child: str | None = None) -> None:
        since = since_version(parent, child)
        if since is not None and self.version < since:
            where = f"<{parent}>" if child is None else f"<{child}> in <{parent}>"
            raise RequestBug(
                f"{where} needs qbXML {since[0]}.{since[1]} or later"
                f" (this session speaks {self.version[0]}.{self.version[1]})"
            )

    def aggregate(self, name: str, fields: Sequence[Field]) -> None:
        order = children_of(name)
        position: dict[str, int] = {}
        for slot_index, child in enumerate(order):
            for member in child.names:
                position[member] = slot_index
        keyed: list[tuple[int, int]] = []
        chosen: dict[int, str] = {}
        for given, (child_name, _value) in enumerate(fields):
            index = position.get(child_name)
            if index is None:
                raise RequestBug(f"<{name}> has no child element <{child_name}>")
            other = chosen.setdefault(index, child_name)
            slot = order[index]
            if not slot.repeats:
                if other != child_name:
                    raise RequestBug(
                        f"<{name}>: <{other}> and <{child_name}> are alternatives; give one"
                    )
                if any(index == k for k, _ in keyed):
                    raise RequestBug(f"<{name}>: <{child_name}> may appear only once")
            self.check_since(name, child_name)
            if self.country is not None and not in_edition(name, child_name, self.country):
                raise RequestBug(
                    f"<{child_name}> in <{name}> is not in {self.country} editions of QuickBooks"
                )
            keyed.append((index, given))
        if not keyed:
            raise RequestBug(f"<{name}> needs at least one child element")
        excluded = exclusion_violation(name, [child_name for child_name, _ in fields])
        if excluded is not None:
            raise RequestBug(excluded)
        keyed.sort()  # stable within a slot: lines keep the order they were given in
        self.out.append(f"<{name}>")
        for _index, given in keyed:
            child_name, value = fields[given]
            self.element(child_name, value)
        self.out.append(f"</{name}>")

    def element(self, name: str, value: Value) -> None:
        if is_aggregate(name):
            if isinstance(value, str):
                raise RequestBug(f"<{name}> holds elements, not text")
            self.aggregate(name, value)
            return
        if not isinstance(value, str):
            raise RequestBug(f"<{name}> holds text, not elements")
        self.out.append(f"<{name}>{escape_text(value)}</{name}>")


def _check_id(kind: str, object_id: str) -> None:
    if _ID_TEXT.fullmatch(object_id) is None:
        raise RequestBug(f"{kind}: {object_id!r} is not a QuickBooks ListID/TxnID")


def _render(renderer: _Renderer, request: WriteRequest) -> None:
    out = renderer.out
    renderer.country = None if isinstance(request, DelRequest) else request.country
    request_id = _attribute(request.request_id)
    if isinstance(request, AddRequest):
        if request.kind not in ADD_KINDS:
            raise RequestBug(f"no Add request is known for {request.kind!r}")
        body = f"{request.kind}Add"
        renderer.check_since(body)
        fields = list(request.fields)
        if any(name == "ExternalGUID" for name, _ in fields):
            raise RequestBug(f"{body}: pass the ExternalGUID as external_guid")
        has_guid_slot = any("ExternalGUID" in child.names for child in children_of(body))
        # An Add whose session version predates its ExternalGUID (8.0 lists, 9.0 transactions)
        # goes without one; one given anyway is refused below as too new for the version.
        takes_guid = has_guid_slot and renderer.supports(body, "ExternalGUID")
        if takes_guid:
            if request.external_guid is None:
                raise RequestBug(f"{body} takes an ExternalGUID: every Add must carry one")
            if _GUID.fullmatch(request.external_guid) is None:
                raise RequestBug(f"{request.external_guid!r} is not a {{GUID}}")
            fields.append(("ExternalGUID", request.external_guid))
        elif request.external_guid is not None:
            if not has_guid_slot:
                raise RequestBug(f"{body} has no ExternalGUID")
            renderer.check_since(body, "ExternalGUID")
        out.append(f'<{body}Rq requestID="{request_id}">')
        renderer.aggregate(body, fields)
        out.append(f"</{body}Rq>")
        return
    if isinstance(request, ModRequest):
        if request.kind not in MOD_KINDS:
            raise RequestBug(f"QuickBooks cannot modify {request.kind!r} through qbXML")
        _check_id(request.kind, request.object_id)
        if not request.edit_sequence or len(request.edit_sequence) > EDIT_SEQUENCE_MAX:
            raise RequestBug(f"{request.kind}: bad EditSequence {request.edit_sequence!r}")
        body = f"{request.kind}Mod"
        renderer.check_since(body)
        id_name = "ListID" if request.kind in LIST_KINDS else "TxnID"
        head: list[Field] = [(id_name, request.object_id), ("EditSequence", request.edit_sequence)]
        if any(name in (id_name, "EditSequence") for name, _ in request.fields):
            raise RequestBug(f"{body}: the id and EditSequence are given separately")
        out.append(f'<{body}Rq requestID="{request_id}">')
        renderer.aggregate(body, [*head, *request.fields])
        out.append(f"</{body}Rq>")
        return
    _check_id(request.kind, request.object_id)
    if request.kind in LIST_KINDS:
        rq, type_name, id_name = "ListDelRq", "ListDelType", "ListID"
    elif request.kind in TXN_DEL_KINDS:
        rq, type_name, id_name = "TxnDelRq", "TxnDelType", "TxnID"
    else:
        raise RequestBug(f"QuickBooks cannot delete {request.kind!r} through qbXML")
    out.append(f'<{rq} requestID="{request_id}">')
    out.append(f"<{type_name}>{request.kind}</{type_name}>")
    out.append(f"<{id_name}>{escape_text(request.object_id)}</{id_name}>")
    out.append(f"</{rq}>")


def _check_message_set_id(name: str, value: str | None) -> None:
    if value is None:
        return
    if not value or len(value) > MESSAGE_SET_ID_MAX:
        raise RequestBug(f"{name} must be 1 to {MESSAGE_SET_ID_MAX} characters, not {value!r}")


def build_write_set(
    version: str,
    requests: Sequence[WriteRequest],
    *,
    new_message_set_id: str | None = None,
    old_message_set_id: str | None = None,
    on_error: OnError = "stopOnError",
) -> str:
    """A qbXML document holding ``requests``, with the error-recovery attributes given.

    Writes are sent with ``newMessageSetID`` so QuickBooks keeps their response for recovery;
    ``stopOnError`` (the default) keeps a failed write from being followed by its dependants.
    """
    parsed = _version_tuple(version)
    if on_error not in ("stopOnError", "continueOnError"):
        raise RequestBug(f"onError must be stopOnError or continueOnError, not {on_error!r}")
    _check_message_set_id("newMessageSetID", new_message_set_id)
    _check_message_set_id("oldMessageSetID", old_message_set_id)
    attributes = f' onError="{on_error}"'
    if new_message_set_id is not None:
        attributes += f' newMessageSetID="{_attribute(new_message_set_id)}"'
    if old_message_set_id is not None:
        attributes += f' oldMessageSetID="{_attribute(old_message_set_id)}"'
    out = [
        '<?xml version="1.0" encoding="utf-8"?>\n',
        f'<?qbxml version="{version}"?>\n',
        f"<QBXML><QBXMLMsgsRq{attributes}>",
    ]
    renderer = _Renderer(parsed, out)
    for request in requests:
        _render(renderer, request)
    out.append("</QBXMLMsgsRq></QBXML>")
    return "".join(out)


def build_recovery_query(version: str, message_set_id: str) -> str:
    """Ask QuickBooks for the stored status and responses of ``message_set_id`` (kept stored)."""
    return build_write_set(
        version, (), new_message_set_id=message_set_id, old_message_set_id=message_set_id
    )


def build_recovery_clear(version: str, message_set_id: str) -> str:
    """Tell QuickBooks the stored result of ``message_set_id`` is settled and may be dropped."""
    return build_write_set(version, (), old_message_set_id=message_set_id)
