"""The fast path for receiveResponseXML's response text gives what lxml alone gives.

Every body is read twice: by the general path (StreamingCallReader, lxml callbacks) and by the
fast path (pre-scan + FastResponseReader), and the outcomes (ticket, text, hresult, message, or
the error class) must be identical; where the fast path declines, the general path is the one
the endpoint uses, so declining is correct by construction and only asserted where expected.
"""

from __future__ import annotations

import hashlib
import io
import logging

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qbdsync.errors import InvalidXML, RejectedInput, SoapFault
from qbdsync.qbwc.fasttext import (
    FastResponseReader,
    ResponseSpan,
    ResponseTextDecoder,
    locate_response_text,
)
from qbdsync.qbwc.handler import ReceiveResponse
from qbdsync.qbwc.soap import SOAP11_NS, StreamingCallReader, escape_text
from qbdsync.qbwc.wsdl import INTUIT_NS
from tests.unit.qbwc.conftest import LiveServer

Outcome = tuple[str, str, str, str] | type[Exception]

HEAD = (
    f'<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="{SOAP11_NS}">'
    f'<soap:Body><receiveResponseXML xmlns="{INTUIT_NS}"><ticket>T-1</ticket>'
).encode()
TAIL = b"<hresult>0x8004</hresult><message>m &amp; n</message></receiveResponseXML>"
TAIL += b"</soap:Body></soap:Envelope>"


def body_with(
    content: bytes, *, start: bytes = b"<response>", end: bytes = b"</response>"
) -> bytes:
    return HEAD + start + content + end + TAIL


def read_general(body: bytes, feed: int = 256 * 1024) -> Outcome:
    """What the endpoint's general path delivers (mirrors QbwcEndpoint._answer_large_with_lxml)."""
    reader = StreamingCallReader()
    pieces: list[str] = []
    try:
        ticket_checked = False
        for pos in range(0, len(body), feed):
            reader.feed(body[pos : pos + feed])
            if reader.streamed_started and not ticket_checked:
                ticket_checked = True
                if "ticket" not in reader.params:
                    raise SoapFault("receiveResponseXML: 'ticket' must come before 'response'")
            pieces.append(reader.take_text())
        params = reader.close().params
        pieces.append(reader.take_text())
    except RejectedInput as exc:
        return type(exc)
    return (
        params.get("ticket", ""),
        "".join(pieces),
        params.get("hresult", ""),
        params.get("message", ""),
    )


def read_fast(
    body: bytes, *, block: int = 1 << 20, chunk: int = 1 << 20, feed: int = 256 * 1024
) -> Outcome | None:
    """What the fast path delivers, or None where it declines."""
    spool = io.BytesIO(body)
    span = locate_response_text(spool, block_bytes=block)
    if span is None:
        return None
    fast = FastResponseReader(spool, span, chunk_bytes=chunk, feed_bytes=feed)
    try:
        if not fast.start():
            return None
        ticket = fast.ticket
        if ticket is None:
            raise SoapFault("receiveResponseXML: 'ticket' must come before 'response'")
        call = ReceiveResponse(ticket, fast.response_chunks(), fast.read_trailer)
        text = "".join(call.response_chunks())
        return ticket, text, call.hresult, call.message
    except RejectedInput as exc:
        return type(exc)


def text_of(outcome: Outcome) -> str:
    assert isinstance(outcome, tuple), outcome
    return outcome[1]


def assert_same(body: bytes, **sizes: int) -> Outcome:
    fast = read_fast(body, **sizes)
    assert fast is not None, "the fast path declined"
    assert fast == read_general(body)
    return fast


# -- Equality with the general path --------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "text"),
    [
        (b"", ""),
        (b"plain qbXML-ish text", "plain qbXML-ish text"),
        (
            b"&lt;a b=&quot;c&quot; d=&apos;e&apos;&gt;x &amp; y&lt;/a&gt;",
            "<a b=\"c\" d='e'>x & y</a>",
        ),
        (
            b"&#60;&#x3C;&#x3c;&#62;&#233;&#xE9;&#xe9;&#128512;&#x1F600;",
            "<<<>ééé\U0001f600\U0001f600",
        ),
        ("café € 😀 ünïcødé".encode(), "café € 😀 ünïcødé"),
        (b"a\r\nb\rc\nd\r", "a\nb\nc\nd\n"),
        (b"&#13;\n&#13;&#10;\r&#10;\r\r\n", "\r\n\r\n\n\n\n\n"),
        (
            b"&amp;lt; &amp;amp; &amp;#60; &#38;lt; &#38;amp; &#x26;#38;",
            "&lt; &amp; &#60; &lt; &amp; &#38;",
        ),
        (b"&#0000065;&#x000041;", "AA"),
        (b"quotes \" and ' and > raw, ]] and ] alone", "quotes \" and ' and > raw, ]] and ] alone"),
        (
            b"&#9;&#10;&#xD7FF;&#xE000;&#xFFFD;&#x10FFFF;\x7f\xc2\x80",
            "\t\n\ud7ff\ue000\ufffd\U0010ffff\x7f\x80",
        ),
        ("\ufdd0\ufeff".encode(), "\ufdd0\ufeff"),
    ],
)
def test_fast_path_matches_general_path(content: bytes, text: str) -> None:
    outcome = assert_same(body_with(content))
    assert outcome == ("T-1", text, "0x8004", "m & n")
    for size in (1, 2, 3, 5, 7):  # every way of splitting references, CRLF and UTF-8
        assert read_fast(body_with(content), block=size, chunk=size, feed=size) == outcome


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (f'<ns:response xmlns:ns="{INTUIT_NS}">'.encode(), b"</ns:response>"),
        (b'<response xmlns:xsi="urn:x" xsi:type="string"\n\tlang="en">', b"</response>"),
        (b"<response >", b"</response \r\n\t >"),
        (f'<i.x-2:response xmlns:i.x-2="{INTUIT_NS}" >'.encode(), b"</i.x-2:response\n>"),
    ],
)
def test_tag_spellings(start: bytes, end: bytes) -> None:
    outcome = assert_same(body_with(b"&lt;x/&gt;\r\n", start=start, end=end), block=3, chunk=2)
    assert outcome == ("T-1", "<x/>\n", "0x8004", "m & n")


def test_utf8_bom_and_no_declaration_are_utf8() -> None:
    body = body_with("é&#233;".encode())
    assert assert_same(b"\xef\xbb\xbf" + body) == ("T-1", "éé", "0x8004", "m & n")
    bare = body.split(b"?>", 1)[1]
    assert assert_same(bare) == ("T-1", "éé", "0x8004", "m & n")
    assert text_of(assert_same(body.replace(b"utf-8", b"UTF-8"))) == "éé"


def test_parameters_around_the_response_and_missing_ticket() -> None:
    body = body_with(b"x").replace(b"<ticket>T-1</ticket>", b"<hresult>early</hresult>")
    body = body.replace(b"<hresult>0x8004</hresult>", b"<ticket>late</ticket>")
    # The general path sees a late ticket only if it arrives in the same read as the tag.
    assert read_fast(body) == read_general(body, feed=16) == SoapFault
    body = body_with(b"x").replace(b"<hresult>0x8004</hresult><message>m &amp; n</message>", b"")
    assert assert_same(body) == ("T-1", "x", "", "")


# -- Declining -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        body_with(b"a<![CDATA[<b>]]>c"),
        body_with(b"a<!-- note -->b"),
        body_with(b"a<?pi x?>b"),
        body_with(b"a<b/>c"),
        HEAD + b"<response/>" + TAIL,
        HEAD + b"<response />" + TAIL,
        body_with(b"x").replace(b"utf-8", b"ISO-8859-1"),
        body_with(b"x", end=b"</other>"),
        body_with(b"x", start=b'<response a=">">'),
        body_with(b"x").replace(b"<ticket>", b"<!-- <response>y</response> --><ticket>"),
        body_with(b"x").replace(
            b"<soap:Body>", b"<soap:Header><response>y</response></soap:Header><soap:Body>"
        ),
        body_with(b"x", start=b'<f:response xmlns:f="urn:foreign">', end=b"</f:response>"),
        body_with(b"x").replace(b"receiveResponseXML", b"sendRequestXML"),
        body_with(b"x")[:-40].split(b"</response>")[0],  # truncated inside the response
    ],
    ids=[
        "cdata",
        "comment",
        "pi",
        "element",
        "empty",
        "empty-space",
        "latin1",
        "wrong-end",
        "gt-in-attribute",
        "tag-in-comment",
        "tag-in-header",
        "foreign-namespace",
        "other-operation",
        "truncated",
    ],
)
def test_declines_what_it_cannot_read(body: bytes) -> None:
    assert read_fast(body, block=7) is None
    read_general(body)  # the path that is used instead copes (result or a clean error)


def test_declines_utf16() -> None:
    body = body_with(b"x").decode().replace("utf-8", "utf-16").encode("utf-16")
    assert locate_response_text(io.BytesIO(body)) is None
    assert locate_response_text(io.BytesIO(body.removeprefix(b"\xff\xfe"))) is None


def test_cdata_response_still_correct_through_general_path() -> None:
    body = body_with(b"&lt;a&gt;<![CDATA[<b>&amp;</b>]]>&#233;<!-- c -->\r\n")
    assert read_fast(body) is None
    assert read_general(body) == ("T-1", "<a><b>&amp;</b>é\n", "0x8004", "m & n")


def test_span_is_found_across_every_block_boundary() -> None:
    start = b'<ns:response xmlns:ns="' + INTUIT_NS.encode() + b'">'
    body = body_with(b"&lt;x&gt;", start=start, end=b"</ns:response   >")
    expected = locate_response_text(io.BytesIO(body))
    assert isinstance(expected, ResponseSpan)
    assert body[expected.content_start : expected.content_end] == b"&lt;x&gt;"
    for block in range(1, 80):
        assert locate_response_text(io.BytesIO(body), block_bytes=block) == expected


def test_an_endless_start_tag_is_declined() -> None:
    body = HEAD + b'<response a="' + b"x" * 10_000 + b'">y</response>' + TAIL
    assert locate_response_text(io.BytesIO(body), block_bytes=512) is None


# -- Refusals ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        b"&foo;",
        b"&#xZZ;",
        b"a & b",
        b"a&",
        b"&",
        b"&#;",
        b"&#x;",
        b"&#X41;",
        b"&LT;",
        b"&lt",
        b"&amp",
        b"&#0;",
        b"&#x0;",
        b"&#xD800;",
        b"&#xFFFE;",
        b"&#1114112;",
        b"&#8;",
        b"&#" + b"9" * 30 + b";",
        b"&#x" + b"0" * 60 + b"110000;",
        b"&" + b"a" * 100,
        b"a]]>b",
        b"\x01",
        b"\x0b",
        b"\x1f",
        b"\x00",
        b"\xef\xbf\xbe",
        b"\xef\xbf\xbf",
        b"\xff",
        b"\xc3",
        b"caf\xc3",
        b"\xc0\xaf",
        b"\xed\xa0\x80",
        b"\xf4\x90\x80\x80",
        b"&lt;\xe2\x82",
        b"\x80abc",
    ],
)
def test_malformed_text_is_refused_like_lxml(content: bytes) -> None:
    body = body_with(b"ok &lt;" + content + b" ok")
    assert read_general(body) is InvalidXML
    for size in (1, 2, 3, 64, 1 << 20):
        assert read_fast(body, chunk=size) is InvalidXML


def test_long_leading_zeros_are_read_in_bounded_memory() -> None:
    content = b"&#" + b"0" * 100_000 + b"65;&#x" + b"0" * 100_000 + b"1F600;"
    assert text_of(assert_same(body_with(content), chunk=1000)) == "A\U0001f600"
    decoder = ResponseTextDecoder()
    for _ in range(1000):
        assert decoder.decode(b"0" * 1000 if _ else b"&#x") == ""
        assert len(decoder._held) <= 40  # the held-back tail stays small
    assert decoder.decode(b"41;", final=True) == "A"


def test_doctype_is_refused_before_any_text() -> None:
    doctype = b'<!DOCTYPE soap:Envelope [<!ENTITY e "<response>x</response>">]>'
    body = body_with(b"&lt;x&gt;").replace(b"?>", b"?>" + doctype, 1)
    assert read_general(body) is InvalidXML
    spool = io.BytesIO(body)
    span = locate_response_text(spool)
    assert span is not None  # the pre-scan is fooled by the entity value, lxml is not:
    # Either lxml refuses the DOCTYPE on the spot, or it is still reading it at the tag, so
    # start() declines and the general path (which refuses it) is used.
    refusal = ""
    try:
        taken = FastResponseReader(spool, span).start()
    except InvalidXML as exc:
        refusal, taken = str(exc), False
    assert not taken
    assert refusal == "" or "DOCTYPE" in refusal
    plain = io.BytesIO(body_with(b"x").replace(b"?>", b"?><!DOCTYPE soap:Envelope>", 1))
    span = locate_response_text(plain)
    assert span is not None
    with pytest.raises(InvalidXML, match="DOCTYPE"):
        FastResponseReader(plain, span).start()


def test_bad_ending_surfaces_after_the_text() -> None:
    body = body_with(b"&lt;a&gt;")[:-30]
    spool = io.BytesIO(body)
    span = locate_response_text(spool)
    assert span is not None
    fast = FastResponseReader(spool, span)
    assert fast.start()
    call = ReceiveResponse("T-1", fast.response_chunks(), fast.read_trailer)
    chunks = call.response_chunks()
    assert next(chunks) == "<a>"
    with pytest.raises(InvalidXML, match="malformed"):
        next(chunks)
    assert read_general(body) is InvalidXML


def test_ticket_first_and_hresult_only_after_the_text() -> None:
    body = body_with(b"&lt;big/&gt;" * 1000)
    spool = io.BytesIO(body)
    span = locate_response_text(spool)
    assert span is not None
    fast = FastResponseReader(spool, span, chunk_bytes=1000)
    assert fast.start()
    assert fast.ticket == "T-1"
    call = ReceiveResponse("T-1", fast.response_chunks(), fast.read_trailer)
    chunks = call.response_chunks()
    assert next(chunks).startswith("<big/>")
    with pytest.raises(RuntimeError):
        _ = call.hresult
    assert "".join(chunks)
    assert (call.hresult, call.message) == ("0x8004", "m & n")


# -- Property: any text, escaped any way, split anywhere ---------------------------------------

_VALID_PIECES = [
    "&lt;",
    "&gt;",
    "&amp;",
    "&quot;",
    "&apos;",
    "&#38;",
    "&#x26;",
    "&#60;",
    "&#x3c;",
    "&#13;",
    "&#10;",
    "&#233;",
    "&#xE9;",
    "&#x1F600;",
    "&#128512;",
    "&#0038;",
    "&amp;lt;",
    "&#38;amp;",
    "\r",
    "\n",
    "\r\n",
    "\t",
    " ",
    "]",
    "]]",
    ">",
    '"',
    "'",
    "é",
    "€",
    "😀",
    "a",
    "Z",
    ";",
    "#",
]
_INVALID_PIECES = ["&", "&foo;", "&#xZZ;", "&#0;", "]]>", "\x01", "&lt", "&#1114112;"]
_INVALID_BYTES = [b"\xff", b"\xc3", b"\xed\xa0\x80", b"\xef\xbf\xbe"]


def _xml_char(c: str) -> bool:
    code = ord(c)
    return (
        code in (9, 10, 13) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD or code > 0xFFFF
    )


_plain_text = st.text(st.characters(exclude_characters="&<\x00").filter(_xml_char), max_size=8)
_valid_content = st.lists(st.one_of(st.sampled_from(_VALID_PIECES), _plain_text), max_size=40).map(
    lambda pieces: "".join(pieces).encode()
)
_any_content = st.lists(
    st.one_of(
        st.sampled_from(_VALID_PIECES).map(str.encode),
        st.sampled_from(_INVALID_PIECES).map(str.encode),
        st.sampled_from(_INVALID_BYTES),
        _plain_text.map(str.encode),
    ),
    max_size=30,
).map(b"".join)
_size = st.integers(min_value=1, max_value=40)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_valid_content, _size, _size, _size)
def test_valid_content_any_split(content: bytes, block: int, chunk: int, feed: int) -> None:
    outcome = assert_same(body_with(content), block=block, chunk=chunk, feed=feed)
    assert outcome != InvalidXML or b"]]>" in content


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_any_content, _size, _size)
def test_any_content_any_split(content: bytes, block: int, chunk: int) -> None:
    assert_same(body_with(content), block=block, chunk=chunk)


@settings(max_examples=150, deadline=None)
@given(st.text(st.characters().filter(_xml_char), max_size=300), _size)
def test_escaped_text_round_trips(text: str, chunk: int) -> None:
    outcome = assert_same(body_with(escape_text(text).encode()), chunk=chunk)
    assert outcome == ("T-1", text, "0x8004", "m & n")  # escape_text writes CR as &#13;


# -- Through the endpoint -----------------------------------------------------------------------


def _post(server: LiveServer, body: bytes) -> httpx.Response:
    return httpx.post(server.url, content=body, headers={"Content-Type": "text/xml; charset=utf-8"})


def _large_text() -> str:
    return ('<InvoiceRet><Memo>café &amp; "tea" \r\n € 😀</Memo></InvoiceRet>\n' * 3000)[:-1]


@pytest.mark.parametrize("with_cdata", [False, True])
def test_endpoint_uses_the_fast_path_for_large_bodies(
    server: LiveServer, caplog: pytest.LogCaptureFixture, with_cdata: bool
) -> None:
    text = _large_text()
    content = escape_text(text).encode()
    if with_cdata:
        content += b"<![CDATA[]]>"
    body = body_with(content)
    assert len(body) > 64 * 1024
    with caplog.at_level(logging.DEBUG, logger="qbdsync.qbwc"):
        reply = _post(server, body)
    assert reply.status_code == 200, reply.text
    assert b"<receiveResponseXMLResult>-1</receiveResponseXMLResult>" in reply.content
    received = server.handler.received[-1]
    assert (received.ticket, received.text) == ("T-1", text)
    assert received.sha256 == hashlib.sha256(text.encode()).hexdigest()
    assert (received.hresult, received.message) == ("0x8004", "m & n")
    messages = " ".join(record.getMessage() for record in caplog.records)
    if with_cdata:
        assert "general (lxml-only) path" in messages
    else:
        assert f"response of {len(content)} bytes read by the fast path" in messages


def test_endpoint_faults_from_the_fast_path(server: LiveServer) -> None:
    padding = "x" * 70_000
    bad = body_with(f"{padding} &foo; ".encode())
    reply = _post(server, bad)
    assert reply.status_code == 500
    assert b"soap:Client" in reply.content
    assert b"does not start a valid reference" in reply.content
    doctype = body_with(padding.encode()).replace(b"?>", b"?><!DOCTYPE x>", 1)
    reply = _post(server, doctype)
    assert (reply.status_code, b"DOCTYPE" in reply.content) == (500, True)
    no_ticket = body_with(padding.encode()).replace(b"<ticket>T-1</ticket>", b"")
    reply = _post(server, no_ticket)
    assert b"'ticket' must come before 'response'" in reply.content
