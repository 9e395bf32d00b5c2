"""A response whose QBXMLMsgsRs carries a messageSetStatusCode, read by the real parser.

Read sessions send no message-set IDs, so these codes should never come; when one does, the
engine must settle the queries of the set by it (and record why), never crash.
"""

from __future__ import annotations

import pytest

from qbdsync.qbxml.parser import MessageSetStatus, ResponseParser
from qbdsync.qbxml.status import Recovery
from qbdsync.store.records import RecordRow, SyncErrorRow
from qbdsync.sync.engine import Deletion, ResponseOutcome, SyncEngine
from tests.unit.sync.test_engine import NOW, customer, plan, requests_of, rs


def respond_with_set(
    engine: SyncEngine, code: int, *parts: str, set_id: str = "set-1"
) -> tuple[list[RecordRow | Deletion], ResponseOutcome, list[SyncErrorRow]]:
    xml = (
        "<?xml version='1.0'?><QBXML>"
        f"<QBXMLMsgsRs messageSetID='{set_id}' messageSetStatusCode='{code}'>"
        + "".join(parts)
        + "</QBXMLMsgsRs></QBXML>"
    )
    parser = ResponseParser()
    events = [*parser.feed(xml), *parser.close()]
    assert events[0] == MessageSetStatus(message_set_id=set_id, status_code=code)
    changes = [change for event in events for change in engine.receive(event)]
    outcome = engine.end_response(len(xml), now=NOW)
    return changes, outcome, engine.take_errors()


# Codes after which QuickBooks did not run the set: its queries are asked again next session,
# except 9004 (the set as built is refused), which fails them.
NOT_RUN = [
    (600, Recovery.RETRY_NEXT_SESSION, "retry", "no stored message set"),
    (9001, Recovery.RETRY_NEXT_SESSION, "retry", "checksum"),
    (9002, Recovery.RETRY_NEXT_SESSION, "retry", "no stored response"),
    (9004, Recovery.FATAL_REQUEST, "failed", "longer than QuickBooks allows"),
]


@pytest.mark.parametrize(("code", "recovery", "run_status", "meaning"), NOT_RUN)
def test_a_message_set_that_was_not_run_settles_each_of_its_queries(
    code: int, recovery: Recovery, run_status: str, meaning: str
) -> None:
    # Whole-list queries go out together: one message set, three queries.
    engine = plan(["accounts", "terms", "classes"])
    assert len(requests_of(engine.next_request(NOW) or "")) == 3

    changes, outcome, errors = respond_with_set(engine, code)

    assert changes == []
    assert outcome.watermarks == {}
    assert outcome.done  # nothing left to ask in this session
    assert {r.name: r.status for r in engine.state.runs} == dict.fromkeys(
        ["accounts", "terms", "classes"], run_status
    )
    for run in engine.state.runs:
        assert run.message is not None
        assert f"messageSetStatusCode {code}" in run.message
        assert meaning in run.message
    # One error per data set, carrying the set's code and what to do about it.
    assert sorted((e.dataset, e.status_code, e.recovery) for e in errors) == [
        (name, code, str(recovery)) for name in ("accounts", "classes", "terms")
    ]
    assert all(meaning in e.message for e in errors)
    assert engine.next_request(NOW) is None


def test_an_iterator_query_of_a_set_not_run_commits_no_watermark() -> None:
    engine = plan(["customers"], {"customers": "2024-05-01T09:00:00-08:00"})
    main, deleted = requests_of(engine.next_request(NOW) or "")
    assert (main.tag, deleted.tag) == ("CustomerQueryRq", "ListDeletedQueryRq")

    _, outcome, errors = respond_with_set(engine, 600)

    run = engine.state.run("customers")
    assert (run.status, run.watermark) == ("retry", "2024-05-01T09:00:00-08:00")
    assert outcome.watermarks == {}
    assert [(e.dataset, e.status_code) for e in errors] == [("customers", 600)]
    assert engine.state.in_flight == {}


def test_answers_inside_a_set_not_run_still_count_for_their_own_queries() -> None:
    engine = plan(["accounts", "terms"])
    accounts, _terms = requests_of(engine.next_request(NOW) or "")
    account = "<AccountRet><ListID>A1</ListID><Name>Bank</Name></AccountRet>"

    changes, _, errors = respond_with_set(
        engine, 9001, rs("AccountQueryRs", accounts.get("requestID") or "", account)
    )

    assert [c.record_id for c in changes if isinstance(c, RecordRow)] == ["A1"]
    assert engine.state.run("accounts").status == "done"
    assert engine.state.run("terms").status == "retry"
    assert [(e.dataset, e.status_code) for e in errors] == [("terms", 9001)]


def test_every_query_answered_despite_the_code_is_kept_with_a_warning() -> None:
    engine = plan(["accounts"])
    (query,) = requests_of(engine.next_request(NOW) or "")

    _, outcome, errors = respond_with_set(
        engine, 600, rs("AccountQueryRs", query.get("requestID") or "", code=1)
    )

    assert outcome.done
    assert engine.state.run("accounts").status == "done"
    (error,) = errors
    assert (error.dataset, error.status_code, error.recovery) == (None, 600, "keep_warn")
    assert "every query of the message set was answered" in error.message


def test_9005_the_set_was_run_but_its_recovery_status_not_stored() -> None:
    engine = plan(["customers"])
    (query,) = requests_of(engine.next_request(NOW) or "")
    page = rs(
        "CustomerQueryRs",
        query.get("requestID") or "",
        customer("1", "2024-04-01T10:00:00-08:00"),
        iteratorID="{it}",
        iteratorRemainingCount="0",
    )

    changes, outcome, errors = respond_with_set(engine, 9005, page)

    assert [c.record_id for c in changes if isinstance(c, RecordRow)] == ["1"]
    assert outcome.watermarks == {"customers": "2024-04-01T10:00:00-08:00"}
    assert engine.state.run("customers").status == "done"
    (error,) = errors
    assert (error.dataset, error.status_code, error.recovery) == (None, 9005, "keep_warn")
    assert "could not store" in error.message


def test_an_unknown_code_without_answers_is_asked_again_next_session() -> None:
    engine = plan(["accounts"])
    engine.next_request(NOW)

    _, _, errors = respond_with_set(engine, 9999)

    run = engine.state.run("accounts")
    assert run.status == "retry"
    assert run.message is not None and "unknown status 9999" in run.message
    assert [(e.dataset, e.status_code, e.recovery) for e in errors] == [
        ("accounts", 9999, "retry_next_session")
    ]


def test_code_0_changes_nothing() -> None:
    engine = plan(["accounts"])
    (query,) = requests_of(engine.next_request(NOW) or "")
    _, outcome, errors = respond_with_set(
        engine, 0, rs("AccountQueryRs", query.get("requestID") or "", code=1)
    )
    assert outcome.done
    assert errors == []
