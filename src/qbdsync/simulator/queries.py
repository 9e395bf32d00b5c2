"""Answering query requests from a simulated company, with QuickBooks' filter semantics.

Modified-date filters are inclusive and compared on the local wall clock: the offset of a
filter value is ignored (QuickBooks reads it as local time) and a ``Z`` suffix is refused with
status 3020. ``ActiveStatus`` defaults to ActiveOnly. Results are ordered by TimeModified wall
clock, then id, so iterator pages are stable.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from qbdsync.simulator.catalogue import LIST_QUERIES, TXN_QUERIES
from qbdsync.simulator.company import SimulatedCompany
from qbdsync.simulator.factories import Record, cents_of
from qbdsync.simulator.request_parser import QueryRequest

Key = tuple[str, str]
Predicate = Callable[[Record], bool]

NO_MATCH_MESSAGE: Final[str] = "A query request did not find a matching object in QuickBooks"

# The header account an AccountFilter matches, per transaction kind.
_ACCOUNT_ELEMENTS: Final[tuple[str, ...]] = (
    "ARAccountRef",
    "APAccountRef",
    "AccountRef",
    "BankAccountRef",
    "CreditCardAccountRef",
    "DepositToAccountRef",
    "TransferFromAccountRef",
    "TransferToAccountRef",
)
# Elements returned only with IncludeLineItems / IncludeLinkedTxns.
LINE_ELEMENTS: Final[frozenset[str]] = frozenset(
    {
        "InvoiceLineRet",
        "CreditMemoLineRet",
        "SalesReceiptLineRet",
        "SalesOrderLineRet",
        "EstimateLineRet",
        "PurchaseOrderLineRet",
        "ExpenseLineRet",
        "ItemLineRet",
        "ItemGroupLineRet",
        "JournalDebitLine",
        "JournalCreditLine",
        "DepositLineRet",
        "AppliedToTxnRet",
    }
)

_DATE_TIME = re.compile(r"(\d{4}-\d{2}-\d{2})(?:T(\d{2}:\d{2}:\d{2})(?:[+-]\d{2}:\d{2})?)?")


class QueryStatus(Exception):
    """A query that ends with a status code instead of records (the set goes on)."""

    def __init__(self, code: int, severity: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.severity = severity
        self.message = message


@dataclass
class Selection:
    """The ids a query matches, plus a status warning (500) for ids asked for but not found."""

    keys: list[Key]
    warning: str | None = None


def wall_bound(value: str, field: str, *, upper: bool) -> str:
    """A filter date-time → local wall clock ``YYYY-MM-DDTHH:MM:SS`` (offset ignored)."""
    match = _DATE_TIME.fullmatch(value.strip())
    if match is None:
        raise QueryStatus(
            3020,
            "Error",
            f'There was an error when converting the date value "{value}" in the field "{field}".',
        )
    day, clock = match.groups()
    if clock is None:
        clock = "23:59:59" if upper else "00:00:00"
    return f"{day}T{clock}"


def select_list(company: SimulatedCompany, request: QueryRequest) -> Selection:
    ret_types = LIST_QUERIES[request.name]
    ids = request.values.get("ListID")
    names = request.values.get("FullName")
    if ids is not None or names is not None:
        keys = company.select_ids(ret_types, ids=ids, names=names)
        return Selection(keys, _missing(keys, company, ret_types, ids, names))
    status = request.first("ActiveStatus") or "ActiveOnly"
    active = {"ActiveOnly": True, "InactiveOnly": False}.get(status)
    from_value = request.first("FromModifiedDate")
    to_value = request.first("ToModifiedDate")
    keys = company.select_ids(
        ret_types,
        from_wall=wall_bound(from_value, "FromModifiedDate", upper=False) if from_value else None,
        to_wall=wall_bound(to_value, "ToModifiedDate", upper=True) if to_value else None,
        active=active,
        name_match=_name_match(request, "NameFilter", "Name"),
        name_range=_name_range(request, "NameRangeFilter", "FromName", "ToName"),
    )
    predicates: list[Predicate] = []
    if "AccountType" in request.values:
        wanted = set(request.values["AccountType"])
        predicates.append(lambda r: r.get("AccountType") in wanted)
    _common_predicates(request, predicates)
    return Selection(_filtered(company, keys, predicates))


def select_txns(company: SimulatedCompany, request: QueryRequest) -> Selection:
    ret_types = TXN_QUERIES[request.name]
    ids = request.values.get("TxnID")
    refs = request.values.get("RefNumber") or request.values.get("RefNumberCaseSensitive")
    if ids is not None or refs is not None:
        keys = company.select_ids(ret_types, ids=ids, names=refs)
        return Selection(keys, _missing(keys, company, ret_types, ids, refs))
    from_wall = to_wall = None
    modified = request.filters.get("ModifiedDateRangeFilter", {})
    if "FromModifiedDate" in modified:
        from_wall = wall_bound(modified["FromModifiedDate"][0], "FromModifiedDate", upper=False)
    if "ToModifiedDate" in modified:
        to_wall = wall_bound(modified["ToModifiedDate"][0], "ToModifiedDate", upper=True)
    links = _entity_links(company, request.filters.get("EntityFilter"))
    txn_dates = request.filters.get("TxnDateRangeFilter", {})
    keys = company.select_ids(
        ret_types,
        from_wall=from_wall,
        to_wall=to_wall,
        links=links,
        name_match=_name_match(request, "RefNumberFilter", "RefNumber"),
        name_range=_name_range(request, "RefNumberRangeFilter", "FromRefNumber", "ToRefNumber"),
        txn_dates=(
            (_date(txn_dates, "FromTxnDate"), _date(txn_dates, "ToTxnDate")) if txn_dates else None
        ),
    )
    predicates: list[Predicate] = []
    paid = request.first("PaidStatus")
    if paid == "PaidOnly":
        predicates.append(lambda r: r.get("IsPaid") == "true")
    elif paid == "NotPaidOnly":
        predicates.append(lambda r: r.get("IsPaid") != "true")
    account = request.filters.get("AccountFilter")
    if account:
        tests = [_ref_predicate(element, account) for element in _ACCOUNT_ELEMENTS]
        predicates.append(lambda r: any(test(r) for test in tests))
    _common_predicates(request, predicates)
    return Selection(_filtered(company, keys, predicates))


def deleted_records(company: SimulatedCompany, request: QueryRequest) -> list[tuple[str, Record]]:
    list_query = request.name == "ListDeletedQueryRq"
    del_types = request.values["ListDelType" if list_query else "TxnDelType"]
    dates = request.filters.get("DeletedDateRangeFilter", {})
    from_wall = to_wall = None
    if "FromDeletedDate" in dates:
        from_wall = wall_bound(dates["FromDeletedDate"][0], "FromDeletedDate", upper=False)
    if "ToDeletedDate" in dates:
        to_wall = wall_bound(dates["ToDeletedDate"][0], "ToDeletedDate", upper=True)
    ret_name = "ListDeletedRet" if list_query else "TxnDeletedRet"
    return [(ret_name, r) for r in company.deletions(del_types, from_wall, to_wall)]


def shape(record: Record, request: QueryRequest) -> Record:
    """Drop what the request did not ask for: lines, linked transactions, unlisted elements."""
    if not request.flag("IncludeLineItems"):
        for key in LINE_ELEMENTS.intersection(record):
            record.pop(key)
    if "LinkedTxn" in record and not request.flag("IncludeLinkedTxns"):
        record.pop("LinkedTxn")
    wanted = request.values.get("IncludeRetElement")
    if wanted:
        keep = set(wanted)
        record = {key: value for key, value in record.items() if key in keep}
    return record


def _date(values: dict[str, list[str]], name: str) -> str | None:
    """A FromTxnDate/ToTxnDate value (``YYYY-MM-DD``), checked like QuickBooks does."""
    found = values.get(name)
    if not found:
        return None
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", found[0].strip()) is None:
        raise QueryStatus(
            3020,
            "Error",
            f'There was an error when converting the date value "{found[0]}" in the field'
            f' "{name}".',
        )
    return found[0].strip()


def _missing(
    keys: list[Key],
    company: SimulatedCompany,
    ret_types: tuple[str, ...],
    ids: list[str] | None,
    names: list[str] | None,
) -> str | None:
    found_ids = {record_id for _, record_id in keys}
    for record_id in ids or ():
        if record_id not in found_ids:
            return _not_found(record_id)
    if names:
        found_names = set(company.names_of(keys))
        for name in names:
            if name not in found_names:
                return _not_found(name)
    return None


def _not_found(value: str) -> str:
    return (
        "The query request has not been fully completed. There was a required element "
        f'("{value}") that could not be found in QuickBooks.'
    )


def _name_match(request: QueryRequest, filter_name: str, value_name: str) -> str | None:
    """A NameFilter/RefNumberFilter as an SQL LIKE pattern."""
    found = request.filters.get(filter_name)
    if not found:
        return None
    text = found[value_name][0].replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    criterion = found["MatchCriterion"][0]
    return {"StartsWith": f"{text}%", "Contains": f"%{text}%", "EndsWith": f"%{text}"}[criterion]


def _name_range(
    request: QueryRequest, filter_name: str, low: str, high: str
) -> tuple[str | None, str | None] | None:
    found = request.filters.get(filter_name)
    if not found:
        return None
    return (found.get(low, [None])[0], found.get(high, [None])[0])


def _entity_links(
    company: SimulatedCompany, entity: dict[str, list[str]] | None
) -> list[str] | None:
    """The customer/vendor ListIDs an EntityFilter stands for (WithChildren adds jobs)."""
    if not entity:
        return None
    entities = ("CustomerRet", "VendorRet")

    def by_name(names: list[str]) -> list[str]:
        return [i for _, i in company.select_ids(entities, names=names)] if names else []

    roots = entity.get("ListIDWithChildren", []) + by_name(entity.get("FullNameWithChildren", []))
    ids = entity.get("ListID", []) + by_name(entity.get("FullName", [])) + roots
    return ids + company.descendants(roots)


def _ref_predicate(element: str, wanted: dict[str, list[str]]) -> Predicate:
    ids = set(wanted.get("ListID", []) + wanted.get("ListIDWithChildren", []))
    names = set(wanted.get("FullName", []) + wanted.get("FullNameWithChildren", []))

    def matches(record: Record) -> bool:
        target = record.get(element)
        return target is not None and (target["ListID"] in ids or target["FullName"] in names)

    return matches


def _common_predicates(request: QueryRequest, predicates: list[Predicate]) -> None:
    currency = request.filters.get("CurrencyFilter")
    if currency:
        predicates.append(_ref_predicate("CurrencyRef", currency))
    classes = request.filters.get("ClassFilter")
    if classes:
        predicates.append(_ref_predicate("ClassRef", classes))
    balance = request.filters.get("TotalBalanceFilter")
    if balance:
        operator = balance["Operator"][0]
        amount = cents_of(balance["Amount"][0])
        compare: dict[str, Callable[[int], bool]] = {
            "LessThan": lambda v: v < amount,
            "LessThanEqual": lambda v: v <= amount,
            "Equal": lambda v: v == amount,
            "GreaterThan": lambda v: v > amount,
            "GreaterThanEqual": lambda v: v >= amount,
        }
        test = compare.get(operator)
        if test is None:
            raise QueryStatus(3010, "Error", f'Invalid TotalBalanceFilter operator "{operator}".')
        predicates.append(
            lambda r: test(cents_of(str(r.get("TotalBalance") or r.get("Balance") or "0")))
        )


def _filtered(company: SimulatedCompany, keys: list[Key], predicates: list[Predicate]) -> list[Key]:
    """Apply filters that need the record itself (rare; these load the candidates)."""
    if not predicates:
        return keys
    result = []
    for ret_type, record in company.fetch(keys):
        if all(predicate(record) for predicate in predicates):
            record_id = record.get("TxnID") or record["ListID"]
            result.append((ret_type, record_id))
    return result
