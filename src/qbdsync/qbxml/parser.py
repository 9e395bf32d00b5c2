"""Streaming, hardened parser for qbXML responses.

A response can be hundreds of MB (receiveResponseXML carries whole pages of invoices), so it is
fed in chunks and yields events as they complete: a ResponseStatus for each ``…Rs`` as soon as
its start tag is parsed (the status is in its attributes, ahead of its records), then a Record
for each ``…Ret`` child. Finished elements are removed from the tree at once, so memory stays
flat however large the response is.

Why not one event per element: asking lxml for start/end events on every element costs a Python
proxy and a loop turn per element, about three times lxml's own parse time. Instead the parser
asks lxml for the single ``QBXMLMsgsRs`` start event and then walks the partial tree after each
chunk: in a push parser only the last child of an element can still be open, so every child
before it is complete. The one consequence: the last child is reported when the next one starts,
or at ``close()``, rather than the moment its end tag is parsed.

The input is hostile until proven otherwise: no DTDs, no entities, no network (qbdsync.errors
.InvalidXML for any DOCTYPE or ENTITY declaration and for malformed XML).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from lxml import etree

from qbdsync.errors import InvalidXML
from qbdsync.qbxml.schema import REPEATABLE_RET_ELEMENTS
from qbdsync.qbxml.status import Recovery, classify_status

_MSGS_RS: Final = "QBXMLMsgsRs"
_FORBIDDEN_DECLARATIONS: Final = (b"<!DOCTYPE", b"<!ENTITY")
_DECLARATION_OVERLAP: Final = max(len(d) for d in _FORBIDDEN_DECLARATIONS) - 1
# One C-level query per record tells whether any element in it has attributes (almost never in
# qbXML), so the common case converts without looking at attributes at all. (Measured: this
# expression costs a few µs per record; asking once per batch of records was slower.)
_HAS_ATTRIBUTES: Final = etree.XPath("boolean(descendant-or-self::*/@*)")


@dataclass(frozen=True, slots=True)
class MessageSetStatus:
    """Attributes of ``QBXMLMsgsRs`` used by message-set error recovery (pushes)."""

    message_set_id: str | None
    status_code: int | None


@dataclass(frozen=True, slots=True)
class ResponseStatus:
    """The status attributes of one ``…Rs``: check every one, a reply can mix outcomes."""

    rs_name: str
    request_id: str | None
    code: int
    severity: str
    message: str
    ret_count: int | None
    iterator_id: str | None
    remaining: int | None
    recovery: Recovery


@dataclass(frozen=True, slots=True)
class Record:
    """One ``…Ret`` element of a response, as nested dicts and lists of exact strings."""

    request_id: str | None
    rs_name: str
    ret_name: str
    data: dict[str, Any]


Event = MessageSetStatus | ResponseStatus | Record


def element_to_dict(elem: etree._Element) -> dict[str, Any]:
    """Convert a record element to dicts, lists and strings, keeping every text exactly.

    Leaves become their text (``""`` when empty); names in REPEATABLE_RET_ELEMENTS always become
    lists, other names only when they repeat. Attributes (rare in qbXML) become ``"@name"``
    keys; a leaf with attributes becomes a dict with its text under ``"#text"``.
    """
    if _HAS_ATTRIBUTES(elem):
        return _convert_with_attributes(elem)
    return _convert(elem)


def _convert(elem: etree._Element) -> dict[str, Any]:
    # The ingest hot path: locals only, one len() per child, no attribute lookups.
    repeatable = REPEATABLE_RET_ELEMENTS
    convert = _convert
    out: dict[str, Any] = {}
    repeated: set[str] | None = None  # names outside the table that turned out to repeat
    for child in elem:
        tag = child.tag
        value: Any = convert(child) if len(child) else (child.text or "")
        if tag in out:
            if tag in repeatable or (repeated is not None and tag in repeated):
                out[tag].append(value)
            else:
                out[tag] = [out[tag], value]
                if repeated is None:
                    repeated = set()
                repeated.add(tag)
        elif tag in repeatable:
            out[tag] = [value]
        else:
            out[tag] = value
    return out


def _attributes(elem: etree._Element) -> dict[str, Any]:
    # lxml gives str names and values for documents parsed from text; the stubs allow bytes.
    return {"@" + str(name): str(value) for name, value in elem.attrib.items()}


def _convert_with_attributes(elem: etree._Element) -> dict[str, Any]:
    repeatable = REPEATABLE_RET_ELEMENTS
    out: dict[str, Any] = _attributes(elem)
    repeated: set[str] = set()
    for child in elem:
        tag = child.tag
        value: Any
        if len(child):
            value = _convert_with_attributes(child)
        elif len(child.attrib):
            value = _attributes(child)
            value["#text"] = child.text or ""
        else:
            value = child.text or ""
        if tag in out:
            if tag in repeatable or tag in repeated:
                out[tag].append(value)
            else:
                out[tag] = [out[tag], value]
                repeated.add(tag)
        elif tag in repeatable:
            out[tag] = [value]
        else:
            out[tag] = value
    return out


def _tag(elem: etree._Element) -> str:
    tag = elem.tag
    return tag if isinstance(tag, str) else str(tag)


def _int_attribute(elem: etree._Element, name: str, *, required: bool = False) -> int | None:
    text = elem.get(name)
    if text is None:
        if required:
            raise InvalidXML(f"{_tag(elem)} has no {name} attribute")
        return None
    try:
        return int(text.strip())
    except ValueError:
        raise InvalidXML(f"{_tag(elem)} has a {name} that is not a number: {text!r}") from None


def _severity_for(code: int) -> str:
    return "Info" if code < 500 else "Warn" if code < 1000 else "Error"


def _response_status(rs: etree._Element) -> ResponseStatus:
    code = _int_attribute(rs, "statusCode", required=True)
    assert code is not None  # required=True raises instead of returning None
    message = rs.get("statusMessage", "")
    # A missing severity is derived from the documented code ranges rather than invented.
    severity = rs.get("statusSeverity") or _severity_for(code)
    return ResponseStatus(
        rs_name=_tag(rs),
        request_id=rs.get("requestID"),
        code=code,
        severity=severity,
        message=message,
        ret_count=_int_attribute(rs, "retCount"),
        iterator_id=rs.get("iteratorID"),
        remaining=_int_attribute(rs, "iteratorRemainingCount"),
        recovery=classify_status(code, severity, message),
    )


def _reject_doctype(elem: etree._Element) -> None:
    docinfo = elem.getroottree().docinfo
    doctype: str = getattr(docinfo, "doctype", "")  # missing from lxml-stubs
    if doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise InvalidXML("qbXML must not contain a DOCTYPE")


class ResponseParser:
    """Feed a qbXML response in chunks; get statuses and records back in document order."""

    def __init__(self) -> None:
        self._parser = etree.XMLPullParser(
            events=("start",),
            tag=_MSGS_RS,
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            dtd_validation=False,
            huge_tree=False,
            remove_comments=True,
            remove_pis=True,
        )
        self._msgs: etree._Element | None = None
        self._rs: etree._Element | None = None  # the current …Rs once its status is reported
        self._rs_name = ""
        self._rs_request_id: str | None = None
        self._tail = b""  # end of the data so far, to spot a declaration split across chunks
        self._failure: InvalidXML | None = None
        self._closed = False

    def feed(self, chunk: str | bytes) -> list[Event]:
        """Parse one more piece of the response; return the events it completed."""
        self._check_usable()
        if self._msgs is None:
            self._screen_prologue(chunk)
        try:
            self._parser.feed(chunk)
            return self._drain(final=False)
        except etree.XMLSyntaxError as exc:
            raise self._fail(InvalidXML(f"malformed qbXML: {exc}")) from exc
        except InvalidXML as exc:
            raise self._fail(exc) from None

    def close(self) -> list[Event]:
        """Finish the document; return the remaining events. Raises InvalidXML if incomplete."""
        self._check_usable()
        self._closed = True
        try:
            root = self._parser.close()
            events = self._drain(final=True)
            _reject_doctype(root)
            return events
        except etree.XMLSyntaxError as exc:
            raise self._fail(InvalidXML(f"malformed qbXML: {exc}")) from exc
        except InvalidXML as exc:
            raise self._fail(exc) from None

    def _check_usable(self) -> None:
        if self._failure is not None:
            raise InvalidXML(f"the response was already rejected: {self._failure}")
        if self._closed:
            raise InvalidXML("the response parser is closed")

    def _fail(self, error: InvalidXML) -> InvalidXML:
        self._failure = error
        return error

    def _screen_prologue(self, chunk: str | bytes) -> None:
        # A DOCTYPE (and with it any ENTITY) can only come before the root element; lxml is
        # configured not to act on one, and this refuses it before lxml even reads it.
        data = chunk.encode("utf-8") if isinstance(chunk, str) else chunk
        window = self._tail + data
        for declaration in _FORBIDDEN_DECLARATIONS:
            if declaration in window:
                raise self._fail(InvalidXML("qbXML must not contain DTD or entity declarations"))
        self._tail = window[-_DECLARATION_OVERLAP:]

    def _drain(self, *, final: bool) -> list[Event]:
        events: list[Event] = []
        for _event, elem in self._parser.read_events():
            if self._msgs is not None or not isinstance(elem, etree._Element):
                continue  # a nested QBXMLMsgsRs is content, not a second message set
            _reject_doctype(elem)
            self._msgs = elem
            self._tail = b""
            set_id = elem.get("messageSetID")
            set_code = _int_attribute(elem, "messageSetStatusCode")
            if set_id is not None or set_code is not None:
                events.append(MessageSetStatus(message_set_id=set_id, status_code=set_code))
        msgs = self._msgs
        if msgs is None:
            return events
        append = events.append
        while len(msgs):
            rs = msgs[0]
            is_response = _tag(rs).endswith("Rs")
            if self._rs is None:
                self._rs = rs
                if is_response:
                    status = _response_status(rs)
                    self._rs_name, self._rs_request_id = status.rs_name, status.request_id
                    append(status)
            rs_complete = final or len(msgs) > 1
            finished = len(rs) if rs_complete else len(rs) - 1
            rs_name, request_id = self._rs_name, self._rs_request_id
            for _ in range(finished):
                child = rs[0]
                tag = child.tag
                if is_response and tag.endswith("Ret"):
                    append(Record(request_id, rs_name, tag, element_to_dict(child)))
                del rs[0]  # frees the record: memory stays flat
            if not rs_complete:
                break
            del msgs[0]
            self._rs = None
        return events


def parse_response(text: str | bytes) -> list[Event]:
    """Parse a whole qbXML response held in memory."""
    parser = ResponseParser()
    events = parser.feed(text)
    events.extend(parser.close())
    return events
