"""Fast path for the `response` text of large receiveResponseXML bodies.

A receiveResponseXML body is a small SOAP envelope around one huge text node: the qbXML
response, escaped (`&lt;InvoiceRet&gt;...`). Streamed through lxml, that text reaches Python in
pieces of a few bytes (every reference is its own `data()` callback), about 37 ms per MB. The
Web Connector (.NET) writes the text as plain character data: no CDATA sections, comments or
elements inside it. Such content can be turned into text with a handful of C-speed bytes
operations per megabyte instead of millions of callbacks.

How a spooled body is read here:

1. `locate_response_text` pre-scans the body in blocks for the `response` start tag and checks
   that the first `<` after it is the matching end tag, so the content is pure character data.
   It declines (returns None) for anything else (CDATA, comments, a self-closing tag, a body that
   is not UTF-8, ...); the caller then uses the lxml-only path for the whole body.
2. `FastResponseReader` feeds lxml (the usual `StreamingCallReader`, so every envelope check still
   applies) the bytes before the content, checks that lxml agrees it is now inside the streamed
   `response` parameter, and hands the content to `ResponseTextDecoder`. The bytes after the
   content go to lxml only once the text has been consumed, which keeps ReceiveResponse's order:
   the ticket is known first, hresult and message last.

`ResponseTextDecoder` does what an XML parser does to character data, in the same order: line
ends are normalised (CRLF and lone CR become LF; `&#13;` stays CR because it is expanded after),
`]]>`, characters XML forbids and malformed references are refused with InvalidXML, the five
predefined entities and numeric references are expanded, and the bytes are decoded as strict
UTF-8. Every `&` must start a valid reference; this is checked by counting, which costs a few
fast scans instead of a regex match per `&`.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

from qbdsync.errors import InvalidXML, SoapFault
from qbdsync.qbwc.soap import DEFAULT_LIMITS, ParamLimits, StreamingCallReader

PRESCAN_BLOCK_BYTES = 1024 * 1024
TEXT_CHUNK_BYTES = 1024 * 1024
ENVELOPE_FEED_BYTES = 256 * 1024

# A start or end tag longer than this is not what the Web Connector sends: use the slow path.
_MAX_TAG_BYTES = 4096
# The XML declaration must fit in this many bytes at the start of the body.
_HEAD_BYTES = 1024

_MALFORMED = "malformed XML in the SOAP request: "

# ---------------------------------------------------------------------------------------------
# Pre-scan

_XML_SPACE = rb"[ \t\r\n]"
# The `response` start tag, optionally prefixed; group 1 is the prefix with its colon.
_START_TAG = re.compile(rb"<((?:[A-Za-z_][\w.-]*:)?)response(?:" + _XML_SPACE + rb"[^>]*)?>")
_ENCODING = re.compile(rb"""[ \t\r\n]encoding[ \t\r\n]*=[ \t\r\n]*(["'])([^"']*)\1""")
_UTF8_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True, slots=True)
class ResponseSpan:
    """Byte offsets, in the body, of the `response` element's pieces.

    tag_start: the `<` of its start tag; content_start: just after that tag's `>`;
    content_end: the `<` of its end tag. The content holds no `<` at all.
    """

    tag_start: int
    content_start: int
    content_end: int

    @property
    def content_bytes(self) -> int:
        return self.content_end - self.content_start


def _is_utf8_xml(head: bytes) -> bool:
    """True if the document is UTF-8: an ASCII start and no other declared encoding."""
    head = head.removeprefix(_UTF8_BOM)
    if not head or head[0] not in b"< \t\r\n" or head.startswith(b"<\x00"):
        return False  # UTF-16/32 (with or without BOM), EBCDIC, or not XML at all
    if not head.startswith(b"<?xml"):
        return True  # no declaration: XML says UTF-8
    end = head.find(b"?>")
    if end < 0:
        return False
    declared = _ENCODING.search(head, 0, end)
    return declared is None or declared.group(2).lower() == b"utf-8"


def _locate_start(body: IO[bytes], block_bytes: int) -> tuple[int, int, bytes] | None:
    """(tag_start, content_start, prefix) of the first `response` start tag, or None."""
    buf = b""
    offset = 0  # absolute offset of buf[0]
    while True:
        block = body.read(block_bytes)
        if not block:
            return None
        buf += block
        found = _START_TAG.search(buf)
        if found is not None:
            if buf[found.end() - 2 : found.end() - 1] == b"/":
                return None  # <response/>: an empty response, nothing to speed up
            return offset + found.start(), offset + found.end(), found.group(1)
        # Every `<` before the last `>` has been decided; a tag may still be open after it.
        open_lt = buf.find(b"<", buf.rfind(b">") + 1)
        keep_from = len(buf) if open_lt < 0 else open_lt
        if len(buf) - keep_from > _MAX_TAG_BYTES:
            return None
        offset += keep_from
        buf = buf[keep_from:]


def _find_byte(body: IO[bytes], start: int, byte: bytes, block_bytes: int) -> int | None:
    body.seek(start)
    pos = start
    while True:
        block = body.read(block_bytes)
        if not block:
            return None
        found = block.find(byte)
        if found >= 0:
            return pos + found
        pos += len(block)


def locate_response_text(
    body: IO[bytes], *, block_bytes: int = PRESCAN_BLOCK_BYTES
) -> ResponseSpan | None:
    """Find the `response` element whose content is pure character data, or None.

    None means "use the general path": no such element, a `<` inside the content (CDATA,
    comment, element), an unusual end tag, or a body that is not UTF-8. The span found here is
    only a candidate; FastResponseReader.start() confirms with lxml that it is the parameter.
    """
    body.seek(0)
    if not _is_utf8_xml(body.read(_HEAD_BYTES)):
        return None
    body.seek(0)
    start = _locate_start(body, block_bytes)
    if start is None:
        return None
    tag_start, content_start, prefix = start
    content_end = _find_byte(body, content_start, b"<", block_bytes)
    if content_end is None:
        return None
    body.seek(content_end)
    end_tag = re.compile(b"</" + re.escape(prefix) + b"response" + _XML_SPACE + b"*>")
    if end_tag.match(body.read(_MAX_TAG_BYTES)) is None:
        return None
    return ResponseSpan(tag_start, content_start, content_end)


# ---------------------------------------------------------------------------------------------
# Character data to text

# Bytes XML allows in character data; every other byte below 0x20 is refused. (Bytes >= 0x80
# belong to UTF-8 sequences, which the strict decoder checks.)
_XML_CHAR_BYTES = bytes(b for b in range(256) if b >= 0x20 or b in (0x09, 0x0A, 0x0D))
_NUMERIC_REF = re.compile(rb"&#(?:[0-9]+|x[0-9a-fA-F]+);")
_BAD_REF = re.compile(rb"&(?!(?:lt|gt|amp|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);)")
# After every other reference is expanded: the ones whose value is "&" itself.
_AMPERSAND_REF = re.compile(rb"&(?:amp|#0*38|#x0*26);")
# A held-back tail longer than this can only be valid as a numeric reference with leading zeros.
_MAX_HELD_BYTES = 32
_HELD_NUMERIC = re.compile(rb"&#(?:(x)0*([0-9a-fA-F]{0,8})|0*([0-9]{0,8}))")


def _is_xml_char(code: int) -> bool:
    return (
        code in (0x09, 0x0A, 0x0D)
        or 0x20 <= code <= 0xD7FF
        or 0xE000 <= code <= 0xFFFD
        or 0x10000 <= code <= 0x10FFFF
    )


def _referenced_char(ref: bytes) -> str:
    """The character a valid-looking numeric reference (`&#233;`, `&#xE9;`) stands for."""
    digits, base = (ref[3:-1], 16) if ref[2:3] == b"x" else (ref[2:-1], 10)
    digits = digits.lstrip(b"0") or b"0"
    # Past 8 significant digits it is too large anyway (and int() limits decimal strings).
    code = int(digits, base) if len(digits) <= 8 else -1
    if not _is_xml_char(code):
        raise InvalidXML(f"{_MALFORMED}{ref.decode()} refers to a character XML does not allow")
    return chr(code)


def _bad_reference(data: bytes) -> InvalidXML:
    found = _BAD_REF.search(data)
    where = "" if found is None else f" (at {data[found.start() : found.start() + 12]!r})"
    return InvalidXML(
        f"{_MALFORMED}an '&' in the response text does not start a valid reference{where}"
    )


def _expand_references(data: bytes) -> bytes:
    """Expand the references in character data, refusing any `&` that does not start one.

    Validity is checked by counting: occurrences of the different references are disjoint and
    each starts with its own `&`, so every `&` starts a valid reference exactly when the counts
    add up to the number of `&`. The counts of the named ones come free from the length change
    of each replace; `&lt;` and `&gt;` go first because in escaped qbXML they are nearly all
    of them (so the common case stops after two replaces). `&amp;` and numeric references to
    "&" are expanded last, in one pass, so that their "&" cannot start a new reference:
    "&amp;lt;" stays "&lt;".
    """
    amps = data.count(b"&")
    if not amps:
        return data
    size = len(data)
    data = data.replace(b"&lt;", b"<").replace(b"&gt;", b">")
    found = (size - len(data)) // 3
    if found == amps:
        return data
    # Usually only `&amp;` is left: try that, and start over from `data` if not.
    expanded = data.replace(b"&amp;", b"&")
    ampersands = (len(data) - len(expanded)) // 4
    if found + ampersands == amps:
        return expanded
    size = len(data)
    data = data.replace(b"&quot;", b'"').replace(b"&apos;", b"'")
    found += (size - len(data)) // 5
    if found + ampersands == amps:
        return data.replace(b"&amp;", b"&")
    return _expand_numeric(data, amps - found - ampersands)


def _expand_numeric(data: bytes, expected: int) -> bytes:
    """Expand numeric references and `&amp;` in data whose named ones are already expanded.

    `expected` is the number of `&` left over for numeric references; any other count means a
    stray `&`. Once that is ruled out, every `&` starts an intact reference, so replacing each
    distinct numeric reference in turn (there are few: `&#13;`, some accented letters) cannot
    create or break another one.
    """
    numeric = _NUMERIC_REF.findall(data)
    if len(numeric) != expected:
        raise _bad_reference(data)
    ampersand_refs = False
    for ref in set(numeric):
        char = _referenced_char(ref)
        if char == "&":
            ampersand_refs = True
        else:
            data = data.replace(ref, char.encode())
    if ampersand_refs:
        return _AMPERSAND_REF.sub(b"&", data)
    return data.replace(b"&amp;", b"&")


class ResponseTextDecoder:
    """Turns the raw bytes of an element's character data into its text, incrementally.

    Feed consecutive pieces of the content with `decode(data)` and the last with `final=True`.
    A reference, a CR (which may be half of a CRLF) or a UTF-8 sequence split between pieces is
    held back until the next piece. Raises InvalidXML where an XML parser would refuse the text.
    """

    __slots__ = ("_held", "_tail", "_utf8")

    def __init__(self) -> None:
        self._held = b""  # raw bytes not processed yet: an unfinished reference or a final CR
        self._tail = b""  # the last two raw bytes processed, to see a "]]>" split across pieces
        self._utf8 = codecs.getincrementaldecoder("utf-8")("strict")

    def decode(self, data: bytes, final: bool = False) -> str:
        if self._held:
            data = self._held + data
            self._held = b""
        if not final:
            data = self._hold_back(data)
        if data:
            data = self._check_and_expand(data)
        try:
            text = self._utf8.decode(data, final)
        except UnicodeDecodeError:
            raise InvalidXML(f"{_MALFORMED}the response text is not valid UTF-8") from None
        if "\ufffe" in text or "\uffff" in text:
            raise InvalidXML(f"{_MALFORMED}the response text holds a character XML forbids")
        return text

    def _hold_back(self, data: bytes) -> bytes:
        cut = len(data)
        amp = data.rfind(b"&")
        if amp >= 0 and data.find(b";", amp) < 0:
            cut = amp
        elif data.endswith(b"\r"):
            cut -= 1
        if cut == len(data):
            return data
        held = data[cut:]
        if len(held) > _MAX_HELD_BYTES:
            # Only leading zeros make a reference this long; keep one so memory stays bounded.
            numeric = _HELD_NUMERIC.fullmatch(held)
            if numeric is None:
                raise _bad_reference(held)
            hex_mark, hex_digits, dec_digits = numeric.groups()
            held = b"&#" + (hex_mark or b"") + b"0" + (hex_digits or dec_digits or b"")
        self._held = held
        return data[:cut]

    def _check_and_expand(self, data: bytes) -> bytes:
        # A raw ">" is rare (the Web Connector escapes it), and finding one byte is memchr-fast.
        if (b">" in data and b"]]>" in data) or b"]]>" in self._tail + data[:2]:
            raise InvalidXML(f"{_MALFORMED}']]>' is not allowed in the response text")
        self._tail = (self._tail + data[-2:])[-2:]
        if data.translate(None, _XML_CHAR_BYTES):
            raise InvalidXML(f"{_MALFORMED}the response text holds a control character")
        if b"\r" in data:
            data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        return _expand_references(data)


# ---------------------------------------------------------------------------------------------
# The reader


class FastResponseReader:
    """Reads a spooled receiveResponseXML body using a span from `locate_response_text`.

    lxml parses everything but the response content, so the envelope is checked exactly as on
    the general path. Use: `start()`; if it returns False, read the body the general way (nothing
    has been consumed that matters; the caller rewinds). Otherwise `ticket`, then iterate
    `response_chunks()`, then `read_trailer()` for (hresult, message).
    """

    def __init__(
        self,
        body: IO[bytes],
        span: ResponseSpan,
        *,
        limits: ParamLimits = DEFAULT_LIMITS,
        chunk_bytes: int = TEXT_CHUNK_BYTES,
        feed_bytes: int = ENVELOPE_FEED_BYTES,
    ) -> None:
        self._body = body
        self._span = span
        self._chunk_bytes = chunk_bytes
        self._feed_bytes = feed_bytes
        self._reader = StreamingCallReader(limits)

    @property
    def operation(self) -> str | None:
        return self._reader.operation

    @property
    def ticket(self) -> str | None:
        return self._reader.params.get("ticket")

    def _feed(self, start: int, stop: int | None) -> None:
        """Feed lxml the body's bytes [start, stop) (to the end if stop is None)."""
        self._body.seek(start)
        pos = start
        while stop is None or pos < stop:
            size = self._feed_bytes if stop is None else min(self._feed_bytes, stop - pos)
            data = self._body.read(size)
            if not data:
                break
            self._reader.feed(data)
            pos += len(data)

    def start(self) -> bool:
        """Parse the envelope up to the response content; False if lxml disagrees with the span.

        The span must be where lxml enters the streamed `response` parameter, for the first
        time and with no text before: otherwise (the tag found was inside a comment or a
        header, another operation, ...) the caller must use the general path. Raises InvalidXML
        or SoapFault for a bad envelope, as the general path would.
        """
        reader = self._reader
        self._feed(0, self._span.tag_start)
        if reader.streamed_started:
            return False
        self._feed(self._span.tag_start, self._span.content_start)
        return reader.streamed_started and not reader.streamed_done and not reader.take_text()

    def response_chunks(self) -> Iterator[str]:
        """The response text, unescaped, in pieces of about chunk_bytes."""
        decoder = ResponseTextDecoder()
        pos, stop = self._span.content_start, self._span.content_end
        while pos < stop:
            self._body.seek(pos)
            data = self._body.read(min(self._chunk_bytes, stop - pos))
            if not data:
                raise InvalidXML(f"{_MALFORMED}the request body ended inside the response")
            pos += len(data)
            text = decoder.decode(data, final=pos >= stop)
            if text:
                yield text

    def read_trailer(self) -> tuple[str, str]:
        """Parse the rest of the envelope; (hresult, message). Raises for a bad ending."""
        reader = self._reader
        self._feed(self._span.content_end, None)
        params = reader.close().params
        if not reader.streamed_done:
            raise SoapFault("receiveResponseXML: the response parameter is not closed")
        return params.get("hresult", ""), params.get("message", "")
