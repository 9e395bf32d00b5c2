"""QuickBooks' answer to a write → what the push records.

* A record (an ``…AddRs``/``…ModRs``) → the rows a sync would store. The same dataset registry
  and mappers as a sync are used, derived rows included (a check is a direct cost and a bank
  transaction), so the data endpoints serve a pushed record at once and exactly as the next
  sync will.
* A refusal QuickBooks words about a name or a record → the payload field at fault: 3100 (the
  name is in use: by whom, from the synced data, since QuickBooks does not say) and 3140 (an
  invalid reference: the payload field whose id the request carried as the value QuickBooks
  quotes).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Final

from qbdsync.errors import InvalidValue
from qbdsync.mapping.common import MappingContext
from qbdsync.push.fields import NameSpace, label, same_name
from qbdsync.push.kinds import (
    CompanyProfile,
    PendingName,
    Referenced,
    Refusal,
    ValidationIssue,
)
from qbdsync.qbxml.parser import Record
from qbdsync.qbxml.writes import AddRequest, Field, ModRequest
from qbdsync.sync.datasets import DATASETS, Dataset
from qbdsync.sync.output import EDIT_SEQUENCE_CHARS, RecordRow
from qbdsync.untrusted import quote_untrusted

NAME_IN_USE: Final = 3100
INVALID_REFERENCE: Final = 3140
# The refusals a kind can tie to the payload's fields.
EXPLAINED: Final = frozenset({NAME_IN_USE, INVALID_REFERENCE})
# 'There is an invalid reference to QuickBooks Customer "80000001-1234" in the Invoice.
# QuickBooks error message: …': the kind of record and the value the request carried.
_INVALID_REFERENCE: Final = re.compile(
    r'invalid reference to QuickBooks\s+(?P<what>[A-Za-z ]+?)\s+"(?P<value>.*?)"\s+in\s+the',
    re.DOTALL,
)
_QUOTED: Final = re.compile(r'"([^"]+)"')


def dataset_for(ret_name: str) -> Dataset:
    for dataset in DATASETS.values():
        if ret_name in dataset.ret_names:
            return dataset
    raise LookupError(f"no dataset maps {ret_name}")


def context_for(profile: CompanyProfile, ret_name: str) -> MappingContext:
    return MappingContext(
        home_currency=profile.home_currency, country=profile.country, ret_name=ret_name
    )


def result_rows(ret: Record, profile: CompanyProfile) -> list[RecordRow]:
    """The record and every row derived from it, mapped as a sync maps them."""
    dataset = dataset_for(ret.ret_name)
    raw = ret.data
    record_id = raw[dataset.id_field]
    edit_sequence = raw.get("EditSequence")
    if not isinstance(edit_sequence, str) or len(edit_sequence) > EDIT_SEQUENCE_CHARS:
        edit_sequence = None
    modified = raw.get("TimeModified")
    modified = modified if isinstance(modified, str) else None
    context = context_for(profile, ret.ret_name)
    try:
        data = dataset.mapper(raw, context)
    except InvalidValue as exc:
        return [
            RecordRow(dataset.data_type, record_id, edit_sequence, modified, raw, None, str(exc))
        ]
    gaps = "; ".join(context.issues.take()) or None
    rows = [RecordRow(dataset.data_type, record_id, edit_sequence, modified, raw, data, gaps)]
    for derivation in dataset.derived:
        try:
            derived = derivation.mapper(raw, context)
        except InvalidValue:
            continue  # as a sync does: the source record is kept, the derived row is not made
        notes = "; ".join(context.issues.take()) or gaps
        rows.extend(
            RecordRow(derivation.data_type, item["id"], edit_sequence, modified, raw, item, notes)
            for item in derived
        )
    return rows


# -- refusals ---------------------------------------------------------------------------------


def list_name(record: Referenced) -> str:
    """A synced list record's QuickBooks name (a job's and a sub-account's is its FullName)."""
    for key in ("FullName", "Name"):
        value = record.raw.get(key)
        if isinstance(value, str) and value:
            return value
    return record.record_id


def name_pending(path: str, name: str, space: NameSpace, pending: PendingName) -> ValidationIssue:
    """The name at ``path`` is one a Pending push gives another record: QuickBooks would take
    whichever is sent first and refuse the other with 3100."""
    gives = "renames a" if pending.record_id is not None else "creates a"
    text = (
        f"The name {name!r} is already taken by push {pending.push_key}, still Pending, which "
        f"{gives} {label(pending.data_type)} {pending.name!r} ({space.rule}; names that differ "
        "only in case are the same name). Choose another name, or wait until that push has "
        "finished."
    )
    return ValidationIssue(path, text, "NameInUse")


def name_in_use(
    path: str,
    name: str,
    space: NameSpace,
    holders: Sequence[Referenced],
    said: str | None = None,
) -> ValidationIssue:
    """The name at ``path`` is taken: by the first of ``holders`` when the synced data knows
    who holds it. ``said`` is QuickBooks' own text, when it refused the name itself."""
    if holders:
        holder = holders[0]
        text = (
            f"The name {name!r} is already used by the {label(holder.data_type)} "
            f"{list_name(holder)!r} ({space.rule}; names that differ only in case are the "
            "same name). Choose another name."
        )
    else:
        unsynced = f"{space.unsynced}, or by " if space.unsynced else ""
        *others, last = [label(t) for t in space.data_types]
        kinds = f"{', '.join(others)} or {last}" if others else last
        text = (
            f"QuickBooks refused the name {name!r}: it is already used ({space.rule}). No "
            f"synced {kinds} has that name, so it "
            f"is held by {unsynced}a record added in QuickBooks since the last sync. Choose "
            "another name."
        )
    if said is not None:
        text += f" QuickBooks said: {quote_untrusted(said)}"
    return ValidationIssue(path, text, "NameInUse")


@dataclass(frozen=True, slots=True)
class Carried:
    """A reference of the payload and the record the request named for it."""

    item_id: str  # payload path of the id ("lineItems[0].itemRef.id")
    data_type: str
    target: Referenced


def _values(fields: Sequence[Field]) -> Iterator[str]:
    for _name, value in fields:
        if isinstance(value, str):
            yield value
        else:
            yield from _values(value)


def _quoted(message: str) -> list[str]:
    """The value(s) QuickBooks quotes as the invalid reference: the one its 3140 wording names,
    else every quoted text of the message."""
    match = _INVALID_REFERENCE.search(message)
    if match is not None:
        return [match["value"]]
    return _QUOTED.findall(message)


def invalid_reference(refusal: Refusal, carried: Sequence[Carried]) -> list[ValidationIssue]:
    """The payload fields whose reference QuickBooks refused (3140): those whose record the
    request carried as the quoted value, by ListID/TxnID or by name. Empty when none is."""
    request = refusal.request
    if not isinstance(request, AddRequest | ModRequest):
        return []
    sent = set(_values(request.fields))
    quoted = _quoted(refusal.message)
    said = quote_untrusted(refusal.message)
    issues: list[ValidationIssue] = []
    for reference in carried:
        target = reference.target
        name = list_name(target)
        if target.record_id not in sent and name not in sent:
            continue  # not in the request (a line the kind leaves out): not what was refused
        if not any(value == target.record_id or same_name(value, name) for value in quoted):
            continue
        what = label(reference.data_type)
        text = (
            f"QuickBooks does not know the {what} {name!r} ({target.record_id}) this field "
            "names: it was probably deleted or merged in QuickBooks since the last sync. "
            f"Choose another {what}, or sync and push again. QuickBooks said: {said}"
        )
        issue = ValidationIssue(reference.item_id, text, "ReferenceExists")
        if issue not in issues:
            issues.append(issue)
    return issues
