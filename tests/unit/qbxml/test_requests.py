from __future__ import annotations

import pytest
from lxml import etree

from qbdsync.errors import RequestBug
from qbdsync.qbxml.requests import QueryRequest, build_message_set, build_request, escape_text


def _parse(document: str) -> etree._Element:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    return etree.fromstring(document.encode("utf-8"), parser)


def _children(document: str) -> list[etree._Element]:
    return list(_parse(document)[0])


def test_envelope_has_declaration_version_and_on_error() -> None:
    document = build_message_set("16.0", [QueryRequest("HostQueryRq", "h")])
    assert document.startswith('<?xml version="1.0" encoding="utf-8"?>\n<?qbxml version="16.0"?>\n')
    root = _parse(document)
    assert root.tag == "QBXML"
    assert root[0].tag == "QBXMLMsgsRq"
    assert root[0].get("onError") == "continueOnError"
    assert document.endswith("</QBXMLMsgsRq></QBXML>")


def test_stop_on_error_and_prefixed_version() -> None:
    document = build_message_set(
        "CA3.0", [QueryRequest("HostQueryRq", "h")], on_error="stopOnError"
    )
    assert '<?qbxml version="CA3.0"?>' in document
    assert _parse(document)[0].get("onError") == "stopOnError"


def test_filters_are_emitted_in_schema_order_whatever_order_they_are_given() -> None:
    request = QueryRequest(
        "InvoiceQueryRq",
        "7",
        filters=(
            ("OwnerID", "0"),
            ("IncludeRetElement", "TxnID"),
            ("IncludeLineItems", "true"),
            (
                "ModifiedDateRangeFilter",
                (
                    ("ToModifiedDate", "2024-02-01T00:00:00"),
                    ("FromModifiedDate", "2024-01-01T10:00:00"),
                ),
            ),
            ("IncludeRetElement", "EditSequence"),
            ("PaidStatus", "All"),
            ("MaxReturned", "100"),
        ),
        iterator="Start",
    )
    (rq,) = _children(build_request("16.0", request))
    assert rq.tag == "InvoiceQueryRq"
    assert rq.get("requestID") == "7"
    assert rq.get("iterator") == "Start"
    assert rq.get("iteratorID") is None
    assert [child.tag for child in rq] == [
        "MaxReturned",
        "ModifiedDateRangeFilter",
        "PaidStatus",
        "IncludeLineItems",
        "IncludeRetElement",
        "IncludeRetElement",
        "OwnerID",
    ]
    # Repeated elements keep the order they were given in.
    assert [e.text for e in rq.findall("IncludeRetElement")] == ["TxnID", "EditSequence"]
    date_range = rq.find("ModifiedDateRangeFilter")
    assert date_range is not None
    assert [(e.tag, e.text) for e in date_range] == [
        ("FromModifiedDate", "2024-01-01T10:00:00"),
        ("ToModifiedDate", "2024-02-01T00:00:00"),
    ]


def test_continue_carries_iterator_id_and_request_id() -> None:
    request = QueryRequest(
        "CustomerQueryRq",
        "cust-1",
        filters=(("ActiveStatus", "All"), ("MaxReturned", "500")),
        iterator="Continue",
        iterator_id="{ab-12}",
    )
    (rq,) = _children(build_request("13.0", request))
    assert rq.get("iterator") == "Continue"
    assert rq.get("iteratorID") == "{ab-12}"
    assert rq.get("requestID") == "cust-1"
    assert [child.tag for child in rq] == ["MaxReturned", "ActiveStatus"]


def test_deleted_query_with_repeated_types_and_ordered_date_range() -> None:
    request = QueryRequest(
        "ListDeletedQueryRq",
        "d",
        filters=(
            (
                "DeletedDateRangeFilter",
                (("ToDeletedDate", "2024-02-01"), ("FromDeletedDate", "2024-01-01")),
            ),
            ("ListDelType", "Customer"),
            ("ListDelType", "Vendor"),
        ),
    )
    (rq,) = _children(build_request("16.0", request))
    assert [(c.tag, c.text) for c in rq][:2] == [
        ("ListDelType", "Customer"),
        ("ListDelType", "Vendor"),
    ]
    assert [c.tag for c in rq[2]] == ["FromDeletedDate", "ToDeletedDate"]


def test_several_requests_in_one_message_set_keep_their_order() -> None:
    document = build_message_set(
        "16.0",
        [
            QueryRequest("AccountQueryRq", "a", (("ActiveStatus", "All"),)),
            QueryRequest("TxnDeletedQueryRq", "t", (("TxnDelType", "Invoice"),)),
        ],
    )
    assert [(rq.tag, rq.get("requestID")) for rq in _children(document)] == [
        ("AccountQueryRq", "a"),
        ("TxnDeletedQueryRq", "t"),
    ]


def test_text_is_escaped_and_non_ascii_becomes_character_references() -> None:
    request = QueryRequest(
        "CustomerQueryRq", 'a"<&>', filters=(("FullName", "D\u00e9cor & <Sons> \u20ac\U0001f600"),)
    )
    document = build_request("16.0", request)
    assert document.isascii()
    assert "D&#233;cor &amp; &lt;Sons&gt; &#8364;&#128512;" in document
    (rq,) = _children(document)
    assert rq.get("requestID") == 'a"<&>'
    assert rq[0].text == "D\u00e9cor & <Sons> \u20ac\U0001f600"


def test_escape_text_leaves_quotes_in_text() -> None:
    assert escape_text('say "hi" & go') == 'say "hi" &amp; go'


@pytest.mark.parametrize(
    ("rq_name", "filters", "message"),
    [
        ("InvoiceQueryRq", (("ActiveStatus", "All"),), "no child element"),
        (
            "CustomerQueryRq",
            (("NameFilter", (("Name", "A"),)), ("NameRangeFilter", (("FromName", "A"),))),
            "alternatives",
        ),
        (
            "InvoiceQueryRq",
            (
                ("ModifiedDateRangeFilter", (("FromModifiedDate", "x"),)),
                ("TxnDateRangeFilter", (("FromTxnDate", "x"),)),
            ),
            "alternatives",
        ),
        ("CustomerQueryRq", (("ListID", "1"), ("FullName", "A")), "alternatives"),
        ("InvoiceQueryRq", (("MaxReturned", "1"), ("MaxReturned", "2")), "only once"),
        ("InvoiceQueryRq", (("TxnID", "1"), ("MaxReturned", "2")), "excludes"),
        ("InvoiceQueryRq", (("ModifiedDateRangeFilter", "2024-01-01"),), "nested"),
        ("InvoiceQueryRq", (("MaxReturned", (("X", "1"),)),), "takes text"),
        (
            "InvoiceQueryRq",
            (("ModifiedDateRangeFilter", (("FromTxnDate", "x"),)),),
            "no child element",
        ),
        (
            "InvoiceQueryRq",
            (("ModifiedDateRangeFilter", (("FromModifiedDate", "a"), ("FromModifiedDate", "b"))),),
            "only once",
        ),
        ("NoSuchQueryRq", (), "no element order"),
        ("CustomerQueryRq", (("Name", "bell\x07"),), "no child element"),
    ],
)
def test_requests_the_schema_forbids_are_bugs(
    rq_name: str, filters: tuple[tuple[str, object], ...], message: str
) -> None:
    request = QueryRequest(rq_name, "1", filters)  # type: ignore[arg-type]
    with pytest.raises(RequestBug, match=message):
        build_request("16.0", request)


def test_ids_may_be_combined_with_the_tail_elements() -> None:
    request = QueryRequest(
        "InvoiceQueryRq",
        "1",
        (("IncludeLineItems", "true"), ("TxnID", "1-2"), ("TxnID", "3-4"), ("OwnerID", "0")),
    )
    (rq,) = _children(build_request("16.0", request))
    assert [c.tag for c in rq] == ["TxnID", "TxnID", "IncludeLineItems", "OwnerID"]


def test_control_characters_cannot_be_sent() -> None:
    with pytest.raises(RequestBug, match="cannot carry"):
        build_request("16.0", QueryRequest("CustomerQueryRq", "1", (("FullName", "a\x00"),)))


@pytest.mark.parametrize(
    "request_",
    [
        QueryRequest("InvoiceQueryRq", "1", iterator="Continue"),
        QueryRequest("InvoiceQueryRq", "1", iterator="Start", iterator_id="x"),
        QueryRequest("InvoiceQueryRq", "1", iterator_id="x"),
    ],
)
def test_inconsistent_iterator_settings_are_bugs(request_: QueryRequest) -> None:
    with pytest.raises(RequestBug, match="iterator"):
        build_request("16.0", request_)


@pytest.mark.parametrize("version", ["16", "v16.0", '16.0"?><x', "", "FR3.0"])
def test_bad_versions_are_bugs(version: str) -> None:
    with pytest.raises(RequestBug, match="version"):
        build_request(version, QueryRequest("HostQueryRq", "1"))


def test_line_breaks_survive_the_round_trip() -> None:
    request = QueryRequest("CustomerQueryRq", "a\tb\nc", (("FullName", "x\r\ny\tz"),))
    (rq,) = _children(build_request("16.0", request))
    assert rq.get("requestID") == "a\tb\nc"
    assert rq[0].text == "x\r\ny\tz"
