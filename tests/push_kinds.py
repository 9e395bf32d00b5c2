"""Small push kinds for testing the push machinery (store, outbox, API) on their own: plain
classes fulfilling qbdsync.push.kinds.PushKind, with a few real rules each (a required name of
at most 41 characters, a customer reference that must exist), so validation, references and
dependency ordering are exercised through the contract exactly as the real kinds use it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from qbdsync.push.kinds import (
    CompanyProfile,
    Lookup,
    PreparedWrite,
    PushAction,
    PushKind,
    Reference,
    Referenced,
    ValidationIssue,
)
from qbdsync.qbxml.parser import Record
from qbdsync.qbxml.writes import AddRequest, ModRequest, ref
from qbdsync.sync.output import RecordRow

NAME_MAX = 41


def _text(payload: Mapping[str, Any], key: str) -> str | None:
    value = payload.get(key)
    return value if isinstance(value, str) else None


def _ref_id(payload: Mapping[str, Any], key: str) -> str | None:
    value = payload.get(key)
    if isinstance(value, Mapping) and isinstance(value.get("id"), str):
        return str(value["id"])
    return None


def _option(display: str, kind: str, required: bool, **extra: Any) -> dict[str, Any]:
    return {
        "displayName": display,
        "description": display,
        "type": kind,
        "required": required,
        **extra,
    }


class CustomerKind:
    data_type = "customers"
    actions = frozenset({PushAction.CREATE, PushAction.UPDATE})

    def options(self, profile: CompanyProfile) -> dict[str, Any]:
        properties = {
            "customerName": _option(
                "Customer name",
                "String",
                True,
                validation={
                    "information": [
                        {"field": "customerName", "details": f"At most {NAME_MAX} characters."}
                    ]
                },
            )
        }
        if profile.multicurrency:
            properties["defaultCurrency"] = _option("Currency", "String", False)
        return {**_option("Customer", "Object", True), "properties": properties}

    def list_name(self, payload: Mapping[str, Any], lookup: Lookup) -> str | None:
        return None

    def references(self, payload: Mapping[str, Any]) -> Sequence[Reference]:
        return ()

    def validate(
        self,
        action: PushAction,
        payload: Mapping[str, Any],
        profile: CompanyProfile,
        lookup: Lookup,
        *,
        record_id: str | None = None,
    ) -> list[ValidationIssue]:
        issues: list[ValidationIssue] = []
        name = _text(payload, "customerName")
        if name is None and action is PushAction.CREATE:
            issues.append(ValidationIssue("customerName", "is required", "Required"))
        if name is not None and len(name) > NAME_MAX:
            issues.append(
                ValidationIssue(
                    "customerName", f"is longer than {NAME_MAX} characters", "MaxLength"
                )
            )
        if "defaultCurrency" in payload and not profile.multicurrency:
            issues.append(
                ValidationIssue(
                    "defaultCurrency", "needs multicurrency on in QuickBooks", "Multicurrency"
                )
            )
        return issues

    def prepare(
        self,
        action: PushAction,
        payload: Mapping[str, Any],
        profile: CompanyProfile,
        lookup: Lookup,
        *,
        request_id: str,
        external_guid: str | None,
        target: Referenced | None,
    ) -> PreparedWrite:
        fields = (("Name", str(payload["customerName"])),)
        if action is PushAction.UPDATE:
            assert target is not None and target.edit_sequence is not None
            return PreparedWrite(
                ModRequest("Customer", request_id, target.record_id, target.edit_sequence, fields)
            )
        return PreparedWrite(AddRequest("Customer", request_id, fields, external_guid))

    def result(self, ret: Record, profile: CompanyProfile) -> list[RecordRow]:
        return [customer_row(ret.data["ListID"], ret.data["Name"], ret.data["EditSequence"])]


def customer_row(list_id: str, name: str, edit_sequence: str = "1") -> RecordRow:
    """A customer record as a sync would store it (enough of it for these tests)."""
    return RecordRow(
        data_type="customers",
        record_id=list_id,
        edit_sequence=edit_sequence,
        source_modified=None,
        raw={"ListID": list_id, "Name": name, "EditSequence": edit_sequence},
        data={
            "id": list_id,
            "customerName": name,
            "status": "Active",
            "metadata": {"isDeleted": False},
        },
    )


class InvoiceKind:
    data_type = "invoices"
    actions = frozenset({PushAction.CREATE})

    def options(self, profile: CompanyProfile) -> dict[str, Any]:
        return {
            **_option("Invoice", "Object", True),
            "properties": {
                "customerRef": _option("Customer", "Object", True),
                "invoiceNumber": _option("Invoice number", "String", False),
            },
        }

    def list_name(self, payload: Mapping[str, Any], lookup: Lookup) -> str | None:
        return None

    def references(self, payload: Mapping[str, Any]) -> Sequence[Reference]:
        customer = _ref_id(payload, "customerRef")
        return () if customer is None else (Reference("customerRef.id", "customers", customer),)

    def validate(
        self,
        action: PushAction,
        payload: Mapping[str, Any],
        profile: CompanyProfile,
        lookup: Lookup,
        *,
        record_id: str | None = None,
    ) -> list[ValidationIssue]:
        issues: list[ValidationIssue] = []
        if _ref_id(payload, "customerRef") is None:
            issues.append(ValidationIssue("customerRef.id", "is required", "Required"))
        for reference in self.references(payload):
            if lookup.find(reference.data_type, reference.record_id) is None:
                issues.append(
                    ValidationIssue(
                        reference.item_id,
                        f"no customer with id {reference.record_id}",
                        "ReferenceExists",
                    )
                )
        number = _text(payload, "invoiceNumber")
        if number is not None and len(number) > 11:
            issues.append(
                ValidationIssue("invoiceNumber", "is longer than 11 characters", "MaxLength")
            )
        return issues

    def prepare(
        self,
        action: PushAction,
        payload: Mapping[str, Any],
        profile: CompanyProfile,
        lookup: Lookup,
        *,
        request_id: str,
        external_guid: str | None,
        target: Referenced | None,
    ) -> PreparedWrite:
        customer = lookup.find("customers", str(_ref_id(payload, "customerRef")))
        assert customer is not None
        fields = (("CustomerRef", ref(list_id=customer.record_id)),)
        return PreparedWrite(AddRequest("Invoice", request_id, fields, external_guid))

    def result(self, ret: Record, profile: CompanyProfile) -> list[RecordRow]:
        return []


class BankTransactionsKind:
    data_type = "bankTransactions"
    actions = frozenset({PushAction.CREATE})

    def options(self, profile: CompanyProfile) -> dict[str, Any]:
        return _option("Bank transactions", "Object", True)

    def list_name(self, payload: Mapping[str, Any], lookup: Lookup) -> str | None:
        return None

    def references(self, payload: Mapping[str, Any]) -> Sequence[Reference]:
        account = _text(payload, "accountId")
        return () if account is None else (Reference("accountId", "bankAccounts", account),)

    def validate(
        self,
        action: PushAction,
        payload: Mapping[str, Any],
        profile: CompanyProfile,
        lookup: Lookup,
        *,
        record_id: str | None = None,
    ) -> list[ValidationIssue]:
        transactions = payload.get("transactions")
        if not isinstance(transactions, list) or not transactions:
            return [ValidationIssue("transactions", "at least one is required", "Required")]
        return []

    def prepare(
        self,
        action: PushAction,
        payload: Mapping[str, Any],
        profile: CompanyProfile,
        lookup: Lookup,
        *,
        request_id: str,
        external_guid: str | None,
        target: Referenced | None,
    ) -> PreparedWrite:
        raise NotImplementedError("the push machinery tests never send bank transactions")

    def result(self, ret: Record, profile: CompanyProfile) -> list[RecordRow]:
        return []


def kinds_for_tests() -> dict[str, PushKind]:
    kinds: list[PushKind] = [CustomerKind(), InvoiceKind(), BankTransactionsKind()]
    return {kind.data_type: kind for kind in kinds}
