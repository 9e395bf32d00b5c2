"""The dataset registry: every data type qbdsync reads, declared as data.

A Dataset is one qbXML query: which records it returns, which id field keys them, whether
QuickBooks offers an iterator for it, how deletions are asked for, what must be synced before it,
which mapper turns its records into the Codat shape, and which further Codat types are derived
from the same records (bank accounts from accounts, bank transactions from checks…). Several
datasets may feed one Codat data type (billPayments = BillPaymentCheck + BillPaymentCreditCard).
The engine knows nothing type-specific beyond this.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal

from qbdsync.mapping.accounts import map_account
from qbdsync.mapping.common import MappingContext
from qbdsync.mapping.contacts import map_customer, map_supplier
from qbdsync.mapping.invoices import map_invoice

Mapper = Callable[[dict[str, Any], MappingContext], dict[str, Any]]
DerivedMapper = Callable[[dict[str, Any], MappingContext], dict[str, Any] | None]
FilterValue = str | tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class Derivation:
    """A further Codat type made from the same records (None from the mapper = not this one)."""

    data_type: str
    mapper: DerivedMapper


@dataclass(frozen=True, slots=True)
class Dataset:
    name: str  # unique key of the query (watermarks are kept per dataset)
    data_type: str  # the Codat data type its records become
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
    derived: tuple[Derivation, ...] = ()

    @property
    def id_field(self) -> str:
        return "ListID" if self.kind == "list" else "TxnID"


_ALL_STATUSES: tuple[tuple[str, FilterValue], ...] = (("ActiveStatus", "All"),)

DATASETS: dict[str, Dataset] = {
    d.name: d
    for d in (
        Dataset(
            name="accounts",
            data_type="accounts",
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
            data_type="customers",
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
            data_type="suppliers",
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
            data_type="invoices",
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
    """The datasets in the given order, moved only as needed to put dependencies first.

    A dependency names a Codat data type: every dataset feeding it goes before the dependent.
    """
    wanted = [n for n in dict.fromkeys(names) if n in DATASETS]
    ordered: list[str] = []
    visiting: set[str] = set()

    def visit(name: str) -> None:
        if name in ordered or name not in wanted:
            return
        if name in visiting:
            raise ValueError(f"dependency cycle through {name}")
        visiting.add(name)
        for dep in DATASETS[name].depends_on:
            for other in wanted:
                if DATASETS[other].data_type == dep:
                    visit(other)
        visiting.discard(name)
        ordered.append(name)

    for name in wanted:
        visit(name)
    return ordered
