"""Error rows are keyed on their cause, never on per-record text: a response built so that every
record's message differs is still a handful of rows, and the rows of one response are capped."""

from __future__ import annotations

from qbdsync.qbxml.status import describe_hresult
from qbdsync.sync.engine import ERROR_SAMPLE_SIZE, MAX_CAUSES_PER_RESPONSE
from tests.unit.sync.test_engine import NOW, plan, requests_of, respond, rs


def _status(name: str, request_id: str, code: int, severity: str, message: str) -> str:
    return (
        f'<{name} requestID="{request_id}" statusCode="{code}" statusSeverity="{severity}" '
        f'statusMessage="{message}"/>'
    )


def test_distinct_unmatched_currency_names_are_one_gap_row() -> None:
    engine = plan(["customers"])
    (query,) = requests_of(engine.next_request(NOW) or "")
    body = "".join(
        f"<CustomerRet><ListID>{n}</ListID><Name>C{n}</Name>"
        f"<CurrencyRef><FullName>Zorkmid {n}</FullName></CurrencyRef></CustomerRet>"
        for n in range(2000)
    )
    changes, _ = respond(engine, rs("CustomerQueryRs", query.get("requestID"), body))
    assert len(changes) == 2000
    # Each record keeps its own note, naming its own currency.
    assert "Zorkmid 7" in (changes[7].mapping_error or "")  # type: ignore[union-attr]
    (gap,) = engine.take_errors()
    assert gap.dataset == "customers"
    assert gap.message.startswith("2000 records mapped with a gap (e.g. CustomerRet 0)")
    assert "Zorkmid 0" in gap.message


def test_distinct_warn_messages_under_one_request_are_one_row_with_a_sample() -> None:
    engine = plan(["customers"])
    (query,) = requests_of(engine.next_request(NOW) or "")
    rid = query.get("requestID")
    flood = "".join(
        _status("CustomerQueryRs", rid, 530, "Warn", f"warning number {n}") for n in range(5000)
    )
    respond(engine, flood)
    rows = [e for e in engine.take_errors() if "warning number" in e.message]
    assert len(rows) == 1
    (row,) = rows
    assert (row.status_code, row.count, row.message) == (530, 5000, "warning number 0")
    assert row.sample[:2] == ("warning number 1", "warning number 2")
    assert len(row.sample) == ERROR_SAMPLE_SIZE


def test_distinct_error_messages_are_one_row_per_status_code() -> None:
    engine = plan(["customers"])
    (query,) = requests_of(engine.next_request(NOW) or "")
    rid = query.get("requestID")
    flood = "".join(
        _status("CustomerQueryRs", rid, 3000 + n % 5, "Error", f"The name {n} is already in use.")
        for n in range(5000)
    )
    respond(engine, flood)
    rows = [e for e in engine.take_errors() if "already in use" in e.message]
    assert sorted(e.status_code or 0 for e in rows) == [3000, 3001, 3002, 3003, 3004]
    assert {e.count for e in rows} == {1000}


def test_future_stamps_at_many_offsets_are_one_clock_warning() -> None:
    engine = plan(["customers"])
    (query,) = requests_of(engine.next_request(NOW) or "")
    offsets = [f"{s}{h:02d}:{m:02d}" for s in "+-" for h in range(14) for m in range(0, 60, 15)]
    body = "".join(
        f"<CustomerRet><ListID>{n}</ListID><TimeModified>9999-12-31T23:59:59{off}"
        "</TimeModified></CustomerRet>"
        for n, off in enumerate(offsets)
    )
    respond(engine, rs("CustomerQueryRs", query.get("requestID"), body))
    rows = [e for e in engine.take_errors() if "later than the server's clock" in e.message]
    assert len(rows) == 1
    assert rows[0].count == len(offsets)


def test_causes_past_the_cap_are_counted_in_one_row() -> None:
    engine = plan(["customers"])
    (query,) = requests_of(engine.next_request(NOW) or "")
    rid = query.get("requestID")
    # Every status code is a cause of its own: more codes than the cap allows rows.
    codes = range(500, 500 + MAX_CAUSES_PER_RESPONSE + 400)
    respond(engine, "".join(_status("CustomerQueryRs", rid, c, "Warn", f"w{c}") for c in codes))
    errors = engine.take_errors()
    assert len(errors) == MAX_CAUSES_PER_RESPONSE + 1
    (more,) = [e for e in errors if "beyond the first" in e.message]
    assert more.count == 400
    assert more.recovery == "keep_warn"
    assert more.sample[0] == f"w{500 + MAX_CAUSES_PER_RESPONSE}"
    # The next response starts with a clean slate.
    assert engine.take_errors() == []


def test_an_hresult_on_a_batched_request_is_one_row_per_data_set() -> None:
    engine = plan(["accounts", "currencies", "taxRates"])
    engine.next_request(NOW)
    batched = sorted({f.dataset for f in engine.state.in_flight.values()})
    assert len(batched) > 1
    engine.fail_response(describe_hresult("0x80040400"), "x" * 10_000)
    engine.end_response()
    rows = engine.take_errors()
    assert sorted(e.dataset or "" for e in rows) == batched
    for row in rows:
        assert row.hresult == "0x80040400"
        assert len(row.message) < 1000  # catalogue words + 10,000 characters, shortened
        assert "(10,000 characters)" in row.message
