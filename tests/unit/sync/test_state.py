"""Session state in the session row: versioned, older schemas migrated, unknown ones refused."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from qbdsync.errors import RetryLater, UnreadableState
from qbdsync.store.records import RecordRow
from qbdsync.sync.engine import SyncEngine
from qbdsync.sync.state import STATE_SCHEMA, SessionState
from tests.unit.sync.test_engine import NOW, customer, plan, requests_of, respond, rs

# What qbdsync stored before the state had a schema version (schema 1), mid-session: customers
# is on its second iterator page, its Continue (requestID 3) in flight.
SCHEMA_1: dict[str, Any] = {
    "version": "13.0",
    "home_currency": "USD",
    "country": "US",
    "max_returned": 2,
    "target_page_bytes": 1_000_000,
    "overlap_seconds": 3600,
    "deadline": None,
    "hard_deadline": None,
    "runs": [
        {
            "name": "accounts",
            "status": "done",
            "watermark": None,
            "high_water": "2024-03-01T10:00:00-08:00",
            "iterator_id": None,
            "remaining": None,
            "records": 4,
            "derived": {"bankAccounts": 1},
            "deleted": 0,
            "pages": 1,
            "restarts": 0,
            "message": None,
            "history_from": None,
            "page_size": None,
            "records_at_page_start": 4,
            "solo": False,
            "rescan": False,
        },
        {
            "name": "customers",
            "status": "running",
            "watermark": None,
            "high_water": "2024-04-01T10:00:00-08:00",
            "iterator_id": "{it}",
            "remaining": 1,
            "records": 2,
            "derived": {},
            "deleted": 0,
            "pages": 1,
            "restarts": 0,
            "message": None,
            "history_from": None,
            "page_size": 2,
            "records_at_page_start": 2,
            "solo": False,
            "rescan": False,
        },
    ],
    "in_flight": {
        "3": {"dataset": "customers", "role": "main", "status_seen": False, "continued": False}
    },
    "bank_account_ids": ["B1"],
    "currencies": [],
    "round_trips": 2,
    "next_request_id": 4,
    "future_tolerance_seconds": 3600,
    "asked_at": NOW,
    "answered_host_query": False,
    "company_offset": "-08:00",
}


def stored(state: SessionState) -> dict[str, Any]:
    """As the session row gives it back: through JSON."""
    return dict(json.loads(json.dumps(state.to_json())))


def test_the_state_is_stored_with_its_schema_and_read_back_equal() -> None:
    engine = plan(["customers"])
    engine.next_request(NOW)
    data = stored(engine.state)
    assert data["schema"] == STATE_SCHEMA == 3
    assert SessionState.from_json(data) == engine.state


def test_the_unversioned_schema_1_is_migrated_and_the_session_goes_on() -> None:
    state = SessionState.from_json(copy.deepcopy(SCHEMA_1))

    assert state.qbxml_version == "13.0"
    assert [(r.name, r.status, r.records) for r in state.runs] == [
        ("accounts", "done", 4),
        ("customers", "running", 2),
    ]
    assert state.run("accounts").derived == {"bankAccounts": 1}
    assert state.in_flight["3"].dataset == "customers"
    assert (state.next_request_id, state.company_offset) == (4, "-08:00")
    # The dropped fields are gone from what is stored next.
    data = stored(state)
    assert data["schema"] == 3
    # A session stored before the writes phase was reading already: its writes are done.
    assert data["writes"] == {"step": "done"}
    assert "version" not in data and "pages" not in data["runs"][0]
    assert "continued" not in data["in_flight"]["3"]

    # The answer to the request schema 1 had in flight settles it; the next request keeps
    # the session's qbXML version.
    engine = SyncEngine(state)
    page = rs(
        "CustomerQueryRs",
        "3",
        customer("3", "2024-04-15T08:00:00-08:00"),
        iteratorID="{it}",
        iteratorRemainingCount="0",
    )
    changes, outcome = respond(engine, page)
    assert [c.record_id for c in changes if isinstance(c, RecordRow)] == ["3"]
    assert outcome.watermarks == {"customers": "2024-04-15T08:00:00-08:00"}
    assert outcome.done


def test_schema_1_written_before_later_fields_existed_gets_their_defaults() -> None:
    old = copy.deepcopy(SCHEMA_1)
    for name in ("answered_host_query", "company_offset", "asked_at", "future_tolerance_seconds"):
        del old[name]
    state = SessionState.from_json(old)
    assert (state.answered_host_query, state.company_offset, state.asked_at) == (
        False,
        None,
        None,
    )


def test_schema_1_state_asks_in_its_own_qbxml_version() -> None:
    old = copy.deepcopy(SCHEMA_1)
    old["in_flight"] = {}
    old["runs"][1]["status"] = "pending"
    engine = SyncEngine(SessionState.from_json(old))
    request = engine.next_request(NOW) or ""
    assert '<?qbxml version="13.0"?>' in request
    assert [q.tag for q in requests_of(request)] == ["CustomerQueryRq"]


def test_a_newer_schema_is_refused_with_an_error_the_caller_can_act_on() -> None:
    data = stored(plan(["customers"]).state)
    data["schema"] = STATE_SCHEMA + 1
    with pytest.raises(UnreadableState, match="written by a newer qbdsync") as refused:
        SessionState.from_json(data)
    assert refused.value.schema == STATE_SCHEMA + 1
    # A transient kind: end this session, the next one plans afresh.
    assert isinstance(refused.value, RetryLater)


@pytest.mark.parametrize("schema", ["2", True, 0, -1, None, 2.0])
def test_a_schema_that_is_not_a_version_number_is_refused(schema: object) -> None:
    data = stored(plan(["customers"]).state)
    data["schema"] = schema
    with pytest.raises(UnreadableState, match="invalid schema version"):
        SessionState.from_json(data)


def _broken(change: str) -> dict[str, Any]:
    data = stored(plan(["customers", "accounts"]).state)
    if change == "unknown field":
        data["surprise"] = 1
    elif change == "missing field":
        del data["runs"]
    elif change == "unknown run field":
        data["runs"][0]["pages"] = 1  # a schema-1 field under schema 2
    elif change == "runs not a list":
        data["runs"] = {"name": "customers"}
    elif change == "unknown status":
        data["runs"][0]["status"] = "paused"
    elif change == "unknown data set":
        data["runs"][0]["name"] = "spaceships"
    elif change == "flight of no run":
        data["in_flight"] = {"1": {"dataset": "invoices", "role": "main"}}
    elif change == "unknown role":
        data["in_flight"] = {"1": {"dataset": "customers", "role": "edit"}}
    return data


@pytest.mark.parametrize(
    "change",
    [
        "unknown field",
        "missing field",
        "unknown run field",
        "runs not a list",
        "unknown status",
        "unknown data set",
        "flight of no run",
        "unknown role",
    ],
)
def test_a_state_of_no_known_shape_is_refused(change: str) -> None:
    with pytest.raises(UnreadableState, match="cannot be read"):
        SessionState.from_json(_broken(change))


def test_a_schema_1_state_of_no_known_shape_is_refused() -> None:
    old = copy.deepcopy(SCHEMA_1)
    del old["version"]
    with pytest.raises(UnreadableState, match=r"\(schema 1\) cannot be read"):
        SessionState.from_json(old)
