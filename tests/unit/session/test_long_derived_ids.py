"""A derived row whose id cannot be stored, through a whole session on both databases: the
source record is stored, the row is not, and the skip is a sync error of the dataset — in the
errors table and in `qbdsync connection errors` — never dropped unseen."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from qbdsync.session.local import run_local_session
from qbdsync.store import records as record_store
from tests.unit.session.conftest import World


def test_a_transfer_whose_sides_ids_are_too_long_is_a_sync_error(
    world_on_both_databases: World,
) -> None:
    world = world_on_both_databases
    original = next(iter(world.company.records("TransferRet")))
    # 62 characters: the TxnID fits the 64 of the key, its sides' ids (-from, -to) do not.
    long_id = "7" * 61 + "1"
    world.company.put("TransferRet", {**original, "TxnID": long_id})

    result = run_local_session(world.core, world.connection_id, world.quickbooks())
    assert result.finished, result.outcome

    ids: dict[str, set[str]] = {}
    with world.engine.connect() as conn:
        for data_type in ("transfers", "bankTransactions", "accountTransactions"):
            stored = record_store.iter_records(conn, world.connection_id, data_type)
            ids[data_type] = {r["id"] for r in stored}
    assert {long_id, original["TxnID"]} <= ids["transfers"]
    for data_type in ("bankTransactions", "accountTransactions"):
        # The other transfer's sides are stored as ever; none of the long one's.
        assert f"{original['TxnID']}-from" in ids[data_type], data_type
        assert not any(i.startswith(long_id) for i in ids[data_type]), data_type

    skipped = {e.message.split(" ", 1)[0]: e for e in world.errors() if long_id in e.sample}
    assert set(skipped) == {"bankTransactions", "accountTransactions"}
    for error in skipped.values():
        assert error.dataset == "transfers"
        assert "were not stored: their id would be longer than 64 characters" in error.message
        assert error.sample == (long_id,)

    # Shown as every other sync error is, by `qbdsync connection errors`.
    command = ["connection", "errors", world.connection_id, "--json"]
    shown = subprocess.run(
        [sys.executable, "-m", "qbdsync.cli", *command],
        env={
            **os.environ,
            "QBDSYNC_DATABASE_URL": world.settings.database_url,
            "QBDSYNC_PUBLIC_URL": str(world.settings.public_url),
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    listed = [e for e in json.loads(shown.stdout) if long_id in (e.get("sample") or [])]
    assert sorted(e["message"].split(" ", 1)[0] for e in listed) == [
        "accountTransactions",
        "bankTransactions",
    ]
    assert {e["dataset"] for e in listed} == {"transfers"}
