"""What every push kind does the same way; a family module supplies only its fields.

A kind declares its Codat fields as :class:`~qbdsync.push.fields.Spec` (options, checks and
references all follow from them), adds the checks the specs cannot say (amounts that add up,
an account or an item), and turns a payload into qbXML fields for its Add. The Mod is made from
the same fields: the elements the Mod does not take are dropped (OpenBalance, ExternalGUID…),
and lines are replaced whole, as QuickBooks does when a Mod lists lines (every line sent as a
new one, TxnLineID -1; lines not listed are deleted; ``Clear…Lines`` empties a kind of line the
new version has none of).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from qbdsync.push.fields import (
    TAX_RATES,
    Issues,
    NameSpace,
    Resolver,
    Spec,
    check,
    check_references,
    check_tax_codes,
    tax_references,
    well_typed,
)
from qbdsync.push.fields import options as render_options
from qbdsync.push.fields import references as spec_references
from qbdsync.push.kinds import (
    CompanyProfile,
    Lookup,
    PreparedWrite,
    PushAction,
    Reference,
    Referenced,
    Refusal,
    ValidationIssue,
)
from qbdsync.push.results import (
    INVALID_REFERENCE,
    NAME_IN_USE,
    Carried,
    invalid_reference,
    name_in_use,
    name_pending,
    result_rows,
)
from qbdsync.qbxml.parser import Record
from qbdsync.qbxml.write_schema import (
    LIST_KINDS,
    MOD_KINDS,
    TXN_DEL_KINDS,
    children_of,
    since_version,
)
from qbdsync.qbxml.writes import AddRequest, DelRequest, Field, ModRequest, WriteRequest
from qbdsync.sync.output import RecordRow

_LINE_MODS: dict[str, str] = {
    "InvoiceLineAdd": "InvoiceLineMod",
    "CreditMemoLineAdd": "CreditMemoLineMod",
    "SalesReceiptLineAdd": "SalesReceiptLineMod",
    "PurchaseOrderLineAdd": "PurchaseOrderLineMod",
    "ExpenseLineAdd": "ExpenseLineMod",
    "ItemLineAdd": "ItemLineMod",
    "DepositLineAdd": "DepositLineMod",
}
_RENAMES: dict[str, str] = {
    "AppliedToTxnAdd": "AppliedToTxnMod",
    "SalesOrPurchase": "SalesOrPurchaseMod",
    "SalesAndPurchase": "SalesAndPurchaseMod",
}
_CLEARS: dict[str, str] = {"ExpenseLineMod": "ClearExpenseLines", "ItemLineMod": "ClearItemLines"}
NEW_LINE = "-1"  # TxnLineID of a line a Mod adds


def _version(text: str) -> tuple[int, int]:
    digits = text.removeprefix("CA").removeprefix("UK")
    major, _, minor = digits.partition(".")
    return int(major), int(minor or 0)


def supports(profile: CompanyProfile, parent: str, child: str | None = None) -> bool:
    """Does the company's qbXML version have request ``parent`` (or ``child`` in it)?"""
    since = since_version(parent, child)
    return since is None or _version(profile.qbxml_version) >= since


def takes_guid(kind: str, version: str) -> bool:
    """Does ``{kind}Add`` carry an ExternalGUID in this qbXML version?"""
    body = f"{kind}Add"
    if not any("ExternalGUID" in child.names for child in children_of(body)):
        return False
    since = since_version(body, "ExternalGUID")
    return since is None or _version(version) >= since


def mod_fields(kind: str, fields: Sequence[Field]) -> tuple[Field, ...]:
    """An Add's fields as the Mod of ``kind`` takes them (see the module docstring)."""
    allowed = {name for child in children_of(f"{kind}Mod") for name in child.names}
    result: list[Field] = []
    sent: set[str] = set()
    for given, given_value in fields:
        name, value = given, given_value
        if name in ("JournalDebitLine", "JournalCreditLine"):
            assert not isinstance(value, str)
            line_type = "Debit" if name == "JournalDebitLine" else "Credit"
            rest = tuple(f for f in value if f[0] != "TxnLineID")
            result.append(
                (
                    "JournalLineMod",
                    (("TxnLineID", NEW_LINE), ("JournalLineType", line_type), *rest),
                )
            )
            continue
        name = _RENAMES.get(name, name)
        if name in _LINE_MODS:
            assert not isinstance(value, str)
            name = _LINE_MODS[name]
            value = (("TxnLineID", NEW_LINE), *value)
        if name not in allowed:
            continue
        sent.add(name)
        result.append((name, value))
    for line, clear in _CLEARS.items():
        if clear in allowed and line not in sent:
            result.append((clear, "true"))
    return tuple(result)


class BaseKind:
    """A PushKind built from specs; subclasses set the class attributes and ``add_fields``."""

    data_type: ClassVar[str]
    display: ClassVar[str]
    description: ClassVar[str]
    specs: ClassVar[tuple[Spec, ...]]
    # The qbXML kind written for a create ("Customer", "Invoice"…).
    qb_kind: ClassVar[str]
    # A list record's name field and the lists it must be unique in (None: no name).
    name_field: ClassVar[str | None] = None
    name_space: ClassVar[NameSpace | None] = None

    @property
    def actions(self) -> frozenset[PushAction]:
        allowed = {PushAction.CREATE}
        if self.qb_kind in MOD_KINDS:
            allowed.add(PushAction.UPDATE)
        if self.qb_kind in LIST_KINDS or self.qb_kind in TXN_DEL_KINDS:
            allowed.add(PushAction.DELETE)
        return frozenset(allowed)

    # -- the contract ---------------------------------------------------------------------

    def options(self, profile: CompanyProfile) -> dict[str, Any]:
        return render_options(self.display, self.description, self.specs, profile)

    def references(self, payload: Mapping[str, Any]) -> Sequence[Reference]:
        return [*spec_references(self.specs, payload), *self.more_references(payload)]

    def validate(
        self,
        action: PushAction,
        payload: Mapping[str, Any],
        profile: CompanyProfile,
        lookup: Lookup,
        *,
        record_id: str | None = None,
    ) -> list[ValidationIssue]:
        issues = Issues()
        if action not in self.actions:
            issues.add("", f"QuickBooks Desktop cannot {action.lower()} {self.display}.", "Action")
            return issues.items
        if action is PushAction.DELETE:
            return issues.items
        check(issues, self.specs, payload, profile)
        check_references(issues, self.references(payload), lookup)
        check_tax_codes(issues, self.specs, payload, lookup)
        # What follows reads the payload as the specs describe it: a value of another type
        # (already refused above) is left out rather than read as something it is not.
        typed = well_typed(self.specs, payload)
        self.check_more(issues, action, typed, profile, lookup)
        # A create names a new record; an update may rename one (its own name is no clash).
        self.check_name_free(issues, typed, lookup, own_id=record_id)
        return issues.items

    def check_name_free(
        self,
        issues: Issues,
        payload: Mapping[str, Any],
        lookup: Lookup,
        *,
        own_id: str | None = None,
    ) -> None:
        """The list record's name is not one QuickBooks already holds in its name space, nor
        one a Pending push gives another record (QuickBooks would answer 3100 to the second):
        refused here, saying which record or push holds it."""
        issue = self._name_taken(payload, lookup, own_id=own_id) or self._name_pending(
            payload, lookup, own_id=own_id
        )
        if issue is not None:
            issues.add(issue.item_id, issue.message, issue.validator)

    def _name_pending(
        self, payload: Mapping[str, Any], lookup: Lookup, *, own_id: str | None
    ) -> ValidationIssue | None:
        name = self.list_name(payload, lookup)
        if self.name_field is None or self.name_space is None or name is None:
            return None
        for pending in lookup.pending_named(self.name_space.data_types, name):
            if own_id is not None and pending.record_id == own_id:
                continue  # an earlier change of this same record
            return name_pending(self.name_field, name, self.name_space, pending)
        return None

    def _name_taken(
        self,
        payload: Mapping[str, Any],
        lookup: Lookup,
        *,
        own_id: str | None = None,
        said: str | None = None,
    ) -> ValidationIssue | None:
        """The record's name is in use, by the synced record holding it (never the record
        itself, ``own_id``); ``said``: QuickBooks refused the name, whether or not our synced
        data knows who holds it. None when the kind has no name or nobody is known to hold it."""
        name = self.list_name(payload, lookup)
        if self.name_field is None or self.name_space is None or name is None:
            return None
        holders = [
            holder
            for holder in lookup.named(self.name_space.data_types, name)
            if holder.record_id != own_id
        ]
        if not holders and said is None:
            return None
        return name_in_use(self.name_field, name, self.name_space, holders, said)

    def list_name(self, payload: Mapping[str, Any], lookup: Lookup) -> str | None:
        """The name QuickBooks will hold the record under (its FullName), when known."""
        if self.name_field is None:
            return None
        name = payload.get(self.name_field)
        return name if isinstance(name, str) and name else None

    def explain_refusal(
        self,
        refusal: Refusal,
        payload: Mapping[str, Any],
        profile: CompanyProfile,
        lookup: Lookup,
    ) -> list[ValidationIssue]:
        if refusal.code == NAME_IN_USE:
            taken = self._name_taken(
                payload, lookup, own_id=refusal.record_id, said=refusal.message
            )
            return [] if taken is None else [taken]
        if refusal.code == INVALID_REFERENCE:
            return invalid_reference(refusal, self.carried(payload, profile, lookup))
        return []

    def carried(
        self, payload: Mapping[str, Any], profile: CompanyProfile, lookup: Lookup
    ) -> list[Carried]:
        """Every reference of the payload with the record the request names for it (tax codes
        given by name included)."""
        resolver = Resolver(lookup, profile)
        refs = [r for r in self.references(payload) if r.data_type != TAX_RATES]
        found: list[Carried] = []
        for reference_ in [*refs, *tax_references(self.specs, payload)]:
            target = resolver.target(reference_.data_type, reference_.record_id)
            if target is not None:
                found.append(Carried(reference_.item_id, reference_.data_type, target))
        return found

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
        request: WriteRequest
        if action is PushAction.CREATE:
            resolver = Resolver(lookup, profile)
            kind = self.add_kind(payload, resolver)
            fields = self.add_fields(kind, payload, profile, resolver)
            guid = external_guid if takes_guid(kind, profile.qbxml_version) else None
            request = AddRequest(
                kind, request_id, fields, external_guid=guid, country=profile.country
            )
            return PreparedWrite(request)
        if target is None:
            raise ValueError(f"{action} of {self.data_type} needs the target record")
        kind = self.target_kind(target)
        if action is PushAction.DELETE:
            return PreparedWrite(DelRequest(kind, request_id, target.record_id))
        if target.edit_sequence is None:
            raise ValueError(f"{self.data_type} {target.record_id} has no EditSequence")
        resolver = Resolver(lookup, profile)
        fields = self.add_fields(kind, payload, profile, resolver)
        request = ModRequest(
            kind,
            request_id,
            target.record_id,
            target.edit_sequence,
            self.to_mod(kind, fields, target),
            country=profile.country,
        )
        return PreparedWrite(request)

    def result(self, ret: Record, profile: CompanyProfile) -> list[RecordRow]:
        return result_rows(ret, profile)

    # -- what a family says -----------------------------------------------------------------

    def more_references(self, payload: Mapping[str, Any]) -> Sequence[Reference]:
        """References the specs cannot name (a link whose type says what it is)."""
        return ()

    def check_more(
        self,
        issues: Issues,
        action: PushAction,
        payload: Mapping[str, Any],
        profile: CompanyProfile,
        lookup: Lookup,
    ) -> None:
        """Checks beyond the specs: totals, exclusive fields, the records refs must be."""

    def add_kind(self, payload: Mapping[str, Any], resolver: Resolver) -> str:
        """The qbXML kind a create writes (a direct cost is a Check or a CreditCardCharge)."""
        return self.qb_kind

    def target_kind(self, target: Referenced) -> str:
        """The qbXML kind of the record an update or delete changes."""
        if target.ret_name:
            return target.ret_name.removesuffix("Ret")
        return self.qb_kind

    def add_fields(
        self, kind: str, payload: Mapping[str, Any], profile: CompanyProfile, resolver: Resolver
    ) -> tuple[Field, ...]:
        raise NotImplementedError

    def to_mod(self, kind: str, fields: Sequence[Field], target: Referenced) -> tuple[Field, ...]:
        return mod_fields(kind, fields)
