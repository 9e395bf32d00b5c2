"""Helpers for whole-session tests: link a company and run simulated Web Connector sessions."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qbdsync.lifecycle import request_sync
from qbdsync.linking import NewConnection, create_company, create_connection
from qbdsync.simulator.company import SimulatedCompany
from qbdsync.simulator.runner import SimulationResult, simulate
from qbdsync.store import records as record_store
from tests.conftest import LiveServer

RET_OF_CODAT = {
    "accounts": "AccountRet",
    "customers": "CustomerRet",
    "suppliers": "VendorRet",
    "invoices": "InvoiceRet",
}


@dataclass
class Linked:
    server: LiveServer
    connection: NewConnection
    qwc_path: Path
    company_file: Path

    def sync(self, **kwargs: Any) -> SimulationResult:
        options: dict[str, Any] = {"size": "small", "seed": 1, "country": "US"}
        options.update(kwargs)
        return simulate(
            qwc_path=self.qwc_path,
            password=options.pop("password", self.connection.password),
            company_file=options.pop("company_file", self.company_file),
            **options,
        )

    def stored(self, data_type: str, *, include_deleted: bool = True) -> list[dict[str, Any]]:
        with self.server.engine.connect() as conn:
            return record_store.iter_records(
                conn, self.connection.connection.id, data_type, include_deleted=include_deleted
            )

    def make_due(self) -> None:
        request_sync(self.server.engine, self.connection.connection.id)

    def watermarks(self) -> dict[str, str]:
        with self.server.engine.connect() as conn:
            return record_store.get_watermarks(conn, self.connection.connection.id)

    def counts(self) -> dict[str, int]:
        with self.server.engine.connect() as conn:
            return record_store.count_by_type(conn, self.connection.connection.id)


def link(server: LiveServer, tmp_path: Path, name: str = "Acme") -> Linked:
    company_id = create_company(server.engine, name)
    created = create_connection(server.engine, server.settings, company_id)
    qwc_path = tmp_path / f"{created.connection.id}.qwc"
    qwc_path.write_text(created.qwc, encoding="utf-8")
    return Linked(server, created, qwc_path, tmp_path / f"{name}.qbsim")


def assert_store_matches(linked: Linked) -> None:
    """Every live simulator record is stored with the same raw data; deleted ones are marked."""
    with SimulatedCompany.open(linked.company_file) as company:
        for data_type, ret in RET_OF_CODAT.items():
            truth = {(r.get("ListID") or r.get("TxnID")): r for r in company.records(ret)}
            stored = {r["id"]: r for r in linked.stored(data_type)}
            live = {k: v for k, v in stored.items() if not v["is_deleted"]}
            assert set(live) == set(truth), data_type
            for record_id, raw in truth.items():
                assert live[record_id]["raw"] == raw, (data_type, record_id)
                assert live[record_id]["data"] is not None, (data_type, record_id)
            deleted_ids = {str(d.get("ListID") or d.get("TxnID")) for d in company.deleted(ret)}
            for record_id in deleted_ids & set(stored):
                assert stored[record_id]["is_deleted"], (data_type, record_id)
