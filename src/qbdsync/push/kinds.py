"""The contract every pushable data type fulfils, and the values it exchanges.

One ``PushKind`` per Codat data type (invoices, customers, …). The push machinery (store, API,
session outbox) knows only this contract, so adding a type is adding one kind to the registry.
Everything here is pure: no database, no clock, no I/O; what a kind must know about the
company's synced data it asks the ``Lookup``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol

from qbdsync.qbxml.parser import Record
from qbdsync.qbxml.writes import WriteRequest
from qbdsync.sync.output import RecordRow


class PushAction(StrEnum):
    """What a push asks of QuickBooks (Codat's change types follow from it)."""

    CREATE = "Create"  # POST …/push/{dataType}
    UPDATE = "Update"  # PUT …/push/{dataType}/{id}
    DELETE = "Delete"  # DELETE …/push/{dataType}/{id}


@dataclass(frozen=True, slots=True)
class ValidationIssue:
    """One reason a payload cannot be pushed, in Codat's ``validation.errors[]`` shape.

    ``item_id`` is the payload path of the field at fault (``lineItems[0].accountRef.id``),
    ``validator`` a stable name of the rule (``MaxLength``, ``Required``, ``ReferenceExists``…).
    """

    item_id: str
    message: str
    validator: str

    def to_codat(self) -> dict[str, str]:
        return {"itemId": self.item_id, "message": self.message, "validatorName": self.validator}


@dataclass(frozen=True, slots=True)
class CompanyProfile:
    """What decides which fields and values a company file accepts."""

    country: str  # "US", "CA" or "UK"
    edition: str | None  # QuickBooks' product name as the host query reported it
    multicurrency: bool
    home_currency: str | None  # ISO 4217
    qbxml_version: str  # the version writes are built in, e.g. "13.0", "CA13.0"
    # The company's Currency list with multicurrency on: (ISO 4217 code, QuickBooks ListID).
    # A push in another currency than the home one is refused unless its code is listed here.
    currencies: tuple[tuple[str, str], ...] = ()
    # The company's sales tax codes: (name, QuickBooks ListID). A payload may name a code
    # ("S", "H") instead of giving its id; this is how its rate is found.
    tax_codes: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Reference:
    """A record a payload refers to: it must exist (synced, or created by an earlier push)."""

    item_id: str  # payload path, for the validation message
    data_type: str  # e.g. "customers", "accounts", "items", "taxRates"
    record_id: str


@dataclass(frozen=True, slots=True)
class Referenced:
    """What the lookup knows of a referenced record."""

    data_type: str
    record_id: str  # the QuickBooks ListID/TxnID
    data: Mapping[str, Any]  # the Codat-shaped record as the data endpoints serve it
    raw: Mapping[str, Any]  # QuickBooks' own record (FullName, EditSequence, …)
    edit_sequence: str | None
    # The ``…Ret`` QuickBooks returned the record as ("ItemServiceRet", "CheckRet"…), when the
    # lookup knows it: an update or delete of a type fed by several requests needs it.
    ret_name: str | None = None


@dataclass(frozen=True, slots=True)
class PendingName:
    """A name a Pending push gives a record QuickBooks does not hold yet (a create, or an
    update that renames): QuickBooks will refuse a second record of that name with 3100."""

    push_key: str
    data_type: str
    name: str  # as the push names it
    record_id: str | None  # the record an update renames; None for a create


class Lookup(Protocol):
    """The connection's synced data, as the push layer may read it (backed by the store)."""

    def find(self, data_type: str, record_id: str) -> Referenced | None:
        """The live (not deleted) record, or None."""
        ...

    def named(self, data_types: Sequence[str], name: str) -> Sequence[Referenced]:
        """The live records of these types whose QuickBooks name (FullName, or Name where the
        record has none) is ``name`` as QuickBooks compares names: without regard to case."""
        ...

    def pending_named(self, data_types: Sequence[str], name: str) -> Sequence[PendingName]:
        """The Pending pushes that give a record of these types ``name`` (case aside)."""
        ...


class PrepareRefused(Exception):
    """``prepare`` found the payload cannot be sent (a record it refers to was deleted since it
    was validated): fail the push with these issues instead of sending it."""

    def __init__(self, issues: Sequence[ValidationIssue]) -> None:
        super().__init__("; ".join(f"{i.item_id}: {i.message}" for i in issues))
        self.issues = list(issues)


@dataclass(frozen=True, slots=True)
class Refusal:
    """QuickBooks' refusal of a push's write: its status, its text, and the request refused
    (as built again for the push; None when it cannot be)."""

    code: int
    message: str
    request: WriteRequest | None
    # The record an update or delete changes (a name it already has is its own).
    record_id: str | None = None


@dataclass(frozen=True, slots=True)
class PreparedWrite:
    """A validated payload turned into the request to send (built at send time, so references
    to records created by earlier pushes resolve to their QuickBooks ids)."""

    request: WriteRequest


class PushKind(Protocol):
    """One pushable Codat data type."""

    @property
    def data_type(self) -> str:
        """Codat's name: "invoices", "customers", … (``chartOfAccounts`` is "accounts")."""
        ...

    @property
    def actions(self) -> frozenset[PushAction]:
        """What QuickBooks allows for this type."""
        ...

    def options(self, profile: CompanyProfile) -> dict[str, Any]:
        """Codat's PushOption tree for this type in this company: fields, required flags, max
        lengths, allowed values (tax codes of the country, currencies with multicurrency)."""
        ...

    def references(self, payload: Mapping[str, Any]) -> Sequence[Reference]:
        """Every record the payload refers to (for validation and for dependency ordering)."""
        ...

    def list_name(self, payload: Mapping[str, Any], lookup: Lookup) -> str | None:
        """The name QuickBooks will hold the record under (its FullName), for list records
        whose names must be unique; None for transactions or when the payload gives none."""
        ...

    def validate(
        self,
        action: PushAction,
        payload: Mapping[str, Any],
        profile: CompanyProfile,
        lookup: Lookup,
        *,
        record_id: str | None = None,
    ) -> list[ValidationIssue]:
        """Every problem QuickBooks would refuse (or silently alter): empty when it can be sent.
        References are checked through ``lookup``; lengths count characters after decoding.
        ``record_id``: the record an update or delete changes."""
        ...

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
        """The qbXML request for a validated payload. ``target`` is the record an update or
        delete changes (its current EditSequence); ``external_guid`` is stamped on Adds of
        kinds that carry one, so a lost response can be told apart from a write never made."""
        ...

    def result(self, ret: Record, profile: CompanyProfile) -> list[RecordRow]:
        """The records QuickBooks' answer to a write holds, mapped as a sync would map them
        (so the data endpoints serve the new record at once), derived rows included."""
        ...

    def explain_refusal(
        self,
        refusal: Refusal,
        payload: Mapping[str, Any],
        profile: CompanyProfile,
        lookup: Lookup,
    ) -> list[ValidationIssue]:
        """The payload fields QuickBooks' refusal of the write is about, when the kind can tell
        (a name already in use: who holds it; an invalid reference: the field that held it);
        empty when it cannot."""
        ...
