"""A simulated QuickBooks: answers qbXML message sets from a :class:`SimulatedCompany`.

It behaves like QuickBooks behind the Web Connector: a session begins with the host/company/
preferences answer (the "HCP response"), iterators live only as long as the session, a request
that breaks the schema fails the whole message set with an hresult, and each request otherwise
gets its own status. ``failures`` injects errors for tests of the sync engine's error handling:

* ``{"InvoiceQueryRq": 3175}`` — every InvoiceQueryRq gets status 3175;
* ``{"InvoiceQueryRq:1": 3175}`` — only the first one does (later ones succeed), so "retry in
  the next session" can be tested;
* status 3391 applies to ``iterator="Continue"`` requests only and also kills that iterator, as
  when QuickBooks lost it: the dataset has to restart;
* a code of 0x80000000 or more is an hresult: ``process()`` raises
  :class:`QuickBooksHResultError` for any message set holding that request;
* ``{"open": 0x80040408}`` (an hresult) — opening the company file fails: ``begin_session()``
  raises, and the Web Connector reports it with connectionError, as when QuickBooks cannot be
  started, another company file is open or a modal dialog is showing (``"open:1"``: only the
  first time).

:func:`parse_failures` builds such a mapping from ``"3175:invoices"``-style specs.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Final

from qbdsync.session.processor import OpenedCompany
from qbdsync.simulator.catalogue import LIST_QUERIES, NO_ITERATOR_QUERIES, TXN_QUERIES
from qbdsync.simulator.company import SimulatedCompany
from qbdsync.simulator.factories import Record
from qbdsync.simulator.message_sets import DropWrite, MessageSetStore, WriteFaults
from qbdsync.simulator.queries import (
    NO_MATCH_MESSAGE,
    Key,
    QueryStatus,
    deleted_records,
    select_list,
    select_txns,
    shape,
)
from qbdsync.simulator.render import Response, render_document
from qbdsync.simulator.request_parser import (
    MessageSet,
    QueryRequest,
    RequestRejected,
    parse_message_set,
)
from qbdsync.simulator.writes import WriteProcessor

QBXML_MAJOR: Final[str] = "16"
QBXML_MINOR: Final[str] = "0"
NO_SESSION: Final[str] = "0x8004040D"

_FAILURE_MESSAGES: Final[dict[int, str]] = {
    500: "The query request has not been fully completed.",
    1000: "There was an internal error while processing the request.",
    3170: "There was an error when modifying the list. It has been modified by another user.",
    3175: "There was an error when locking the object. It is in use by another user.",
    3176: "There was an error when locking the object. QuickBooks could not lock it.",
    3180: "There was an error when saving. QuickBooks error message: record in use.",
    3250: "This feature is not enabled or not available in this version of QuickBooks.",
    3261: "The integrated application has no permission to access personal data.",
}


HRESULT_BASE: Final[int] = 0x80000000
# The failure target that is not a request: opening the company file (begin_session).
OPEN: Final[str] = "open"
# What QuickBooks says when opening the company file fails (for the hresults a test injects
# most); others get a generic text.
_OPEN_MESSAGES: Final[dict[int, str]] = {
    0x80040408: "Could not start QuickBooks.",
    0x8004040A: "A QuickBooks company data file is already open and it is different from the "
    "one requested.",
    0x80040414: "A modal dialog box is showing in the QuickBooks user interface. Your "
    "application cannot access QuickBooks until the user dismisses the dialog box.",
    0x80040416: "If QuickBooks is not running, a call to BeginSession must include the name "
    "of the company data file.",
    0x80040420: "The QuickBooks user has denied access.",
}
STALE_ITERATOR: Final[int] = 3391

# Codat data type → the query requests that read it (see docs TYPES table).
CODAT_REQUESTS: Final[dict[str, tuple[str, ...]]] = {
    "accounts": ("AccountQueryRq",),
    "bankAccounts": ("AccountQueryRq",),
    "customers": ("CustomerQueryRq",),
    "suppliers": ("VendorQueryRq",),
    "employees": ("EmployeeQueryRq",),
    "items": (
        "ItemQueryRq",
        "ItemServiceQueryRq",
        "ItemNonInventoryQueryRq",
        "ItemInventoryQueryRq",
        "ItemInventoryAssemblyQueryRq",
        "ItemOtherChargeQueryRq",
        "ItemDiscountQueryRq",
        "ItemPaymentQueryRq",
        "ItemSubtotalQueryRq",
        "ItemGroupQueryRq",
        "ItemFixedAssetQueryRq",
    ),
    "taxRates": ("SalesTaxCodeQueryRq", "ItemSalesTaxQueryRq", "ItemSalesTaxGroupQueryRq"),
    "trackingCategories": ("ClassQueryRq", "InventorySiteQueryRq"),
    "paymentMethods": ("PaymentMethodQueryRq",),
    "terms": ("TermsQueryRq", "StandardTermsQueryRq", "DateDrivenTermsQueryRq"),
    "currencies": ("CurrencyQueryRq",),
    "invoices": ("InvoiceQueryRq",),
    "creditNotes": ("CreditMemoQueryRq",),
    "payments": ("ReceivePaymentQueryRq",),
    "salesOrders": ("SalesOrderQueryRq",),
    "estimates": ("EstimateQueryRq",),
    "bills": ("BillQueryRq",),
    "billCreditNotes": ("VendorCreditQueryRq",),
    "billPayments": ("BillPaymentCheckQueryRq", "BillPaymentCreditCardQueryRq"),
    "purchaseOrders": ("PurchaseOrderQueryRq",),
    "itemReceipts": ("ItemReceiptQueryRq",),
    "journalEntries": ("JournalEntryQueryRq",),
    "directCosts": ("CheckQueryRq", "CreditCardChargeQueryRq"),
    "directIncomes": ("SalesReceiptQueryRq", "DepositQueryRq"),
    "transfers": ("TransferQueryRq",),
    "deletions": ("ListDeletedQueryRq", "TxnDeletedQueryRq"),
}


def parse_failures(specs: Iterable[str]) -> dict[str, int]:
    """``"CODE:TARGET[:TIMES]"`` specs → a ``failures`` mapping for :class:`SimulatedQuickBooks`.

    CODE is a status code (``3175``) or an hresult (``0x80040400``); TARGET a Codat data type
    (``invoices``, ``billPayments`` → both bill payment queries) or a request name
    (``InvoiceQueryRq``) or ``open`` (opening the company file, hresults only); TIMES limits
    the failure to the first N matching requests.
    """
    failures: dict[str, int] = {}
    for spec in specs:
        parts = spec.strip().split(":")
        if len(parts) not in (2, 3) or not all(parts):
            raise ValueError(f"failure spec {spec!r} is not CODE:TARGET[:TIMES]")
        code_text, target = parts[0], parts[1]
        try:
            code = int(code_text, 16) if code_text.lower().startswith("0x") else int(code_text)
        except ValueError:
            raise ValueError(f"failure spec {spec!r} has a bad code") from None
        if target == OPEN:
            if code < HRESULT_BASE:
                raise ValueError(f"failure spec {spec!r}: opening the file fails with an hresult")
            requests: tuple[str, ...] = (OPEN,)
        elif target.endswith("Rq"):
            requests = (target,)
        elif target in CODAT_REQUESTS:
            requests = CODAT_REQUESTS[target]
        else:
            raise ValueError(f"failure spec {spec!r} names an unknown data type {target!r}")
        suffix = ""
        if len(parts) == 3:
            if not parts[2].isdigit() or int(parts[2]) < 1:
                raise ValueError(f"failure spec {spec!r} has a bad repeat count")
            suffix = f":{int(parts[2])}"
        for request in requests:
            failures[request + suffix] = code
    return failures


@dataclass
class _Failure:
    code: int
    remaining: int | None  # None: every time


def _failure_table(failures: Mapping[str, int]) -> dict[str, _Failure]:
    table: dict[str, _Failure] = {}
    for key, code in failures.items():
        name, _, times = key.partition(":")
        table[name] = _Failure(code, int(times) if times else None)
    return table


class QuickBooksHResultError(Exception):
    """QuickBooks refused a whole request (the COM call failed with this hresult)."""

    def __init__(self, hresult: str, message: str) -> None:
        super().__init__(f"{hresult}: {message}")
        self.hresult = hresult
        self.message = message


# What QuickBooks answers when a session opens the company file: the session core's type, under
# the name the simulator's callers know.
HostSession = OpenedCompany


@dataclass
class _Iterator:
    request_name: str
    keys: list[Key]
    position: int


def severity_of(code: int) -> str:
    if code < 500:
        return "Info"
    return "Warn" if code < 1000 else "Error"


class SimulatedQuickBooks:
    """QuickBooks with one company file open, serving one integrated application."""

    def __init__(
        self,
        company: SimulatedCompany,
        *,
        failures: Mapping[str, int] | None = None,
        drop_write: DropWrite | None = None,
    ) -> None:
        self.company = company
        self.writes = WriteProcessor(company)
        self.message_sets = MessageSetStore(company)
        self.write_faults = WriteFaults(drop_write)
        self.failures: dict[str, int] = dict(failures or {})
        self._failures = _failure_table(self.failures)
        self._iterators: dict[str, _Iterator] | None = None
        # Iterator ids are GUIDs; seeded so that a test run is reproducible.
        self._guids = random.Random(f"{company.seed}:iterators")

    # -- sessions ---------------------------------------------------------------------------

    def begin_session(self) -> HostSession:
        """Open a session (ending any previous one) and answer the HCP queries; raises
        :class:`QuickBooksHResultError` when an ``open`` failure is injected."""
        self._iterators = None
        opening = self._failures.get(OPEN)
        if opening is not None and (opening.remaining is None or opening.remaining > 0):
            if opening.remaining is not None:
                opening.remaining -= 1
            code = opening.code
            raise QuickBooksHResultError(
                f"0x{code:08X}", _OPEN_MESSAGES.get(code, f"Simulated failure 0x{code:08X}.")
            )
        self._iterators = {}
        company = self.company
        company_record = company.company_info
        stamps = [
            {
                "OwnerID": owner_id,
                "DataExtName": "FileID",
                "DataExtType": "STR255TYPE",
                "DataExtValue": file_id,
            }
            for owner_id, file_id in company.data_ext().items()
        ]
        if stamps:
            company_record["DataExtRet"] = stamps
        hcp = render_document(
            [
                Response("HostQueryRs", "0", records=[("HostRet", company.host_info)]),
                Response("CompanyQueryRs", "1", records=[("CompanyRet", company_record)]),
                Response(
                    "PreferencesQueryRs", "2", records=[("PreferencesRet", company.preferences)]
                ),
            ]
        )
        return HostSession(
            hcp_response=hcp,
            country=company.country,
            major=QBXML_MAJOR,
            minor=QBXML_MINOR,
            company_file=company.company_file,
        )

    def end_session(self) -> None:
        """Close the session: every iterator dies with it."""
        self._iterators = None

    # -- requests ---------------------------------------------------------------------------

    def process(self, request_xml: str) -> str:
        """Answer a qbXML request document, or raise :class:`QuickBooksHResultError`."""
        if self._iterators is None:
            raise QuickBooksHResultError(NO_SESSION, "There is no open QuickBooks session.")
        versions = list(self.company.host_info["SupportedQBXMLVersion"])
        try:
            message_set = parse_message_set(request_xml, versions)
        except RequestRejected as error:
            raise QuickBooksHResultError(error.hresult, error.message) from None
        for request in message_set.requests:
            failure = self._take_failure(request, hresults=True)
            if failure is not None:
                raise QuickBooksHResultError(
                    f"0x{failure:08X}", f"Simulated failure of {request.name}."
                )
        with self.company.lock:
            if message_set.new_message_set_id or message_set.old_message_set_id is not None:
                return self.message_sets.process(
                    message_set, lambda: self._answer_all(message_set), self.write_faults
                )
            self.write_faults.begin_set(message_set)
            responses = self._answer_all(message_set)
            self.write_faults.lose_unstored()
        return render_document(responses)

    def _answer_all(self, message_set: MessageSet) -> list[Response]:
        responses = []
        for request in message_set.requests:
            response = self._answer(request)
            responses.append(response)
            if response.status_severity == "Error" and message_set.on_error != ("continueOnError"):
                break
        return responses

    def _answer(self, request: QueryRequest) -> Response:
        rs_name = request.name[:-2] + "Rs"
        failure = self._take_failure(request, hresults=False)
        if failure == STALE_ITERATOR:
            iterator_id = request.iterator_id or ""
            self._session_iterators().pop(iterator_id, None)
            return _status(
                rs_name, request, failure, f'The iteratorID "{iterator_id}" is not valid.'
            )
        if failure is None and request.name in self.company.unsupported:
            failure = 3250
        if failure is not None:
            return _status(
                rs_name,
                request,
                failure,
                _FAILURE_MESSAGES.get(failure, f"Simulated failure {failure}."),
            )
        try:
            return self._run(rs_name, request)
        except QueryStatus as status:
            return _status(rs_name, request, status.code, status.message, status.severity)

    def _take_failure(self, request: QueryRequest, *, hresults: bool) -> int | None:
        """The injected failure for this request, if any (counting down limited ones)."""
        failure = self._failures.get(request.name)
        if failure is None or (failure.code >= HRESULT_BASE) != hresults:
            return None
        if failure.code == STALE_ITERATOR and request.iterator != "Continue":
            return None
        if failure.remaining is not None:
            if failure.remaining <= 0:
                return None
            failure.remaining -= 1
        return failure.code

    def _run(self, rs_name: str, request: QueryRequest) -> Response:
        if request.body is not None:
            return self.writes.answer(request)
        company = self.company
        name = request.name
        if name == "HostQueryRq":
            return _found(rs_name, request, [("HostRet", shape(company.host_info, request))])
        if name == "CompanyQueryRq":
            record = company.company_info
            owners = set(request.values.get("OwnerID", []))
            stamps = [
                {
                    "OwnerID": owner,
                    "DataExtName": "FileID",
                    "DataExtType": "STR255TYPE",
                    "DataExtValue": file_id,
                }
                for owner, file_id in company.data_ext().items()
                if owner in owners
            ]
            if stamps:
                record["DataExtRet"] = stamps
            return _found(rs_name, request, [("CompanyRet", shape(record, request))])
        if name == "PreferencesQueryRq":
            return _found(
                rs_name, request, [("PreferencesRet", shape(company.preferences, request))]
            )
        if name in ("ListDeletedQueryRq", "TxnDeletedQueryRq"):
            return _found(rs_name, request, deleted_records(company, request))
        if request.iterator == "Continue":
            return self._continue(rs_name, request)
        if request.iterator == "Stop":
            self._session_iterators().pop(request.iterator_id or "", None)
            return Response(rs_name, request.request_id)
        selection = select_list(company, request) if name in LIST_QUERIES else None
        if selection is None and name in TXN_QUERIES:
            selection = select_txns(company, request)
        if selection is None:
            raise QueryStatus(3250, "Error", _FAILURE_MESSAGES[3250])
        keys = selection.keys
        max_returned = _max_returned(request)
        if request.iterator == "Start" and name not in NO_ITERATOR_QUERIES:
            iterator_id = "{" + str(uuid.UUID(int=self._guids.getrandbits(128), version=4)) + "}"
            iterator = _Iterator(name, keys, 0)
            self._session_iterators()[iterator_id] = iterator
            return self._page(rs_name, request, iterator_id, iterator, max_returned)
        if max_returned is not None:
            keys = keys[:max_returned]
        response = _found(rs_name, request, self._load(keys, request))
        if selection.warning and response.status_code in (0, 1):
            response.status_code, response.status_severity = 500, "Warn"
            response.status_message = selection.warning
        return response

    def _continue(self, rs_name: str, request: QueryRequest) -> Response:
        iterator_id = request.iterator_id or ""
        iterator = self._session_iterators().get(iterator_id)
        if iterator is None or iterator.request_name != request.name:
            raise QueryStatus(3391, "Error", f'The iteratorID "{iterator_id}" is not valid.')
        return self._page(rs_name, request, iterator_id, iterator, _max_returned(request))

    def _page(
        self,
        rs_name: str,
        request: QueryRequest,
        iterator_id: str,
        iterator: _Iterator,
        max_returned: int | None,
    ) -> Response:
        """One iterator page; the last page still carries the iteratorID (remaining 0)."""
        end = len(iterator.keys) if max_returned is None else iterator.position + max_returned
        page = iterator.keys[iterator.position : end]
        iterator.position += len(page)
        records = self._load(page, request)
        response = _found(rs_name, request, records)
        response.ret_count = len(records)
        response.iterator_remaining = len(iterator.keys) - iterator.position
        response.iterator_id = iterator_id
        return response

    def _load(self, keys: list[Key], request: QueryRequest) -> list[tuple[str, Record]]:
        return [(ret_type, shape(record, request)) for ret_type, record in self.company.fetch(keys)]

    def _session_iterators(self) -> dict[str, _Iterator]:
        if self._iterators is None:  # pragma: no cover - process() checks first
            raise QuickBooksHResultError(NO_SESSION, "There is no open QuickBooks session.")
        return self._iterators


def _max_returned(request: QueryRequest) -> int | None:
    value = request.first("MaxReturned")
    if value is None:
        return None
    try:
        number = int(value)
    except ValueError:
        raise QueryStatus(3020, "Error", f'Invalid MaxReturned value "{value}".') from None
    if number < 0:
        raise QueryStatus(3020, "Error", f'Invalid MaxReturned value "{value}".')
    return number


def _found(rs_name: str, request: QueryRequest, records: list[tuple[str, Record]]) -> Response:
    if not records:
        return Response(rs_name, request.request_id, 1, "Info", NO_MATCH_MESSAGE)
    return Response(rs_name, request.request_id, records=records)


def _status(
    rs_name: str, request: QueryRequest, code: int, message: str, severity: str | None = None
) -> Response:
    return Response(rs_name, request.request_id, code, severity or severity_of(code), message)
