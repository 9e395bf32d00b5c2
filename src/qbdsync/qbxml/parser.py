"""Streaming, hardened parser for qbXML responses.

A response can be hundreds of MB (receiveResponseXML carries whole pages of invoices), so it is
fed in chunks and yields events as they complete: a ResponseStatus for each ``…Rs`` as soon as
its start tag is parsed (the status is in its attributes, ahead of its records), then a Record
for each ``…Ret`` child. Finished elements are removed from the tree at once, and whatever is not
a status or a record (elements before, between or after the ``…Rs``) is freed as it streams
past, so memory stays flat however large the response is and whatever it holds.

Why not one event per element: asking lxml for start/end events on every element costs a Python
proxy and a loop turn per element, about three times lxml's own parse time. Instead the parser
asks lxml only for the start events of ``QBXML`` and ``QBXMLMsgsRs`` and walks the partial tree
after each piece it feeds: in a push parser only the last child of an element can still be open,
so every child before it is complete. The one consequence: the last child is reported when the
next one starts, or at ``close()``, rather than the moment its end tag is parsed.

The input is hostile until proven otherwise: no DTDs, no entities, no network (qbdsync.errors
.InvalidXML for any DOCTYPE or ENTITY declaration, for malformed XML and for a root element other
than ``QBXML``), and one record is held whole only up to RecordLimits (RecordTooLarge past them).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from lxml import etree

from qbdsync.errors import InvalidXML, QbdsyncError, RecordTooLarge
from qbdsync.limits import RecordLimits
from qbdsync.qbxml.message_sets import MessageSetOutcome, message_set_outcome
from qbdsync.qbxml.schema import REPEATABLE_RET_ELEMENTS
from qbdsync.qbxml.status import Recovery, classify_status

_ROOT: Final = "QBXML"
_MSGS_RS: Final = "QBXMLMsgsRs"
_DEFAULT_LIMITS: Final = RecordLimits()
# lxml is fed at most this much at a time (see ResponseParser.__init__).
_PIECE_CHARS: Final = 256 * 1024
# The QBXML root element starts within a few hundred bytes of a real response.
_PROLOGUE_CHARS: Final = 64 * 1024
_FORBIDDEN_DECLARATIONS: Final = (b"<!DOCTYPE", b"<!ENTITY")
_DECLARATION_OVERLAP: Final = max(len(d) for d in _FORBIDDEN_DECLARATIONS) - 1
# One C-level query per record tells whether any element in it has attributes (almost never in
# qbXML), so the common case converts without looking at attributes at all. (Measured: this
# expression costs a few µs per record; asking once per batch of records was slower.)
_HAS_ATTRIBUTES: Final = etree.XPath("boolean(descendant-or-self::*/@*)")
_COUNT_ELEMENTS: Final = etree.XPath("count(descendant-or-self::*)")
# The next sibling whose name ends in "Rs" / "Ret": finds where a run of junk ends in C.
_NEXT_KEPT: Final = {
    suffix: etree.XPath(
        f"following-sibling::*[substring(name(), string-length(name()) - {len(suffix) - 1})"
        f" = '{suffix}'][1]"
    )
    for suffix in ("Rs", "Ret")
}


@dataclass(frozen=True, slots=True)
class MessageSetStatus:
    """Attributes of ``QBXMLMsgsRs`` used by message-set error recovery (pushes).

    Reported before any ``…Rs`` of the set, since it speaks for all of them.
    """

    message_set_id: str | None
    status_code: int | None

    @property
    def outcome(self) -> MessageSetOutcome:
        return message_set_outcome(self.status_code)


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


# Every event the parser yields. Consumers dispatch on it exhaustively (assert_never), so a new
# kind of event fails type checking wherever it is not handled.
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


def _first_child(elem: etree._Element) -> etree._Element | None:
    # elem[0] is O(1); len(elem) walks every child, which junk makes expensive.
    try:
        return elem[0]
    except IndexError:
        return None


def _prune_open_junk(elem: etree._Element) -> None:
    """Free every finished element under an unfinished element that is not a record.

    In a push parser only the last child of an element can still be open, so all others are
    finished; this keeps the path of last children down to where the parser is, and no more.
    """
    while True:
        try:
            last = elem[-1]
        except IndexError:
            return
        if last.getprevious() is not None:
            del elem[:-1]
        elem = last


class _OpenRecord:
    """Size accounting for the one record that is still being parsed."""

    __slots__ = ("element", "elements_bound", "started_at")

    def __init__(self, element: etree._Element, started_at: int, elements_bound: int) -> None:
        self.element = element
        # Characters fed before the piece in which the record was first seen: its size is at
        # most everything fed since, which overstates it by less than one piece.
        self.started_at = started_at
        # At most this many elements: an exact count, plus a bound for each piece fed since.
        self.elements_bound = elements_bound


class ResponseParser:
    """Feed a qbXML response in chunks; get statuses and records back in document order.

    Only records are kept as trees, and each only until it is converted. Everything else that is
    not a status (elements before, between or after the ``…Rs``, non-record children of an
    ``…Rs``) is freed as the parser passes it, so memory stays flat whatever the input. A record
    larger than `limits` raises RecordTooLarge, naming its request, as soon as it is seen to be.
    """

    def __init__(self, limits: RecordLimits = _DEFAULT_LIMITS) -> None:
        self._parser = etree.XMLPullParser(
            events=("start",),
            tag=(_ROOT, _MSGS_RS),
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            dtd_validation=False,
            huge_tree=False,
            remove_comments=True,
            remove_pis=True,
        )
        self._limits = limits
        # Pieces are fed to lxml at most this large so that one piece of junk cannot become a
        # large tree before it is freed, and so that a record finished within one piece is
        # never over the size limit.
        self._piece_size = min(_PIECE_CHARS, limits.max_chars)
        self._root: etree._Element | None = None
        self._msgs: etree._Element | None = None
        self._msgs_done = False
        self._rs: etree._Element | None = None  # the current …Rs once its status is reported
        self._rs_name = ""
        self._rs_request_id: str | None = None
        self._open: _OpenRecord | None = None
        self._fed = 0  # characters (or bytes) fed so far
        self._piece_start = 0  # self._fed before the piece being drained
        self._piece_elements = 0  # at most this many elements begin in that piece
        self._piece: str | bytes = ""  # the piece being drained
        self._tail = b""  # end of the data so far, to spot a declaration split across chunks
        self._failure: QbdsyncError | None = None
        self._closed = False

    def feed(self, chunk: str | bytes) -> list[Event]:
        """Parse one more piece of the response; return the events it completed."""
        self._check_usable()
        events: list[Event] = []
        size = len(chunk)
        step = self._piece_size
        for start in range(0, size, step):
            piece = chunk[start : start + step] if size > step else chunk
            if self._root is None:
                self._screen_prologue(piece)
            self._piece_start = self._fed
            self._fed += len(piece)
            # Every start tag takes 3 characters at least ("<a>"): a bound that costs nothing.
            self._piece_elements = len(piece) // 3 + 1
            self._piece = piece
            try:
                self._parser.feed(piece)
                events.extend(self._drain(final=False))
            except etree.XMLSyntaxError as exc:
                raise self._fail(InvalidXML(f"malformed qbXML: {exc}")) from exc
            except QbdsyncError as exc:
                raise self._fail(exc) from None
        return events

    def close(self) -> list[Event]:
        """Finish the document; return the remaining events. Raises InvalidXML if incomplete."""
        self._check_usable()
        self._closed = True
        self._piece_start, self._piece_elements, self._piece = self._fed, 0, ""
        try:
            root = self._parser.close()
            events = self._drain(final=True)
            _reject_doctype(root)
            if self._root is None:
                raise InvalidXML(f"not a qbXML response: the root element is {_tag(root)!r}")
            return events
        except etree.XMLSyntaxError as exc:
            raise self._fail(InvalidXML(f"malformed qbXML: {exc}")) from exc
        except QbdsyncError as exc:
            raise self._fail(exc) from None

    @property
    def retained_elements(self) -> int:
        """How many elements the partial tree holds now (diagnostics: it should stay small)."""
        if self._root is None:
            return 0
        return int(_COUNT_ELEMENTS(self._root))  # type: ignore[arg-type]  # count() is a float

    def _check_usable(self) -> None:
        if self._failure is not None:
            raise InvalidXML(f"the response was already rejected: {self._failure}")
        if self._closed:
            raise InvalidXML("the response parser is closed")

    def _fail(self, error: QbdsyncError) -> QbdsyncError:
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
            if not isinstance(elem, etree._Element):
                continue
            if self._root is None:
                if elem.tag == _ROOT and elem.getparent() is None:
                    _reject_doctype(elem)
                    self._root = elem
                    self._tail = b""
            elif self._msgs is None and elem.tag == _MSGS_RS and elem.getparent() is self._root:
                self._msgs = elem
                set_id = elem.get("messageSetID")
                set_code = _int_attribute(elem, "messageSetStatusCode")
                if set_id is not None or set_code is not None:
                    events.append(MessageSetStatus(message_set_id=set_id, status_code=set_code))
            # Any other QBXML or QBXMLMsgsRs (nested, or a second message set) is content.
        root = self._root
        if root is None:
            if self._fed > _PROLOGUE_CHARS:
                raise InvalidXML(
                    f"not a qbXML response: no {_ROOT} root element in its first "
                    f"{_PROLOGUE_CHARS // 1024} KB"
                )
            return events
        msgs = self._msgs
        if msgs is None or self._msgs_done:
            _prune_open_junk(root)  # all of the root's children are junk here
            return events
        if msgs.getprevious() is not None:
            del root[: root.index(msgs)]
        done = final or msgs.getnext() is not None
        self._drain_message_set(msgs, done, events)
        if done:
            self._msgs_done = True
            del root[0]
            _prune_open_junk(root)
        return events

    def _drain_message_set(self, msgs: etree._Element, done: bool, events: list[Event]) -> None:
        """Report and free the finished children of QBXMLMsgsRs; the last may still be open."""
        rs = _first_child(msgs)
        while rs is not None:
            following = rs.getnext()
            complete = done or following is not None
            if not _tag(rs).endswith("Rs"):
                if not complete:
                    _prune_open_junk(rs)
                    return
                rs = self._delete_junk_run(msgs, "Rs", complete_to_end=done)
                continue
            if self._rs is None:
                self._rs = rs
                status = _response_status(rs)
                self._rs_name, self._rs_request_id = status.rs_name, status.request_id
                events.append(status)
            self._drain_response(rs, complete, events)
            if not complete:
                return
            del msgs[0]
            self._rs = None
            rs = following

    def _drain_response(self, rs: etree._Element, complete: bool, events: list[Event]) -> None:
        """Turn the finished …Ret children of one …Rs into Records and free them."""
        append = events.append
        rs_name, request_id = self._rs_name, self._rs_request_id
        child = _first_child(rs)
        while child is not None:
            following = child.getnext()
            tag = child.tag
            if not tag.endswith("Ret"):
                if following is None and not complete:
                    _prune_open_junk(child)
                    return
                child = self._delete_junk_run(rs, "Ret", complete_to_end=complete)
                continue
            if following is None and not complete:
                self._check_open_record(child)
                return
            self._check_finished_record(child)
            append(Record(request_id, rs_name, tag, element_to_dict(child)))
            del rs[0]  # frees the record: memory stays flat
            child = following

    def _delete_junk_run(
        self, parent: etree._Element, keep_suffix: str, *, complete_to_end: bool
    ) -> etree._Element | None:
        """Free the run of non-kept elements at the start of `parent`; return the next kept one.

        The run is deleted in one C-level slice (junk can be millions of tiny elements). When
        it reaches the last child and `parent` is not finished, that child stays, pruned,
        because the parser may still be inside it.
        """
        # Searching the siblings costs about 1 µs each in XPath, so first a shortcut. Only the
        # first child can be older than this piece (the open path of the last drain), and of
        # the newer ones only the first can have begun its start tag in an earlier piece. Every
        # child after that one has its whole start tag, name included, in this piece: when the
        # piece does not hold the suffix at all, none of them is kept.
        kept: object = parent[0].getnext()
        if isinstance(kept, etree._Element) and not _tag(kept).endswith(keep_suffix):
            piece = self._piece
            named = (
                keep_suffix in piece if isinstance(piece, str) else keep_suffix.encode() in piece
            )
            kept = None
            if named or not piece:
                found = _NEXT_KEPT[keep_suffix](parent[0])
                kept = found[0] if isinstance(found, list) and found else None
        if isinstance(kept, etree._Element):
            del parent[: parent.index(kept)]
            return kept
        if complete_to_end:
            del parent[:]
        else:
            del parent[:-1]
            _prune_open_junk(parent[0])
        return None

    # -- record limits ------------------------------------------------------------------------

    def _too_large(self, record: etree._Element, what: str, setting: str) -> RecordTooLarge:
        ret = _tag(record)
        return RecordTooLarge(
            f"one {ret} record in QuickBooks' answer to {self._rs_name} (requestID "
            f"{self._rs_request_id!r}) is too large to read: {what}",
            request_id=self._rs_request_id,
            ret_name=ret,
            setting=setting,
        )

    def _check_elements(self, record: etree._Element, bound: int) -> int:
        """The record's element count, or a cheap upper bound of it when that is in limits."""
        limit = self._limits.max_elements
        if bound <= limit:
            return bound
        count = int(_COUNT_ELEMENTS(record))  # type: ignore[arg-type]  # count() is a float
        if count > limit:
            raise self._too_large(
                record,
                f"{count:,} elements or more, over the limit of {limit:,}",
                "max_record_elements",
            )
        return count

    def _check_size(self, record: etree._Element, started_at: int) -> None:
        limit = self._limits.max_chars
        if self._fed - started_at > limit:
            raise self._too_large(
                record, f"more than the limit of {limit:,} characters", "max_record_chars"
            )

    def _check_open_record(self, record: etree._Element) -> None:
        tracked = self._open
        if tracked is not None and tracked.element is record:
            tracked.elements_bound = self._check_elements(
                record, tracked.elements_bound + self._piece_elements
            )
            self._check_size(record, tracked.started_at)
        else:
            bound = self._check_elements(record, self._piece_elements)
            self._open = _OpenRecord(record, self._piece_start, bound)

    def _check_finished_record(self, record: etree._Element) -> None:
        tracked = self._open
        if tracked is not None and tracked.element is record:
            self._open = None
            self._check_elements(record, tracked.elements_bound + self._piece_elements)
            self._check_size(record, tracked.started_at)
        else:
            # Begun and finished within this piece, so within the size limit; its element count
            # is counted only when the piece could hold more elements than allowed.
            self._check_elements(record, self._piece_elements)


def parse_response(text: str | bytes, limits: RecordLimits = _DEFAULT_LIMITS) -> list[Event]:
    """Parse a whole qbXML response held in memory."""
    parser = ResponseParser(limits)
    events = parser.feed(text)
    events.extend(parser.close())
    return events
