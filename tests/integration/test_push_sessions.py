"""Writes into QuickBooks, whole sessions: a push created through the API over real HTTP, sent
by a simulated Web Connector session to the simulated QuickBooks, read back from the data
endpoints, on SQLite and PostgreSQL.

Every test checks the company file itself (the ground truth): exactly one record carries the
push's marker, whatever was lost on the way — a response QuickBooks applied but never returned,
a dropped receiveResponseXML or closeConnection reply, our server stopped mid-session and
started again on the same database, the Web Connector killed.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import update

from qbdsync.api.app import create_app
from qbdsync.api.server import free_port, serve_in_thread
from qbdsync.qbwc.qwc import parse_qwc
from qbdsync.session.processor import OpenedCompany
from qbdsync.settings import Settings
from qbdsync.simulator.company import SimulatedCompany
from qbdsync.simulator.factories import Record
from qbdsync.simulator.message_sets import DropWrite
from qbdsync.simulator.quickbooks import SimulatedQuickBooks
from qbdsync.simulator.runner import SimulationResult
from qbdsync.simulator.webconnector import run_session
from qbdsync.store.db import make_engine
from qbdsync.store.migrate import upgrade
from qbdsync.store.tables import push_operations, qbwc_sessions
from tests.api.helpers import Synced, Tenant, link_and_sync, new_tenant
from tests.conftest import LiveServer

# -- a server that can be stopped and started again on the same database and port -------------


class Restartable:
    """qbdsync over real HTTP on one loopback port; `stop()` ends it as a crash would end its
    in-flight work (what it had not committed is gone), `start()` serves the same database."""

    def __init__(self, database_url: str) -> None:
        self.port = free_port()
        self.settings = Settings(  # type: ignore[arg-type]
            database_url=database_url, public_url=f"http://127.0.0.1:{self.port}"
        )
        self.engine = make_engine(self.settings.database_url)
        upgrade(self.engine)
        self._running: ExitStack | None = None
        self.url = f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        assert self._running is None
        stack = ExitStack()
        app = create_app(self.settings, self.engine)
        stack.enter_context(serve_in_thread(app, port=self.port))
        self._running = stack

    def stop(self) -> None:
        if self._running is not None:
            self._running.close()
            self._running = None

    @property
    def live(self) -> LiveServer:
        return LiveServer(url=self.url, settings=self.settings, engine=self.engine)


@pytest.fixture
def restartable(database_url: str) -> Iterator[Restartable]:
    server = Restartable(database_url)
    server.start()
    try:
        yield server
    finally:
        server.stop()
        server.engine.dispose()


# -- one synced company and the push API -----------------------------------------------------


@dataclass
class Books:
    """A company synced once, its push API, and its simulated company file."""

    server: LiveServer
    tenant: Tenant
    synced: Synced
    markers: set[str] = field(default_factory=set)

    @property
    def api(self) -> httpx.Client:
        return self.tenant.api

    @property
    def base(self) -> str:
        return f"/companies/{self.synced.company_id}/connections/{self.synced.connection_id}"

    def marker(self) -> str:
        """A short text no generated record holds (fits an invoice number: ≤ 11)."""
        while True:
            found = "Q" + secrets.token_hex(3).upper()
            if found not in self.markers:
                self.markers.add(found)
                return found

    def push(self, data_type: str, payload: dict[str, Any], **params: Any) -> dict[str, Any]:
        path = f"{self.base}/push/{data_type}"
        reply = self.api.post(path, json=payload, params=params)
        assert reply.status_code == 200, reply.text
        body = reply.json()
        assert body["status"] == "Pending", body
        return dict(body)

    def push_bank_transactions(self, account_id: str, payload: dict[str, Any]) -> dict[str, Any]:
        path = f"{self.base}/push/bankAccounts/{account_id}/bankTransactions"
        reply = self.api.post(path, json=payload)
        assert reply.status_code == 200, reply.text
        return dict(reply.json())

    def operation(self, key: str) -> dict[str, Any]:
        reply = self.api.get(f"/companies/{self.synced.company_id}/push/{key}")
        assert reply.status_code == 200, reply.text
        return dict(reply.json())

    def session(self, **options: Any) -> SimulationResult:
        return self.synced.sync(**options)

    def company(self) -> SimulatedCompany:
        return SimulatedCompany.open(self.synced.company_file)

    def holding(self, ret_names: tuple[str, ...], marker: str) -> list[Record]:
        """The live records of these types in the company file that carry `marker`."""
        with self.company() as company:
            return [
                record
                for ret in ret_names
                for record in company.records(ret)
                if marker in json.dumps(record)
            ]

    def truth(self, pick: Callable[[SimulatedCompany], str]) -> str:
        with self.company() as company:
            return pick(company)


def _books(server: LiveServer, tmp_path: Path) -> Books:
    tenant = new_tenant(server, "pushes")
    synced = link_and_sync(tenant, tmp_path / "company", "Push Books Inc")
    return Books(server, tenant, synced)


@pytest.fixture
def books(live_server: LiveServer, tmp_path: Path) -> Iterator[Books]:
    found = _books(live_server, tmp_path)
    try:
        yield found
    finally:
        found.api.close()


# -- what the company file holds to refer to --------------------------------------------------


def _first(company: SimulatedCompany, ret: str, **wanted: str) -> Record:
    for record in company.records(ret):
        if record.get("IsActive", "true") != "true" or "ParentRef" in record:
            continue
        if all(record.get(k) == v for k, v in wanted.items()):
            return record
    raise AssertionError(f"the simulated company has no {ret} with {wanted}")


def account_id(company: SimulatedCompany, account_type: str, nth: int = 0) -> str:
    found = [
        r["ListID"]
        for r in company.records("AccountRet")
        if r.get("AccountType") == account_type
        and r.get("IsActive") == "true"
        and "ParentRef" not in r
    ]
    assert len(found) > nth, account_type
    return str(found[nth])


def customer_id(company: SimulatedCompany) -> str:
    return str(_first(company, "CustomerRet")["ListID"])


def supplier_id(company: SimulatedCompany) -> str:
    return str(_first(company, "VendorRet")["ListID"])


def service_item_id(company: SimulatedCompany) -> str:
    return str(_first(company, "ItemServiceRet")["ListID"])


def open_bill(company: SimulatedCompany) -> Record:
    for bill in company.records("BillRet"):
        if bill.get("IsPaid") == "false" and float(bill.get("OpenAmount", "0")) >= 5:
            return bill
    raise AssertionError("the simulated company has no open bill")


# -- a payload for every pushable type, each carrying its marker ------------------------------


def payload_for(data_type: str, marker: str, company: SimulatedCompany) -> dict[str, Any]:
    """A valid create payload for `data_type` that carries `marker` in a field QuickBooks
    keeps (a name, a reference number or a memo)."""
    if data_type == "accounts":
        return {
            "name": f"Fees {marker}",
            "nominalCode": marker[-5:],
            "fullyQualifiedCategory": "Expense.Expense",
            "status": "Active",
        }
    if data_type == "bankAccounts":
        return {"accountName": f"Loan {marker}", "accountType": "Debit", "accountNumber": "99-1"}
    if data_type == "customers":
        return {"customerName": f"Customer {marker}", "emailAddress": "a@example.com"}
    if data_type == "suppliers":
        return {"supplierName": f"Supplier {marker}", "status": "Active"}
    if data_type == "items":
        return {
            "name": f"Item {marker}",
            "type": "Service",
            "itemStatus": "Active",
            "isInvoiceItem": True,
            "invoiceItem": {
                "unitPrice": 0.16667,
                "accountRef": {"id": account_id(company, "Income")},
                "taxRateRef": {"id": "Non"},
            },
        }
    if data_type in ("invoices", "creditNotes"):
        number = "invoiceNumber" if data_type == "invoices" else "creditNoteNumber"
        return {
            "customerRef": {"id": customer_id(company)},
            number: marker,
            "issueDate": "2024-03-01T00:00:00",
            "lineItems": [
                {
                    "description": "Consulting",
                    "quantity": 3,
                    "unitAmount": 0.16667,
                    "subTotal": 0.5,
                    "itemRef": {"id": service_item_id(company)},
                    "taxRateRef": {"id": "Non"},
                }
            ],
            "subTotal": 0.5,
        }
    if data_type == "payments":
        return {
            "customerRef": {"id": customer_id(company)},
            "totalAmount": 10,
            "date": "2024-03-05",
            "reference": marker,
            "lines": [{"amount": 10, "links": []}],
        }
    if data_type in ("bills", "billCreditNotes"):
        number = {"bills": "reference", "billCreditNotes": "billCreditNoteNumber"}[data_type]
        return {
            "supplierRef": {"id": supplier_id(company)},
            number: marker,
            "issueDate": "2024-04-01",
            "lineItems": [
                {
                    "description": "Office rent",
                    "subTotal": 120,
                    "accountRef": {"id": account_id(company, "Expense")},
                }
            ],
            "totalAmount": 120,
        }
    if data_type == "billPayments":
        bill = open_bill(company)
        return {
            "supplierRef": {"id": bill["VendorRef"]["ListID"]},
            "accountRef": {"id": account_id(company, "Bank")},
            "totalAmount": 1,
            "date": "2024-04-10",
            "reference": marker,
            "lines": [{"amount": 1, "links": [{"type": "Bill", "id": bill["TxnID"]}]}],
        }
    if data_type == "journalEntries":
        return {
            "postedOn": "2024-06-30",
            "reference": marker,
            "description": "Adjustment",
            "journalLines": [
                {"netAmount": 25.5, "accountRef": {"id": account_id(company, "Expense")}},
                {"netAmount": -25.5, "accountRef": {"id": account_id(company, "Expense", 1)}},
            ],
        }
    if data_type == "directCosts":
        return {
            "reference": marker,
            "contactRef": {"id": supplier_id(company), "dataType": "suppliers"},
            "issueDate": "2024-07-01",
            "lineItems": [{"subTotal": 100, "accountRef": {"id": account_id(company, "Expense")}}],
            "paymentAllocations": [
                {"payment": {"accountRef": {"id": account_id(company, "Bank")}}, "allocation": {}}
            ],
            "totalAmount": 100,
        }
    if data_type == "directIncomes":
        return {
            "issueDate": "2024-07-02",
            "note": f"Funds {marker}",
            "lineItems": [
                {"subTotal": 50, "accountRef": {"id": account_id(company, "LongTermLiability")}}
            ],
            "paymentAllocations": [
                {"payment": {"accountRef": {"id": account_id(company, "Bank")}}}
            ],
            "totalAmount": 50,
        }
    if data_type == "transfers":
        return {
            "date": "2024-07-03",
            "description": f"Sweep {marker}",
            "from": {"accountRef": {"id": account_id(company, "Bank")}, "amount": 30},
            "to": {"accountRef": {"id": account_id(company, "Bank", 1)}, "amount": 30},
        }
    if data_type == "purchaseOrders":
        return {
            "supplierRef": {"id": supplier_id(company)},
            "purchaseOrderNumber": marker,
            "issueDate": "2024-05-01",
            "lineItems": [
                {
                    "quantity": 4,
                    "unitAmount": 2.5,
                    "subTotal": 10,
                    "itemRef": {"id": service_item_id(company)},
                }
            ],
            "totalAmount": 10,
        }
    raise AssertionError(data_type)


# Where QuickBooks keeps each type (the Ret names its record can be).
RETS: dict[str, tuple[str, ...]] = {
    "accounts": ("AccountRet",),
    "bankAccounts": ("AccountRet",),
    "customers": ("CustomerRet",),
    "suppliers": ("VendorRet",),
    "items": ("ItemServiceRet",),
    "invoices": ("InvoiceRet",),
    "creditNotes": ("CreditMemoRet",),
    "payments": ("ReceivePaymentRet",),
    "bills": ("BillRet",),
    "billCreditNotes": ("VendorCreditRet",),
    "billPayments": ("BillPaymentCheckRet", "BillPaymentCreditCardRet"),
    "journalEntries": ("JournalEntryRet",),
    "directCosts": ("CheckRet", "CreditCardChargeRet"),
    "directIncomes": ("DepositRet", "SalesReceiptRet"),
    "transfers": ("TransferRet",),
    "purchaseOrders": ("PurchaseOrderRet",),
}


def quickbooks_id(record: Record) -> str:
    return str(record.get("TxnID") or record.get("ListID"))


def assert_pushed_once(
    books: Books, pushed: dict[str, Any], marker: str, data_type: str = "customers"
) -> Record:
    """The push is Success, QuickBooks holds exactly one record with the marker, and the data
    endpoints serve it under its QuickBooks id."""
    operation = books.operation(pushed["pushOperationKey"])
    assert operation["status"] == "Success", operation
    (record,) = books.holding(RETS[data_type], marker)
    record_id = quickbooks_id(record)
    read = books.api.get(f"{books.base}/data/{data_type}/{record_id}")
    assert read.status_code == 200, read.text
    assert read.json()["id"] == record_id
    return record


# -- every type: create, one session, read back ------------------------------------------------


@pytest.mark.parametrize("data_type", list(RETS))
def test_each_type_is_created_once_and_read_back(books: Books, data_type: str) -> None:
    marker = books.marker()
    payload = books.truth(lambda company: json.dumps(payload_for(data_type, marker, company)))
    pushed = books.push(data_type, json.loads(payload))
    ran = books.session()
    assert ran.error is None, ran
    record = assert_pushed_once(books, pushed, marker, data_type)
    operation = books.operation(pushed["pushOperationKey"])
    assert any(
        change["recordRef"]["id"] == quickbooks_id(record) for change in operation["changes"] or []
    ), operation


def test_bank_transactions_are_created_once_and_read_back(books: Books) -> None:
    marker = books.marker()
    bank = books.truth(lambda company: account_id(company, "Bank"))
    pushed = books.push_bank_transactions(
        bank,
        {
            "transactions": [
                {"amount": 2500, "date": "2024-07-04T00:00:00", "description": f"Draw {marker}"}
            ]
        },
    )
    assert books.session().error is None
    operation = books.operation(pushed["pushOperationKey"])
    assert operation["status"] == "Success", operation
    (record,) = books.holding(("DepositRet", "CheckRet"), marker)
    listed = books.api.get(
        f"{books.base}/data/bankAccounts/{bank}/bankTransactions",
        params={"pageSize": 1000, "query": f'description="Draw {marker}"'},
    )
    assert listed.status_code == 200, listed.text
    assert [r["amount"] for r in listed.json()["results"]] == [2500], record


# -- a lost response at every step ------------------------------------------------------------


def _customer(books: Books) -> tuple[dict[str, Any], str]:
    marker = books.marker()
    return books.push("customers", {"customerName": f"Lost {marker}"}), marker


@pytest.mark.parametrize("step", ["unstored", "stored", "receive", "close", "killed"])
def test_a_lost_response_at_any_step_still_creates_exactly_one(books: Books, step: str) -> None:
    pushed, marker = _customer(books)
    lost = books.session(drop_write=DropWrite(1, step))  # type: ignore[arg-type]
    assert lost.error is not None, lost  # the Web Connector saw the loss
    # QuickBooks applied the write whatever was lost after it.
    assert len(books.holding(("CustomerRet",), marker)) == 1
    if step in ("killed",):
        _age_open_sessions(books.server)
    again = books.session()
    assert again.error is None, again
    assert_pushed_once(books, pushed, marker)


def _age_open_sessions(server: LiveServer) -> None:
    """Let the silence after which an abandoned session may be taken over pass (the Web
    Connector's next scheduled run is at least minutes later)."""
    past = datetime.now(UTC) - timedelta(hours=2)
    with server.engine.begin() as conn:
        conn.execute(update(qbwc_sessions).values(updated_at=past, created_at=past))


def test_quickbooks_answering_9002_to_the_recovery_query(books: Books) -> None:
    """Applied, no response stored: QuickBooks cannot tell; the server looks for the record."""
    pushed, marker = _customer(books)
    books.session(drop_write=DropWrite(1, "unstored"))
    with books.company() as company:
        stored = company.meta("message_sets", {})
        assert all(s["responses"] is None for s in stored.values()), stored  # → 9002
    assert books.session().error is None
    assert_pushed_once(books, pushed, marker)


def test_quickbooks_answering_600_to_the_recovery_query(books: Books) -> None:
    """QuickBooks no longer knows the message set (600): the server looks for the record."""
    pushed, marker = _customer(books)
    books.session(drop_write=DropWrite(1, "stored"))
    with books.company() as company:
        company.set_meta("message_sets", {})
    assert books.session().error is None
    assert_pushed_once(books, pushed, marker)


class _AfterFirstWrite:
    """The simulated QuickBooks; once it has answered the first write, `then` runs."""

    def __init__(self, inner: SimulatedQuickBooks, then: Callable[[], None]) -> None:
        self.inner = inner
        self.then = then
        self.fired = False

    def begin_session(self) -> OpenedCompany:
        return self.inner.begin_session()

    def process(self, request_xml: str) -> str:
        response = self.inner.process(request_xml)
        if not self.fired and re.search(r"<\w+(Add|Mod|Del)Rq\b", request_xml):
            self.fired = True
            self.then()
        return response

    def end_session(self) -> None:
        self.inner.end_session()


def test_our_server_killed_mid_session(restartable: Restartable, tmp_path: Path) -> None:
    books = _books(restartable.live, tmp_path)
    pushed, marker = _customer(books)
    qwc = parse_qwc(books.synced.qwc_path.read_text(encoding="utf-8"))
    with books.company() as company:
        quickbooks = _AfterFirstWrite(SimulatedQuickBooks(company), restartable.stop)
        lost = run_session(qwc.app_url, qwc.user_name, books.synced.password, quickbooks)
    assert quickbooks.fired and lost.failure is not None, lost
    assert len(books.holding(("CustomerRet",), marker)) == 1
    restartable.start()
    _age_open_sessions(restartable.live)
    assert books.session().error is None
    assert_pushed_once(books, pushed, marker)


# -- what is never sent ------------------------------------------------------------------------


def test_invalid_payloads_queue_nothing(books: Books) -> None:
    before = books.api.get(f"/companies/{books.synced.company_id}/push").json()["totalResults"]
    invoice = books.truth(lambda company: payload_for("invoices", "TOO-LONG-NUMBER", company))
    invoice["customerRef"] = {"id": "80000000-0000000000"}
    for data_type, payload, fields in (
        ("customers", {"customerName": "N" * 42}, {"customerName"}),
        ("invoices", invoice, {"invoiceNumber", "customerRef.id"}),
    ):
        reply = books.api.post(f"{books.base}/push/{data_type}", json=payload)
        assert reply.status_code == 400, reply.text
        named = {e["itemId"] for e in reply.json()["validation"]["errors"]}
        assert fields <= named, (data_type, named)
    after = books.api.get(f"/companies/{books.synced.company_id}/push").json()["totalResults"]
    assert after == before


def test_a_timed_out_push_is_never_sent(books: Books) -> None:
    marker = books.marker()
    pushed = books.push("customers", {"customerName": f"Late {marker}"}, timeoutInMinutes=1)
    with books.server.engine.begin() as conn:  # its minute passed before the connector called
        conn.execute(
            update(push_operations)
            .where(push_operations.c.push_key == pushed["pushOperationKey"])
            .values(expires_at=datetime.now(UTC) - timedelta(minutes=5))
        )
    assert books.session().error is None
    assert books.operation(pushed["pushOperationKey"])["status"] == "TimedOut"
    assert books.holding(("CustomerRet",), marker) == []


def test_a_customer_then_an_invoice_for_it_in_one_batch(books: Books) -> None:
    marker = books.marker()
    customer = books.push("customers", {"customerName": f"New {marker}"})
    invoice_payload = books.truth(lambda company: payload_for("invoices", marker, company))
    invoice_payload["customerRef"] = {"id": customer["data"]["id"]}  # its provisional id
    invoice = books.push("invoices", invoice_payload)
    ran = books.session()
    assert ran.error is None, ran
    # Both went in this one session: it finished, not closed early to resume "next update".
    assert ran.result is not None and "next update resumes" not in ran.result, ran
    assert "Settled 2 push operations" in ran.result, ran
    (made,) = books.holding(("CustomerRet",), f"New {marker}")
    (billed,) = books.holding(("InvoiceRet",), marker)
    assert billed["CustomerRef"]["ListID"] == made["ListID"]
    assert books.operation(customer["pushOperationKey"])["status"] == "Success"
    assert books.operation(invoice["pushOperationKey"])["status"] == "Success"
    read = books.api.get(f"{books.base}/data/invoices/{billed['TxnID']}").json()
    assert read["customerRef"]["id"] == made["ListID"]


# -- a stale EditSequence (3200) ----------------------------------------------------------------


def _edited_elsewhere(books: Books, list_id: str) -> None:
    """Someone changes the customer in QuickBooks after our sync: its EditSequence moves."""
    with books.company() as company:
        record = company.get("CustomerRet", list_id)
        assert record is not None
        record["EditSequence"] = str(int(record["EditSequence"]) + 7)
        record["Phone"] = "555-0199"
        company.put("CustomerRet", record)


@pytest.mark.parametrize("force", [False, True])
def test_a_stale_edit_sequence(books: Books, force: bool) -> None:
    list_id = books.truth(customer_id)
    current = books.api.get(f"{books.base}/data/customers/{list_id}").json()
    _edited_elsewhere(books, list_id)
    marker = books.marker()
    reply = books.api.put(
        f"{books.base}/push/customers/{list_id}",
        json={**_updatable(current), "contactName": f"Ann {marker}"},
        params={"forceUpdate": str(force).lower()},
    )
    assert reply.status_code == 200, reply.text
    assert books.session().error is None
    operation = books.operation(reply.json()["pushOperationKey"])
    holding = books.holding(("CustomerRet",), marker)
    if force:
        assert operation["status"] == "Success", operation
        assert [quickbooks_id(r) for r in holding] == [list_id]
        assert holding[0]["Phone"] == "555-0199"  # the other change is kept
    else:
        assert operation["status"] == "Failed", operation
        assert "3200" in json.dumps(operation) or "changed" in (operation["errorMessage"] or "")
        assert holding == []


def _updatable(customer: dict[str, Any]) -> dict[str, Any]:
    """The fields of a read customer a create payload also takes."""
    return {"customerName": customer["customerName"]}
