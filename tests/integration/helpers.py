"""Helpers for whole-session tests: link a company and run simulated Web Connector sessions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from qbdsync.lifecycle import request_sync
from qbdsync.linking import NewConnection, create_company, create_connection
from qbdsync.simulator.company import SimulatedCompany
from qbdsync.simulator.list_factories import CURRENCY_CODES
from qbdsync.simulator.runner import SimulationResult, simulate
from qbdsync.store import companies as company_store
from qbdsync.store import pulls as pull_store
from qbdsync.store import records as record_store
from qbdsync.store.companies import ConnectionRow
from qbdsync.store.pulls import PullRow
from qbdsync.sync.datasets import DATASETS
from qbdsync.sync.output import SyncErrorRow
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
        with self.server.engine.begin() as conn:
            request_sync(conn, self.connection.connection.id)

    def watermarks(self) -> dict[str, str]:
        with self.server.engine.connect() as conn:
            return record_store.get_watermarks(conn, self.connection.connection.id)

    def counts(self) -> dict[str, int]:
        with self.server.engine.connect() as conn:
            return record_store.count_by_type(conn, self.connection.connection.id)

    def pulls(self) -> dict[str, PullRow]:
        """The newest pull operation of each data type."""
        with self.server.engine.connect() as conn:
            return pull_store.latest_by_type(conn, self.connection.connection.company_id)

    def errors(self) -> list[SyncErrorRow]:
        """Sync errors recorded with the connection, newest first."""
        with self.server.engine.connect() as conn:
            return record_store.list_errors(conn, self.connection.connection.id, limit=1000)

    def row(self) -> ConnectionRow:
        with self.server.engine.connect() as conn:
            return company_store.get_connection(conn, self.connection.connection.id)


def link(server: LiveServer, tmp_path: Path, name: str = "Acme") -> Linked:
    with server.engine.begin() as conn:
        created = create_connection(conn, server.settings, create_company(conn, name))
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


# -- every data type: ground truth from the simulator, compared with the store -----------------

# Where a money-moving transaction names its bank or credit-card account (QuickBooks' element
# names). A transfer names two: it is a bank transaction in each that is a bank account.
MONEY_ACCOUNT_REFS: dict[str, tuple[str, ...]] = {
    "CheckRet": ("AccountRef",),
    "CreditCardChargeRet": ("AccountRef",),
    "BillPaymentCheckRet": ("BankAccountRef",),
    "BillPaymentCreditCardRet": ("CreditCardAccountRef",),
    "DepositRet": ("DepositToAccountRef",),
    "ReceivePaymentRet": ("DepositToAccountRef",),
    "SalesReceiptRet": ("DepositToAccountRef",),
    "TransferRet": ("TransferFromAccountRef", "TransferToAccountRef"),
}
BANK_ACCOUNT_TYPES = ("Bank", "CreditCard")
MONEY_MOVE_TYPES = ("accountTransactions", "bankTransactions")
# The id suffix of each side of a transfer's derived rows, by the element naming its account.
TRANSFER_SIDES = {"TransferFromAccountRef": "-from", "TransferToAccountRef": "-to"}


def record_id(raw: dict[str, Any]) -> str:
    return str(raw.get("ListID") or raw.get("TxnID"))


def rets_by_type() -> dict[str, frozenset[str]]:
    """Codat data type → the Ret names stored under it, from the dataset registry.

    ItemQueryRq also answers with ItemSalesTaxRet and ItemSalesTaxGroupRet; the registry gives
    them to taxRates only, so each Ret name belongs to exactly one type.
    """
    found: dict[str, set[str]] = {}
    for dataset in DATASETS.values():
        found.setdefault(dataset.data_type, set()).update(dataset.ret_names)
    return {t: frozenset(rets) for t, rets in found.items()}


def undetectable_rets() -> frozenset[str]:
    """Ret names QuickBooks cannot report deletions of (no ListDelType/TxnDelType): transfers."""
    return frozenset(ret for d in DATASETS.values() if not d.deleted_types for ret in d.ret_names)


@dataclass
class GroundTruth:
    """What the simulated company holds, by Codat data type (derived types included)."""

    live: dict[str, dict[str, dict[str, Any]]]  # type → id → raw record
    deleted: dict[str, dict[str, dict[str, Any]]]  # type → id → last raw version
    undetectable: dict[str, set[str]]  # type → ids deleted where QuickBooks cannot say so
    bank_account_ids: set[str]
    # Derived bank/account transaction id → (its account, the sign of its amount).
    money_sides: dict[str, tuple[str, int]]


# Records that put money into the account they name; the others take it out.
MONEY_IN_RETS = frozenset({"DepositRet", "ReceivePaymentRet", "SalesReceiptRet"})


def money_rows(ret: str, raw: dict[str, Any], bank_ids: set[str]) -> dict[str, tuple[str, int]]:
    """The derived rows a record makes: row id → (the bank/credit-card account it is in, the
    sign of its amount: money out of the account is negative)."""
    rows: dict[str, tuple[str, int]] = {}
    for element in MONEY_ACCOUNT_REFS.get(ret, ()):
        account = raw.get(element)
        if isinstance(account, dict) and account.get("ListID") in bank_ids:
            sign = 1 if ret in MONEY_IN_RETS or element == "TransferToAccountRef" else -1
            rows[record_id(raw) + TRANSFER_SIDES.get(element, "")] = (str(account["ListID"]), sign)
    return rows


def ground_truth(company: SimulatedCompany) -> GroundTruth:
    live: dict[str, dict[str, dict[str, Any]]] = {}
    deleted: dict[str, dict[str, dict[str, Any]]] = {}
    undetectable: dict[str, set[str]] = {}
    sources: list[tuple[str, str, dict[str, Any], bool]] = []  # (type, ret, raw, is_deleted)
    hidden = undetectable_rets()
    for data_type, rets in rets_by_type().items():
        live[data_type], deleted[data_type] = {}, {}
        for ret in sorted(rets):
            gone = {str(d.get("ListID") or d.get("TxnID")) for d in company.deleted(ret)}
            for raw in company.records(ret, include_deleted=True):
                key = record_id(raw)
                is_deleted = key in gone
                (deleted if is_deleted else live)[data_type][key] = raw
                if is_deleted and ret in hidden:
                    undetectable.setdefault(data_type, set()).add(key)
                sources.append((data_type, ret, raw, is_deleted))
    bank_ids = {
        key for key, raw in live["accounts"].items() if raw["AccountType"] in BANK_ACCOUNT_TYPES
    }
    live["bankAccounts"] = {k: live["accounts"][k] for k in bank_ids}
    deleted["bankAccounts"] = {
        k: raw for k, raw in deleted["accounts"].items() if raw["AccountType"] in BANK_ACCOUNT_TYPES
    }
    for derived in MONEY_MOVE_TYPES:
        live[derived], deleted[derived] = {}, {}
    money_sides: dict[str, tuple[str, int]] = {}
    for _data_type, ret, raw, is_deleted in sources:
        rows = money_rows(ret, raw, bank_ids)
        money_sides.update(rows)
        for row_id in rows:
            for derived in MONEY_MOVE_TYPES:
                (deleted if is_deleted else live)[derived][row_id] = raw
                if is_deleted and ret in hidden:
                    undetectable.setdefault(derived, set()).add(row_id)
    return GroundTruth(live, deleted, undetectable, bank_ids, money_sides)


def assert_every_type_matches(linked: Linked) -> GroundTruth:
    """The store holds exactly the simulator's live records of every type, raw data unchanged;
    deletions QuickBooks reports are marked; those it cannot report stay as last seen."""
    with SimulatedCompany.open(linked.company_file) as company:
        truth = ground_truth(company)
    for data_type, expected in truth.live.items():
        stored = {r["id"]: r for r in linked.stored(data_type)}
        live = {k: v for k, v in stored.items() if not v["is_deleted"]}
        hidden = truth.undetectable.get(data_type, set())
        assert set(live) - hidden == set(expected), (
            data_type,
            sorted(set(expected) - set(live))[:5],
            sorted(set(live) - hidden - set(expected))[:5],
        )
        for key, raw in expected.items():
            assert live[key]["raw"] == raw, (data_type, key)
            assert live[key]["data"] is not None, (data_type, key, live[key]["mapping_error"])
            assert live[key]["mapping_error"] is None, (data_type, key)
        for key in set(truth.deleted[data_type]) & set(stored):
            record = stored[key]
            if key in hidden:
                # Transfer is not a TxnDelType: a deleted transfer stays as last synced.
                assert not record["is_deleted"], (data_type, key)
            else:
                assert record["is_deleted"], (data_type, key)
                assert record["data"]["metadata"]["isDeleted"] is True, (data_type, key)
    return truth


def money(value: object) -> Decimal:
    """QuickBooks amount text or a mapped number, compared to the cent."""
    return Decimal(str(value)).quantize(Decimal("0.01"))


def _ids(refs: list[dict[str, Any]] | None, key: str = "ListID") -> list[str]:
    return [str(r[key]) for r in refs or []]


def _as_list(value: Any) -> list[dict[str, Any]]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _check_currency(raw: dict[str, Any], data: dict[str, Any]) -> None:
    if "CurrencyRef" in raw:
        assert data["currency"] == CURRENCY_CODES[raw["CurrencyRef"]["FullName"]][0]
    if "ExchangeRate" in raw:
        assert data["currencyRate"] == float(raw["ExchangeRate"])
    elif "CurrencyRef" not in raw:
        assert data["currencyRate"] == 1.0


def assert_mapped_values(linked: Linked, truth: GroundTruth) -> dict[str, int]:
    """Mapped (Codat) values agree with the raw records they came from, for every live record.

    Returns how many records were checked per type.
    """
    checked: dict[str, int] = {}
    stored = {
        t: {r["id"]: r["data"] for r in linked.stored(t, include_deleted=False)} for t in truth.live
    }
    for data_type, records in truth.live.items():
        for key, raw in records.items():
            data = stored[data_type][key]
            assert data["id"] == key, (data_type, key)
            assert data["metadata"]["isDeleted"] is False, (data_type, key)
            check = _VALUE_CHECKS.get(data_type)
            if check is not None:
                try:
                    check(raw, data, truth, stored)
                except AssertionError as exc:
                    raise AssertionError(f"{data_type} {key}: {exc}") from exc
            checked[data_type] = checked.get(data_type, 0) + 1
    return checked


Stored = dict[str, dict[str, dict[str, Any]]]
ValueCheck = Callable[[dict[str, Any], dict[str, Any], GroundTruth, Stored], None]


def _accounts(raw: dict[str, Any], data: dict[str, Any], truth: GroundTruth, _: Stored) -> None:
    assert data["name"] == raw["Name"]
    assert data["fullyQualifiedName"] == raw["FullName"]
    assert data["nominalCode"] == raw.get("AccountNumber")
    assert data["isBankAccount"] == (raw["AccountType"] in BANK_ACCOUNT_TYPES)


def _bank_accounts(raw: dict[str, Any], data: dict[str, Any], *_: Any) -> None:
    assert raw["AccountType"] in BANK_ACCOUNT_TYPES
    assert data["accountName"] == raw["Name"]
    # TotalBalance includes sub-accounts' balances.
    assert money(data["balance"]) == money(raw.get("TotalBalance", raw["Balance"]))


def _customers(raw: dict[str, Any], data: dict[str, Any], *_: Any) -> None:
    # A job is named by its full "Customer:Job" name.
    assert data["customerName"] == raw.get("FullName", raw["Name"])
    assert data["status"] == ("Active" if raw["IsActive"] == "true" else "Archived")
    parent = raw.get("ParentRef")
    assert (data["parentCustomerRef"] or {}).get("id") == (parent or {}).get("ListID")


def _suppliers(raw: dict[str, Any], data: dict[str, Any], *_: Any) -> None:
    assert data["supplierName"] == raw["Name"]


def _named(raw: dict[str, Any], data: dict[str, Any], *_: Any) -> None:
    assert data["name"] == raw["Name"]


def _tax_rates(raw: dict[str, Any], data: dict[str, Any], *_: Any) -> None:
    assert data["name"] == raw["Name"]
    if "TaxRate" in raw:
        assert data["effectiveTaxRate"] == float(raw["TaxRate"])
    if raw.get("IsTaxable") == "false":
        assert data["effectiveTaxRate"] == 0.0


def _invoices(raw: dict[str, Any], data: dict[str, Any], _: GroundTruth, stored: Stored) -> None:
    assert money(data["totalAmount"]) == money(raw["Subtotal"]) + money(raw["SalesTaxTotal"])
    assert money(data["subTotal"]) == money(raw["Subtotal"])
    assert money(data["totalTaxAmount"]) == money(raw["SalesTaxTotal"])
    assert money(data["amountDue"]) == money(raw["BalanceRemaining"])
    assert data["customerRef"]["id"] == raw["CustomerRef"]["ListID"]
    assert data["invoiceNumber"] == raw.get("RefNumber")
    assert data["issueDate"] == raw["TxnDate"]
    lines = _as_list(raw.get("InvoiceLineRet")) + _as_list(raw.get("InvoiceLineGroupRet"))
    assert len(data["lineItems"]) >= len(lines) > 0
    _check_currency(raw, data)


def _credit_notes(raw: dict[str, Any], data: dict[str, Any], *_: Any) -> None:
    assert money(data["totalAmount"]) == money(raw["TotalAmount"])
    assert money(data["remainingCredit"]) == money(raw["CreditRemaining"])
    assert data["customerRef"]["id"] == raw["CustomerRef"]["ListID"]
    _check_currency(raw, data)


def _payments(raw: dict[str, Any], data: dict[str, Any], _: GroundTruth, stored: Stored) -> None:
    assert money(data["totalAmount"]) == money(raw["TotalAmount"])
    assert data["customerRef"]["id"] == raw["CustomerRef"]["ListID"]
    links = [link for line in data["lines"] for link in line["links"]]
    applied = _as_list(raw.get("AppliedToTxnRet"))
    assert sorted(link["id"] for link in links) == sorted(a["TxnID"] for a in applied)
    for link in links:
        if link["type"] == "Invoice":
            assert link["id"] in stored["invoices"], f"payment links unknown invoice {link['id']}"
    _check_currency(raw, data)


def _bills(raw: dict[str, Any], data: dict[str, Any], *_: Any) -> None:
    assert money(data["totalAmount"]) == money(raw["AmountDue"])
    assert money(data["amountDue"]) == money(raw["OpenAmount"])
    assert data["supplierRef"]["id"] == raw["VendorRef"]["ListID"]
    _check_currency(raw, data)


def _bill_payments(
    raw: dict[str, Any], data: dict[str, Any], _: GroundTruth, stored: Stored
) -> None:
    assert money(data["totalAmount"]) == money(raw["Amount"])
    assert data["supplierRef"]["id"] == raw["PayeeEntityRef"]["ListID"]
    links = [link for line in data["lines"] for link in line["links"]]
    for link in links:
        if link["type"] == "Bill":
            assert link["id"] in stored["bills"], f"bill payment links unknown bill {link['id']}"


def _journals(raw: dict[str, Any], data: dict[str, Any], *_: Any) -> None:
    lines = data["journalLines"]
    assert len(lines) == len(_as_list(raw.get("JournalDebitLine"))) + len(
        _as_list(raw.get("JournalCreditLine"))
    )
    assert sum(money(line["netAmount"]) for line in lines) == 0


def _transfers(raw: dict[str, Any], data: dict[str, Any], *_: Any) -> None:
    assert data["from"]["accountRef"]["id"] == raw["TransferFromAccountRef"]["ListID"]
    assert data["to"]["accountRef"]["id"] == raw["TransferToAccountRef"]["ListID"]
    assert money(data["from"]["amount"]) == money(raw["Amount"])


def _bank_transactions(
    raw: dict[str, Any], data: dict[str, Any], truth: GroundTruth, _: Stored
) -> None:
    account, sign = truth.money_sides[data["id"]]
    assert data["accountId"] == account
    amount = raw.get("Amount") or raw.get("TotalAmount") or raw.get("DepositTotal")
    assert money(data["amount"]) == sign * money(amount)


def _account_transactions(
    raw: dict[str, Any], data: dict[str, Any], truth: GroundTruth, _: Stored
) -> None:
    account, sign = truth.money_sides[data["id"]]
    assert data["bankAccountRef"]["id"] == account
    assert money(data["totalAmount"]) == sign * money(
        raw.get("Amount") or raw.get("TotalAmount") or raw.get("DepositTotal")
    )
    assert data["transactionId"] == record_id(raw)


_VALUE_CHECKS: dict[str, ValueCheck] = {
    "accounts": _accounts,
    "bankAccounts": _bank_accounts,
    "customers": _customers,
    "suppliers": _suppliers,
    "items": _named,
    "paymentMethods": _named,
    "trackingCategories": _named,
    "taxRates": _tax_rates,
    "invoices": _invoices,
    "creditNotes": _credit_notes,
    "payments": _payments,
    "bills": _bills,
    "billPayments": _bill_payments,
    "journalEntries": _journals,
    "transfers": _transfers,
    "bankTransactions": _bank_transactions,
    "accountTransactions": _account_transactions,
}
