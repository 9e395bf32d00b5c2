"""Codat data types: which datasets feed each one, and their default sync settings.

Built from the dataset registry, so a new dataset or derivation shows up here by itself. A
derived type (bankAccounts from accounts) is synced by syncing its source datasets.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from qbdsync.sync.datasets import COMPANY_INFO, DATASETS, SERVED, Served

DEFAULT_SCHEDULE_HOURS = 24


@dataclass(frozen=True, slots=True)
class DataType:
    name: str
    datasets: tuple[str, ...]  # the datasets that must run to refresh it
    sync_order: int
    served: Served  # how the API serves it
    derived: bool = False

    @property
    def fetch_on_first_link(self) -> bool:
        return True

    @property
    def raw_only(self) -> bool:
        """Kept for operators although Codat's API has no data type for it."""
        return not self.served.in_codat


@cache
def data_types() -> dict[str, DataType]:
    """Every readable Codat data type ('company' included), in dependency-respecting order."""
    feeding: dict[str, list[str]] = {COMPANY_INFO: []}
    derived: set[str] = set()
    for dataset in DATASETS.values():
        feeding.setdefault(dataset.data_type, []).append(dataset.name)
        for derivation in dataset.derived:
            feeding.setdefault(derivation.data_type, []).append(dataset.name)
            derived.add(derivation.data_type)
    return {
        name: DataType(name, tuple(sets), order, SERVED[name], derived=name in derived)
        for order, (name, sets) in enumerate(feeding.items())
    }


def datasets_for(types: list[str] | set[str] | tuple[str, ...]) -> list[str]:
    """The datasets to run so that every one of `types` is refreshed."""
    known = data_types()
    wanted: list[str] = []
    for name in types:
        for dataset in known[name].datasets:
            if dataset not in wanted:
                wanted.append(dataset)
    return wanted
