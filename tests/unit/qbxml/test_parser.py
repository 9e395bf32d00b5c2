from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from qbdsync.errors import InvalidXML
from qbdsync.qbxml.parser import (
    Event,
    MessageSetStatus,
    Record,
    ResponseParser,
    ResponseStatus,
    element_to_dict,
    parse_response,
)
from qbdsync.qbxml.status import Recovery
from tests.unit.qbxml.samples import invoice_response

MULTI = """<?xml version="1.0" ?>
<QBXML>
<QBXMLMsgsRs>
<CustomerQueryRs requestID="c" statusCode="0" statusSeverity="Info" statusMessage="Status OK">
<CustomerRet>
<ListID>80000003-1446676743</ListID>
<Name>Job 1</Name>
<FullName>Acme:Job 1</FullName>
<Balance>7038,20</Balance>
<CompanyName>D\u00e9cor &amp; Fils &lt;Montr\u00e9al&gt;</CompanyName>
<Notes></Notes>
<Fax>   </Fax>
<DataExtRet>
<OwnerID>0</OwnerID>
<DataExtName>Colour</DataExtName>
<DataExtType>STR255TYPE</DataExtType>
<DataExtValue>Blue</DataExtValue>
</DataExtRet>
</CustomerRet>
<CustomerRet>
<ListID>80000004-1446676743</ListID>
<Name>CREDIT CARDS</Name>
<FullName>Parent:Child:Grandchild</FullName>
<Phone>1</Phone>
<Phone>2</Phone>
<Phone>3</Phone>
</CustomerRet>
</CustomerQueryRs>
<InvoiceQueryRs requestID="i" statusCode="1" statusSeverity="Info"
 statusMessage="A query request did not find a matching object in QuickBooks" />
<VendorQueryRs requestID="v" statusCode="3391" statusSeverity="Error"
 statusMessage="The iteratorID &quot;{abc}&quot; is not valid." />
<ItemQueryRs requestID="it" statusCode="500" statusSeverity="Warn"
 statusMessage="The query request has not been fully completed. There was a required element
 (&quot;X&quot;) that could not be found in QuickBooks." retCount="1">
<ItemServiceRet>
<ListID>80000010-1</ListID>
<FullName>Services:Consulting</FullName>
</ItemServiceRet>
</ItemQueryRs>
</QBXMLMsgsRs>
</QBXML>
"""


def _statuses(events: list[Event]) -> list[ResponseStatus]:
    return [e for e in events if isinstance(e, ResponseStatus)]


def _records(events: list[Event]) -> list[Record]:
    return [e for e in events if isinstance(e, Record)]


def test_each_status_comes_before_its_records_in_document_order() -> None:
    events = parse_response(MULTI)
    shape = [
        (type(e).__name__, e.rs_name, e.ret_name if isinstance(e, Record) else None)
        for e in events
        if not isinstance(e, MessageSetStatus)
    ]
    assert shape == [
        ("ResponseStatus", "CustomerQueryRs", None),
        ("Record", "CustomerQueryRs", "CustomerRet"),
        ("Record", "CustomerQueryRs", "CustomerRet"),
        ("ResponseStatus", "InvoiceQueryRs", None),
        ("ResponseStatus", "VendorQueryRs", None),
        ("ResponseStatus", "ItemQueryRs", None),
        ("Record", "ItemQueryRs", "ItemServiceRet"),
    ]


def test_each_response_status_is_classified_on_its_own() -> None:
    statuses = {s.request_id: s for s in _statuses(parse_response(MULTI))}
    assert statuses["c"].recovery is Recovery.OK
    assert statuses["i"].code == 1
    assert statuses["i"].recovery is Recovery.EMPTY
    assert statuses["v"].recovery is Recovery.RESTART_DATASET
    assert statuses["v"].severity == "Error"
    assert statuses["it"].recovery is Recovery.KEEP_WARN
    assert statuses["it"].ret_count == 1


def test_status_messages_are_kept_whole_with_their_quotes() -> None:
    statuses = {s.request_id: s for s in _statuses(parse_response(MULTI))}
    assert statuses["v"].message == 'The iteratorID "{abc}" is not valid.'
    assert '("X")' in statuses["it"].message


def test_warn_response_keeps_its_data() -> None:
    records = [r for r in _records(parse_response(MULTI)) if r.request_id == "it"]
    assert [r.data["FullName"] for r in records] == ["Services:Consulting"]


def test_values_are_kept_exactly_as_sent() -> None:
    first, second = (r.data for r in _records(parse_response(MULTI))[:2])
    assert first["Balance"] == "7038,20"
    assert first["CompanyName"] == "D\u00e9cor & Fils <Montr\u00e9al>"
    assert first["FullName"] == "Acme:Job 1"
    assert first["Notes"] == ""
    assert first["Fax"] == "   "
    assert second["FullName"] == "Parent:Child:Grandchild"


def test_repeatable_elements_are_always_lists_and_others_only_when_repeated() -> None:
    first, second = (r.data for r in _records(parse_response(MULTI))[:2])
    assert first["DataExtRet"] == [
        {
            "OwnerID": "0",
            "DataExtName": "Colour",
            "DataExtType": "STR255TYPE",
            "DataExtValue": "Blue",
        }
    ]
    assert second["Phone"] == ["1", "2", "3"]
    assert "DataExtRet" not in second


def test_invoice_lines_are_a_list_even_for_one_line() -> None:
    text = (
        invoice_response(5, 1)
        .replace("<Memo>", "<Memo>")
        .replace("</InvoiceLineRet>\n<InvoiceLineRet>", "</InvoiceLineRet><InvoiceLineRet>")
    )
    (record,) = _records(parse_response(text))
    assert isinstance(record.data["InvoiceLineRet"], list)
    one_line = text.split("<InvoiceLineRet>")
    single = one_line[0] + "<InvoiceLineRet>" + one_line[1].split("</InvoiceLineRet>")[0]
    single += "</InvoiceLineRet>\n</InvoiceRet>\n</InvoiceQueryRs>\n</QBXMLMsgsRs>\n</QBXML>\n"
    (record,) = _records(parse_response(single))
    assert isinstance(record.data["InvoiceLineRet"], list)
    assert len(record.data["InvoiceLineRet"]) == 1
    assert record.data["InvoiceLineRet"][0]["ItemRef"]["FullName"] == "Services:Consulting"


def test_last_iterator_page_with_a_single_record() -> None:
    events = parse_response(invoice_response(42, 1, remaining=0, request_id="inv"))
    (status,) = _statuses(events)
    assert status.iterator_id == "{b9a3c1de-0000-4000-8000-000000000001}"
    assert status.remaining == 0
    assert status.ret_count == 1
    (record,) = _records(events)
    assert record.request_id == "inv"
    assert record.data["TxnID"] == "2A-1622994339"


def test_message_set_status_is_reported_first() -> None:
    text = (
        '<?xml version="1.0" ?><QBXML><QBXMLMsgsRs messageSetID="set-1" '
        'messageSetStatusCode="600"></QBXMLMsgsRs></QBXML>'
    )
    (status,) = parse_response(text)
    assert status == MessageSetStatus(message_set_id="set-1", status_code=600)
    assert isinstance(status, MessageSetStatus)
    assert (status.outcome.processed, status.outcome.recovery) == (False, "retry_next_session")


def test_a_message_set_without_a_code_was_processed() -> None:
    text = '<QBXML><QBXMLMsgsRs messageSetID="set-1"></QBXMLMsgsRs></QBXML>'
    (status,) = parse_response(text)
    assert isinstance(status, MessageSetStatus)
    assert (status.status_code, status.outcome.processed) == (None, True)


def test_no_message_set_status_without_its_attributes() -> None:
    assert not any(isinstance(e, MessageSetStatus) for e in parse_response(MULTI))


def test_attributes_inside_records_are_kept() -> None:
    text = (
        "<QBXML><QBXMLMsgsRs><AccountQueryRs statusCode='0' statusSeverity='Info' "
        "statusMessage='ok'><AccountRet kind='x'><Name>A</Name><Balance currency='CAD'>1.00"
        "</Balance><Ref id='1'><ListID>1</ListID></Ref></AccountRet></AccountQueryRs>"
        "</QBXMLMsgsRs></QBXML>"
    )
    (record,) = _records(parse_response(text))
    assert record.data == {
        "@kind": "x",
        "Name": "A",
        "Balance": {"@currency": "CAD", "#text": "1.00"},
        "Ref": {"@id": "1", "ListID": "1"},
    }


def test_children_of_a_response_that_are_not_records_are_skipped() -> None:
    text = (
        "<QBXML><QBXMLMsgsRs><InvoiceAddRs statusCode='0' statusSeverity='Info'>"
        "<InvoiceRet><TxnID>1</TxnID></InvoiceRet><ErrorRecovery><ListID>1</ListID>"
        "</ErrorRecovery></InvoiceAddRs></QBXMLMsgsRs></QBXML>"
    )
    events = parse_response(text)
    assert [type(e).__name__ for e in events] == ["ResponseStatus", "Record"]
    assert events[0].message == ""  # type: ignore[union-attr]


def test_missing_severity_is_derived_from_the_code() -> None:
    text = "<QBXML><QBXMLMsgsRs><InvoiceQueryRs statusCode='530'/></QBXMLMsgsRs></QBXML>"
    (status,) = parse_response(text)
    assert isinstance(status, ResponseStatus)
    assert status.severity == "Warn"
    assert status.request_id is None


@pytest.mark.parametrize(
    "attributes",
    [
        "",
        "statusCode=''",
        "statusCode='OK'",
        "statusCode='0' retCount='many'",
        "statusCode='0' iteratorRemainingCount='1.5'",
    ],
)
def test_unreadable_status_attributes_are_invalid_xml(attributes: str) -> None:
    text = f"<QBXML><QBXMLMsgsRs><InvoiceQueryRs {attributes}/></QBXMLMsgsRs></QBXML>"
    with pytest.raises(InvalidXML):
        parse_response(text)


def test_status_is_reported_as_soon_as_its_start_tag_is_fed() -> None:
    parser = ResponseParser()
    head, _, _ = invoice_response(1, 3).partition("<InvoiceRet>")
    events = parser.feed(head + "<InvoiceRet><TxnID>")
    assert [type(e) for e in events] == [ResponseStatus]


def test_records_stream_out_before_the_document_ends() -> None:
    parser = ResponseParser()
    text = invoice_response(1, 3)
    cut = text.index("<InvoiceRet>", text.index("</InvoiceRet>"))
    cut = text.index("<TxnID>", text.index("<InvoiceRet>", cut + 1)) + 3  # inside the third
    events = parser.feed(text[:cut])
    # The first two are complete; a record is reported once the element after it has started.
    assert len(_records(events)) == 2
    rest = parser.feed(text[cut:]) + parser.close()
    assert len(_records(rest)) == 1


def _feed_in_pieces(data: str | bytes, cuts: list[int]) -> list[Event]:
    parser = ResponseParser()
    events: list[Event] = []
    start = 0
    for cut in [*sorted(cuts), len(data)]:
        events.extend(parser.feed(data[start:cut]))
        start = cut
    events.extend(parser.close())
    return events


def test_awkward_chunk_boundaries_give_the_same_events() -> None:
    data = MULTI.encode("utf-8")
    whole = parse_response(data)
    inside_tag = data.index(b"<CustomerRet>") + 5
    inside_attribute = data.index(b"statusMessage") + 4
    inside_e_acute = data.index("\u00e9".encode()) + 1  # between the two bytes of é
    inside_reference = data.index(b"&quot;") + 3
    for cuts in (
        [inside_tag],
        [inside_attribute],
        [inside_e_acute],
        [inside_reference],
        [inside_tag, inside_e_acute, inside_reference],
        list(range(1, len(data))),
    ):
        assert _feed_in_pieces(data, cuts) == whole


def test_text_and_bytes_give_the_same_events() -> None:
    assert parse_response(MULTI) == parse_response(MULTI.encode("utf-8"))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=len(MULTI.encode("utf-8"))), max_size=12))
def test_any_chunking_gives_the_same_events(cuts: list[int]) -> None:
    data = MULTI.encode("utf-8")
    assert _feed_in_pieces(data, cuts) == parse_response(data)


@settings(max_examples=30, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=len(MULTI)), max_size=8))
def test_any_chunking_of_text_gives_the_same_events(cuts: list[int]) -> None:
    assert _feed_in_pieces(MULTI, cuts) == parse_response(MULTI)


def test_many_pages_parse_to_every_record() -> None:
    text = invoice_response(0, 250)
    records = _records(parse_response(text))
    assert [r.data["TxnNumber"] for r in records] == [str(n) for n in range(250)]


def test_element_to_dict_on_its_own() -> None:
    elem = etree.fromstring(
        "<CustomerRet><Name>A</Name><Email>a@x</Email><Email>b@x</Email><Email>c@x</Email>"
        "<ShipToAddress><Name>Depot</Name></ShipToAddress><Ref><ListID>1</ListID></Ref>"
        "</CustomerRet>"
    )
    assert element_to_dict(elem) == {
        "Name": "A",
        "Email": ["a@x", "b@x", "c@x"],
        "ShipToAddress": [{"Name": "Depot"}],
        "Ref": {"ListID": "1"},
    }
    assert type(element_to_dict(elem)["Email"]) is list
