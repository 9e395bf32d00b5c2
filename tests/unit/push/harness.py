"""A small real setting for push kinds: a simulated company, our mapping of its records as the
lookup, and a round trip through the write builder and the simulated QuickBooks.

The lookup is a plain class over the simulated company's records mapped exactly as a sync maps
them (the dataset registry's mappers, derived rows included), not a mock.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from qbdsync.push.fields import same_name
from qbdsync.push.kinds import (
    CompanyProfile,
    PendingName,
    PushAction,
    PushKind,
    Referenced,
    ValidationIssue,
)
from qbdsync.push.results import context_for
from qbdsync.qbxml.parser import Record, ResponseStatus, parse_response
from qbdsync.qbxml.writes import build_write_set
from qbdsync.simulator.company import SimulatedCompany
from qbdsync.simulator.quickbooks import SimulatedQuickBooks
from qbdsync.sync.datasets import DATASETS
from qbdsync.sync.output import RecordRow

_guids = iter(f"{{7C29FC40-CA47-1067-B31D-{n:012X}}}" for n in range(1, 100_000))


def guid() -> str:
    return next(_guids)


class CompanyLookup:
    """The simulated company's records as the store would hold them after a sync."""

    def __init__(self, company: SimulatedCompany, profile: CompanyProfile) -> None:
        self.records: dict[tuple[str, str], Referenced] = {}
        for dataset in DATASETS.values():
            for ret_name in sorted(dataset.ret_names):
                context = context_for(profile, ret_name)
                for raw in company.records(ret_name):
                    record_id = raw[dataset.id_field]
                    data = dataset.mapper(raw, context)
                    self._keep(dataset.data_type, record_id, data, raw, ret_name)
                    for derivation in dataset.derived:
                        for derived in derivation.mapper(raw, context):
                            self._keep(derivation.data_type, derived["id"], derived, raw, ret_name)

    def _keep(
        self, data_type: str, record_id: str, data: Mapping[str, Any], raw: Any, ret_name: str
    ) -> None:
        self.records[(data_type, record_id)] = Referenced(
            data_type, record_id, data, raw, raw.get("EditSequence"), ret_name
        )

    def find(self, data_type: str, record_id: str) -> Referenced | None:
        return self.records.get((data_type, record_id))

    def named(self, data_types: Sequence[str], name: str) -> list[Referenced]:
        """As the store's lookup: the FullName (else Name), compared as QuickBooks does."""
        found = []
        for (data_type, _), record in self.records.items():
            held = record.raw.get("FullName") or record.raw.get("Name")
            if data_type in data_types and isinstance(held, str) and same_name(held, name):
                found.append(record)
        return found

    def pending_named(self, data_types: Sequence[str], name: str) -> list[PendingName]:
        """No push is queued here: each unit test sends its write at once."""
        return []

    def learn(self, rows: list[RecordRow], ret_name: str) -> None:
        """What a push's result rows make readable (as the store would after the push)."""
        for row in rows:
            assert row.data is not None
            self._keep(row.data_type, row.record_id, row.data, row.raw, ret_name)

    def all(self, data_type: str) -> list[Referenced]:
        return [r for (t, _), r in self.records.items() if t == data_type]


@dataclass
class Outcome:
    record: Record
    rows: list[RecordRow]
    before: int
    after: int
    request_xml: str

    @property
    def primary(self) -> RecordRow:
        return self.rows[0]


def us_profile(version: str = "16.0") -> CompanyProfile:
    return CompanyProfile("US", "QuickBooks Enterprise Solutions", False, "USD", version)


def send(
    kind: PushKind,
    action: PushAction,
    payload: Mapping[str, Any],
    quickbooks: SimulatedQuickBooks,
    lookup: CompanyLookup,
    profile: CompanyProfile,
    *,
    ret_type: str,
    target: Referenced | None = None,
) -> Outcome:
    """Validate (must pass), prepare, send in a message set and map the answer."""
    # As the outbox does: an update names its record (whose own name is no clash).
    record_id = target.record_id if target is not None else None
    issues = kind.validate(action, payload, profile, lookup, record_id=record_id)
    assert issues == [], issues
    prepared = kind.prepare(
        action,
        payload,
        profile,
        lookup,
        request_id="p1",
        external_guid=guid(),
        target=target,
    )
    company = quickbooks.company
    before = company.count(ret_type)
    xml = build_write_set(profile.qbxml_version, [prepared.request], new_message_set_id="m1")
    events = parse_response(quickbooks.process(xml))
    statuses = [e for e in events if isinstance(e, ResponseStatus)]
    assert statuses and all(s.code == 0 for s in statuses), statuses
    records = [e for e in events if isinstance(e, Record)]
    assert len(records) == 1, records
    after = company.count(ret_type)
    rows = kind.result(records[0], profile)
    lookup.learn(rows, records[0].ret_name)
    return Outcome(records[0], rows, before, after, xml)


def paths(issues: list[ValidationIssue]) -> dict[str, str]:
    """item_id → validator of each issue."""
    return {issue.item_id: issue.validator for issue in issues}


def account(lookup: CompanyLookup, qb_type: str) -> Referenced:
    return next(
        r
        for r in lookup.all("accounts")
        if r.raw.get("AccountType") == qb_type
        and r.raw.get("IsActive") == "true"
        and "ParentRef" not in r.raw
    )


def item(lookup: CompanyLookup, ret_name: str = "ItemServiceRet") -> Referenced:
    return next(
        r for r in lookup.all("items") if r.ret_name == ret_name and r.raw.get("IsActive") == "true"
    )


def active(lookup: CompanyLookup, data_type: str) -> Referenced:
    return next(
        r
        for r in lookup.all(data_type)
        if r.raw.get("IsActive") == "true" and "ParentRef" not in r.raw
    )


def rows_of(outcome: Outcome, data_type: str) -> list[RecordRow]:
    return [row for row in outcome.rows if row.data_type == data_type]
