"""The future-stamp clamp holds TimeModified to the company's own clock, and a repeated answer
to qbdsync's host query is called what it is."""

from __future__ import annotations

from qbdsync.sync.engine import SyncEngine
from tests.unit.sync.test_engine import NOW, customer, plan, requests_of, respond, rs

# NOW is 2025-01-01T00:00:00Z; with the default hour of tolerance the -08:00 clock allows
# 2024-12-31T17:00:00.


def _one_page(engine: SyncEngine, body: str) -> dict[str, str]:
    query, *deleted = requests_of(engine.next_request(NOW) or "")
    answers = [rs("CustomerQueryRs", query.get("requestID"), body, iteratorRemainingCount="0")]
    answers += [rs("ListDeletedQueryRs", d.get("requestID")) for d in deleted]
    _, outcome = respond(engine, *answers)
    return outcome.watermarks


def test_a_stamp_without_offset_is_held_to_the_offset_of_the_stored_watermark() -> None:
    engine = plan(["customers"], {"customers": "2024-12-01T00:00:00-08:00"})
    watermarks = _one_page(engine, customer("1", "9999-12-31T23:59:59"))
    # Not UTC+14 (2025-01-01T15:00), which would skip 22 hours of the PC's changes.
    assert watermarks == {"customers": "2024-12-31T17:00:00-08:00"}


def test_a_stamp_claiming_plus_14_is_held_to_the_offset_the_company_showed() -> None:
    engine = plan(["customers"])
    body = customer("1", "2024-12-01T00:00:00-08:00") + customer("2", "9999-12-31T23:59:59+14:00")
    assert _one_page(engine, body) == {"customers": "2024-12-31T17:00:00-08:00"}


def test_without_any_known_offset_the_farthest_zone_still_applies() -> None:
    engine = plan(["customers"])
    assert _one_page(engine, customer("1", "9999-12-31T23:59:59")) == {
        "customers": "2025-01-01T15:00:00"
    }


def test_an_offset_past_14_hours_is_reported_and_moves_no_watermark() -> None:
    engine = plan(["customers"])
    (query,) = requests_of(engine.next_request(NOW) or "")
    changes, outcome = respond(
        engine,
        rs(
            "CustomerQueryRs",
            query.get("requestID"),
            customer("1", "9999-12-31T23:59:59+99:59"),
            iteratorRemainingCount="0",
        ),
    )
    assert outcome.watermarks == {}
    (row,) = changes
    assert row.raw["TimeModified"] == "9999-12-31T23:59:59+99:59"  # type: ignore[union-attr]
    assert row.source_modified is None  # type: ignore[union-attr]
    (error,) = engine.take_errors()
    assert "kept raw" in error.message


def test_a_repeated_host_answer_is_a_repeated_response() -> None:
    engine = plan(["customers"])
    engine.state.answered_host_query = True
    engine.next_request(NOW)
    respond(engine, rs("HostQueryRs", "host"), rs("CompanyQueryRs", "company"))
    stray = [e for e in engine.take_errors() if e.dataset is None]
    assert len(stray) == 1
    assert "repeated response" in stray[0].message


def test_host_ids_are_unknown_when_qbdsync_asked_no_host_query() -> None:
    engine = plan(["customers"])
    engine.next_request(NOW)
    respond(engine, rs("HostQueryRs", "host"))
    stray = [e for e in engine.take_errors() if e.dataset is None]
    assert "unknown requestID" in stray[0].message
