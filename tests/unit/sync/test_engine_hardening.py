"""The engine against hostile or broken responses: errors aggregate, clocks cannot poison
watermarks. Hand-written qbXML, no server, no database."""

from __future__ import annotations

from qbdsync.sync.engine import ERROR_SAMPLE_SIZE
from qbdsync.sync.output import RecordRow
from tests.unit.sync.test_engine import NOW, customer, plan, requests_of, respond, rs

# NOW is 2025-01-01T00:00:00Z; one hour of tolerance, at the record's -08:00 offset.
CLAMP = "2024-12-31T17:00:00-08:00"


def tiny_customers(count: int) -> str:
    return "".join(f"<CustomerRet><ListID>{i}</ListID></CustomerRet>" for i in range(count))


# -- one error per response and cause ---------------------------------------------------------


def test_100000_records_under_an_unknown_request_id_are_one_error() -> None:
    engine = plan(["customers"])
    assert engine.next_request(NOW)  # requestID 1 is in flight
    changes, outcome = respond(engine, rs("CustomerQueryRs", "999", tiny_customers(100_000)))
    assert changes == []
    errors = engine.take_errors()
    stray = [e for e in errors if "unknown requestID" in e.message]
    assert len(stray) == 1
    (error,) = stray
    assert error.count == 100_001  # the records and their status
    assert error.recovery == "fatal_request"
    assert len(error.sample) == ERROR_SAMPLE_SIZE
    assert error.sample[0] == "requestID '999': CustomerQueryRs status 0"
    assert error.sample[1] == "requestID '999': CustomerRet 0"
    assert "100,001 times" in error.summary
    # The real query got no answer: one more row, for that dataset.
    (missing,) = [e for e in errors if e is not error]
    assert (missing.dataset, missing.count) == ("customers", 1)
    assert engine.state.run("customers").status == "retry"
    assert outcome.watermarks == {}


def test_many_different_unknown_request_ids_share_one_row() -> None:
    engine = plan(["customers"])
    (query,) = requests_of(engine.next_request(NOW) or "")
    strays = "".join(
        rs("CustomerQueryRs", f"x{i}", f"<CustomerRet><ListID>{i}</ListID></CustomerRet>")
        for i in range(1000)
    )
    respond(engine, rs("CustomerQueryRs", query.get("requestID"), code=1), strays)
    (error,) = engine.take_errors()
    assert error.count == 2000
    assert error.sample[0] == "requestID 'x0': CustomerQueryRs status 0"


def test_a_repeated_response_is_one_warning_and_changes_nothing() -> None:
    engine = plan(["customers", "suppliers"])
    (query,) = requests_of(engine.next_request(NOW) or "")
    page = rs(
        "CustomerQueryRs",
        query.get("requestID"),
        "".join(customer(str(i), "2024-01-01T00:00:00") for i in range(300)),
        iteratorID="{i}",
        iteratorRemainingCount="0",
    )
    changes, first = respond(engine, page)
    assert len(changes) == 300
    assert engine.take_errors() == []
    state = engine.state.to_json()

    # The Web Connector did not get the reply and posts the same page again.
    again, second = respond(engine, page)
    assert again == []
    assert first.watermarks == {"customers": "2024-01-01T00:00:00"}
    assert second.watermarks == {}  # committed the first time
    assert (second.progress, second.done) == (first.progress, first.done)
    (error,) = engine.take_errors()
    assert error.count == 301
    assert error.recovery == "keep_warn"
    assert "repeated response" in error.message
    assert engine.state.to_json() == state
    (nxt,) = requests_of(engine.next_request(NOW) or "")
    assert nxt.tag == "VendorQueryRq"


def test_errors_are_counted_per_response() -> None:
    engine = plan(["invoices"], max_returned=10)
    bad = (
        "<InvoiceRet><TxnID>{}</TxnID><TimeModified>2024-01-01T00:00:00</TimeModified>"
        "<EditSequence>1</EditSequence><Subtotal>7038,20</Subtotal></InvoiceRet>"
    )
    (query,) = requests_of(engine.next_request(NOW) or "")
    respond(
        engine,
        rs(
            "InvoiceQueryRs",
            query.get("requestID"),
            "".join(bad.format(f"1-{i}") for i in range(3)),
            iteratorID="{i}",
            iteratorRemainingCount="1",
        ),
    )
    (cont,) = requests_of(engine.next_request(NOW) or "")
    respond(
        engine,
        rs(
            "InvoiceQueryRs",
            cont.get("requestID"),
            bad.format("2-1"),
            iteratorID="{i}",
            iteratorRemainingCount="0",
        ),
    )
    first, second = engine.take_errors()
    assert first.message == second.message == "InvoiceRet records kept raw, not mapped"
    assert first.count == 3
    assert [s.split(":")[0] for s in first.sample] == ["1-0", "1-1", "1-2"]
    assert "7038,20" in first.sample[0]
    assert (second.count, second.sample[0].split(":")[0]) == (1, "2-1")


def test_a_message_set_status_is_not_an_answer_to_anything() -> None:
    engine = plan(["accounts"])
    (query,) = requests_of(engine.next_request(NOW) or "")
    xml = (
        "<?xml version='1.0'?><QBXML><QBXMLMsgsRs messageSetID='m' messageSetStatusCode='0'>"
        + rs("AccountQueryRs", query.get("requestID"), code=1)
        + "</QBXMLMsgsRs></QBXML>"
    )
    from qbdsync.qbxml.parser import MessageSetStatus, ResponseParser

    events = ResponseParser().feed(xml)
    assert any(isinstance(e, MessageSetStatus) for e in events)
    for event in events:
        assert engine.receive(event) == []
    assert engine.end_response().done
    assert engine.take_errors() == []


# -- TimeModified held to the server's clock --------------------------------------------------


def test_a_future_time_modified_keeps_the_record_and_stops_the_watermark_at_the_clamp() -> None:
    engine = plan(["customers"])
    (query,) = requests_of(engine.next_request(NOW) or "")
    changes, outcome = respond(
        engine,
        rs(
            "CustomerQueryRs",
            query.get("requestID"),
            customer("1", "2024-06-01T10:00:00-08:00")
            + customer("80000007-1", "9999-12-31T23:59:59-08:00")
            + customer("80000008-1", "2031-05-01T10:00:00-08:00"),
            iteratorID="{i}",
            iteratorRemainingCount="0",
        ),
    )
    rows = {c.record_id: c for c in changes if isinstance(c, RecordRow)}
    assert rows["80000008-1"].data is not None
    assert rows["80000008-1"].source_modified == "2031-05-01T10:00:00-08:00"
    assert rows["80000007-1"].raw["TimeModified"] == "9999-12-31T23:59:59-08:00"
    assert rows["80000007-1"].source_modified == "9999-12-31T23:59:59-08:00"
    # Kept raw: in UTC that time is in the year 10000, which Codat's dates cannot say.
    assert "past the last date" in (rows["80000007-1"].mapping_error or "")
    assert outcome.watermarks == {"customers": CLAMP}
    warning, _not_mapped = engine.take_errors()
    assert warning.dataset == "customers"
    assert warning.recovery == "keep_warn"
    assert "CustomerRet" in warning.message and CLAMP in warning.message
    assert warning.count == 2
    assert warning.sample == (
        "80000007-1 TimeModified 9999-12-31T23:59:59-08:00",
        "80000008-1 TimeModified 2031-05-01T10:00:00-08:00",
    )

    # The next incremental query starts at the clamp (less the overlap), not in 9999.
    later = plan(["customers"], outcome.watermarks)
    main, _deleted = requests_of(later.next_request(NOW + 86_400) or "")
    assert main.findtext("FromModifiedDate") == "2024-12-31T16:00:00"


def test_a_time_modified_within_the_tolerance_moves_the_watermark() -> None:
    engine = plan(["customers"])
    (query,) = requests_of(engine.next_request(NOW) or "")
    # 16:30 at -08:00 is 00:30Z: half an hour past the server's clock, inside the hour allowed.
    _, outcome = respond(
        engine,
        rs(
            "CustomerQueryRs",
            query.get("requestID"),
            customer("1", "2024-12-31T16:30:00-08:00"),
            iteratorID="{i}",
            iteratorRemainingCount="0",
        ),
    )
    assert outcome.watermarks == {"customers": "2024-12-31T16:30:00-08:00"}
    assert engine.take_errors() == []


def test_without_an_offset_the_farthest_time_zone_is_allowed() -> None:
    engine = plan(["customers"], future_tolerance_seconds=0)
    (query,) = requests_of(engine.next_request(NOW) or "")
    # Local time with no offset may be up to UTC+14 ahead of the server: 13:59 passes, 2030 not.
    _, outcome = respond(
        engine,
        rs(
            "CustomerQueryRs",
            query.get("requestID"),
            customer("1", "2025-01-01T13:59:00") + customer("2", "2030-01-01T00:00:00"),
            iteratorID="{i}",
            iteratorRemainingCount="0",
        ),
    )
    assert outcome.watermarks == {"customers": "2025-01-01T14:00:00"}
    (warning,) = engine.take_errors()
    assert warning.sample == ("2 TimeModified 2030-01-01T00:00:00",)


def test_the_clamp_follows_the_clock_of_each_request() -> None:
    engine = plan(["customers"], max_returned=10)
    (query,) = requests_of(engine.next_request(NOW) or "")
    respond(
        engine,
        rs(
            "CustomerQueryRs",
            query.get("requestID"),
            customer("1", "2025-01-01T10:00:00-08:00"),
            iteratorID="{i}",
            iteratorRemainingCount="1",
        ),
    )
    assert len(engine.take_errors()) == 1  # ten hours ahead of the first request
    # The iterator's next page is asked a day later: the same time is in the past by then.
    (cont,) = requests_of(engine.next_request(NOW + 86_400) or "")
    _, outcome = respond(
        engine,
        rs(
            "CustomerQueryRs",
            cont.get("requestID"),
            customer("2", "2025-01-01T10:00:00-08:00"),
            iteratorID="{i}",
            iteratorRemainingCount="0",
        ),
    )
    assert engine.take_errors() == []
    assert outcome.watermarks == {"customers": "2025-01-01T10:00:00-08:00"}


def test_a_stored_future_watermark_is_read_in_full_again() -> None:
    engine = plan(["customers"], {"customers": "9999-12-31T23:59:59-08:00"})
    main, deleted = requests_of(engine.next_request(NOW) or "")
    assert main.find("FromModifiedDate") is None
    # Every deletion QuickBooks remembers, so records deleted meanwhile are marked too.
    assert deleted.tag == "ListDeletedQueryRq"
    assert deleted.find("DeletedDateRangeFilter") is None
    changes, outcome = respond(
        engine,
        rs(
            "CustomerQueryRs",
            main.get("requestID"),
            customer("1", "2024-06-01T10:00:00-08:00"),
            iteratorID="{i}",
            iteratorRemainingCount="0",
        ),
        rs("ListDeletedQueryRs", deleted.get("requestID"), code=1),
    )
    assert [c.record_id for c in changes] == ["1"]
    assert outcome.watermarks == {"customers": "2024-06-01T10:00:00-08:00"}
    (warning,) = engine.take_errors()
    assert "9999-12-31T23:59:59-08:00" in warning.message
    assert "read in full again" in warning.message
