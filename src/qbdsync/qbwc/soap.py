"""SOAP 1.1 envelopes for the Web Connector: hardened parsing in, precomputed bytes out.

Two readers, both hostile-input parsers (no entity resolution, no network, no DTD loading,
DOCTYPE refused with InvalidXML):

* `parse_call(body)` for small bodies (idle polls and most calls): a tree parse, the fastest way;
* `StreamingCallReader`, fed the body in chunks, for receiveResponseXML bodies of hundreds of MB:
  an lxml parser *target* (start/end/data callbacks, no tree), so the `response` text arrives in
  pieces and is never held whole. A target parser also sidesteps libxml2's 10 MB text-node
  limit, which applies only when libxml2 builds a tree. It refuses a DOCTYPE as soon as it meets
  one, before any internal subset is read.

Every other parameter is held whole, so each has a length limit (SoapLimits): the streaming
reader raises SoapFault the moment a parameter passes its limit, so a hostile body costs no
more than the limit, however long it is. Elements that are not parameters of the operation
(unknown names, foreign namespaces, SOAP headers) are skipped without keeping their text.

Responses are byte templates per operation; only the result value is escaped and spliced in.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from lxml import etree

from qbdsync.errors import InvalidXML, SoapFault
from qbdsync.limits import SoapLimits
from qbdsync.qbwc.wsdl import INTUIT_NS, OPERATIONS

SOAP11_NS = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12_NS = "http://www.w3.org/2003/05/soap-envelope"
_ENVELOPE_TAGS = {f"{{{SOAP11_NS}}}Envelope": SOAP11_NS, f"{{{SOAP12_NS}}}Envelope": SOAP12_NS}
_BODY_TAGS = {ns: f"{{{ns}}}Body" for ns in (SOAP11_NS, SOAP12_NS)}
_INTUIT_PREFIX = f"{{{INTUIT_NS}}}"

# receiveResponseXML's `response` is the one parameter that can be huge.
STREAMED_PARAMS: dict[str, str] = {"receiveResponseXML": "response"}


class ParamLimits:
    """SoapLimits resolved per operation, built once per endpoint (the idle-poll path reads it).

    `by_operation[op][param]` is the limit of each parameter `op` declares, in characters, or
    None for the streamed one; a name missing from `by_operation[op]` is not a parameter of it.
    """

    __slots__ = ("by_operation",)

    def __init__(self, limits: SoapLimits | None = None) -> None:
        limits = limits or SoapLimits()
        self.by_operation: dict[str, dict[str, int | None]] = {
            op.name: {
                p.name: None if STREAMED_PARAMS.get(op.name) == p.name else limits.for_param(p.name)
                for p in op.params
            }
            for op in OPERATIONS.values()
        }


DEFAULT_LIMITS = ParamLimits()
_UNKNOWN = -1  # the limit of a name that is not a parameter of the operation


def _too_long(operation: str, param: str, limit: int) -> SoapFault:
    return SoapFault(f"{operation}: parameter {param!r} is longer than {limit:,} characters")


@dataclass(slots=True)
class SoapCall:
    """One parsed Web Connector call: the operation name and its string parameters."""

    operation: str
    params: dict[str, str] = field(default_factory=dict)


def _hardened_parser(target: _CallTarget) -> etree.XMLParser:
    return etree.XMLParser(
        target=target,  # type: ignore[arg-type]  # the stubs' ParserTarget is stricter than lxml
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        collect_ids=False,
    )


_DOCTYPE_REFUSED = "a DOCTYPE is not allowed in a SOAP request (entities and DTDs are refused)"


def _local_name(tag: str) -> str:
    return tag.rpartition("}")[2]


class _CallTarget:
    """Parser target that understands exactly one envelope: Envelope/Body/<op>/<param>text.

    Depths: 1 Envelope, 2 Header or Body, 3 the operation element, 4 a parameter. Headers,
    unknown parameters and everything inside them are skipped (their text is never kept); an
    element inside a known parameter is refused because every parameter is a string. A
    parameter's text is counted as it arrives and refused past its limit.
    """

    __slots__ = (
        "_body_tag",
        "_buf",
        "_depth",
        "_in_body",
        "_limit",
        "_limits",
        "_op_limits",
        "_param",
        "_size",
        "_streaming",
        "operation",
        "params",
        "pending",
        "streamed_done",
        "streamed_started",
    )

    def __init__(self, limits: ParamLimits) -> None:
        self._limits = limits.by_operation
        self._depth = 0
        self._body_tag = ""
        self._in_body = False
        self._op_limits: dict[str, int | None] = {}
        self._param: str | None = None
        self._limit = 0
        self._size = 0
        self._buf: list[str] = []
        self._streaming = False
        self.operation: str | None = None
        self.params: dict[str, str] = {}
        # Text pieces of the streamed parameter not yet taken by the reader.
        self.pending: list[str] = []
        self.streamed_started = False
        self.streamed_done = False

    # lxml passes (tag, attrib) or (tag, attrib, nsmap) depending on the target's signature.
    def start(self, tag: str, attrib: Any, nsmap: Any = None) -> None:
        depth = self._depth = self._depth + 1
        if depth == 1:
            ns = _ENVELOPE_TAGS.get(tag)
            if ns is None:
                raise SoapFault(f"not a SOAP envelope: the root element is {tag!r}")
            self._body_tag = f"{{{ns}}}Body"
        elif depth == 2:
            self._in_body = tag == self._body_tag
        elif not self._in_body:
            return
        elif depth == 3:
            if self.operation is not None:
                raise SoapFault("the SOAP Body holds more than one call")
            if not tag.startswith(_INTUIT_PREFIX):
                raise SoapFault(f"unknown operation {tag!r}: expected one in {INTUIT_NS}")
            name = tag[len(_INTUIT_PREFIX) :]
            if name not in OPERATIONS:
                raise SoapFault(f"unknown operation {name!r}")
            self.operation = name
            self._op_limits = self._limits[name]
        elif depth == 4:
            self._param = None
            # Some clients leave parameters unqualified; accept both.
            if tag[0] == "{" and not tag.startswith(_INTUIT_PREFIX):
                return
            name = _local_name(tag)
            if name not in self._op_limits:
                return  # not a parameter of this operation: skipped, text and all
            limit = self._op_limits[name]
            self._buf = []
            self._size = 0
            if limit is None:
                if self.streamed_started:
                    return  # only the first one is read; a repeat is skipped like junk
                self._streaming = True
                self.streamed_started = True
            else:
                self._limit = limit
            self._param = name
        elif self._param is not None:
            raise SoapFault(f"parameter {self._param!r} must be text, not XML elements")

    def end(self, tag: str) -> None:
        depth = self._depth
        self._depth = depth - 1
        if depth == 4 and self._in_body and self._param is not None:
            if self._streaming:
                self._streaming = False
                self.streamed_done = True
            else:
                self.params[self._param] = "".join(self._buf)
                self._buf = []
            self._param = None
        elif depth == 2:
            self._in_body = False

    def data(self, text: str) -> None:
        if self._depth == 4 and self._param is not None and self._in_body:
            if self._streaming:
                self.pending.append(text)
                return
            self._size += len(text)
            if self._size > self._limit:
                self._buf = []
                raise _too_long(self.operation or "", self._param, self._limit)
            self._buf.append(text)

    def doctype(self, *args: object) -> None:
        raise InvalidXML(_DOCTYPE_REFUSED)

    def close(self) -> None:
        return None


def _check_complete(target: _CallTarget) -> SoapCall:
    if target.operation is None:
        raise SoapFault("the SOAP Body holds no Web Connector call")
    op = OPERATIONS[target.operation]
    params = target.params
    for name in op.required_params:
        if name not in params:
            raise SoapFault(f"{op.name}: missing parameter {name!r}")
    return SoapCall(op.name, params)


def _syntax_error(exc: etree.XMLSyntaxError) -> InvalidXML:
    return InvalidXML(f"malformed XML in the SOAP request: {exc.msg}")


_UTF16_32_STARTS = (b"\xff\xfe", b"\xfe\xff", b"\x00\x00", b"<\x00", b"\x00<")


def refuse_doctype(body: bytes) -> None:
    """Refuse a document with a DOCTYPE before a tree parser sees it (InvalidXML).

    A byte search is enough for ASCII-compatible encodings; UTF-16/32 documents, where it would
    not be, are refused outright (the Web Connector sends UTF-8).
    """
    if body.startswith(_UTF16_32_STARTS):
        raise InvalidXML("only UTF-8 SOAP requests are accepted")
    if b"<!DOCTYPE" in body:
        raise InvalidXML(_DOCTYPE_REFUSED)


class _ThreadParsers(threading.local):
    """One reusable parser per thread: building an lxml parser costs more than a small parse."""

    def __init__(self) -> None:
        self.tree_parser = etree.XMLParser(
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            huge_tree=False,
            collect_ids=False,
            remove_comments=True,
            remove_pis=True,
        )


_parsers = _ThreadParsers()


def parse_call(body: bytes, limits: ParamLimits = DEFAULT_LIMITS) -> SoapCall:
    """Parse a whole (small) SOAP request. Raises InvalidXML or SoapFault.

    Small bodies are parsed into a tree: for a 400-byte idle poll that is about twice as fast as
    the callback target. Entities are never expanded (resolve_entities=False); a DOCTYPE is
    refused *before* parsing because libxml2 2.14 opens a SYSTEM DTD file even with
    load_dtd=False (only no_network stops it, and only for URLs). The body is small, so the
    parameter limits are checked on the parsed text.
    """
    refuse_doctype(body)
    try:
        root = etree.fromstring(body, _parsers.tree_parser)
    except etree.XMLSyntaxError as exc:
        raise _syntax_error(exc) from None
    if root.getroottree().docinfo.doctype:  # type: ignore[union-attr]
        raise InvalidXML(_DOCTYPE_REFUSED)
    env_ns = _ENVELOPE_TAGS.get(root.tag)
    if env_ns is None:
        raise SoapFault(f"not a SOAP envelope: the root element is {root.tag!r}")
    body_el = root[len(root) - 1] if len(root) else None  # Body comes last, after any Header
    if body_el is None or body_el.tag != _BODY_TAGS[env_ns] or len(body_el) == 0:
        raise SoapFault("the SOAP Body holds no Web Connector call")
    if len(body_el) > 1:
        raise SoapFault("the SOAP Body holds more than one call")
    op_el = body_el[0]
    tag = op_el.tag
    if not isinstance(tag, str) or not tag.startswith(_INTUIT_PREFIX):
        raise SoapFault(f"unknown operation {tag!r}: expected one in {INTUIT_NS}")
    name = tag[len(_INTUIT_PREFIX) :]
    op = OPERATIONS.get(name)
    if op is None:
        raise SoapFault(f"unknown operation {name!r}")
    op_limits = limits.by_operation[name]
    params: dict[str, str] = {}
    for child in op_el:
        ctag = child.tag
        # Some clients leave parameters unqualified; accept both, skip foreign namespaces.
        if ctag[0] == "{" and not ctag.startswith(_INTUIT_PREFIX):
            continue
        pname = ctag.rpartition("}")[2]
        limit = op_limits.get(pname, _UNKNOWN)
        if limit == _UNKNOWN:
            continue  # not a parameter of this operation
        if len(child):
            raise SoapFault(f"parameter {pname!r} must be text, not XML elements")
        text = child.text or ""
        if limit is not None and len(text) > limit:
            raise _too_long(name, pname, limit)
        params[pname] = text
    for required in op.required_params:
        if required not in params:
            raise SoapFault(f"{name}: missing parameter {required!r}")
    return SoapCall(name, params)


class StreamingCallReader:
    """Incremental SOAP request reader for large bodies; feed it bytes, take the text pieces.

    Every parameter but the streamed one (receiveResponseXML's `response`) is collected into
    `params`, up to its limit in `limits`; the streamed parameter's text accumulates in small
    pieces that `take_text()` hands over and forgets, so memory stays bounded by the size of one
    fed chunk.
    """

    def __init__(self, limits: ParamLimits = DEFAULT_LIMITS) -> None:
        self._target = _CallTarget(limits)
        self._parser = _hardened_parser(self._target)
        self._closed = False

    @property
    def operation(self) -> str | None:
        return self._target.operation

    @property
    def params(self) -> dict[str, str]:
        return self._target.params

    @property
    def streamed_started(self) -> bool:
        """The streamed parameter's start tag has been read."""
        return self._target.streamed_started

    @property
    def streamed_done(self) -> bool:
        return self._target.streamed_done

    def feed(self, data: bytes) -> None:
        try:
            self._parser.feed(data)
        except etree.XMLSyntaxError as exc:
            raise _syntax_error(exc) from None

    def take_text(self) -> str:
        """The streamed parameter's text read since the last call ("" if none)."""
        pending = self._target.pending
        if not pending:
            return ""
        text = "".join(pending)
        pending.clear()
        return text

    def close(self) -> SoapCall:
        """Finish the document; raises InvalidXML if it is incomplete, SoapFault if not a call."""
        if not self._closed:
            self._closed = True
            try:
                self._parser.close()
            except etree.XMLSyntaxError as exc:
                raise _syntax_error(exc) from None
        return _check_complete(self._target)


# ---------------------------------------------------------------------------------------------
# Responses

_HEAD = (
    b'<?xml version="1.0" encoding="utf-8"?>'
    b'<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
)
_TAIL = b"</soap:Body></soap:Envelope>"

_TEMPLATES: dict[str, tuple[bytes, bytes]] = {
    name: (
        _HEAD + f'<{name}Response xmlns="{INTUIT_NS}"><{name}Result>'.encode(),
        f"</{name}Result></{name}Response>".encode() + _TAIL,
    )
    for name in OPERATIONS
}

# Characters XML 1.0 cannot carry at all; a result holding one would be malformed (QBWC1042).
_NOT_XML_CHAR = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def escape_text(text: str) -> str:
    """Escape text for element content. CR becomes &#13; so parsers do not fold it into LF."""
    if _NOT_XML_CHAR.search(text) is not None:
        raise ValueError("text holds a character that XML 1.0 cannot represent")
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if "\r" in text:
        text = text.replace("\r", "&#13;")
    return text


def _render(operation: str, value: str | int | list[str]) -> bytes:
    head, tail = _TEMPLATES[operation]
    if isinstance(value, list):
        inner = "".join(
            f"<string>{escape_text(item)}</string>" if item else "<string></string>"
            for item in value
        )
    elif isinstance(value, bool):  # bool is an int; refuse it rather than send "True"
        raise TypeError(f"{operation}: a bool is not a valid result")
    elif isinstance(value, int):
        inner = str(value)
    else:
        inner = escape_text(value)
    return head + inner.encode("utf-8") + tail


@lru_cache(maxsize=256)
def _render_cached(operation: str, value: str) -> bytes:
    return _render(operation, value)


# The version answers repeat on every idle poll, so their bytes are computed once.
_CACHEABLE = frozenset({"serverVersion", "clientVersion"})


def render_result(operation: str, value: str | int | list[str]) -> bytes:
    """The SOAP response for `operation` returning `value` (a list becomes `<string>` items)."""
    if operation in _CACHEABLE and type(value) is str:
        return _render_cached(operation, value)
    return _render(operation, value)


def render_fault(faultcode: str, message: str) -> bytes:
    """A SOAP 1.1 fault. faultcode: "Client" (bad input) or "Server" (our failure)."""
    code = faultcode.removeprefix("soap:")
    if code not in ("Client", "Server"):
        raise ValueError(f"unsupported faultcode {faultcode!r}")
    safe = escape_text(_NOT_XML_CHAR.sub("?", message))
    return (
        _HEAD
        + f"<soap:Fault><faultcode>soap:{code}</faultcode>"
        f"<faultstring>{safe}</faultstring></soap:Fault>".encode()
        + _TAIL
    )
