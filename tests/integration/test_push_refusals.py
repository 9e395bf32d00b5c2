"""Names and references QuickBooks would refuse, over real HTTP and whole simulated sessions, on
SQLite and PostgreSQL: refused before queueing when the synced data shows it (a name already
used, a tax code the file lacks), and when only QuickBooks can tell (3100 for two pushes of one
name, 3140 for a record deleted in QuickBooks since the last sync) the failed push names the
payload field and, for a name, the record that holds it.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from qbdsync.simulator.company import SimulatedCompany
from qbdsync.simulator.factories import Record
from tests.api.helpers import Synced, Tenant, link_and_sync, new_tenant
from tests.conftest import LiveServer


@dataclass
class Books:
    tenant: Tenant
    synced: Synced

    @property
    def base(self) -> str:
        return f"/companies/{self.synced.company_id}/connections/{self.synced.connection_id}"

    def post(self, data_type: str, payload: dict[str, Any]) -> Any:
        return self.tenant.api.post(f"{self.base}/push/{data_type}", json=payload)

    def queued(self, data_type: str, payload: dict[str, Any]) -> str:
        reply = self.post(data_type, payload)
        assert reply.status_code == 200, reply.text
        return str(reply.json()["pushOperationKey"])

    def operation(self, key: str) -> dict[str, Any]:
        reply = self.tenant.api.get(f"/companies/{self.synced.company_id}/push/{key}")
        assert reply.status_code == 200, reply.text
        return dict(reply.json())

    def pushes(self) -> int:
        reply = self.tenant.api.get(f"/companies/{self.synced.company_id}/push")
        assert reply.status_code == 200, reply.text
        return int(reply.json()["totalResults"])

    def company(self) -> SimulatedCompany:
        return SimulatedCompany.open(self.synced.company_file)

    def first(self, ret: str, **wanted: str) -> Record:
        with self.company() as company:
            return next(
                r
                for r in company.records(ret)
                if r.get("IsActive", "true") == "true"
                and "ParentRef" not in r
                and all(r.get(k) == v for k, v in wanted.items())
            )


@pytest.fixture
def books(live_server: LiveServer, tmp_path: Path) -> Iterator[Books]:
    tenant = new_tenant(live_server, "refusals")
    synced = link_and_sync(tenant, tmp_path / "company", "Refusals Inc")
    try:
        yield Books(tenant, synced)
    finally:
        tenant.api.close()


def _errors(body: dict[str, Any]) -> dict[str, str]:
    return {e["itemId"]: e["message"] for e in (body.get("validation") or {}).get("errors", [])}


def _invoice(books: Books, *lines: dict[str, Any]) -> dict[str, Any]:
    return {
        "customerRef": {"id": books.first("CustomerRet")["ListID"]},
        "issueDate": "2024-03-01",
        "lineItems": list(lines),
    }


def test_a_name_already_used_is_refused_before_queueing(books: Books) -> None:
    vendor = books.first("VendorRet")
    before = books.pushes()
    reply = books.post("customers", {"customerName": vendor["Name"].upper()})
    assert reply.status_code == 400, reply.text
    errors = _errors(reply.json())
    assert list(errors) == ["customerName"]
    assert f"already used by the supplier {vendor['Name']!r}" in errors["customerName"]
    assert books.pushes() == before


def test_a_tax_code_the_file_lacks_is_refused_before_queueing(books: Books) -> None:
    service = books.first("ItemServiceRet")["ListID"]
    before = books.pushes()
    lines = [
        {"subTotal": 10, "itemRef": {"id": service}, "taxRateRef": {"id": "Non"}},
        {"subTotal": 10, "itemRef": {"id": service}, "taxRateRef": {"id": "S"}},  # UK VAT
    ]
    reply = books.post("invoices", _invoice(books, *lines))
    assert reply.status_code == 400, reply.text
    assert list(_errors(reply.json())) == ["lineItems[1].taxRateRef.id"]
    assert books.pushes() == before
    lines[1]["taxRateRef"] = {"id": "tax"}  # the synced "Tax", as QuickBooks compares names
    books.queued("invoices", _invoice(books, *lines))


def test_two_pushes_of_one_name_the_second_says_who_took_it(books: Books) -> None:
    """Before the first is sent, the second is refused naming the pending push; once the
    first is in QuickBooks, naming the record; QuickBooks never holds the second."""
    name = f"Twin {secrets.token_hex(3)}"
    first = books.queued("customers", {"customerName": name})
    before = books.pushes()
    pending = books.post("suppliers", {"supplierName": name.upper()})
    assert pending.status_code == 400, pending.text
    (error,) = pending.json()["validation"]["errors"]
    assert error["itemId"] == "supplierName" and error["validatorName"] == "NameInUse"
    assert first in error["message"] and "Pending" in error["message"]
    assert books.pushes() == before
    assert books.synced.sync().error is None
    assert books.operation(first)["status"] == "Success"
    taken = books.post("suppliers", {"supplierName": name.upper()})
    assert taken.status_code == 400, taken.text
    (error,) = taken.json()["validation"]["errors"]
    assert f"already used by the customer {name!r}" in error["message"]
    with books.company() as company:
        assert [r["Name"] for r in company.records("VendorRet") if r["Name"] == name.upper()] == []


def test_a_record_deleted_in_quickbooks_is_named_by_its_payload_field(books: Books) -> None:
    with books.company() as company:
        services = [r for r in company.records("ItemServiceRet") if r.get("IsActive") == "true"][:2]
        kept, gone = services
        lines = [
            {"subTotal": 10, "itemRef": {"id": kept["ListID"]}, "taxRateRef": {"id": "Non"}},
            {"subTotal": 5, "itemRef": {"id": gone["ListID"]}, "taxRateRef": {"id": "Non"}},
        ]
        key = books.queued("invoices", _invoice(books, *lines))
        # Deleted in QuickBooks after our last sync: the synced data still has it.
        company.delete("ItemServiceRet", gone, company.now + 1)
    assert books.synced.sync().error is None
    failed = books.operation(key)
    assert failed["status"] == "Failed", failed
    errors = _errors(failed)
    assert list(errors) == ["lineItems[1].itemRef.id"], failed
    assert gone["ListID"] in errors["lineItems[1].itemRef.id"]
