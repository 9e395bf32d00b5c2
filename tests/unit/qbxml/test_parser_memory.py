"""A 200 MB response must parse in flat memory: records are dropped as soon as they are read."""

from __future__ import annotations

import gc

import psutil
import pytest

from qbdsync.qbxml.parser import Record, ResponseParser, ResponseStatus
from tests.unit.qbxml.samples import huge_response_chunks

MB = 1024 * 1024


@pytest.mark.slow
def test_a_200_mb_response_parses_in_flat_memory() -> None:
    process = psutil.Process()
    gc.collect()
    baseline = process.memory_info().rss
    peak = baseline
    parser = ResponseParser()
    records = 0
    statuses = 0
    last_txn = ""
    for chunk in huge_response_chunks(200 * MB, MB):
        for event in parser.feed(chunk):
            if isinstance(event, Record):
                records += 1
                last_txn = event.data["TxnID"]
            elif isinstance(event, ResponseStatus):
                statuses += 1
        peak = max(peak, process.memory_info().rss)
    for event in parser.close():
        records += isinstance(event, Record)
    peak = max(peak, process.memory_info().rss)
    assert statuses == 1
    assert records > 100_000
    assert last_txn
    growth = (peak - baseline) / MB
    assert growth < 60, f"memory grew by {growth:.0f} MB while parsing"
