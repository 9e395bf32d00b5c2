"""Journal entries: Codat's JournalEntry → JournalEntryAdd/Mod.

The reverse of mapping/journals.py: a line's netAmount is positive for a debit
(JournalDebitLine) and negative for a credit (JournalCreditLine); postedOn is TxnDate. The
debits must equal the credits. QuickBooks' JournalEntryAdd has no memo of its own, so the
entry's description becomes the memo of each line that has none. A line to Accounts Receivable
or Accounts Payable must name the customer or vendor (QuickBooks refuses it otherwise).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any, ClassVar

from qbdsync.push.base import BaseKind
from qbdsync.push.fields import (
    Issues,
    Resolver,
    Spec,
    amount_text,
    array,
    date_text,
    day,
    decimal_value,
    money,
    obj,
    put,
    put_ref,
    ref_id,
    reference,
    text,
)
from qbdsync.push.kinds import CompanyProfile, Lookup, PushAction, Reference
from qbdsync.push.lines import account_kind
from qbdsync.qbxml.writes import Field

_CONTACT_TYPES = (("customers", "A customer"), ("suppliers", "A supplier"))


def contact_spec(description: str, default: str) -> Spec:
    return obj(
        "contactRef",
        "Contact",
        f"{description} (dataType customers or suppliers; {default} if not given)",
        text("id", "Id", "The customer's or supplier's id", required=True),
        text(
            "dataType",
            "Data type",
            "customers or suppliers",
            choices=lambda _: _CONTACT_TYPES,
            strict=True,
        ),
    )


def contact_reference(value: Any, path: str, default: str) -> Reference | None:
    record_id = ref_id(value)
    if record_id is None:
        return None
    data_type = value.get("dataType") if isinstance(value, Mapping) else None
    return Reference(
        f"{path}.id", data_type if data_type in ("customers", "suppliers") else default, record_id
    )


def contact_field(value: Any, resolver: Resolver, default: str) -> tuple[Field, ...] | None:
    if ref_id(value) is None:
        return None
    data_type = value.get("dataType")
    return resolver.ref(data_type if data_type in ("customers", "suppliers") else default, value)


class JournalEntryKind(BaseKind):
    data_type: ClassVar[str] = "journalEntries"
    display: ClassVar[str] = "Journal entry"
    description: ClassVar[str] = "A QuickBooks general journal entry"
    qb_kind: ClassVar[str] = "JournalEntry"
    specs: ClassVar[tuple[Spec, ...]] = (
        day("postedOn", "Posted on", "The entry's date", required=True),
        text("reference", "Reference", "Entry number", limit=("JournalEntry", "RefNumber")),
        text(
            "description",
            "Description",
            "Memo for lines without one",
            limit=("JournalDebitLine", "Memo"),
        ),
        array(
            "journalLines",
            "Journal lines",
            "At least two lines; debits (positive) equal credits (negative)",
            money("netAmount", "Net amount", "Positive: debit; negative: credit", required=True),
            text(
                "description", "Description", "The line's memo", limit=("JournalDebitLine", "Memo")
            ),
            reference("accountRef", "Account", "accounts", "The account", required=True),
            contact_spec("The customer or supplier of the line", "customers"),
            required=True,
        ),
    )

    def _lines(self, payload: Mapping[str, Any]) -> list[tuple[int, Mapping[str, Any]]]:
        lines = payload.get("journalLines")
        if not isinstance(lines, list):
            return []
        return [(i, line) for i, line in enumerate(lines) if isinstance(line, Mapping)]

    def more_references(self, payload: Mapping[str, Any]) -> Sequence[Reference]:
        found = []
        for index, line in self._lines(payload):
            contact = contact_reference(
                line.get("contactRef"), f"journalLines[{index}].contactRef", "customers"
            )
            if contact is not None:
                found.append(contact)
        return found

    def check_more(
        self,
        issues: Issues,
        action: PushAction,
        payload: Mapping[str, Any],
        profile: CompanyProfile,
        lookup: Lookup,
    ) -> None:
        lines = self._lines(payload)
        if 0 < len(lines) < 2:
            issues.add("journalLines", "A journal entry needs at least two lines.", "Required")
        debits = credits = Decimal(0)
        for index, line in lines:
            value = decimal_value(line.get("netAmount"))
            if value is None:
                continue
            if value == 0:
                issues.add(f"journalLines[{index}].netAmount", "A line cannot be zero.", "Range")
            if value > 0:
                debits += value
            else:
                credits -= value
            kind = account_kind(lookup, line.get("accountRef"))
            if (
                kind in ("AccountsReceivable", "AccountsPayable")
                and ref_id(line.get("contactRef")) is None
            ):
                who = "customer" if kind == "AccountsReceivable" else "supplier"
                issues.add(
                    f"journalLines[{index}].contactRef",
                    f"A line to an {kind} account must name the {who}.",
                    "Required",
                )
        if lines and debits != credits:
            issues.add(
                "journalLines",
                f"Debits ({debits}) and credits ({credits}) must be equal.",
                "AmountsAddUp",
            )

    def add_fields(
        self, kind: str, payload: Mapping[str, Any], profile: CompanyProfile, resolver: Resolver
    ) -> tuple[Field, ...]:
        fields: list[Field] = [("TxnDate", date_text(payload["postedOn"]))]
        put(fields, "RefNumber", payload.get("reference"))
        memo = payload.get("description")
        for _index, line in self._lines(payload):
            value = decimal_value(line["netAmount"])
            assert value is not None
            parts: list[Field] = []
            account = resolver.ref("accounts", line.get("accountRef"))
            assert account is not None
            parts.append(("AccountRef", account))
            parts.append(("Amount", amount_text(abs(value))))
            put(parts, "Memo", line.get("description") or memo)
            entity = contact_field(line.get("contactRef"), resolver, "customers")
            put_ref(parts, "EntityRef", entity)
            fields.append(("JournalDebitLine" if value > 0 else "JournalCreditLine", tuple(parts)))
        return tuple(fields)
