"""The dataset registry: every data type qbdsync reads, declared as data.

A Dataset says which qbXML query reads it, which id field keys it, whether QuickBooks offers an
iterator for it, how deletions are asked for, what must be synced before it, and which mapper
turns its records into the Codat shape. The engine knows nothing type-specific beyond this.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal

from qbdsync.mapping.accounts import map_account
from qbdsync.mapping.contacts import map_customer, map_supplier
from qbdsync.mapping.invoices import map_invoice

Mapper = Callable[[dict[str, Any], str | None], dict[str, Any]]
FilterValue = str | tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class Dataset:
    name: str  # the Codat data type name
    query: str  # the qbXML query request, e.g. "InvoiceQueryRq"
    ret_names: frozenset[str]  # the records it returns, e.g. {"InvoiceRet"}
    kind: Literal["list", "txn"]
    iterator: bool  # QuickBooks offers iterators for it (Account, Class, Terms… have none)
    mapper: Mapper
    depends_on: tuple[str, ...] = ()
    extra_filters: tuple[tuple[str, FilterValue], ...] = ()
    # ListDelType / TxnDelType names whose deletions mark this dataset's records.
    deleted_types: tuple[str, ...] = ()
    # Rough size of one record in bytes, to choose MaxReturned so a page carries a useful load.
    record_bytes: int = 1000

    @property
    def id_field(self) -> str:
        return "ListID" if self.kind == "list" else "TxnID"


_ALL_STATUSES: tuple[tuple[str, FilterValue], ...] = (("ActiveStatus", "All"),)

DATASETS: dict[str, Dataset] = {
    d.name: d
    for d in (
        Dataset(
            name="accounts",
            query="AccountQueryRq",
            ret_names=frozenset({"AccountRet"}),
            kind="list",
            iterator=False,
            mapper=map_account,
            extra_filters=_ALL_STATUSES,
            deleted_types=("Account",),
            record_bytes=600,
        ),
        Dataset(
            name="customers",
            query="CustomerQueryRq",
            ret_names=frozenset({"CustomerRet"}),
            kind="list",
            iterator=True,
            mapper=map_customer,
            extra_filters=_ALL_STATUSES,
            deleted_types=("Customer",),
            record_bytes=1200,
        ),
        Dataset(
            name="suppliers",
            query="VendorQueryRq",
            ret_names=frozenset({"VendorRet"}),
            kind="list",
            iterator=True,
            mapper=map_supplier,
            extra_filters=_ALL_STATUSES,
            deleted_types=("Vendor",),
            record_bytes=1000,
        ),
        Dataset(
            name="invoices",
            query="InvoiceQueryRq",
            ret_names=frozenset({"InvoiceRet"}),
            kind="txn",
            iterator=True,
            mapper=map_invoice,
            depends_on=("customers", "accounts"),
            extra_filters=(("IncludeLineItems", "true"), ("IncludeLinkedTxns", "true")),
            deleted_types=("Invoice",),
            record_bytes=1900,
        ),
    )
}


def sync_order(names: Iterable[str]) -> list[str]:
    """The datasets in an order that puts every dependency first (stable otherwise)."""
    wanted = [n for n in DATASETS if n in set(names)]
    ordered: list[str] = []
    visiting: set[str] = set()

    def visit(name: str) -> None:
        if name in ordered or name not in wanted:
            return
        if name in visiting:
            raise ValueError(f"dependency cycle through {name}")
        visiting.add(name)
        for dep in DATASETS[name].depends_on:
            visit(dep)
        visiting.discard(name)
        ordered.append(name)

    for name in wanted:
        visit(name)
    return ordered
