"""Every field of every pushable type, given a value of the wrong JSON type, is refused with a
400 naming that field's payload path, and nothing is queued.

For each type a valid payload that sets every field the type declares (for a US company
without multicurrency) is pushed once (it must be accepted), then each of its fields in turn —
leaves, objects, lists and list elements — is replaced by values of other JSON types. The
fields come from the payload, and a separate check holds the payloads to the kinds' own field
declarations, so a field a kind adds later must be given a wrong-typed value here too.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from qbdsync.push.fields import Spec
from qbdsync.push.kinds import CompanyProfile
from qbdsync.push.registry import KINDS
from qbdsync.simulator.company import SimulatedCompany
from qbdsync.simulator.factories import Record
from tests.api.helpers import Synced, Tenant, link_and_sync, new_tenant, serving
from tests.conftest import LiveServer

US = CompanyProfile("US", "QuickBooks Enterprise Solutions", False, "USD", "13.0")

# Values of every other JSON type, per declared field type. Null is "not given" (accepted for
# an optional field), so it is tried on required fields only; so is the empty text.
WRONG: dict[str, tuple[Any, ...]] = {
    "String": (5, 1.5, True, {"text": "x"}, ["x"]),
    "Number": ("ten", "", True, {"value": 1}, [1]),
    "Boolean": ("true", 1, {}, []),
    "DateTime": (20240301, True, {"date": "2024-03-01"}, ["2024-03-01"], "1 March 2024"),
    "Object": ("x", 5, True, [{"id": "x"}]),
    "Array": ("x", 5, True, {"0": {}}),
}
WRONG_ELEMENT: tuple[Any, ...] = ("x", 5, None, ["x"])
# A field of the path rather than the body: the bank account is the URL's, so a null in the
# body is no bank account left out.
FROM_THE_PATH = {("bankTransactions", "accountId")}


@dataclass
class Books:
    server: LiveServer
    tenant: Tenant
    synced: Synced
    bank: str = ""  # the bank account bank transactions are pushed to

    @property
    def base(self) -> str:
        return f"/companies/{self.synced.company_id}/connections/{self.synced.connection_id}"

    def post(self, data_type: str, payload: Any) -> Any:
        if data_type == "bankTransactions":
            path = f"{self.base}/push/bankAccounts/{payload['accountId']}/bankTransactions"
            if not isinstance(payload.get("accountId"), str):
                path = f"{self.base}/push/bankAccounts/{self.bank}/bankTransactions"
        else:
            path = f"{self.base}/push/{data_type}"
        return self.tenant.api.post(path, json=payload)

    def pending(self) -> int:
        reply = self.tenant.api.get(
            f"/companies/{self.synced.company_id}/push",
            params={"pageSize": 5000, "query": 'status="Pending"'},
        )
        assert reply.status_code == 200, reply.text
        return int(reply.json()["totalResults"])


@pytest.fixture(scope="module")
def books(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Books]:
    # SQLite only: the sweep checks validation, which reads the same data on either database
    # (the name and tax code lookups are tested on both in test_push_names_and_tax_codes.py).
    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'qbdsync.db'}"
    with serving(url) as server:
        tenant = new_tenant(server, "value types")
        synced = link_and_sync(tenant, tmp_path_factory.mktemp("types"), "Value Types Inc")
        yield Books(server, tenant, synced)


# -- what the company file holds to refer to --------------------------------------------------


def _live(company: SimulatedCompany, ret: str, **wanted: str) -> list[Record]:
    return [
        record
        for record in company.records(ret)
        if record.get("IsActive", "true") == "true"
        and "ParentRef" not in record
        and all(record.get(k) == v for k, v in wanted.items())
    ]


def _account(company: SimulatedCompany, account_type: str, nth: int = 0) -> str:
    return str(_live(company, "AccountRet", AccountType=account_type)[nth]["ListID"])


def _open(company: SimulatedCompany, ret: str, balance: str) -> Record:
    return next(
        txn
        for txn in company.records(ret)
        if txn.get("IsPaid") == "false" and float(txn.get(balance, "0")) >= 5
    )


def payloads(company: SimulatedCompany) -> dict[str, list[dict[str, Any]]]:
    """Valid create payloads that together set every field each type declares."""
    customer = str(_live(company, "CustomerRet")[0]["ListID"])
    supplier = str(_live(company, "VendorRet")[0]["ListID"])
    item = str(_live(company, "ItemServiceRet")[0]["ListID"])
    method = str(_live(company, "PaymentMethodRet")[0]["ListID"])
    klass = str(_live(company, "ClassRet")[0]["ListID"])
    asset, cogs = _account(company, "OtherCurrentAsset"), _account(company, "CostOfGoodsSold")
    income, expense = _account(company, "Income"), _account(company, "Expense")
    expense2, bank, bank2 = (
        _account(company, "Expense", 1),
        *(_account(company, "Bank", n) for n in (0, 1)),
    )
    invoice, bill = (
        _open(company, "InvoiceRet", "BalanceRemaining"),
        _open(company, "BillRet", "OpenAmount"),
    )
    address = {
        "line1": "1 Main St",
        "line2": "Unit 2",
        "city": "Springfield",
        "region": "CA",
        "postalCode": "12345",
        "country": "US",
    }
    contact = {
        "contactName": "Ann Smith",
        "emailAddress": "ann@example.com",
        "phone": "555-0100",
        "addresses": [{"type": "Billing", **address}],
        "taxNumber": "T-1",
        "registrationNumber": "R-1",
        "status": "Active",
    }

    def line(**more: Any) -> dict[str, Any]:
        given = {
            "description": "Work",
            "quantity": 2,
            "unitAmount": 5,
            "subTotal": 10,
            "taxAmount": 0,
            "totalAmount": 10,
            "taxRateRef": {"id": "Non"},
            "trackingCategoryRefs": [{"id": klass}],
            **more,
        }
        return {key: value for key, value in given.items() if value is not None}

    # Codat's newer tracking shapes, naming the same class as trackingCategoryRefs.
    categories = {"tracking": {"categoryRefs": [{"id": klass}]}}
    records = {"tracking": {"recordRefs": [{"id": klass, "dataType": "trackingCategories"}]}}
    untaxed = {"taxRateRef": None}  # US purchase lines carry no tax code

    sales = {
        "customerRef": {"id": customer},
        "issueDate": "2024-03-01",
        "dueDate": "2024-03-31",
        "note": "Thanks",
        "lineItems": [line(itemRef={"id": item}, **categories)],
        "subTotal": 10,
        "totalTaxAmount": 0,
        "totalAmount": 10,
    }
    purchase = {
        "supplierRef": {"id": supplier},
        "issueDate": "2024-04-01",
        "note": "April",
        "lineItems": [
            line(accountRef={"id": expense}, **categories, **untaxed),
            line(itemRef={"id": item}, **untaxed),
        ],
        "subTotal": 20,
        "taxAmount": 0,
        "totalAmount": 20,
    }
    on_the_spot = {
        "reference": "S-1",
        "note": "On the spot",
        "issueDate": "2024-07-01",
        "paymentAllocations": [{"payment": {"accountRef": {"id": bank}}}],
        "subTotal": 10,
        "taxAmount": 0,
        "totalAmount": 10,
    }
    side = {"description": "Hours", "unitPrice": 0.16667, "taxRateRef": {"id": "Non"}}
    bought = {"description": "Hours", "unitPrice": 0.16667}  # no tax code on US purchases
    return {
        "accounts": [
            {
                "name": "Fees Typed",
                "nominalCode": "69001",
                "description": "Bank fees",
                "fullyQualifiedCategory": "Expense.Expense",
                "status": "Active",
            }
        ],
        "bankAccounts": [
            {
                "accountName": "Loan Typed",
                "accountType": "Debit",
                "nominalCode": "10901",
                "accountNumber": "99-1",
                "status": "Active",
            }
        ],
        "customers": [
            {"customerName": "Typed Job", **contact, "parentCustomerRef": {"id": customer}}
        ],
        "suppliers": [{"supplierName": "Typed Supplies", **contact}],
        "items": [
            {
                "name": "Typed Hours",
                "type": "Service",
                "itemStatus": "Active",
                "isInvoiceItem": True,
                "invoiceItem": {**side, "accountRef": {"id": income}},
                "isBillItem": True,
                "billItem": {**bought, "accountRef": {"id": expense}},
            },
            {
                "name": "Typed Widget",
                "type": "Inventory",
                "invoiceItem": {**side, "accountRef": {"id": income}},
                "billItem": {**bought, "accountRef": {"id": cogs}},
                "supplementalData": {"content": {"assetAccountRef": {"id": asset}}},
            },
        ],
        "invoices": [{**sales, "invoiceNumber": "T-1"}],
        "creditNotes": [{**sales, "creditNoteNumber": "T-1"}],
        "payments": [
            {
                "customerRef": {"id": invoice["CustomerRef"]["ListID"]},
                "accountRef": {"id": bank},
                "paymentMethodRef": {"id": method},
                "totalAmount": 1,
                "date": "2024-03-05",
                "reference": "P-1",
                "note": "Paid",
                "lines": [
                    {
                        "amount": 1,
                        "links": [{"type": "Invoice", "id": invoice["TxnID"], "amount": -1}],
                    }
                ],
            }
        ],
        "bills": [{**purchase, "reference": "B-1", "dueDate": "2024-04-30"}],
        "billCreditNotes": [
            {
                **{k: v for k, v in purchase.items() if k != "taxAmount"},
                "totalTaxAmount": 0,
                "billCreditNoteNumber": "C-1",
            }
        ],
        "billPayments": [
            {
                "supplierRef": {"id": bill["VendorRef"]["ListID"]},
                "accountRef": {"id": bank},
                "totalAmount": 1,
                "date": "2024-04-10",
                "reference": "BP-1",
                "note": "Paid",
                "lines": [
                    {"amount": 1, "links": [{"type": "Bill", "id": bill["TxnID"], "amount": -1}]}
                ],
            }
        ],
        "purchaseOrders": [
            {
                **{k: v for k, v in purchase.items() if k != "lineItems"},
                "purchaseOrderNumber": "PO-1",
                "expectedDeliveryDate": "2024-05-01",
                "paymentDueDate": "2024-05-31",
                "lineItems": [line(itemRef={"id": item}, **untaxed)],
                "subTotal": 10,
                "totalAmount": 10,
            }
        ],
        "journalEntries": [
            {
                "postedOn": "2024-06-30",
                "reference": "J-1",
                "description": "Adjustment",
                "journalLines": [
                    {
                        "netAmount": 25.5,
                        "description": "Debit",
                        "accountRef": {"id": expense},
                        "contactRef": {"id": customer, "dataType": "customers"},
                    },
                    {"netAmount": -25.5, "accountRef": {"id": expense2}},
                ],
            }
        ],
        "directCosts": [
            {
                **on_the_spot,
                "contactRef": {"id": supplier, "dataType": "suppliers"},
                "lineItems": [line(accountRef={"id": expense}, **records, **untaxed)],
            },
            {**on_the_spot, "lineItems": [line(itemRef={"id": item}, **untaxed)]},
        ],
        "directIncomes": [
            {
                **on_the_spot,
                "contactRef": {"id": customer, "dataType": "customers"},
                "lineItems": [line(itemRef={"id": item})],
            },
            {**on_the_spot, "lineItems": [line(accountRef={"id": income}, **untaxed)]},
        ],
        "transfers": [
            {
                "date": "2024-07-03",
                "description": "Sweep",
                "from": {"accountRef": {"id": bank}, "amount": 30},
                "to": {"accountRef": {"id": bank2}, "amount": 30},
                "trackingCategoryRefs": [{"id": klass}],
            }
        ],
        "bankTransactions": [
            {
                "accountId": bank,
                "transactions": [{"amount": -25, "date": "2024-07-04", "description": "Fee"}],
            }
        ],
    }


@pytest.fixture(scope="module")
def valid(books: Books) -> dict[str, list[dict[str, Any]]]:
    with SimulatedCompany.open(books.synced.company_file) as company:
        found = payloads(company)
    books.bank = found["bankTransactions"][0]["accountId"]
    return found


# -- the fields of a payload and of a kind ----------------------------------------------------


@dataclass(frozen=True)
class Field:
    path: str  # "lineItems[1].unitAmount"
    keys: tuple[str | int, ...]  # the way to it in the payload
    spec: Spec | None  # None for a list element
    required: bool


def fields_of(
    specs: tuple[Spec, ...], value: Any, prefix: str = "", keys: tuple = ()
) -> Iterator[Field]:
    """Every field of the payload the specs declare, each list element too, in payload order."""
    by_name = {spec.name: spec for spec in specs}
    for name, child in value.items():
        spec = by_name.get(name)
        assert spec is not None, f"{prefix}{name} is no field of the kind: the payload is wrong"
        path = f"{prefix}.{name}" if prefix else name
        here = (*keys, name)
        yield Field(path, here, spec, spec.required)
        if spec.type == "Object":
            yield from fields_of(spec.children, child, path, here)
        elif spec.type == "Array":
            for index, element in enumerate(child):
                where = f"{path}[{index}]"
                yield Field(where, (*here, index), None, False)
                yield from fields_of(spec.children, element, where, (*here, index))


def declared(specs: tuple[Spec, ...], profile: CompanyProfile, prefix: str = "") -> set[str]:
    """The kind's field paths (list indexes left out) for this company."""
    found: set[str] = set()
    for spec in specs:
        if spec.when is not None and not spec.when(profile):
            continue
        path = f"{prefix}.{spec.name}" if prefix else spec.name
        found.add(path)
        found |= declared(spec.children, profile, f"{path}[]" if spec.type == "Array" else path)
    return found


def _shape(path: str) -> str:
    return re.sub(r"\[\d+\]", "[]", path)


def _replaced(payload: dict[str, Any], keys: tuple[str | int, ...], value: Any) -> dict[str, Any]:
    changed = copy.deepcopy(payload)
    holder: Any = changed
    for key in keys[:-1]:
        holder = holder[key]
    holder[keys[-1]] = value
    return changed


def wrong_values(field: Field) -> tuple[Any, ...]:
    if field.spec is None:
        return WRONG_ELEMENT
    values = WRONG[field.spec.type]
    return (*values, None) if field.required else values


@pytest.mark.parametrize("data_type", list(KINDS))
def test_the_payloads_set_every_declared_field(
    valid: dict[str, list[dict[str, Any]]], data_type: str
) -> None:
    specs = KINDS[data_type].specs
    given = {
        _shape(field.path)
        for payload in valid[data_type]
        for field in fields_of(specs, payload)
        if field.spec is not None
    }
    assert declared(specs, US) - given == set()


@pytest.mark.parametrize("data_type", list(KINDS))
def test_a_wrong_json_type_is_refused_naming_the_field(
    books: Books, valid: dict[str, list[dict[str, Any]]], data_type: str
) -> None:
    specs = KINDS[data_type].specs
    for payload in valid[data_type]:
        accepted = books.post(data_type, payload)
        assert accepted.status_code == 200, accepted.text
    before = books.pending()
    missed: list[str] = []
    for payload in valid[data_type]:
        for field in fields_of(specs, payload):
            for value in wrong_values(field):
                if value is None and (data_type, field.path) in FROM_THE_PATH:
                    continue
                reply = books.post(data_type, _replaced(payload, field.keys, value))
                named = (
                    {e["itemId"] for e in reply.json().get("validation", {}).get("errors", [])}
                    if reply.status_code == 400
                    else set()
                )
                if field.path not in named:
                    missed.append(
                        f"{field.path} = {value!r}: {reply.status_code} {reply.text[:200]}"
                    )
    assert missed == []
    assert books.pending() == before
