"""The engine maps currencies with the company's Currency list, whenever it was synced."""

from __future__ import annotations

import json

from qbdsync.mapping.currencies import CompanyCurrency
from qbdsync.qbxml.status import Recovery
from qbdsync.sync.engine import SyncEngine
from qbdsync.sync.output import RecordRow
from qbdsync.sync.state import SessionState
from tests.unit.sync.test_engine import NOW, plan, requests_of, respond, rs


def currency_ret(list_id: str, name: str, code: str) -> str:
    return (
        f"<CurrencyRet><ListID>{list_id}</ListID><TimeModified>2024-01-01T00:00:00</TimeModified>"
        f"<EditSequence>1</EditSequence><Name>{name}</Name><IsActive>true</IsActive>"
        f"<CurrencyCode>{code}</CurrencyCode><IsUserDefinedCurrency>true</IsUserDefinedCurrency>"
        "</CurrencyRet>"
    )


def invoice_ret(txn_id: str, currency: tuple[str, str] | None = None) -> str:
    ref = ""
    if currency is not None:
        ref = (
            f"<CurrencyRef><ListID>{currency[0]}</ListID><FullName>{currency[1]}</FullName>"
            "</CurrencyRef><ExchangeRate>2</ExchangeRate>"
        )
    return (
        f"<InvoiceRet><TxnID>{txn_id}</TxnID><TimeModified>2024-01-02T00:00:00</TimeModified>"
        f"<EditSequence>1</EditSequence><CustomerRef><ListID>C1</ListID></CustomerRef>"
        f"<TxnDate>2024-01-02</TxnDate><Subtotal>10.00</Subtotal>{ref}</InvoiceRet>"
    )


def check_ret(txn_id: str, currency: tuple[str, str]) -> str:
    return (
        f"<CheckRet><TxnID>{txn_id}</TxnID><TimeModified>2024-01-02T00:00:00</TimeModified>"
        "<EditSequence>1</EditSequence><AccountRef><ListID>BANK</ListID>"
        "<FullName>Checking</FullName></AccountRef><TxnDate>2024-01-02</TxnDate>"
        f"<Amount>5.00</Amount><CurrencyRef><ListID>{currency[0]}</ListID>"
        f"<FullName>{currency[1]}</FullName></CurrencyRef></CheckRet>"
    )


def rows(changes: list[object], data_type: str) -> dict[str, RecordRow]:
    return {
        c.record_id: c for c in changes if isinstance(c, RecordRow) and c.data_type == data_type
    }


def test_the_currency_list_is_asked_first_and_its_codes_map_later_records() -> None:
    engine = plan(["invoices", "customers", "currencies"], home_currency="Home Credit")
    (first,) = requests_of(engine.next_request(NOW) or "")
    assert first.tag == "CurrencyQueryRq"
    respond(
        engine,
        rs(
            "CurrencyQueryRs",
            first.get("requestID"),
            currency_ret("CU-1", "Gold Bullion", "XAU")
            + currency_ret("CU-2", "Home Credit", "NZD")
            # A user-defined code outside ISO 4217 is not served as one.
            + currency_ret("CU-3", "Bitcoin", "XBT"),
        ),
    )
    (listed,) = engine.take_errors()  # the currency record itself: no ISO code to serve
    assert "'XBT'" in listed.message and "ISO 4217" in listed.message
    assert requests_of(engine.next_request(NOW) or "")[0].tag == "CustomerQueryRq"
    engine.state.runs[1].status = "done"  # customers: not what this test is about
    engine.state.in_flight.clear()

    (query,) = requests_of(engine.next_request(NOW) or "")
    assert query.tag == "InvoiceQueryRq"
    changes, _ = respond(
        engine,
        rs(
            "InvoiceQueryRs",
            query.get("requestID"),
            invoice_ret("1", ("CU-1", "Gold Bullion"))
            + invoice_ret("2")
            + invoice_ret("3", ("CU-3", "Bitcoin")),
            iteratorRemainingCount="0",
        ),
    )
    invoices = rows(changes, "invoices")
    assert invoices["1"].data is not None and invoices["1"].data["currency"] == "XAU"
    # No CurrencyRef: the home currency, by the code the company's list gives it.
    assert invoices["2"].data is not None and invoices["2"].data["currency"] == "NZD"
    assert invoices["1"].mapping_error is None and invoices["2"].mapping_error is None
    made_up = invoices["3"]
    assert made_up.data is not None and made_up.data["currency"] is None
    assert made_up.mapping_error is not None and "'Bitcoin'" in made_up.mapping_error
    (error,) = engine.take_errors()
    assert "'Bitcoin'" in error.message


def test_a_list_synced_in_an_earlier_session_is_used() -> None:
    engine = plan(["invoices"], currencies=[CompanyCurrency("CU-1", "Bitcoin", "XAU")])
    (query,) = requests_of(engine.next_request(NOW) or "")
    changes, _ = respond(
        engine,
        rs(
            "InvoiceQueryRs",
            query.get("requestID"),
            invoice_ret("1", ("CU-1", "Bitcoin")),
            iteratorRemainingCount="0",
        ),
    )
    row = rows(changes, "invoices")["1"]
    assert row.data is not None and row.data["currency"] == "XAU"


def test_the_learned_list_survives_the_state_round_trip_between_calls() -> None:
    engine = plan(["currencies", "invoices"])
    (first,) = requests_of(engine.next_request(NOW) or "")
    respond(engine, rs("CurrencyQueryRs", first.get("requestID"), currency_ret("CU-1", "B", "XAU")))
    stored = json.loads(json.dumps(engine.state.to_json()))
    again = SyncEngine(SessionState.from_json(stored))
    (query,) = requests_of(again.next_request(NOW) or "")
    changes, _ = respond(
        again,
        rs(
            "InvoiceQueryRs",
            query.get("requestID"),
            invoice_ret("1", ("CU-1", "B")),
            iteratorRemainingCount="0",
        ),
    )
    row = rows(changes, "invoices")["1"]
    assert row.data is not None and row.data["currency"] == "XAU"


def test_an_unknown_currency_is_stored_empty_with_a_note_and_logged_once_per_response() -> None:
    engine = plan(["invoices"])
    (query,) = requests_of(engine.next_request(NOW) or "")
    body = "".join(invoice_ret(str(i), ("CU-9", "Bitcoin")) for i in range(3)) + invoice_ret("9")
    changes, _ = respond(
        engine, rs("InvoiceQueryRs", query.get("requestID"), body, iteratorRemainingCount="0")
    )
    invoices = rows(changes, "invoices")
    for txn_id in ("0", "1", "2"):
        row = invoices[txn_id]
        assert row.data is not None
        assert row.data["currency"] is None  # not the name passed off as a code
        assert row.data["currencyRate"] == 2.0  # the rest of the record is mapped
        assert row.mapping_error is not None and "'Bitcoin'" in row.mapping_error
        assert row.raw["CurrencyRef"]["FullName"] == "Bitcoin"  # kept as QuickBooks sent it
    assert invoices["9"].data is not None and invoices["9"].data["currency"] == "USD"
    assert invoices["9"].mapping_error is None
    (error,) = engine.take_errors()
    assert error.dataset == "invoices"
    assert error.recovery == str(Recovery.KEEP_WARN)
    assert error.message.startswith("3 records mapped with a gap (e.g. InvoiceRet 0)")
    assert "'Bitcoin'" in error.message


def test_derived_rows_carry_the_note_and_count_once_per_record() -> None:
    engine = plan(["checks"], bank_account_ids=["BANK"])
    (query,) = requests_of(engine.next_request(NOW) or "")
    body = check_ret("1", ("CU-9", "Bitcoin")) + check_ret("2", ("CU-9", "Bitcoin"))
    changes, _ = respond(
        engine, rs("CheckQueryRs", query.get("requestID"), body, iteratorRemainingCount="0")
    )
    for data_type in ("directCosts", "accountTransactions"):
        found = rows(changes, data_type)
        assert set(found) == {"1", "2"}, data_type
        for row in found.values():
            assert row.mapping_error is not None and "'Bitcoin'" in row.mapping_error
    # A bank transaction has no currency field (its account's currency is its currency).
    assert {r.mapping_error for r in rows(changes, "bankTransactions").values()} == {None}
    (error,) = engine.take_errors()
    assert error.message.startswith("2 records mapped with a gap")


def test_a_currency_whose_code_becomes_unusable_loses_it() -> None:
    engine = plan(
        ["currencies", "invoices"], currencies=[CompanyCurrency("CU-1", "Bitcoin", "XAU")]
    )
    (first,) = requests_of(engine.next_request(NOW) or "")
    respond(
        engine,
        rs("CurrencyQueryRs", first.get("requestID"), currency_ret("CU-1", "Bitcoin", "B$")),
    )
    assert engine.state.currencies == []
    (query,) = requests_of(engine.next_request(NOW) or "")
    changes, _ = respond(
        engine,
        rs(
            "InvoiceQueryRs",
            query.get("requestID"),
            invoice_ret("1", ("CU-1", "Bitcoin")),
            iteratorRemainingCount="0",
        ),
    )
    row = rows(changes, "invoices")["1"]
    assert row.data is not None and row.data["currency"] is None
    assert row.mapping_error is not None and "'Bitcoin'" in row.mapping_error
