"""The simulator's own catalogue of record types against qbdsync's dataset registry: two
accounts of QuickBooks written apart, so that one checks the other (the simulator imports
nothing from the registry)."""

from __future__ import annotations

import ast
from pathlib import Path

import qbdsync.simulator
from qbdsync.simulator.catalogue import (
    BY_RET,
    CODAT_TYPES,
    LIST_QUERIES,
    NO_ITERATOR_QUERIES,
    RECORD_TYPES,
    TXN_QUERIES,
    codat_type_of_query,
)
from qbdsync.sync.datasets import DATASETS


def test_each_record_type_counts_under_the_type_the_registry_stores_it_as() -> None:
    stored = {ret: d.data_type for d in DATASETS.values() for ret in d.ret_names}
    assert stored == {ret: BY_RET[ret].codat_type for ret in stored}
    assert set(stored) == set(RECORD_TYPES)
    registry_types = {d.data_type for d in DATASETS.values()}
    assert set(CODAT_TYPES) == registry_types


def test_every_query_the_registry_sends_is_answered_with_its_records_and_paging() -> None:
    for dataset in DATASETS.values():
        answered = LIST_QUERIES.get(dataset.query) or TXN_QUERIES[dataset.query]
        # The simulator returns at least what the registry reads from it.
        assert dataset.ret_names <= set(answered), dataset.name
        assert dataset.iterator == (dataset.query not in NO_ITERATOR_QUERIES), dataset.name
        assert codat_type_of_query(dataset.query) == dataset.data_type, dataset.name
        kind = "txn" if BY_RET[next(iter(dataset.ret_names))].txn else "list"
        assert dataset.kind == kind, dataset.name


def test_the_simulator_keeps_one_catalogue_and_no_registry() -> None:
    """No simulator module imports the sync or mapping packages, and no other module spells
    out a tuple, list or set of record types (per-type tuning, such as churn weights, are
    dicts of their own)."""
    folder = Path(qbdsync.simulator.__file__).parent
    for path in folder.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                assert not node.module.startswith(("qbdsync.sync", "qbdsync.mapping")), path
            if path.name != "catalogue.py" and isinstance(node, ast.Tuple | ast.List | ast.Set):
                rets = [
                    e.value
                    for e in node.elts
                    if isinstance(e, ast.Constant) and e.value in RECORD_TYPES
                ]
                assert len(rets) < 4, (path.name, node.lineno, rets)
