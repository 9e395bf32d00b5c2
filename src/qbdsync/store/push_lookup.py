"""The push layer's view of a connection's data (push.kinds.Lookup), backed by the store.

A reference resolves to a synced record, or — by its provisional id — to a record an earlier push
creates: while that push is Pending the reference is accepted and the lookup notes the push, so
the new one is queued to wait for it; once it succeeded the provisional id stands for the record
QuickBooks made; once it failed or timed out the reference resolves to nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, and_, func, select

from qbdsync.mapping.currencies import company_currency
from qbdsync.push.fields import name_key, same_name
from qbdsync.push.kinds import CompanyProfile, PendingName, PushAction, Referenced
from qbdsync.push.registry import KINDS, kind_for
from qbdsync.push.taxes import tax_codes
from qbdsync.statuses import PushStatus
from qbdsync.store import pushes as push_store
from qbdsync.store import records as record_store
from qbdsync.store.companies import ConnectionRow
from qbdsync.store.tables import records
from qbdsync.sync.datasets import DATASETS

# A bank account is an account in QuickBooks: a bankAccounts push makes a record that an
# accountRef may name.
_FAMILIES = {"bankAccounts": "accounts"}


def _family(data_type: str) -> str:
    return _FAMILIES.get(data_type, data_type)


def _only_ret_names() -> dict[str, str]:
    """The …Ret of each data type QuickBooks returns in one shape only (a customer is always a
    CustomerRet; a direct cost may be a CheckRet or a CreditCardChargeRet, so it is not here).
    The store keeps no …Ret name per record, so for the others it stays unknown and the kind
    tells them apart from the record itself."""
    found: dict[str, set[str]] = {}
    for dataset in DATASETS.values():
        for data_type in (dataset.data_type, *(d.data_type for d in dataset.derived)):
            found.setdefault(data_type, set()).update(dataset.ret_names)
    return {data_type: next(iter(names)) for data_type, names in found.items() if len(names) == 1}


_ONLY_RET_NAMES = _only_ret_names()


class StoreLookup:
    """Records of one connection, read in the caller's transaction."""

    def __init__(self, conn: Connection, connection_id: str) -> None:
        self._conn = conn
        self._connection_id = connection_id
        # Push keys of the pending pushes a reference resolved through, in first-seen order.
        self._waits_for: dict[str, None] = {}
        # What was looked up already: a payload names the same item or tax code on many lines,
        # and nothing here changes the records while one lookup is in use.
        self._found: dict[tuple[str, str], Referenced | None] = {}
        self._named: dict[tuple[tuple[str, ...], str], Sequence[Referenced]] = {}

    @property
    def waits_for(self) -> list[str]:
        """The pending pushes whose records the payloads looked up refer to."""
        return list(self._waits_for)

    def find(self, data_type: str, record_id: str) -> Referenced | None:
        key = (data_type, record_id)
        if key not in self._found:
            if push_store.is_provisional(record_id):
                self._found[key] = self._provisional(data_type, record_id)
            else:
                self._found[key] = self._record(data_type, record_id)
        return self._found[key]

    def named(self, data_types: Sequence[str], name: str) -> Sequence[Referenced]:
        """Live records of these types QuickBooks holds under ``name`` (case aside): their
        FullName, or Name where the record has none (a vendor, an employee, a tax code)."""
        key = (tuple(data_types), name_key(name))
        if key not in self._named:
            self._named[key] = self._holding(data_types, name)
        return self._named[key]

    def pending_named(self, data_types: Sequence[str], name: str) -> Sequence[PendingName]:
        families = {_family(t) for t in data_types}
        # The pushes of every data type that makes records of these families (a bankAccounts
        # push makes an account): read only those, and only the creates and renames.
        pushed_types = [t for t in KINDS if _family(t) in families]
        found = []
        for push in push_store.pending_for_connection(
            self._conn,
            self._connection_id,
            data_types=pushed_types,
            actions=(PushAction.CREATE, PushAction.UPDATE),
        ):
            kind = kind_for(push.data_type)
            given = kind.list_name(push.payload, self) if kind is not None else None
            if given is not None and same_name(given, name):
                found.append(
                    PendingName(
                        push_key=push.push_key,
                        data_type=push.data_type,
                        name=given,
                        record_id=push.record_id,
                    )
                )
        return found

    def _holding(self, data_types: Sequence[str], name: str) -> Sequence[Referenced]:
        stored = func.coalesce(
            records.c.raw["FullName"].as_string(), records.c.raw["Name"].as_string()
        )
        rows = self._conn.execute(
            select(
                records.c.data_type,
                records.c.record_id,
                records.c.data,
                records.c.raw,
                records.c.edit_sequence,
                stored,
            )
            .where(
                and_(
                    records.c.connection_id == self._connection_id,
                    records.c.data_type.in_(list(data_types)),
                    records.c.is_deleted.is_(False),
                    # Case folding is left to Python (SQLite's lower() folds A-Z only); the
                    # length, which folding keeps, narrows the rows read.
                    func.length(stored) == len(name),
                )
            )
            .order_by(records.c.data_type, records.c.record_id)
        )
        return [
            Referenced(
                data_type=row.data_type,
                record_id=row.record_id,
                data=dict(row.data or {}),
                raw=dict(row.raw or {}),
                edit_sequence=row.edit_sequence,
                ret_name=_ONLY_RET_NAMES.get(row.data_type),
            )
            for row in rows
            if isinstance(row[5], str) and same_name(row[5], name)
        ]

    def _record(self, data_type: str, record_id: str) -> Referenced | None:
        row = self._conn.execute(
            select(records.c.data, records.c.raw, records.c.edit_sequence).where(
                and_(
                    records.c.connection_id == self._connection_id,
                    records.c.data_type == data_type,
                    records.c.record_id == record_id,
                    records.c.is_deleted.is_(False),
                )
            )
        ).first()
        if row is None:
            return None
        return Referenced(
            data_type=data_type,
            record_id=record_id,
            data=dict(row.data or {}),
            raw=dict(row.raw or {}),
            edit_sequence=row.edit_sequence,
            ret_name=_ONLY_RET_NAMES.get(data_type),
        )

    def _provisional(self, data_type: str, provisional_id: str) -> Referenced | None:
        push = push_store.by_provisional_id(self._conn, provisional_id)
        if push is None or push.connection_id != self._connection_id:
            return None
        if _family(push.data_type) != _family(data_type):
            return None
        if push.status == PushStatus.SUCCESS and push.result_record_id is not None:
            return self._record(data_type, push.result_record_id)
        if push.status != PushStatus.PENDING:
            return None
        self._waits_for.setdefault(push.push_key, None)
        data: dict[str, Any] = {**push.payload, "id": provisional_id}
        return Referenced(
            data_type=data_type, record_id=provisional_id, data=data, raw={}, edit_sequence=None
        )


def company_profile(conn: Connection, connection: ConnectionRow) -> CompanyProfile | None:
    """What the company file accepts, from what its sessions recorded: country, product and
    qbXML version on the connection, the home currency in the company info, multicurrency and
    the currencies from the Currency list (QuickBooks has one only with multicurrency on). None
    before the first session opened the file: there is nothing yet to validate a push against."""
    if connection.qb_country is None or connection.qbxml_version is None:
        return None
    info = record_store.get_record(conn, [connection.id], "company", "company") or {}
    home = info.get("baseCurrency")
    stored = record_store.iter_records(conn, connection.id, "currencies", include_deleted=False)
    listed = [c for r in stored if (c := company_currency(r["raw"])) is not None]
    rates = record_store.iter_records(conn, connection.id, "taxRates", include_deleted=False)
    return CompanyProfile(
        country=connection.qb_country,
        edition=connection.qb_product,
        multicurrency=bool(stored),
        home_currency=home if isinstance(home, str) else None,
        qbxml_version=connection.qbxml_version,
        currencies=tuple((c.code, c.list_id) for c in listed),
        tax_codes=tax_codes(r["data"] or {} for r in rates),
    )
