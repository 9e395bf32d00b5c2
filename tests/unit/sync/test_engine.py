"""The sans-IO engine driven with hand-written qbXML responses: no server, no database."""

from __future__ import annotations

import json
from typing import Any

from lxml import etree

from qbdsync.qbxml.parser import ResponseParser
from qbdsync.qbxml.status import describe_hresult
from qbdsync.sync.engine import Deletion, ResponseOutcome, SyncEngine
from qbdsync.sync.output import RecordRow
from qbdsync.sync.state import SessionState

# The engine's clock is UNIX time (it also bounds TimeModified): 2025-01-01T00:00:00Z, after
# every time stamp in these responses.
NOW = 1_735_689_600.0


def plan(datasets: list[str], watermarks: dict[str, str] | None = None, **kw: Any) -> SyncEngine:
    options: dict[str, Any] = {
        "version": "16.0",
        "home_currency": "USD",
        "max_returned": 2,
        "overlap_seconds": 3600,
        "deadline": None,
    }
    options.update(kw)
    return SyncEngine.plan(datasets=datasets, watermarks=watermarks or {}, **options)


def requests_of(xml: str) -> list[etree._Element]:
    root = etree.fromstring(xml.split("?>", 2)[2].encode())
    return list(root.find("QBXMLMsgsRq"))  # type: ignore[arg-type]


def customer(list_id: str, modified: str, seq: str = "1") -> str:
    return (
        f"<CustomerRet><ListID>{list_id}</ListID><TimeCreated>{modified}</TimeCreated>"
        f"<TimeModified>{modified}</TimeModified><EditSequence>{seq}</EditSequence>"
        f"<Name>C {list_id}</Name><FullName>C {list_id}</FullName><IsActive>true</IsActive>"
        "</CustomerRet>"
    )


def rs(name: str, request_id: str, body: str = "", code: int = 0, **attrs: Any) -> str:
    extra = "".join(f' {k}="{v}"' for k, v in attrs.items())
    return (
        f'<{name} requestID="{request_id}" statusCode="{code}" statusSeverity="Info" '
        f'statusMessage="msg"{extra}>{body}</{name}>'
    )


def respond_at(
    engine: SyncEngine, now: float, *parts: str
) -> tuple[list[RecordRow | Deletion], ResponseOutcome]:
    return respond(engine, *parts, now=now)


def respond(
    engine: SyncEngine, *parts: str, now: float | None = None
) -> tuple[list[RecordRow | Deletion], ResponseOutcome]:
    xml = "<?xml version='1.0'?><QBXML><QBXMLMsgsRs>" + "".join(parts) + "</QBXMLMsgsRs></QBXML>"
    parser = ResponseParser()
    changes = []
    for event in [*parser.feed(xml), *parser.close()]:
        changes.extend(engine.receive(event))
    return changes, engine.end_response(len(xml), now=now)


def test_first_sync_is_full_and_commits_the_watermark_only_when_the_iterator_ends() -> None:
    engine = plan(["customers"])
    (query,) = requests_of(engine.next_request(NOW) or "")
    assert query.tag == "CustomerQueryRq"
    assert query.get("iterator") == "Start"
    assert [c.tag for c in query] == ["MaxReturned", "ActiveStatus"]

    rid = query.get("requestID")
    changes, outcome = respond(
        engine,
        rs(
            "CustomerQueryRs",
            rid,
            customer("1", "2024-04-01T10:00:00-08:00") + customer("2", "2024-05-01T09:00:00-08:00"),
            iteratorID="{it}",
            iteratorRemainingCount="1",
            retCount="2",
        ),
    )
    assert [c.record_id for c in changes if isinstance(c, RecordRow)] == ["1", "2"]
    assert outcome.watermarks == {}
    assert 0 <= outcome.progress < 100
    assert not outcome.done

    (cont,) = requests_of(engine.next_request(NOW) or "")
    assert cont.get("iterator") == "Continue"
    assert cont.get("iteratorID") == "{it}"
    _, outcome = respond(
        engine,
        rs(
            "CustomerQueryRs",
            cont.get("requestID"),
            customer("3", "2024-04-15T08:00:00-07:00"),
            iteratorID="{it}",
            iteratorRemainingCount="0",
            retCount="1",
        ),
    )
    # Wall clock decides: 05-01 09:00 is the newest, whatever the offsets say.
    assert outcome.watermarks == {"customers": "2024-05-01T09:00:00-08:00"}
    assert outcome.done
    assert outcome.progress == 100
    assert engine.next_request(NOW) is None


def test_incremental_sync_uses_overlap_and_asks_for_deletions() -> None:
    engine = plan(["customers", "invoices"], {"customers": "2024-05-01T09:00:00-08:00"})
    main, deleted = requests_of(engine.next_request(NOW) or "")
    assert main.findtext("FromModifiedDate") == "2024-05-01T08:00:00"
    assert deleted.tag == "ListDeletedQueryRq"
    assert deleted.findtext("ListDelType") == "Customer"
    assert deleted.findtext("DeletedDateRangeFilter/FromDeletedDate") == "2024-05-01T08:00:00"
    changes, _ = respond(
        engine,
        rs("CustomerQueryRs", main.get("requestID"), code=1, iteratorRemainingCount="0"),
        rs(
            "ListDeletedQueryRs",
            deleted.get("requestID"),
            "<ListDeletedRet><ListDelType>Customer</ListDelType><ListID>9</ListID>"
            "<TimeCreated>2024-01-01T00:00:00</TimeCreated>"
            "<TimeDeleted>2024-05-02T00:00:00</TimeDeleted><FullName>X</FullName></ListDeletedRet>",
        ),
    )
    assert changes == [Deletion("customers", "9")]
    # invoices has no watermark: a full query, no deletion request
    (inv,) = requests_of(engine.next_request(NOW) or "")
    assert inv.tag == "InvoiceQueryRq"
    assert inv.find("ModifiedDateRangeFilter") is None
    assert [c.tag for c in inv][-2:] == ["IncludeLineItems", "IncludeLinkedTxns"]


def test_whole_list_queries_share_a_message_set_with_no_iterator() -> None:
    engine = plan(["accounts"])
    (query,) = requests_of(engine.next_request(NOW) or "")
    assert query.tag == "AccountQueryRq"
    assert query.get("iterator") is None
    assert query.find("MaxReturned") is None


def test_stale_iterator_restarts_once_then_waits_for_next_session() -> None:
    engine = plan(["customers"])
    for attempt in range(2):
        (query,) = requests_of(engine.next_request(NOW) or "")
        assert query.get("iterator") == "Start", attempt
        respond(engine, rs("CustomerQueryRs", query.get("requestID"), code=3391))
    assert engine.next_request(NOW) is None
    assert engine.state.run("customers").status == "retry"
    assert [e.status_code for e in engine.take_errors()] == [3391, 3391]


def test_one_failing_type_does_not_block_the_others() -> None:
    engine = plan(["customers", "suppliers"])
    (query,) = requests_of(engine.next_request(NOW) or "")
    _, outcome = respond(engine, rs("CustomerQueryRs", query.get("requestID"), code=3175))
    assert not outcome.done
    (nxt,) = requests_of(engine.next_request(NOW) or "")
    assert nxt.tag == "VendorQueryRq"
    _, outcome = respond(engine, rs("VendorQueryRs", nxt.get("requestID"), code=3250))
    assert outcome.done
    assert engine.summary().statuses == {"customers": "retry", "suppliers": "not_supported"}


def test_hresult_without_response_fails_only_the_requests_in_flight() -> None:
    engine = plan(["customers", "suppliers"])
    engine.next_request(NOW)
    engine.fail_response(describe_hresult("0x80040400"), "parse error")
    engine.end_response()
    assert engine.state.run("customers").status == "failed"
    (nxt,) = requests_of(engine.next_request(NOW) or "")
    assert nxt.tag == "VendorQueryRq"


def test_a_response_too_large_to_read_fails_its_query_and_asks_the_others_again() -> None:
    engine = plan(["accounts", "currencies", "terms"])
    queries = requests_of(engine.next_request(NOW) or "")
    ids = {q.tag: q.get("requestID") for q in queries}
    assert set(ids) == {"AccountQueryRq", "CurrencyQueryRq", "TermsQueryRq"}  # one message set
    engine.reject_response(ids["CurrencyQueryRq"], "a CurrencyRet record is too large")
    outcome = engine.end_response(now=NOW)
    assert not outcome.done
    assert engine.summary().statuses == {
        "accounts": "pending",
        "currencies": "failed",
        "terms": "pending",
    }
    (error,) = engine.take_errors()
    assert (error.dataset, error.message) == ("currencies", "a CurrencyRet record is too large")
    # The others are asked again, in one message set, and finish.
    again = requests_of(engine.next_request(NOW) or "")
    assert sorted(q.tag for q in again) == ["AccountQueryRq", "TermsQueryRq"]
    _, outcome = respond(
        engine, *(rs(q.tag[:-2] + "Rs", q.get("requestID"), code=1) for q in again)
    )
    assert outcome.done
    assert engine.summary().statuses["accounts"] == engine.summary().statuses["terms"] == "done"


def test_a_response_too_large_with_an_unknown_culprit_asks_each_query_alone() -> None:
    engine = plan(["accounts", "terms"])
    engine.next_request(NOW)
    engine.reject_response("no-such-request", "too large")
    engine.end_response(now=NOW)
    assert engine.summary().statuses == {"accounts": "pending", "terms": "pending"}
    (alone,) = requests_of(engine.next_request(NOW) or "")
    assert alone.tag == "AccountQueryRq"
    engine.reject_response(None, "too large")
    engine.end_response(now=NOW)
    assert engine.state.run("accounts").status == "failed"


def test_time_budget_starts_nothing_new_but_lets_an_open_iterator_finish() -> None:
    engine = plan(["customers", "suppliers"], deadline=NOW + 10, hard_deadline=NOW + 100)
    (query,) = requests_of(engine.next_request(NOW) or "")
    _, outcome = respond_at(
        engine,
        NOW + 11,
        rs(
            "CustomerQueryRs",
            query.get("requestID"),
            customer("1", "2024-01-01T00:00:00"),
            iteratorID="{i}",
            iteratorRemainingCount="5",
        ),
    )
    assert not outcome.done
    # Nothing has finished yet: the session goes on until one dataset does.
    assert engine.summary().statuses == {"customers": "running", "suppliers": "pending"}
    (cont,) = requests_of(engine.next_request(NOW + 12) or "")
    assert cont.get("iterator") == "Continue"
    _, outcome = respond_at(
        engine,
        NOW + 13,
        rs(
            "CustomerQueryRs",
            cont.get("requestID"),
            customer("2", "2024-01-02T00:00:00"),
            iteratorID="{i}",
            iteratorRemainingCount="0",
        ),
    )
    assert outcome.done
    assert outcome.watermarks == {"customers": "2024-01-02T00:00:00"}
    assert engine.summary().statuses == {"customers": "done", "suppliers": "deferred"}


def test_hard_limit_cuts_an_open_iterator() -> None:
    engine = plan(["customers"], deadline=NOW + 10, hard_deadline=NOW + 20)
    (query,) = requests_of(engine.next_request(NOW) or "")
    _, outcome = respond_at(
        engine,
        NOW + 21,
        rs(
            "CustomerQueryRs",
            query.get("requestID"),
            customer("1", "2024-01-01T00:00:00"),
            iteratorID="{i}",
            iteratorRemainingCount="5",
        ),
    )
    assert outcome.done and outcome.watermarks == {}
    assert engine.summary().statuses == {"customers": "deferred"}


def test_state_survives_a_json_round_trip_between_calls() -> None:
    engine = plan(["customers"])
    engine.next_request(NOW)
    stored = json.loads(json.dumps(engine.state.to_json()))
    again = SyncEngine(SessionState.from_json(stored))
    assert again.state == engine.state


def test_unmappable_record_is_kept_raw_and_reported() -> None:
    engine = plan(["invoices"])
    (query,) = requests_of(engine.next_request(NOW) or "")
    invoice = (
        "<InvoiceRet><TxnID>1-1</TxnID><TimeModified>2024-01-01T00:00:00</TimeModified>"
        "<EditSequence>1</EditSequence><Subtotal>7038,20</Subtotal></InvoiceRet>"
    )
    changes, _ = respond(
        engine, rs("InvoiceQueryRs", query.get("requestID"), invoice, iteratorRemainingCount="0")
    )
    (row,) = changes
    assert isinstance(row, RecordRow)
    assert row.data is None
    assert row.raw["Subtotal"] == "7038,20"
    assert row.mapping_error is not None
    assert "7038,20" in row.mapping_error
    assert any("7038,20" in e.summary for e in engine.take_errors())
