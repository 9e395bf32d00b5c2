"""What is not a record is freed as it streams; one record is held only up to RecordLimits."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qbdsync.errors import InvalidXML, RecordTooLarge
from qbdsync.limits import RecordLimits
from qbdsync.qbxml.parser import Event, Record, ResponseParser, ResponseStatus, parse_response
from tests.unit.qbxml.samples import invoice

MB = 1024 * 1024
JUNK = "<a/>" * (MB // 4)  # 1 MB of small elements that are neither statuses nor records


def _rs(request_id: str, body: str) -> str:
    return f'<InvoiceQueryRs requestID="{request_id}" statusCode="0">{body}</InvoiceQueryRs>'


def _feed_all(parser: ResponseParser, pieces: Iterable[str], *, close: bool = True) -> list[Event]:
    events: list[Event] = []
    for piece in pieces:
        events += parser.feed(piece)
    if close:
        events += parser.close()
    return events


def _shape(events: list[Event]) -> list[tuple[str, str | None, str]]:
    out: list[tuple[str, str | None, str]] = []
    for event in events:
        if isinstance(event, ResponseStatus):
            out.append(("status", event.request_id, event.rs_name))
        elif isinstance(event, Record):
            out.append(("record", event.request_id, event.data["TxnID"]))
    return out


EXPECTED = [
    ("status", "1", "InvoiceQueryRs"),
    ("record", "1", "1-1622994339"),
    ("status", "2", "InvoiceQueryRs"),
    ("record", "2", "2-1622994339"),
]


def _with_junk(places: Collection[str], junk: list[str]) -> Iterator[str]:
    """A two-response document with the pieces of `junk` in each of `places`."""

    def at(place: str) -> list[str]:
        return junk if place in places else []

    yield '<?xml version="1.0" ?><QBXML>'
    yield from at("before")
    yield "<QBXMLMsgsRs>"
    yield from at("before-rs")
    yield '<InvoiceQueryRs requestID="1" statusCode="0">'
    yield from at("in-rs")
    yield invoice(1)
    yield "<Junk>"
    yield from at("nested-in-rs")
    yield "</Junk></InvoiceQueryRs>"
    yield "<Wrapper><Deeper>"
    yield from at("nested-between")
    yield "</Deeper></Wrapper>"
    yield from at("between")
    yield _rs("2", invoice(2))
    yield from at("after-rs")
    yield "</QBXMLMsgsRs>"
    yield from at("after")
    yield "</QBXML>"


PLACES = [
    "before",
    "before-rs",
    "in-rs",
    "nested-in-rs",
    "nested-between",
    "between",
    "after-rs",
    "after",
]


@pytest.mark.parametrize("where", PLACES)
def test_elements_that_are_not_records_are_freed_as_they_stream(where: str) -> None:
    parser = ResponseParser()
    events: list[Event] = []
    retained = []
    for piece in _with_junk({where}, [JUNK] * 8):
        events += parser.feed(piece)
        retained.append(parser.retained_elements)
    events += parser.close()
    assert _shape(events) == EXPECTED
    # 8 MB of junk is two million elements; what is held between pieces is the open path and
    # at most the record being read (an invoice is about 60 elements).
    assert max(retained) < 100, retained


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.sampled_from(PLACES), max_size=4),
    st.lists(st.floats(min_value=0, max_value=1), max_size=6),
)
def test_junk_anywhere_outside_records_changes_nothing(
    places: list[str], cuts: list[float]
) -> None:
    """Junk in any of the places, fed in pieces cut anywhere, gives the events of clean input."""
    text = "".join(_with_junk(places, ["<x>text<y/>more</x>", "<Rsx>Rs Ret<Retx/></Rsx>"]))
    clean = "".join(_with_junk((), []))
    parser = ResponseParser()
    events: list[Event] = []
    start = 0
    for cut in sorted({int(c * len(text)) for c in cuts}):
        events += parser.feed(text[start:cut])
        start = cut
    events += parser.feed(text[start:])
    events += parser.close()
    assert _shape(events) == _shape(parse_response(clean)) == EXPECTED


def test_the_root_element_must_be_qbxml() -> None:
    with pytest.raises(InvalidXML, match="root element is 'Other'"):
        parse_response("<Other><QBXMLMsgsRs>" + _rs("1", invoice(1)) + "</QBXMLMsgsRs></Other>")
    parser = ResponseParser()
    parser.feed("<Other>")
    with pytest.raises(InvalidXML, match="no QBXML root element in its first 64 KB"):
        _feed_all(parser, [JUNK] * 4, close=False)


def _record_with(children: int) -> str:
    """An InvoiceRet of 1 + children elements."""
    return f"<InvoiceRet><TxnID>big</TxnID>{'<Memo>m</Memo>' * (children - 1)}</InvoiceRet>"


def test_a_record_over_the_element_limit_fails_its_request_after_earlier_records() -> None:
    limits = RecordLimits(max_elements=500)
    parser = ResponseParser(limits)
    head = "<QBXML><QBXMLMsgsRs>"
    second = '<InvoiceQueryRs requestID="2" statusCode="0">'
    events = parser.feed(head + _rs("1", invoice(1)) + second)
    rest = _record_with(500) + "</InvoiceQueryRs></QBXMLMsgsRs></QBXML>"
    with pytest.raises(RecordTooLarge) as caught:
        parser.feed(rest)
    assert _shape(events) == EXPECTED[:3]
    error = caught.value
    assert (error.request_id, error.ret_name, error.setting) == (
        "2",
        "InvoiceRet",
        "max_record_elements",
    )
    assert "InvoiceRet record in QuickBooks' answer to InvoiceQueryRs (requestID '2')" in str(error)
    assert "501 elements or more, over the limit of 500" in str(error)
    with pytest.raises(InvalidXML, match="already rejected"):
        parser.close()
    # At the limit exactly, the record is read.
    text = head + _rs("2", _record_with(499)) + "</QBXMLMsgsRs></QBXML>"
    (_status, record) = parse_response(text, limits)
    assert isinstance(record, Record)
    assert len(record.data["Memo"]) == 498


def test_an_open_record_over_a_limit_is_refused_before_it_ends() -> None:
    parser = ResponseParser(RecordLimits(max_elements=10_000))
    parser.feed('<QBXML><QBXMLMsgsRs><InvoiceQueryRs requestID="7" statusCode="0"><InvoiceRet>')
    pieces = ["<Memo>m</Memo>" * 2_000] * 10  # 2,000 elements a piece, never closed
    with pytest.raises(RecordTooLarge, match="over the limit of 10,000") as caught:
        _feed_all(parser, pieces, close=False)
    assert caught.value.request_id == "7"

    parser = ResponseParser(RecordLimits(max_chars=1 * MB))
    parser.feed('<QBXML><QBXMLMsgsRs><InvoiceQueryRs requestID="8" statusCode="0"><InvoiceRet>')
    pieces = ["<Memo>" + "m" * (MB // 4) + "</Memo>"] * 8
    with pytest.raises(RecordTooLarge, match="more than the limit of 1,048,576 char") as caught:
        _feed_all(parser, pieces, close=False)
    assert (caught.value.request_id, caught.value.setting) == ("8", "max_record_chars")


def test_the_size_limit_counts_a_record_across_pieces_and_within_one() -> None:
    limits = RecordLimits(max_chars=64 * 1024)
    big = "<InvoiceRet><TxnID>1</TxnID><Memo>" + "m" * 70_000 + "</Memo></InvoiceRet>"
    text = "<QBXML><QBXMLMsgsRs>" + _rs("3", big) + "</QBXMLMsgsRs></QBXML>"
    with pytest.raises(RecordTooLarge, match="requestID '3'"):
        parse_response(text, limits)
    parser = ResponseParser(limits)
    with pytest.raises(RecordTooLarge):
        _feed_all(parser, (text[start : start + 5_000] for start in range(0, len(text), 5_000)))
    small = "<InvoiceRet><TxnID>1</TxnID><Memo>" + "m" * 60_000 + "</Memo></InvoiceRet>"
    events = parse_response(
        "<QBXML><QBXMLMsgsRs>" + _rs("3", small) + "</QBXMLMsgsRs></QBXML>", limits
    )
    assert [type(e).__name__ for e in events] == ["ResponseStatus", "Record"]
