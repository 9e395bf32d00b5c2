"""Derived data types through the engine: a source record may derive several rows of one type
(a transfer between two bank accounts is a bank transaction in each), and rows it no longer
derives, or all of them when it is deleted, are deleted."""

from __future__ import annotations

from qbdsync.qbxml.status import Recovery
from qbdsync.store.records import RecordRow
from qbdsync.sync.datasets import DATASETS, Derivation
from qbdsync.sync.engine import Deletion, SyncEngine

from .test_engine import NOW, plan, requests_of, respond, rs

CHECKING, SAVINGS, EQUITY = "80000001-1", "80000002-1", "80000009-1"
STAMP = "2024-03-22T10:00:00-08:00"


def transfer(txn_id: str, from_id: str, to_id: str, amount: str = "250.00") -> str:
    return (
        f"<TransferRet><TxnID>{txn_id}</TxnID><TimeCreated>{STAMP}</TimeCreated>"
        f"<TimeModified>{STAMP}</TimeModified><EditSequence>1</EditSequence>"
        "<TxnNumber>7</TxnNumber><TxnDate>2024-03-22</TxnDate>"
        f"<TransferFromAccountRef><ListID>{from_id}</ListID><FullName>F</FullName>"
        "</TransferFromAccountRef>"
        f"<TransferToAccountRef><ListID>{to_id}</ListID><FullName>T</FullName>"
        f"</TransferToAccountRef><Amount>{amount}</Amount><Memo>Move</Memo></TransferRet>"
    )


def sync_transfers(engine: SyncEngine, *records: str) -> list[RecordRow | Deletion]:
    (query,) = requests_of(engine.next_request(NOW) or "")
    assert query.tag == "TransferQueryRq"
    changes, _ = respond(
        engine, rs("TransferQueryRs", query.get("requestID") or "", "".join(records))
    )
    return changes


def rows_of(changes: list[RecordRow | Deletion], data_type: str) -> dict[str, RecordRow]:
    return {
        c.record_id: c for c in changes if isinstance(c, RecordRow) and c.data_type == data_type
    }


def deleted_of(changes: list[RecordRow | Deletion], data_type: str) -> set[str]:
    return {c.record_id for c in changes if isinstance(c, Deletion) and c.data_type == data_type}


def test_a_transfer_between_two_bank_accounts_is_stored_on_both() -> None:
    engine = plan(["transfers"], bank_account_ids=[CHECKING, SAVINGS])
    changes = sync_transfers(engine, transfer("T-1", CHECKING, SAVINGS))
    assert set(rows_of(changes, "transfers")) == {"T-1"}
    for data_type in ("bankTransactions", "accountTransactions"):
        sides = rows_of(changes, data_type)
        assert set(sides) == {"T-1-from", "T-1-to"}, data_type
        # The row's key is the id it is served with.
        assert all(row.data and row.data["id"] == key for key, row in sides.items())
        # A row stored under the bare TxnID (only the "from" side, before) goes.
        assert deleted_of(changes, data_type) == {"T-1"}
    bank = rows_of(changes, "bankTransactions")
    assert bank["T-1-from"].data and bank["T-1-from"].data["accountId"] == CHECKING
    assert bank["T-1-from"].data["amount"] == -250.0
    assert bank["T-1-to"].data and bank["T-1-to"].data["accountId"] == SAVINGS
    assert bank["T-1-to"].data["amount"] == 250.0
    assert engine.state.run("transfers").derived == {
        "accountTransactions": 2,
        "bankTransactions": 2,
    }


def test_a_side_that_leaves_the_bank_is_deleted() -> None:
    engine = plan(["transfers"], bank_account_ids=[CHECKING, SAVINGS])
    # The transfer was edited: its "to" account is now an equity account.
    changes = sync_transfers(engine, transfer("T-1", CHECKING, EQUITY))
    assert set(rows_of(changes, "bankTransactions")) == {"T-1-from"}
    assert deleted_of(changes, "bankTransactions") == {"T-1-to", "T-1"}
    # Out of the bank on both sides: no bank row stays live.
    engine = plan(["transfers"], bank_account_ids=[CHECKING, SAVINGS])
    changes = sync_transfers(engine, transfer("T-1", EQUITY, EQUITY))
    assert rows_of(changes, "bankTransactions") == {}
    assert deleted_of(changes, "bankTransactions") == {"T-1-from", "T-1-to", "T-1"}


def test_a_deleted_source_deletes_every_row_it_may_have_derived() -> None:
    # Transfers are no TxnDelType, so the deletion path is shown with a check (one row under
    # its own id) and with what the transfers' derivations declare (both sides).
    engine = plan(["checks"], watermarks={"checks": "2024-01-01T00:00:00-08:00"})
    main, deleted = requests_of(engine.next_request(NOW) or "")
    assert deleted.tag == "TxnDeletedQueryRq"
    body = (
        "<TxnDeletedRet><TxnDelType>Check</TxnDelType><TxnID>CK-9</TxnID>"
        f"<TimeCreated>{STAMP}</TimeCreated><TimeDeleted>{STAMP}</TimeDeleted></TxnDeletedRet>"
    )
    changes, _ = respond(
        engine,
        rs("CheckQueryRs", main.get("requestID") or "", code=1),
        rs("TxnDeletedQueryRs", deleted.get("requestID") or "", body),
    )
    assert set(changes) == {
        Deletion("directCosts", "CK-9"),
        Deletion("accountTransactions", "CK-9"),
        Deletion("bankTransactions", "CK-9"),
    }
    by_type: dict[str, Derivation] = {d.data_type: d for d in DATASETS["transfers"].derived}
    for data_type in ("accountTransactions", "bankTransactions"):
        assert set(by_type[data_type].row_ids("T-1")) == {"T-1-from", "T-1-to", "T-1"}


def test_a_record_that_moves_no_bank_money_derives_nothing() -> None:
    engine = plan(["transfers"], bank_account_ids=[CHECKING])
    changes = sync_transfers(engine, transfer("T-2", EQUITY, EQUITY))
    assert set(rows_of(changes, "transfers")) == {"T-2"}
    assert rows_of(changes, "accountTransactions") == {}
    assert engine.state.run("transfers").derived == {}


def test_a_derived_row_whose_id_cannot_be_stored_is_a_sync_error_of_the_dataset() -> None:
    """A TxnID of 62 characters is stored, but its sides' ids (-from, -to) would pass the
    64 of the key: those rows are not stored, and each type's skip is a sync error of the
    transfers dataset with the transfer's TxnID as its sample — never dropped unseen."""
    txn_id = "T" * 62
    engine = plan(["transfers"], bank_account_ids=[CHECKING, SAVINGS])
    changes = sync_transfers(
        engine, transfer(txn_id, CHECKING, SAVINGS), transfer("T-1", CHECKING, SAVINGS)
    )
    assert set(rows_of(changes, "transfers")) == {txn_id, "T-1"}
    errors = {e.message: e for e in engine.take_errors()}
    for data_type in ("bankTransactions", "accountTransactions"):
        assert set(rows_of(changes, data_type)) == {"T-1-from", "T-1-to"}, data_type
        # No deletion of ids no row can have been stored under; the bare TxnID still goes.
        assert deleted_of(changes, data_type) == {txn_id, "T-1"}
        message = (
            f"{data_type} rows of TransferRet records were not stored: their id would be "
            "longer than 64 characters (the TransferRet record itself was stored)"
        )
        error = errors.pop(message)
        assert (error.dataset, error.recovery) == ("transfers", Recovery.KEEP_WARN)
        assert (error.count, error.sample) == (1, (txn_id,))  # one transfer, both sides
    assert errors == {}
