"""Envelope parsing and rendering, without HTTP."""

from __future__ import annotations

import tracemalloc

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from qbdsync.errors import InvalidXML, SoapFault
from qbdsync.limits import SoapLimits
from qbdsync.qbwc.soap import (
    SOAP11_NS,
    SOAP12_NS,
    ParamLimits,
    StreamingCallReader,
    escape_text,
    parse_call,
    render_fault,
    render_result,
)
from qbdsync.qbwc.wsdl import INTUIT_NS, OPERATIONS, render_wsdl

NS = {"soap": SOAP11_NS, "i": INTUIT_NS}


def envelope(op: str, params: str = "", *, env_ns: str = SOAP11_NS, header: str = "") -> bytes:
    return (
        f'<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="{env_ns}">'
        f'{header}<soap:Body><{op} xmlns="{INTUIT_NS}">{params}</{op}></soap:Body>'
        "</soap:Envelope>"
    ).encode()


BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
    b'<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
    b'<authenticate xmlns="http://developer.intuit.com/"><strUserName>&lol3;</strUserName>'
    b"<strPassword>x</strPassword></authenticate></soap:Body></soap:Envelope>"
)
EXTERNAL_DTD = (
    b'<?xml version="1.0"?><!DOCTYPE soap:Envelope SYSTEM "http://127.0.0.1:9/evil.dtd">'
    b'<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>'
    b'<serverVersion xmlns="http://developer.intuit.com/"/></soap:Body></soap:Envelope>'
)


def test_parse_idle_poll_calls() -> None:
    assert parse_call(envelope("serverVersion")).operation == "serverVersion"
    call = parse_call(envelope("clientVersion", "<strVersion>2.3.0.215</strVersion>"))
    assert call.params == {"strVersion": "2.3.0.215"}
    call = parse_call(envelope("authenticate", "<strUserName>a&amp;b</strUserName><strPassword/>"))
    assert call.params == {"strUserName": "a&b", "strPassword": ""}


def test_parse_tolerates_header_soap12_and_unqualified_params() -> None:
    header = '<soap:Header><x xmlns="urn:other">ignored</x></soap:Header>'
    call = parse_call(envelope("getLastError", "<ticket>T1</ticket>", header=header))
    assert call.params == {"ticket": "T1"}
    call = parse_call(envelope("closeConnection", "<ticket>T2</ticket>", env_ns=SOAP12_NS))
    assert call.params == {"ticket": "T2"}
    body = (
        f'<s:Envelope xmlns:s="{SOAP11_NS}"><s:Body><i:getLastError xmlns:i="{INTUIT_NS}">'
        "<ticket>T3</ticket></i:getLastError></s:Body></s:Envelope>"
    ).encode()
    assert parse_call(body).params == {"ticket": "T3"}


def test_parse_keeps_values_exactly() -> None:
    text = "  <QBXML>\n&amp; é &#13;\r\n ]]> </QBXML>  "
    call = parse_call(
        envelope(
            "receiveResponseXML", f"<ticket>t</ticket><response>{escape_text(text)}</response>"
        )
    )
    assert call.params["response"] == text


@pytest.mark.parametrize(
    ("body", "error", "fragment"),
    [
        (b"<soap:Envelope", InvalidXML, "malformed"),
        (b"not xml at all", InvalidXML, "malformed"),
        (b"", InvalidXML, "malformed"),
        (BILLION_LAUGHS, InvalidXML, "DOCTYPE"),
        (EXTERNAL_DTD, InvalidXML, "DOCTYPE"),
        (b"<Envelope/>", SoapFault, "not a SOAP envelope"),
        (envelope("dropTables"), SoapFault, "unknown operation 'dropTables'"),
        (envelope("authenticate", "<strUserName>a</strUserName>"), SoapFault, "strPassword"),
        (envelope("getLastError", "<ticket><b>x</b></ticket>"), SoapFault, "must be text"),
        (envelope("sendRequestXML"), SoapFault, "missing parameter 'ticket'"),
    ],
)
def test_parse_refuses(body: bytes, error: type[Exception], fragment: str) -> None:
    with pytest.raises(error, match=fragment):
        parse_call(body)


def test_undefined_entity_is_refused() -> None:
    with pytest.raises(InvalidXML):
        parse_call(envelope("getLastError", "<ticket>&xxe;</ticket>"))


def result_element(reply: bytes, op: str) -> etree._Element:
    root = etree.fromstring(reply)
    found = root.find(f"soap:Body/i:{op}Response/i:{op}Result", NS)
    assert found is not None
    return found


def test_render_results() -> None:
    strings = result_element(render_result("authenticate", ["T", "", "none", ""]), "authenticate")
    items = strings.findall("i:string", NS)
    assert [item.text or "" for item in items] == ["T", "", "none", ""]
    assert result_element(render_result("receiveResponseXML", -101), "receiveResponseXML").text == (
        "-101"
    )
    text = '<QBXML a="1">&\r\n</QBXML>'
    assert result_element(render_result("sendRequestXML", text), "sendRequestXML").text == text
    assert render_result("serverVersion", "1.0") is render_result("serverVersion", "1.0")
    with pytest.raises(ValueError, match=r"XML 1\.0"):
        render_result("sendRequestXML", "bad \x00 char")


def test_render_fault() -> None:
    root = etree.fromstring(render_fault("Client", "bad <input> \x01"))
    assert root.findtext("soap:Body/soap:Fault/faultcode", namespaces=NS) == "soap:Client"
    assert root.findtext("soap:Body/soap:Fault/faultstring", namespaces=NS) == "bad <input> ?"
    assert b"soap:Server" in render_fault("soap:Server", "x")


def test_wsdl_lists_every_operation() -> None:
    root = etree.fromstring(render_wsdl("https://example.com/qbwc"))
    wsdl = "http://schemas.xmlsoap.org/wsdl/"
    names = {op.get("name") for op in root.iterfind(f"{{{wsdl}}}portType/{{{wsdl}}}operation")}
    assert names == set(OPERATIONS)
    assert root.get("targetNamespace") == INTUIT_NS
    assert b'location="https://example.com/qbwc"' in render_wsdl("https://example.com/qbwc")


RESPONSE_TEXT = '<?xml version="1.0"?><QBXML>é\u20ac & <a b="c"/>\r\n\U0001f600</QBXML>'


def receive_body(text: str, *, hresult: str = "0x0", message: str = "m") -> bytes:
    return envelope(
        "receiveResponseXML",
        f"<ticket>T</ticket><response>{escape_text(text)}</response>"
        f"<hresult>{hresult}</hresult><message>{message}</message>",
    )


def stream(body: bytes, cuts: list[int]) -> tuple[str, StreamingCallReader]:
    reader = StreamingCallReader()
    pieces: list[str] = []
    start = 0
    for cut in [*sorted(cuts), len(body)]:
        reader.feed(body[start:cut])
        pieces.append(reader.take_text())
        start = max(start, cut)
    reader.close()
    pieces.append(reader.take_text())
    return "".join(pieces), reader


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=len(receive_body(RESPONSE_TEXT))), max_size=6))
def test_streaming_reader_any_chunking(cuts: list[int]) -> None:
    text, reader = stream(receive_body(RESPONSE_TEXT), cuts)
    assert text == RESPONSE_TEXT
    assert reader.operation == "receiveResponseXML"
    assert reader.params == {"ticket": "T", "hresult": "0x0", "message": "m"}


def test_streaming_reader_every_byte_boundary() -> None:
    body = receive_body(RESPONSE_TEXT)
    for cut in range(len(body)):
        assert stream(body, [cut])[0] == RESPONSE_TEXT


def test_streaming_reader_refuses_doctype_and_truncation() -> None:
    with pytest.raises(InvalidXML, match="DOCTYPE"):
        stream(BILLION_LAUGHS, [40])
    with pytest.raises(InvalidXML, match="DOCTYPE"):
        stream(EXTERNAL_DTD, [])
    with pytest.raises(InvalidXML, match="malformed"):
        stream(receive_body("x")[:-20], [])
    with pytest.raises(SoapFault, match="unknown operation"):
        stream(envelope("nope"), [])


@pytest.mark.timeout(300)
def test_streaming_reader_has_no_text_node_limit() -> None:
    """libxml2 caps text nodes at 10 MB when it builds a tree; the target parser has no cap."""
    reader = StreamingCallReader()
    reader.feed(b'<s:Envelope xmlns:s="' + SOAP11_NS.encode() + b'"><s:Body>')
    reader.feed(b'<receiveResponseXML xmlns="' + INTUIT_NS.encode() + b'"><ticket>T</ticket>')
    reader.feed(b"<response>")
    chunk = escape_text("<InvoiceRet><TxnID>1-2</TxnID></InvoiceRet>" * 1500).encode()
    total = 0
    largest = 0
    while total < 50 * 1024 * 1024:
        reader.feed(chunk)
        text = reader.take_text()
        total += len(text)
        largest = max(largest, len(text))
    reader.feed(b"</response></receiveResponseXML></s:Body></s:Envelope>")
    reader.close()
    assert total >= 50 * 1024 * 1024
    assert largest < 2 * len(chunk)


# -- parameter limits and unknown elements ------------------------------------------------------

TIGHT = ParamLimits(SoapLimits(credential_chars=100, hcp_response_chars=1_000, param_chars=200))


def _open_call(op: str, before: str = "") -> bytes:
    """The start of a call, up to and including `before`, without its end."""
    return envelope(op, before).split(f"</{op}>".encode())[0]


@pytest.mark.parametrize(
    ("op", "param", "limit"),
    [
        ("authenticate", "strUserName", 100),
        ("authenticate", "strPassword", 100),
        ("sendRequestXML", "strHCPResponse", 1_000),
        ("sendRequestXML", "ticket", 200),
        ("receiveResponseXML", "message", 200),
        ("connectionError", "hresult", 200),
    ],
)
def test_a_parameter_is_refused_as_soon_as_it_passes_its_limit(
    op: str, param: str, limit: int
) -> None:
    reader = StreamingCallReader(TIGHT)
    reader.feed(_open_call(op) + f"<{param}>".encode() + b"x" * limit)
    with pytest.raises(SoapFault, match=f"{op}: parameter '{param}' is longer than {limit:,}"):
        reader.feed(b"x" * 4096)  # past the limit, with no end tag in sight
    # The small-body path applies the same limits, and a value at the limit is accepted.
    others = "".join(f"<{p}>t</{p}>" for p in OPERATIONS[op].required_params if p != param)
    at_limit = envelope(op, f"<{param}>{'x' * limit}</{param}>{others}")
    assert parse_call(at_limit, TIGHT).params[param] == "x" * limit
    with pytest.raises(SoapFault, match=f"parameter '{param}' is longer than"):
        parse_call(envelope(op, f"<{param}>{'x' * (limit + 1)}</{param}>"), TIGHT)


def test_the_streamed_response_has_no_parameter_limit() -> None:
    text, reader = stream(receive_body("x" * 50_000), [])
    assert len(text) == 50_000
    reader = StreamingCallReader(TIGHT)
    reader.feed(receive_body("<QBXML/>" * 10_000))
    assert len(reader.take_text()) == 80_000


def test_default_limits_allow_long_real_values_and_refuse_hostile_ones() -> None:
    name = "u" * 4096
    call = parse_call(envelope("authenticate", f"<strUserName>{name}</strUserName><strPassword/>"))
    assert call.params["strUserName"] == name
    reader = StreamingCallReader()
    reader.feed(_open_call("authenticate") + b"<strUserName>" + b"u" * 4096)
    with pytest.raises(SoapFault, match="longer than 4,096 characters"):
        reader.feed(b"u" * 1024)


def test_unknown_elements_are_dropped_without_keeping_their_text() -> None:
    """20 MB in each of a header, an unknown parameter, a foreign-namespace one and a nested
    one cost no memory and leave no trace in the parameters."""
    block = b"j" * (64 * 1024)
    blocks = 20 * 1024 * 1024 // len(block)
    wrappers = [
        (b"<soap:Header><h>", b"</h></soap:Header><soap:Body>" + _open_call("authenticate")[-60:]),
        (b"<junk>", b"</junk>"),
        (b'<x:other xmlns:x="urn:x">', b"</x:other>"),
        (b"<nested><deeper>", b"</deeper></nested>"),
    ]
    start = envelope("authenticate").split(b"<soap:Body>")[0]
    assert wrappers[0][1].endswith(f'<authenticate xmlns="{INTUIT_NS}">'.encode())
    reader = StreamingCallReader()
    reader.feed(start)
    tracemalloc.start()
    try:
        for opening, closing in wrappers:
            reader.feed(opening)
            for _ in range(blocks):
                reader.feed(block)
            reader.feed(closing)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    reader.feed(b"<strUserName>u</strUserName><strPassword>p</strPassword>")
    reader.feed(b"</authenticate></soap:Body></soap:Envelope>")
    assert reader.close().params == {"strUserName": "u", "strPassword": "p"}
    assert peak < 2 * 1024 * 1024, f"{peak:,} bytes held while reading 80 MB of unknown elements"


def test_a_repeated_response_is_skipped_without_keeping_its_text() -> None:
    body = envelope(
        "receiveResponseXML",
        f"<ticket>T</ticket><response>{escape_text(RESPONSE_TEXT)}</response>"
        "<response>second copy, never read</response><hresult>0x0</hresult><message>m</message>",
    )
    text, reader = stream(body, [len(body) // 2])
    assert text == RESPONSE_TEXT
    assert reader.params == {"ticket": "T", "hresult": "0x0", "message": "m"}
